"""The calendar: my (or my team's) tasks by due date and activities by when they happened, for the month/week
page and for the private ICS feed. Every row comes through the records' own `visible_to(user)`.

The feed writes tasks as all-day VEVENTs (not VTODO): Google Calendar ignores VTODO in subscribed calendars and
Outlook shows them nowhere in its calendar view, while an all-day event shows in both. Titles are the task's
title and the activity's subject (never its body); a record marked 機密扱い gets its kind only."""

import calendar as pycalendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.timeline.models import Activity, FollowUp

LIMIT = 1000  # rows of each kind on one page or in one feed


@dataclass
class Entry:
    kind: str  # "task" | "activity"
    pk: int
    title: str
    day: date
    url: str
    start: datetime | None = None  # activities: local time
    end: datetime | None = None
    done: bool = False
    overdue: bool = False
    who: str = ""
    sensitive: bool = False


def _mine_tasks(user, scope: str):
    qs = FollowUp.objects.visible_to(user)
    if scope == "team" and user.team_id:
        return qs.filter(assignee__team_id=user.team_id)
    return qs.filter(assignee=user)


def _mine_activities(user, scope: str):
    qs = Activity.objects.visible_to(user)
    if scope == "team" and user.team_id:
        return qs.filter(Q(team_id=user.team_id) | Q(owner__team_id=user.team_id))
    joined = Activity.our_participants.through.objects.filter(user_id=user.pk).values("activity_id")
    return qs.filter(Q(owner=user) | Q(recorded_by=user) | Q(pk__in=joined))


def task_url(task) -> str:
    for obj in (task.person, task.company, task.activity):
        if obj is not None:
            return obj.get_absolute_url()
    return reverse("timeline:tasks")


def task_title(task) -> str:
    return _("%(kind)s（機密扱い）") % {"kind": _("タスク")} if task.sensitive else task.title


def activity_title(activity) -> str:
    kind = activity.get_kind_display()
    if activity.sensitive:
        return _("%(kind)s（機密扱い）") % {"kind": kind}
    return f"{kind}: {activity.subject}" if activity.subject else str(kind)


def entries(user, start: date, end: date, *, scope: str = "mine") -> list[Entry]:
    """Tasks due and activities that happened from `start` to `end` (inclusive), by day and time."""
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    out = []
    related = ("assignee", "person", "company", "activity")
    tasks = (_mine_tasks(user, scope).filter(due_date__gte=start, due_date__lte=end)
             .select_related(*related).order_by("due_date", "pk")[:LIMIT])  # fmt: skip
    for t in tasks:
        out.append(Entry("task", t.pk, t.title, t.due_date, task_url(t), done=t.done_at is not None,
                         overdue=t.done_at is None and t.due_date < today, who=str(t.assignee or ""),
                         sensitive=t.sensitive))  # fmt: skip
    since = datetime.combine(start, time.min, tzinfo=tz)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz)
    activities = (_mine_activities(user, scope).filter(occurred_at__gte=since, occurred_at__lt=until)
                  .select_related("owner").order_by("occurred_at", "pk")[:LIMIT])  # fmt: skip
    for a in activities:
        local = timezone.localtime(a.occurred_at, tz)
        out.append(Entry("activity", a.pk, a.subject or a.body[:40] or a.get_kind_display(), local.date(),
                         a.get_absolute_url(), start=local,
                         end=local + timedelta(minutes=a.duration_minutes or 30), who=str(a.owner or ""),
                         sensitive=a.sensitive))  # fmt: skip
    out.sort(key=lambda e: (e.day, e.start is not None, e.start or datetime.min.replace(tzinfo=tz), e.kind, e.pk))
    return out


# --- the page's grid -----------------------------------------------------------------------------------------
def grid(view: str, anchor: date) -> tuple[date, date, date, date]:
    """(first shown day, last shown day, previous anchor, next anchor) for a month or a week from Monday."""
    if view == "week":
        first = anchor - timedelta(days=anchor.weekday())
        return first, first + timedelta(days=6), first - timedelta(days=7), first + timedelta(days=7)
    month_first = anchor.replace(day=1)
    month_last = month_first.replace(day=pycalendar.monthrange(anchor.year, anchor.month)[1])
    first = month_first - timedelta(days=month_first.weekday())
    last = month_last + timedelta(days=6 - month_last.weekday())
    previous = (month_first - timedelta(days=1)).replace(day=1)
    return first, last, previous, month_last + timedelta(days=1)


def weeks(first: date, last: date, found: list[Entry]) -> list[list[dict]]:
    by_day: dict[date, list[Entry]] = {}
    for entry in found:
        by_day.setdefault(entry.day, []).append(entry)
    days, day = [], first
    while day <= last:
        days.append({"date": day, "entries": by_day.get(day, [])})
        day += timedelta(days=1)
    return [days[i : i + 7] for i in range(0, len(days), 7)]


# --- the ICS feed --------------------------------------------------------------------------------------------
FEED_PAST_DAYS, FEED_FUTURE_DAYS = 90, 365


def ics(user, *, host: str) -> bytes:
    """The user's own tasks and activities as an iCalendar (RFC 5545) document, times in Asia/Tokyo."""
    from icalendar import Calendar, Event

    tz = ZoneInfo(settings.TIME_ZONE)
    today = timezone.localdate()
    cal = Calendar()
    cal.add("prodid", "-//Kizuna//Kizuna CRM//JA")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"Kizuna — {user}")
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    base = (settings.KIZUNA_BASE_URL or f"https://{host}").rstrip("/")
    domain = host.split(":")[0] or "kizuna"
    start, end = today - timedelta(days=FEED_PAST_DAYS), today + timedelta(days=FEED_FUTURE_DAYS)
    tasks = (_mine_tasks(user, "mine").filter(due_date__gte=start, due_date__lte=end)
             .select_related("person", "company", "activity").order_by("due_date", "pk")[:LIMIT])  # fmt: skip
    for t in tasks:
        event = Event()
        event.add("uid", f"kizuna-task-{t.pk}@{domain}")
        event.add("dtstamp", t.updated_at)
        event.add("last-modified", t.updated_at)
        event.add("sequence", t.version)
        event.add("dtstart", t.due_date)
        event.add("dtend", t.due_date + timedelta(days=1))
        done = _("（完了）") if t.done_at else ""
        event.add("summary", f"☐ {task_title(t)}{done}" if not t.done_at else f"✓ {task_title(t)}{done}")
        event.add("transp", "TRANSPARENT")  # an all-day task does not make the day busy
        event.add("categories", [_("タスク")])
        event.add("url", base + task_url(t))
        cal.add_component(event)
    since = datetime.combine(start, time.min, tzinfo=tz)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz)
    activities = (_mine_activities(user, "mine").filter(occurred_at__gte=since, occurred_at__lt=until)
                  .order_by("occurred_at", "pk")[:LIMIT])  # fmt: skip
    for a in activities:
        local = a.occurred_at.astimezone(tz)
        event = Event()
        event.add("uid", f"kizuna-activity-{a.pk}@{domain}")
        event.add("dtstamp", a.updated_at)
        event.add("last-modified", a.updated_at)
        event.add("sequence", a.version)
        event.add("dtstart", local)
        event.add("dtend", local + timedelta(minutes=a.duration_minutes or 30))
        event.add("summary", activity_title(a))
        event.add("categories", [str(a.get_kind_display())])
        event.add("url", base + a.get_absolute_url())
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()
