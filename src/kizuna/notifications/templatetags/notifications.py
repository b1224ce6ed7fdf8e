from django import template
from django.conf import settings

register = template.Library()


@register.inclusion_tag("notifications/partials/bell.html")
def notification_bell():
    """The bell in the header; its count is fetched by htmx, so a page render costs no query for it."""
    return {"poll": max(2, settings.KIZUNA_BELL_POLL_SECONDS)}


def render_bell(request) -> str:
    """The bell as a header widget (core.nav.register_header_widget)."""
    from django.template.loader import render_to_string

    return render_to_string("notifications/partials/bell.html", notification_bell(), request=request)
