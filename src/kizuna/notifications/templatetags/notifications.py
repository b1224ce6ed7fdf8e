from django import template
from django.conf import settings

register = template.Library()


@register.inclusion_tag("notifications/partials/bell.html")
def notification_bell():
    """The bell in the header; its count is fetched by htmx, so a page render costs no query for it."""
    return {"poll": max(2, settings.KIZUNA_BELL_POLL_SECONDS)}
