"""The SLA worker (a `core.clock` periodic job): finds the clocks whose warning or breach moment has come through
the partial index on `check_at` (running clocks only), writes the breach history, notifies the agent in charge
and the team's managers, escalates breaches as the policy says, and moves each clock's `check_at` on. The work
is proportional to the tickets that need action, not to the open tickets."""

from collections import defaultdict
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.core import audit, events, notices
from kizuna.core.permissions import Role

from ..models import SlaEvent, SlaPolicy, Ticket, TicketSla
from ..models.sla import Target
from .bulk import update_rows
from .policies import calendar_by_id
from .tracking import ORIGIN, pending, refresh_check, warn_at

EVERY = timedelta(minutes=1)
BATCH = 2000
NOTICES_PER_USER = 20  # beyond this in one run a user gets one summary notice instead of one per ticket
RAISE = {Ticket.Priority.LOW: Ticket.Priority.NORMAL, Ticket.Priority.NORMAL: Ticket.Priority.HIGH,
         Ticket.Priority.HIGH: Ticket.Priority.URGENT}  # fmt: skip
FIELDS = ["first_response_breached", "next_response_breached", "resolution_breached", "warned", "check_at",
          "updated_at"]  # fmt: skip


def run(*, now=None, batch: int = BATCH) -> dict:
    """One pass; returns {"warnings": n, "breaches": n, "escalated": n}. Rows come in batches, each batch one
    transaction, until no clock is due."""
    now = now or timezone.now()
    totals = {"warnings": 0, "breaches": 0, "escalated": 0}
    policies = {p.pk: p for p in SlaPolicy.objects.all()}
    calendars = {cid: calendar_by_id(cid) for cid in {p.calendar_id for p in policies.values()} | {None}}
    while True:
        with transaction.atomic():
            done = _batch(now, batch, policies, calendars, totals)
        if done < batch:
            return totals


def _batch(now, size: int, policies: dict, calendars: dict, totals: dict) -> int:
    qs = TicketSla.objects.filter(active=True, check_at__lte=now).order_by("check_at")
    clocks = list(qs.select_for_update(skip_locked=True)[:size] if _pg() else qs[:size])
    if not clocks:
        return 0
    history, changed, escalate = [], [], defaultdict(list)
    for sla in clocks:
        policy = policies.get(sla.policy_id)
        calendar = calendars[policy.calendar_id if policy else None]
        for target, due in pending(sla).items():
            if due <= now:
                setattr(sla, f"{target}_breached", True)
                history.append(SlaEvent(ticket_id=sla.pk, policy=policy, target=target, kind=SlaEvent.Kind.BREACH,
                                        due_at=due, breached_at=now))  # fmt: skip
                escalate[sla.pk].append((target, policy))
                totals["breaches"] += 1
            elif target not in sla.warned and warn_at(policy, calendar, due) <= now:
                sla.warned = [*sla.warned, target]
                history.append(SlaEvent(ticket_id=sla.pk, policy=policy, target=target, kind=SlaEvent.Kind.WARNING,
                                        due_at=due, warned_at=now))  # fmt: skip
                totals["warnings"] += 1
        refresh_check(sla, policy, calendar)
        if sla.check_at is not None and sla.check_at <= now:  # nothing moved (a policy gone): look again later
            sla.check_at = now + EVERY
        sla.updated_at = now
        changed.append(sla)
    tickets = Ticket.objects.in_bulk([e.ticket_id for e in history])
    actions = _act(history, tickets, escalate, totals)
    for event in history:
        event.actions = actions.get((event.ticket_id, event.target, event.kind), [])
    SlaEvent.objects.bulk_create(history, batch_size=1000, ignore_conflicts=True)
    update_rows(TicketSla, changed, FIELDS)
    return len(clocks)


def _pg() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def _managers(team_ids) -> dict[int, list]:
    out = defaultdict(list)
    users = get_user_model().objects.filter(team_id__in=team_ids, role=Role.MANAGER, is_active=True)
    for user in users:
        out[user.team_id].append(user)
    return out


def _url(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _act(history, tickets: dict, escalate: dict, totals: dict) -> dict:
    """Notify and escalate; returns {(ticket id, target, kind): [what was done]}."""
    managers = _managers({t.team_id for t in tickets.values() if t.team_id})
    owners = get_user_model().objects.in_bulk({t.owner_id for t in tickets.values() if t.owner_id})
    escalation_users = get_user_model().objects.in_bulk(
        {p.escalation_user_id for items in escalate.values() for _t, p in items if p and p.escalation_user_id}
    )
    done: dict = defaultdict(list)
    # Escalation first, so the notice goes to the new assignee too.
    audit_rows = []
    for ticket_id, items in escalate.items():
        ticket = tickets.get(ticket_id)
        policy = next((p for _t, p in items if p), None)
        if ticket is None or policy is None:
            continue
        before = {"owner": ticket.owner_id, "priority": ticket.priority}
        new_owner = escalation_users.get(policy.escalation_user_id) if policy.escalation_user_id else None
        if new_owner is None and policy.escalate_to_manager and ticket.team_id and managers.get(ticket.team_id):
            new_owner = managers[ticket.team_id][0]
        if new_owner is not None and new_owner.pk != ticket.owner_id:
            ticket.owner_id = new_owner.pk
            owners[new_owner.pk] = new_owner
        if policy.raise_priority and ticket.priority in RAISE:
            ticket.priority = RAISE[ticket.priority]
        after = {"owner": ticket.owner_id, "priority": ticket.priority}
        if after != before:
            ticket.version += 1
            ticket.updated_at = timezone.now()
            changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
            audit_rows.append(("sla.escalate", ticket, changes))
            for target, _p in items:
                done[(ticket_id, target, SlaEvent.Kind.BREACH)] += [f"{k}:{v[1]}" for k, v in changes.items()]
    if audit_rows:
        update_rows(Ticket, [row[1] for row in audit_rows], ["owner", "priority", "version", "updated_at"])
        with events.caused_by(ORIGIN, depth=1):
            audit.record_many(actor=None, events=audit_rows)
        totals["escalated"] += len(audit_rows)
    _notify(history, tickets, owners, managers, done)
    return done


def _notify(history, tickets, owners, managers, done) -> None:
    per_user: dict[int, list] = defaultdict(list)
    users = {}
    for event in history:
        ticket = tickets.get(event.ticket_id)
        if ticket is None:
            continue
        recipients = [owners.get(ticket.owner_id), *managers.get(ticket.team_id, [])]
        for user in {u.pk: u for u in recipients if u is not None}.values():
            users[user.pk] = user
            per_user[user.pk].append((event, ticket))
    labels = dict(Target.choices)
    for user_id, items in per_user.items():
        user = users[user_id]
        if len(items) > NOTICES_PER_USER:
            breaches = sum(1 for e, _t in items if e.kind == SlaEvent.Kind.BREACH)
            title = _("SLA: 違反 %(breaches)d件、期限間近 %(warnings)d件") % {
                "breaches": breaches,
                "warnings": len(items) - breaches,
            }
            notices.notify([user], notices.Notice("sla", title, url=_url("support:support_report_tickets") +
                                                  "?metric=sla_breached"))  # fmt: skip
            for event, _ticket in items:
                done[(event.ticket_id, event.target, event.kind)].append(f"notified:{user_id}")
            continue
        for event, ticket in items:
            if event.kind == SlaEvent.Kind.BREACH:
                title = _("SLA違反（%(target)s）: %(ticket)s") % {"target": labels[event.target], "ticket": ticket}
            else:
                title = _("SLA期限間近（%(target)s）: %(ticket)s") % {"target": labels[event.target], "ticket": ticket}
            key = f"sla:{event.kind}:{event.ticket_id}:{event.target}:{event.due_at.isoformat()}"
            notices.notify([user], notices.Notice("sla", title, url=_url("support:ticket_detail", ticket.pk),
                                                  obj=ticket, data={"key": key}))  # fmt: skip
            done[(event.ticket_id, event.target, event.kind)].append(f"notified:{user_id}")
