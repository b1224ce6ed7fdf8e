"""`{% load support_sla %}{% ticket_sla ticket %}`: the SLA panel of a ticket page (due times, business time left,
paused state, the breach history). The ticket page places it; it reads only SLA rows."""

from django import template
from django.utils.translation import gettext as _

from ..models import SlaEvent, TicketSla
from ..sla.tracking import remaining

register = template.Library()


@register.inclusion_tag("support/sla/ticket_panel.html")
def ticket_sla(ticket):
    sla = TicketSla.objects.filter(pk=ticket.pk).select_related("policy").first()
    return {
        "sla": sla,
        "targets": remaining(sla) if sla else [],
        "history": list(SlaEvent.objects.filter(ticket_id=ticket.pk)[:20]),
    }


@register.filter
def business_minutes(value):
    """1234 → "20時間34分" (business time; negative: overdue)."""
    if value is None:
        return ""
    sign = "-" if value < 0 else ""
    hours, minutes = divmod(abs(int(value)), 60)
    if hours:
        return sign + _("%(hours)d時間%(minutes)02d分") % {"hours": hours, "minutes": minutes}
    return sign + _("%(minutes)d分") % {"minutes": minutes}
