"""`{{ reason|reason }}`: a duplicate reason as stored ("同じ携帯電話 +9.1") in the reader's language."""

from django import template

from ..dedup import linkage

register = template.Library()


@register.filter
def reason(value: str) -> str:
    return linkage.shown(str(value))
