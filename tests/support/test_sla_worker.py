"""The worker: warnings before the due time, breaches after it, notices to the agent and the team's managers,
escalation as the policy says, breach history per ticket, and work proportional to what is due."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kizuna.core.models import AuditEvent
from kizuna.notifications.models import Notification
from kizuna.support.models import SlaEvent, Ticket, TicketSla
from kizuna.support.sla import worker

from .sla_fixtures import at, policy, send, ticket

pytestmark = pytest.mark.django_db


def _open(cast, **kw):
    t = ticket(at(2026, 12, 7, 9), owner=cast.owner, **kw)
    send("ticket.created", t, t.created_at)
    return t


def test_warning_then_breach_with_notices_and_history(cast):
    policy()  # first response in 60 business minutes, warned 30 before
    t = _open(cast)
    assert worker.run(now=at(2026, 12, 7, 9, 20)) == {"warnings": 0, "breaches": 0, "escalated": 0}
    assert worker.run(now=at(2026, 12, 7, 9, 31)) == {"warnings": 1, "breaches": 0, "escalated": 0}
    assert worker.run(now=at(2026, 12, 7, 9, 40))["warnings"] == 0  # warned once
    assert worker.run(now=at(2026, 12, 7, 10, 1))["breaches"] == 1
    sla = TicketSla.objects.get(pk=t.pk)
    assert sla.first_response_breached and "first_response" in sla.warned
    kinds = list(SlaEvent.objects.filter(ticket=t).order_by("id").values_list("target", "kind"))
    assert kinds == [("first_response", "warning"), ("first_response", "breach")]
    recipients = set(Notification.objects.filter(kind="sla").values_list("user__username", flat=True))
    assert recipients == {"owner", "manager"}  # the agent in charge and the team's manager
    assert Notification.objects.filter(kind="sla", user=cast.owner).count() == 2
    assert worker.run(now=at(2026, 12, 7, 10, 30))["breaches"] == 0  # a breach is recorded once


def test_escalation_reassigns_to_the_manager_and_raises_the_priority(cast):
    policy(escalate_to_manager=True, raise_priority=True)
    t = _open(cast)
    result = worker.run(now=at(2026, 12, 7, 10, 1))
    assert result["escalated"] == 1
    t.refresh_from_db()
    assert t.owner == cast.manager and t.priority == Ticket.Priority.HIGH
    event = SlaEvent.objects.get(ticket=t, kind="breach")
    assert f"owner:{cast.manager.pk}" in event.actions and "priority:high" in event.actions
    row = AuditEvent.objects.get(action="sla.escalate")
    assert row.object_id == str(t.pk) and row.changes["priority"] == ["normal", "high"]


def test_an_escalation_user_wins_over_the_manager(cast):
    policy(escalate_to_manager=True, escalation_user=cast.teammate)
    t = _open(cast)
    worker.run(now=at(2026, 12, 7, 10, 1))
    t.refresh_from_db()
    assert t.owner == cast.teammate


def test_paused_and_met_clocks_are_not_looked_at(cast):
    policy()
    waiting, answered = _open(cast), _open(cast)
    Ticket.objects.filter(pk=waiting.pk).update(status="waiting")
    send("ticket.status_changed", waiting, at(2026, 12, 7, 9, 5), changes={"status": ["new", "waiting"]})
    send("ticket.replied", answered, at(2026, 12, 7, 9, 10))
    assert worker.run(now=at(2026, 12, 7, 10, 30)) == {"warnings": 0, "breaches": 0, "escalated": 0}


def test_queries_do_not_grow_with_the_number_of_due_tickets(cast):
    policy()

    def queries(n):
        for _ in range(n):
            _open(cast)
        with CaptureQueriesContext(connection) as ctx:
            worker.run(now=at(2026, 12, 7, 9, 31), batch=1000)
        SlaEvent.objects.all().delete()
        TicketSla.objects.update(warned=[], check_at=at(2026, 12, 7, 9, 30))
        return len(ctx.captured_queries)

    # Notices are one per ticket and recipient below the summary threshold; the clock and history writes are not.
    few, many = queries(2), queries(30)  # 32 due tickets, beyond NOTICES_PER_USER: one summary per user
    assert many <= few + 10


def test_the_worker_is_registered_with_the_clock():
    from kizuna.core import clock

    assert "support.sla_worker" in {job.name for job in clock.jobs()}
