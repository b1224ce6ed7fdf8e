from django import template

from kizuna.sales.money import format_yen

register = template.Library()


@register.filter
def yen(value) -> str:
    """¥3,000,000"""
    return format_yen(value)


@register.filter
def duration(seconds) -> str:
    """Time in a stage, in the unit that reads best: 3日, 5時間, 12分."""
    from django.utils.translation import gettext as _

    seconds = int(seconds or 0)
    if seconds >= 86400:
        return _("%(n)s日") % {"n": seconds // 86400}
    if seconds >= 3600:
        return _("%(n)s時間") % {"n": seconds // 3600}
    return _("%(n)s分") % {"n": seconds // 60}
