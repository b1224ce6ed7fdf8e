"""Which policy applies to a ticket, and the calendar it counts on (cached per calendar version)."""

import threading

from ..models import BusinessCalendar, SlaPolicy, Ticket
from . import calendar as cal

_cache = threading.local()


def _store() -> dict:
    if not hasattr(_cache, "calendars"):
        _cache.calendars = {}
    return _cache.calendars


def clear_cache() -> None:
    _store().clear()


def calendar_by_id(calendar_id: int | None) -> cal.Calendar:
    """The pure calendar of a BusinessCalendar row (the default calendar for None; the standard one when there is
    no row at all). Cached per (id, version): a change in the admin screens bumps the version."""
    store = _store()
    row = BusinessCalendar.objects.filter(pk=calendar_id) if calendar_id else BusinessCalendar.objects.order_by(
        "-is_default", "id")  # fmt: skip
    head = row.values_list("pk", "version").first()
    if head is None:
        return store.setdefault(("standard", 0), cal.standard())
    if head not in store:
        store[head] = BusinessCalendar.objects.get(pk=head[0]).as_calendar()
    return store[head]


def calendar_of(policy: SlaPolicy | None) -> cal.Calendar:
    return calendar_by_id(policy.calendar_id if policy else None)


def tier_of(ticket: Ticket) -> str:
    """The customer tier: the company's custom field `sla_tier` (a choice field admins define under カスタム項目)."""
    company = ticket.company if ticket.company_id else None
    value = (company.custom or {}).get(SlaPolicy.TIER_FIELD, "") if company is not None else ""
    return str(value or "")


def matches(policy: SlaPolicy, *, priority: str, category: str, tier: str) -> bool:
    return ((not policy.priority or policy.priority == priority)
            and (not policy.category or policy.category == category)
            and (not policy.customer_tier or policy.customer_tier == tier))  # fmt: skip


def match_policy(ticket: Ticket, policies=None) -> SlaPolicy | None:
    """The first active policy, in `position` order, whose priority, category and tier conditions hold."""
    candidates = policies if policies is not None else SlaPolicy.objects.filter(active=True).order_by("position", "id")
    tier = tier_of(ticket)
    for policy in candidates:
        if matches(policy, priority=ticket.priority, category=ticket.category, tier=tier):
            return policy
    return None
