"""SLA through the real ticket services and the event dispatcher: intake, reply, 顧客待ち and resolve move the
clock with no SLA call in the ticket code."""

import pytest
from django.utils import timezone

from kizuna.core import events
from kizuna.support.models import CallReason, TicketSla
from kizuna.support.services import intake, tickets
from kizuna.support.sla import policies

from .sla_fixtures import policy

pytestmark = pytest.mark.django_db


def test_the_ticket_services_events_drive_the_clock(cast, channel):
    policy(first_response_minutes=60, resolution_minutes=960)
    sender = intake.Sender(name="山田 花子", email="hanako@example.jp")
    received = intake.receive(channel=channel, sender=sender, subject="請求書の再発行",
                              body_text="先月分の請求書をもう一度送ってください。")  # fmt: skip
    ticket = received.ticket
    events.dispatch_pending()
    sla = TicketSla.objects.get(pk=ticket.pk)
    calendar = policies.calendar_of(sla.policy)
    assert sla.first_response_due == calendar.add(ticket.created_at, 60)

    tickets.assign(actor=cast.admin, ticket=ticket, owner=cast.owner)
    tickets.reply(actor=cast.owner, ticket=ticket, body_text="確認いたします。", status="waiting")
    events.dispatch_pending()
    sla.refresh_from_db()
    assert sla.first_response_at is not None and sla.first_response_breached is (
        sla.first_response_at > sla.first_response_due
    )
    assert sla.status == "waiting" and not sla.active and sla.paused_at is not None

    intake.receive(channel=channel, sender=intake.Sender(email="hanako@example.jp"), ticket=ticket,
                   body_text="よろしくお願いします。")  # fmt: skip
    events.dispatch_pending()
    sla.refresh_from_db()
    assert sla.active and sla.paused_at is None and sla.next_response_due is not None

    parent = CallReason.objects.create(name="請求・支払い")
    reason = CallReason.objects.create(parent=parent, name="請求書の再発行")
    ticket.refresh_from_db()
    tickets.set_status(actor=cast.owner, ticket=ticket, status="resolved", call_reason=reason.pk)
    events.dispatch_pending()
    sla.refresh_from_db()
    assert sla.resolved_at is not None and sla.resolved_at <= timezone.now() and not sla.active
    assert sla.resolution_business_minutes is not None and sla.check_at is None
