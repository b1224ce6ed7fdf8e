"""Due times follow the ticket's events: creation, replies, customer messages, 顧客待ち (paused), resolution."""

import pytest

from kizuna.contacts.models import Company
from kizuna.support.models import SlaPolicy, TicketSla
from kizuna.support.sla import policies, tracking
from kizuna.support.sla.recompute import recompute

from .sla_fixtures import at, calendar, event, policy, send, status, ticket

pytestmark = pytest.mark.django_db


def test_the_first_matching_policy_in_order_applies():
    gold = Company.objects.create(name="山田製作所", name_key="山田製作所", name_search="", custom={"sla_tier": "gold"})
    any_policy = policy("標準", position=100)
    urgent = policy("緊急", priority="urgent", position=10, first_response_minutes=15)
    gold_policy = policy("ゴールド", customer_tier="gold", position=20)
    billing = policy("請求", category="請求", position=30, active=True)
    policy("無効", position=0, active=False)
    match = policies.match_policy
    assert match(ticket(at(2026, 12, 7, 10))) == any_policy
    assert match(ticket(at(2026, 12, 7, 10), priority="urgent", company=gold)) == urgent
    assert match(ticket(at(2026, 12, 7, 10), company=gold, category="請求")) == gold_policy
    assert match(ticket(at(2026, 12, 7, 10), category="請求")) == billing
    SlaPolicy.objects.all().delete()
    assert match(ticket(at(2026, 12, 7, 10))) is None


def test_created_sets_due_times_in_business_minutes():
    policy()
    t = ticket(at(2026, 12, 4, 17, 30))  # Friday 17:30
    sla = send("ticket.created", t, at(2026, 12, 4, 17, 30))
    assert sla.first_response_due == at(2026, 12, 7, 9, 30)  # 30 min on Friday, 30 on Monday
    assert sla.resolution_due == at(2026, 12, 8, 17, 30)  # 960 business minutes = two days
    assert sla.check_at == at(2026, 12, 7, 9, 0)  # warned 30 business minutes before


def test_reply_meets_or_breaches_the_first_response():
    policy()
    on_time, late = ticket(at(2026, 12, 7, 11, 30)), ticket(at(2026, 12, 7, 11, 30))
    for t in (on_time, late):
        send("ticket.created", t, t.created_at)
    sla = send("ticket.replied", on_time, at(2026, 12, 7, 13, 20))
    assert not sla.first_response_breached and sla.first_response_business_minutes == pytest.approx(50)
    sla = send("ticket.replied", late, at(2026, 12, 7, 14, 0))
    assert sla.first_response_breached and sla.first_response_business_minutes == pytest.approx(90)


def test_customer_message_starts_the_next_response_target_and_a_reply_meets_it():
    policy()
    t = ticket(at(2026, 12, 7, 9))
    send("ticket.created", t, t.created_at)
    send("ticket.replied", t, at(2026, 12, 7, 9, 30))
    sla = send("ticket.message_received", t, at(2026, 12, 7, 17))
    assert sla.next_response_due == at(2026, 12, 8, 10)  # 120 business minutes, over the night
    sla = send("ticket.replied", t, at(2026, 12, 8, 11))
    assert sla.next_response_due is None and sla.next_response_breached


def test_waiting_for_the_customer_pauses_and_shifts_by_business_time():
    policy()
    t = ticket(at(2026, 12, 4, 9))  # Friday
    send("ticket.created", t, t.created_at)
    send("ticket.replied", t, at(2026, 12, 4, 9, 10))
    due = TicketSla.objects.get(pk=t.pk).resolution_due
    sla = status(t, at(2026, 12, 4, 17), "open", "waiting")
    assert not sla.active and sla.check_at is None
    sla = status(t, at(2026, 12, 7, 10), "waiting", "open")  # Monday 10:00: 60 + 60 business minutes paused
    assert sla.active and sla.paused_minutes == pytest.approx(120)
    assert sla.resolution_due == calendar().as_calendar().add(due, 120)


def test_a_customer_message_ends_the_wait():
    policy()
    t = ticket(at(2026, 12, 7, 9))
    send("ticket.created", t, t.created_at)
    send("ticket.replied", t, at(2026, 12, 7, 9, 10))
    status(t, at(2026, 12, 7, 10), "open", "waiting")
    sla = send("ticket.message_received", t, at(2026, 12, 7, 11))
    assert sla.active and sla.paused_minutes == pytest.approx(60)
    assert sla.next_response_due == at(2026, 12, 7, 14)  # 11:00 + 2h over lunch


def test_resolution_is_measured_and_a_reopen_measures_again():
    policy(resolution_minutes=60)
    t = ticket(at(2026, 12, 7, 9))
    send("ticket.created", t, t.created_at)
    sla = status(t, at(2026, 12, 7, 9, 45), "new", "resolved")
    assert sla.resolution_business_minutes == pytest.approx(45) and not sla.resolution_breached
    sla = status(t, at(2026, 12, 7, 13, 0), "resolved", "open")  # reopened after lunch: 135 min were paused
    assert sla.resolved_at is None and sla.resolution_due == at(2026, 12, 7, 13, 15)
    sla = status(t, at(2026, 12, 7, 15), "open", "resolved")
    assert sla.resolution_breached


def test_an_event_seen_twice_is_applied_once():
    policy()
    t = ticket(at(2026, 12, 7, 9))
    send("ticket.created", t, t.created_at)
    send("ticket.replied", t, at(2026, 12, 7, 9, 10))
    received = event("ticket.message_received", t, at(2026, 12, 7, 10))
    tracking.handle(received)
    first = TicketSla.objects.get(pk=t.pk).next_response_due
    send("ticket.replied", t, at(2026, 12, 7, 10, 30))
    tracking.handle(received)  # the dispatcher delivers it again
    sla = TicketSla.objects.get(pk=t.pk)
    assert first is not None and sla.next_response_due is None


def test_a_persons_priority_change_matches_again_but_the_workers_does_not():
    policy()
    urgent = policy("緊急", priority="urgent", position=1, first_response_minutes=15)
    t = ticket(at(2026, 12, 7, 9))
    send("ticket.created", t, t.created_at)
    t.priority = "urgent"
    t.save()
    sla = send("ticket.updated", t, at(2026, 12, 7, 9, 5), changes={"priority": ["normal", "urgent"]}, origin="sla")
    assert sla.policy.name == "標準"
    sla = send("ticket.updated", t, at(2026, 12, 7, 9, 5), changes={"priority": ["normal", "urgent"]})
    assert sla.policy == urgent and sla.first_response_due == at(2026, 12, 7, 9, 15)


def test_recompute_follows_a_policy_change_and_creates_missing_clocks():
    p = policy()
    t = ticket(at(2026, 12, 7, 9))
    send("ticket.created", t, t.created_at)
    silent = ticket(at(2026, 12, 7, 9))  # no event ever reached the clock
    SlaPolicy.objects.filter(pk=p.pk).update(first_response_minutes=240)
    assert recompute() == 2
    for one in (t, silent):
        assert TicketSla.objects.get(pk=one.pk).first_response_due == at(2026, 12, 7, 14)


def test_the_consumer_is_registered_and_reads_real_events(cast):
    from kizuna.core import events

    policy()
    t = ticket(at(2026, 12, 7, 9), owner=cast.owner)
    events.emit("ticket.created", actor=cast.owner, obj=t)
    events.dispatch_pending()
    assert TicketSla.objects.get(pk=t.pk).first_response_due == at(2026, 12, 7, 10)
