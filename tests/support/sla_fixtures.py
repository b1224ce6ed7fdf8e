"""Helpers of the SLA tests: tickets written directly (the ticket services are not what is tested here), events
shaped as the ticket services emit them, and a standard policy on the default calendar."""

import itertools
from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from kizuna.support.models import BusinessCalendar, SlaPolicy, Ticket
from kizuna.support.sla import policies, tracking

JST = ZoneInfo("Asia/Tokyo")
_numbers = itertools.count(1)
_event_ids = itertools.count(1)


def at(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=JST)


def calendar() -> BusinessCalendar:
    return BusinessCalendar.objects.get(is_default=True)  # 標準, made by the migration


def policy(name="標準", **kw) -> SlaPolicy:
    values = {"calendar": calendar(), "first_response_minutes": 60, "next_response_minutes": 120,
              "resolution_minutes": 960, "warn_before_minutes": 30, "position": 100} | kw  # fmt: skip
    policies.clear_cache()
    return SlaPolicy.objects.create(name=name, **values)


def ticket(created, *, owner=None, team=None, priority="normal", category="", company=None, **kw) -> Ticket:
    subject = kw.pop("subject", "納期の問い合わせ")
    return Ticket.objects.create(number=next(_numbers), subject=subject, created_at=created, last_message_at=created,
                                 owner=owner, team=team or getattr(owner, "team", None),
                                 priority=priority, category=category, company=company, **kw)  # fmt: skip


def event(type_, ticket, when, *, changes=None, data=None, origin="", pk=None):
    return SimpleNamespace(type=type_, object_type="ticket", object_id=str(ticket.pk), occurred_at=when, origin=origin,
                           changes=changes or {}, data=data or {}, pk=pk or next(_event_ids))  # fmt: skip


def send(type_, ticket, when, **kw):
    """Apply one event to the ticket's clock and return the clock."""
    tracking.handle(event(type_, ticket, when, **kw))
    return ticket.__class__.objects.get(pk=ticket.pk).sla


def status(ticket, when, old, new):
    Ticket.objects.filter(pk=ticket.pk).update(status=new)
    ticket.status = new
    return send("ticket.status_changed", ticket, when, changes={"status": [old, new]})
