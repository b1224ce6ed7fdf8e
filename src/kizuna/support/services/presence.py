"""Collision warning: who else has a ticket open or is typing a reply right now. The ticket page reports its
presence every few seconds (htmx polling) and shows the others; a row older than STALE is nobody anymore."""

from datetime import timedelta

from django.utils import timezone

from ..models import TicketPresence

STALE = timedelta(seconds=30)


def beat(*, user, ticket, typing: bool = False) -> None:
    """Note that `user` is on the ticket's page (typing or not). Not audited: presence is no record change."""
    now = timezone.now()
    updated = TicketPresence.objects.filter(ticket=ticket, user=user).update(typing=typing, seen_at=now)
    if not updated:
        TicketPresence.objects.get_or_create(ticket=ticket, user=user, defaults={"typing": typing, "seen_at": now})


def leave(*, user, ticket) -> None:
    TicketPresence.objects.filter(ticket=ticket, user=user).delete()


def others(*, user, ticket) -> list[TicketPresence]:
    since = timezone.now() - STALE
    rows = TicketPresence.objects.filter(ticket=ticket, seen_at__gte=since).exclude(user=user).select_related("user")
    return list(rows.order_by("-typing", "user__username"))


def sweep() -> int:
    """Drop rows nobody refreshed for an hour (the clock runs it)."""
    return TicketPresence.objects.filter(seen_at__lt=timezone.now() - timedelta(hours=1)).delete()[0]
