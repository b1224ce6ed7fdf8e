"""Each ticket's SLA clock, moved by the ticket's events (a `core.events` consumer: the ticket code does not know
SLA exists). ticket.created starts the clock with the matching policy; an inbound message starts the next-response
target; a reply meets the first and next response targets; 顧客待ち, 解決 and 完了 pause the clock and leaving them
shifts every pending due time by the business time paused; a change of priority, category or company by a person
matches the policy again."""

from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from ..models import SlaPolicy, Ticket, TicketSla
from ..models.sla import Target
from . import calendar as cal
from .policies import calendar_of, match_policy

PAUSED = frozenset({Ticket.Status.WAITING, Ticket.Status.RESOLVED, Ticket.Status.CLOSED})
DONE = frozenset({Ticket.Status.RESOLVED, Ticket.Status.CLOSED})
EVENTS = ("ticket.created", "ticket.message_received", "ticket.replied", "ticket.status_changed", "ticket.updated")
ORIGIN = "sla"  # the origin of the SLA worker's own writes (escalations), which never re-match a policy


# --- the clock's arithmetic ----------------------------------------------------------------------------------------
def _due(policy: SlaPolicy | None, calendar, start: datetime, minutes_attr: str, extra: float = 0.0):
    minutes = getattr(policy, minutes_attr, None) if policy else None
    if minutes is None:
        return None
    return calendar.add(start, minutes + extra)


def pending(sla: TicketSla) -> dict[str, datetime]:
    """The targets still running, with their due times."""
    out = {}
    if sla.first_response_due and sla.first_response_at is None and not sla.first_response_breached:
        out[Target.FIRST_RESPONSE] = sla.first_response_due
    if sla.next_response_due and not sla.next_response_breached:
        out[Target.NEXT_RESPONSE] = sla.next_response_due
    if sla.resolution_due and sla.resolved_at is None and not sla.resolution_breached:
        out[Target.RESOLUTION] = sla.resolution_due
    return out


def warn_at(policy: SlaPolicy | None, calendar, due: datetime) -> datetime:
    before = policy.warn_before_minutes if policy else 0
    return calendar.add(due, -before) if before else due


def refresh_check(sla: TicketSla, policy: SlaPolicy | None, calendar) -> None:
    """The next moment the worker must look at this ticket: a warning not yet given, else a breach."""
    moments = []
    if sla.active:
        for target, due in pending(sla).items():
            moments.append(due if target in sla.warned else min(due, warn_at(policy, calendar, due)))
    sla.check_at = min(moments) if moments else None


_MATCH = object()


def start(ticket: Ticket, *, policy=_MATCH, calendar=None) -> TicketSla:
    """A new clock for `ticket` from its creation (not saved); the policy is matched unless given (None: none)."""
    policy = match_policy(ticket) if policy is _MATCH else policy
    calendar = calendar or calendar_of(policy)
    created = ticket.created_at
    sla = TicketSla(ticket=ticket, policy=policy, status=Ticket.Status.NEW, active=True)
    sla.first_response_due = _due(policy, calendar, created, "first_response_minutes")
    sla.resolution_due = _due(policy, calendar, created, "resolution_minutes")
    if ticket.first_responded_at:
        _responded(sla, calendar, ticket.first_responded_at, ticket)
    if ticket.status != Ticket.Status.NEW:
        _status(sla, policy, calendar, ticket.status, timezone.now(), ticket)
    refresh_check(sla, policy, calendar)
    return sla


# --- what each event does ------------------------------------------------------------------------------------------
def _responded(sla: TicketSla, calendar, at: datetime, ticket: Ticket) -> None:
    if sla.first_response_at is None:
        sla.first_response_at = at
        sla.first_response_business_minutes = max(0.0, calendar.between(ticket.created_at, at) - sla.paused_minutes)
        if sla.first_response_due and at > sla.first_response_due:
            sla.first_response_breached = True
    if sla.next_response_due:
        if at > sla.next_response_due:
            sla.next_response_breached = True
        sla.next_response_due = None
    sla.warned = [t for t in sla.warned if t not in (Target.FIRST_RESPONSE, Target.NEXT_RESPONSE)]


def _resume(sla: TicketSla, calendar, at: datetime) -> None:
    """Leaving 顧客待ち / 解決: every running due time moves on by the business time spent paused."""
    if sla.paused_at is None:
        return
    shift = max(0.0, calendar.between(sla.paused_at, at))
    sla.paused_minutes += shift
    if shift:
        if sla.first_response_due and sla.first_response_at is None:
            sla.first_response_due = calendar.add(sla.first_response_due, shift)
        if sla.next_response_due:
            sla.next_response_due = calendar.add(sla.next_response_due, shift)
        if sla.resolution_due:
            sla.resolution_due = calendar.add(sla.resolution_due, shift)
        sla.warned = []
    sla.paused_at = None


def _status(sla: TicketSla, policy, calendar, new: str, at: datetime, ticket: Ticket) -> None:
    old = sla.status
    if new == old:
        return
    if old in PAUSED and new not in PAUSED:
        _resume(sla, calendar, at)
        if old in DONE:  # reopened: resolution is measured again
            sla.resolved_at = sla.resolution_business_minutes = None
    elif old not in PAUSED and new in PAUSED:
        sla.paused_at = at
    if new in DONE and sla.resolved_at is None:
        resolved = ticket.resolved_at if ticket.resolved_at and ticket.resolved_at <= at else at
        sla.resolved_at = resolved
        sla.resolution_business_minutes = max(0.0, calendar.between(ticket.created_at, resolved) - sla.paused_minutes)
        if sla.resolution_due and resolved > sla.resolution_due:
            sla.resolution_breached = True
        sla.next_response_due = None
    sla.status = new
    sla.active = new not in PAUSED


def _inbound(sla: TicketSla, policy, calendar, at: datetime, ticket: Ticket) -> None:
    if sla.status == Ticket.Status.WAITING:  # the customer answered: no longer waiting for them
        _status(sla, policy, calendar, Ticket.Status.OPEN, at, ticket)
    if sla.first_response_at is not None and sla.next_response_due is None and sla.active:
        sla.next_response_due = _due(policy, calendar, at, "next_response_minutes")
        sla.next_response_breached = False


def rematch(sla: TicketSla, ticket: Ticket) -> None:
    """Another policy after a change of priority, category or company: due times from creation again."""
    policy = match_policy(ticket)
    if (policy.pk if policy else None) == sla.policy_id:
        return
    calendar = calendar_of(policy)
    sla.policy = policy
    if sla.first_response_at is None:
        sla.first_response_due = _due(policy, calendar, ticket.created_at, "first_response_minutes", sla.paused_minutes)
    if sla.resolved_at is None:
        sla.resolution_due = _due(policy, calendar, ticket.created_at, "resolution_minutes", sla.paused_minutes)
    if sla.next_response_due and policy and policy.next_response_minutes is None:
        sla.next_response_due = None
    sla.warned = []


def _event_status(event) -> str:
    change = (event.changes or {}).get("status")
    if isinstance(change, list) and len(change) == 2 and change[1] in Ticket.Status.values:
        return change[1]
    data = event.data or {}
    for key in ("to", "status", "new"):
        if data.get(key) in Ticket.Status.values:
            return data[key]
    return ""


def _event_time(event) -> datetime:
    data = event.data or {}
    message_id = data.get("message") or data.get("message_id")
    if message_id:
        from ..models import Message

        sent = Message.objects.filter(pk=message_id).values_list("sent_at", flat=True).first()
        if sent:
            return min(sent, event.occurred_at)
    return event.occurred_at


def _locked(ticket_id) -> TicketSla | None:
    qs = TicketSla.objects.filter(pk=ticket_id).select_related("policy")
    if connection.vendor == "postgresql":
        qs = qs.select_for_update(of=("self",))  # the policy is an outer join
    return qs.first()


def handle(event) -> None:
    """The `core.events` consumer. Events come at least once and in order: one already applied is skipped."""
    if event.type not in EVENTS or event.object_type != "ticket":
        return
    ticket = Ticket.objects.filter(pk=event.object_id).select_related("company").first()
    if ticket is None:
        return
    with transaction.atomic():
        sla = _locked(ticket.pk)
        if sla is None:
            sla = start(ticket)
            sla.last_event_id = event.pk
            sla.save()
            return
        if sla.last_event_id >= event.pk:
            return
        apply(sla, ticket, event)
        sla.last_event_id = event.pk
        sla.updated_at = timezone.now()
        sla.save()


def apply(sla: TicketSla, ticket: Ticket, event) -> None:
    policy = sla.policy
    calendar = calendar_of(policy)
    at = _event_time(event)
    if event.type == "ticket.message_received":
        _inbound(sla, policy, calendar, at, ticket)
    elif event.type == "ticket.replied":
        _responded(sla, calendar, at, ticket)
    elif (event.type == "ticket.updated" and event.origin != ORIGIN
          and {"priority", "category", "company"} & set(event.changes or {})):  # fmt: skip
        rematch(sla, ticket)
        policy = sla.policy
        calendar = calendar_of(policy)
    new = _event_status(event)
    if new:
        _status(sla, policy, calendar, new, at, ticket)
    refresh_check(sla, policy, calendar)


def ensure_clocks(*, batch: int = 2000) -> int:
    """Clocks for open tickets that have none (tickets created before SLA was set up, or whose event was purged)."""
    made = 0
    missing = Ticket.objects.filter(sla__isnull=True, deleted_at__isnull=True).exclude(status__in=DONE)
    policies = list(SlaPolicy.objects.filter(active=True).order_by("position", "id"))
    calendars = {p.pk: calendar_of(p) for p in policies} | {None: calendar_of(None)}
    while True:
        tickets = list(missing.select_related("company")[:batch])
        if not tickets:
            return made
        clocks = []
        for ticket in tickets:
            policy = match_policy(ticket, policies)
            clocks.append(start(ticket, policy=policy, calendar=calendars[policy.pk if policy else None]))
        TicketSla.objects.bulk_create(clocks, ignore_conflicts=True)
        made += len(tickets)


def remaining(sla: TicketSla, *, now=None) -> list[dict]:
    """For the ticket page: each target's due time and the business minutes left (negative: overdue)."""
    now = now or timezone.now()
    calendar = calendar_of(sla.policy)
    running = pending(sla)
    out = []
    for target, label in Target.choices:
        due = sla.dues()[target]
        if due is None:
            continue
        met_at = {Target.FIRST_RESPONSE: sla.first_response_at, Target.RESOLUTION: sla.resolved_at}.get(target)
        breached = getattr(sla, f"{target}_breached")
        reference = sla.paused_at if sla.paused_at else now
        left = calendar.between(reference, due) if target in running else None
        out.append({"target": target, "label": label, "due": due, "met_at": met_at, "breached": breached,
                    "minutes_left": None if left is None else round(left), "paused": sla.paused_at is not None,
                    "warning": target in sla.warned})  # fmt: skip
    return out


__all__ = ["cal", "ensure_clocks", "handle", "pending", "refresh_check", "remaining", "start"]
