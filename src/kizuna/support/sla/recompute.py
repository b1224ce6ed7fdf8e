"""Due times again for every running clock, after a policy or calendar change (a worker task) or from
`kizuna sla recompute`: the policy is matched again and the first-response and resolution due times are counted
from the ticket's creation plus the business time already paused. Keyset batches, one bulk update each."""

from django.db import transaction
from django.utils import timezone

from ..models import SlaPolicy, TicketSla
from .policies import calendar_by_id, clear_cache, matches
from .tracking import ensure_clocks, refresh_check

BATCH = 2000
FIELDS = ["policy", "first_response_due", "next_response_due", "resolution_due", "warned", "check_at", "updated_at"]


def recompute(*, calendar_id: int | None = None, batch: int = BATCH) -> int:
    """Returns how many clocks were looked at. `calendar_id` is informational (every clock is recomputed: a
    calendar change can also change which policy's calendar is the default)."""
    clear_cache()
    ensure_clocks()
    policies = list(SlaPolicy.objects.filter(active=True).order_by("position", "id"))
    calendars = {p.calendar_id: calendar_by_id(p.calendar_id) for p in policies}
    default = calendar_by_id(None)
    now, last, seen = timezone.now(), 0, 0
    while True:
        rows = list(
            TicketSla.objects.filter(pk__gt=last, resolved_at__isnull=True).order_by("pk")
            .select_related("ticket__company")
            .only("pk", "policy_id", "status", "active", "paused_at", "paused_minutes", "first_response_due",
                  "first_response_at", "next_response_due", "resolution_due", "resolved_at", "warned",
                  "first_response_breached", "next_response_breached", "resolution_breached", "check_at",
                  "ticket__created_at", "ticket__priority", "ticket__category", "ticket__company__custom")[:batch]
        )  # fmt: skip
        if not rows:
            return seen
        for sla in rows:
            _again(sla, policies, calendars, default, now)
        with transaction.atomic():
            TicketSla.objects.bulk_update(rows, FIELDS, batch_size=1000)
        seen += len(rows)
        last = rows[-1].pk


def _again(sla: TicketSla, policies, calendars, default, now) -> None:
    ticket = sla.ticket
    company = ticket.company
    tier = str(((company.custom or {}) if company is not None else {}).get(SlaPolicy.TIER_FIELD, "") or "")
    policy = next((p for p in policies if matches(p, priority=ticket.priority, category=ticket.category, tier=tier)),
                  None)  # fmt: skip
    calendar = calendars.get(policy.calendar_id) if policy else default
    before = (sla.first_response_due, sla.resolution_due, sla.next_response_due)
    sla.policy = policy
    # A paused clock counts the pause so far only when it resumes; until then the due times hold the past pauses.
    extra = sla.paused_minutes
    if sla.first_response_at is None:
        minutes = policy.first_response_minutes if policy else None
        sla.first_response_due = calendar.add(ticket.created_at, minutes + extra) if minutes else None
    minutes = policy.resolution_minutes if policy else None
    sla.resolution_due = calendar.add(ticket.created_at, minutes + extra) if minutes else None
    if policy is None or policy.next_response_minutes is None:
        sla.next_response_due = None
    if (sla.first_response_due, sla.resolution_due, sla.next_response_due) != before:
        sla.warned = []
    refresh_check(sla, policy, calendar)
    sla.updated_at = now
