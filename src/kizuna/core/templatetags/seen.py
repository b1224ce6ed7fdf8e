"""Naming related records in templates through the one visibility rule (core.visibility).

{% load seen %}
{% seen_name task.company %}     株式会社山田製作所 / 非公開の会社
{% seen_link activity.heard_from %}   a link to the person, or the placeholder without a link
"""

from django import template
from django.utils.html import format_html

from kizuna.core.visibility import viewer_for

register = template.Library()


def _viewer(context):
    request = context.get("request")
    return viewer_for(getattr(request, "user", None) or context.get("user"))


@register.simple_tag(takes_context=True)
def seen_name(context, obj, empty=""):
    return _viewer(context).name(obj, empty=empty)


@register.simple_tag(takes_context=True)
def seen_link(context, obj, label="", empty=""):
    """`label` (default: the record's name) linked to the record; a hidden record shows its placeholder."""
    if obj is None:
        return empty
    viewer = _viewer(context)
    if not viewer.sees(obj):
        return format_html('<span class="muted">{}</span>', viewer.name(obj))
    return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), label or str(obj))


@register.filter
def seen_by(obj, user) -> bool:
    """{% if person|seen_by:request.user %}: whether `user` may see `obj`."""
    return viewer_for(user).sees(obj)
