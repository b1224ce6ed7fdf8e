"""Due times again for every running clock, after a policy or calendar change (a worker task) or from the SLA
worker's first run: the policy is matched again and the first-response and resolution due times are counted
from the ticket's creation plus the business time already paused. Keyset batches of plain rows (no model
instances), and only the clocks whose values changed are written, with one executemany per batch."""

from types import SimpleNamespace

from django.db import transaction
from django.utils import timezone

from ..models import SlaPolicy, TicketSla
from .bulk import update_rows
from .policies import calendar_by_id, clear_cache, matches
from .tracking import ensure_clocks, refresh_check

BATCH = 5000
READ = ("pk", "policy_id", "active", "paused_at", "paused_minutes", "first_response_due", "first_response_at",
        "next_response_due", "resolution_due", "resolved_at", "warned", "first_response_breached",
        "next_response_breached", "resolution_breached", "check_at", "ticket__created_at", "ticket__priority",
        "ticket__category", "ticket__company__custom")  # fmt: skip
WRITE = ["policy", "first_response_due", "next_response_due", "resolution_due", "warned", "check_at", "updated_at"]
COMPARED = ("policy_id", "first_response_due", "next_response_due", "resolution_due", "warned", "check_at")


def recompute(*, calendar_id: int | None = None, batch: int = BATCH) -> int:
    """Returns how many clocks were looked at. `calendar_id` is informational: every clock is recomputed (a
    calendar change can also change which calendar is the default)."""
    clear_cache()
    ensure_clocks()
    policies = list(SlaPolicy.objects.filter(active=True).order_by("position", "id"))
    calendars = {p.calendar_id: calendar_by_id(p.calendar_id) for p in policies}
    default = calendar_by_id(None)
    now, last, seen = timezone.now(), 0, 0
    names = [n.replace("ticket__company__", "").replace("ticket__", "") for n in READ]
    while True:
        rows = list(TicketSla.objects.filter(pk__gt=last, resolved_at__isnull=True).order_by("pk")
                    .values_list(*READ)[:batch])  # fmt: skip
        if not rows:
            return seen
        changed = []
        for row in rows:
            sla = SimpleNamespace(**dict(zip(names, row, strict=True)))
            before = tuple(getattr(sla, n) for n in COMPARED)
            _again(sla, policies, calendars, default)
            if tuple(getattr(sla, n) for n in COMPARED) != before:
                sla.updated_at = now
                changed.append(sla)
        with transaction.atomic():
            update_rows(TicketSla, changed, WRITE)
        seen += len(rows)
        last = rows[-1][0]


def _again(sla, policies, calendars, default) -> None:
    tier = str((sla.custom or {}).get(SlaPolicy.TIER_FIELD, "") or "")
    policy = next((p for p in policies if matches(p, priority=sla.priority, category=sla.category, tier=tier)), None)
    calendar = calendars.get(policy.calendar_id) if policy else default
    before = (sla.first_response_due, sla.resolution_due, sla.next_response_due)
    sla.policy_id = policy.pk if policy else None
    # A paused clock counts the current pause when it resumes; until then the due times hold the past pauses.
    extra = sla.paused_minutes
    if sla.first_response_at is None:
        minutes = policy.first_response_minutes if policy else None
        sla.first_response_due = calendar.add(sla.created_at, minutes + extra) if minutes else None
    minutes = policy.resolution_minutes if policy else None
    sla.resolution_due = calendar.add(sla.created_at, minutes + extra) if minutes else None
    if policy is None or policy.next_response_minutes is None:
        sla.next_response_due = None
    if (sla.first_response_due, sla.resolution_due, sla.next_response_due) != before:
        sla.warned = []
    refresh_check(sla, policy, calendar)
