"""What a 日報 says about a day: built from the records the system already has, in a bounded number of queries.

`build_draft(user, day)` gathers the day of `user`: activities they recorded or took part in (visits, calls,
meetings, captured notes) with the people and companies, the deals they moved, the tasks they finished and the tasks
due on the next working day. Each query is limited (`LIMIT` rows), indexed by user and time, and the names of the
people and companies come from two prefetches, so the draft costs the same 6 queries on a day with 3 records and on a
database with 5M activities.

`lines_for(reader, reports)` renders submitted reports' cited items for a reader: one query for the items and one per
kind of record, whatever the number of reports; a record the reader may not see shows as a placeholder.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import jpholiday
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.contacts.models import Company, Person
from kizuna.core.visibility import viewer_for
from kizuna.timeline.models import Activity, FollowUp

from ..models import Deal, DealStageChange
from ..models.reports import DailyReportItem

LIMIT = 200  # rows per kind a day can cite; a day with more is cut there (and says so)
Kind = DailyReportItem.Kind


@dataclass
class Line:
    kind: str
    object_id: int
    title: str
    label: str = ""  # 訪問, 電話, 受注 …
    detail: str = ""  # the people and companies, or the stage move
    at: datetime | None = None
    url: str = ""
    public: bool = True  # may appear in the report's searchable summary (the record is not private)
    public_detail: str = ""  # `detail` naming only public records: what the summary keeps
    hidden: bool = False  # the reader may not see the record: only a placeholder is shown


@dataclass
class Draft:
    author: object
    date: date
    lines: list[Line] = field(default_factory=list)
    truncated: bool = False

    def of(self, kind: str) -> list[Line]:
        return [line for line in self.lines if line.kind == kind]

    @property
    def activities(self):
        return self.of(Kind.ACTIVITY)

    @property
    def stage_changes(self):
        return self.of(Kind.STAGE_CHANGE)

    @property
    def tasks_done(self):
        return self.of(Kind.TASK_DONE)

    @property
    def tasks_due(self):
        return self.of(Kind.TASK_DUE)

    @property
    def is_empty(self) -> bool:
        return not self.lines


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, start + timedelta(days=1)


def next_working_day(day: date) -> date:
    """The next day that is neither a weekend nor a national holiday (jpholiday)."""
    nxt = day + timedelta(days=1)
    while nxt.weekday() >= 5 or jpholiday.is_holiday(nxt):
        nxt += timedelta(days=1)
    return nxt


def _names(objs) -> str:
    return "、".join(str(o) for o in objs)


def _activity_line(activity: Activity) -> Line:
    companies, people = list(activity.visible_companies), list(activity.visible_people)
    who = "・".join(filter(None, [_names(companies), _names(people)]))
    public = [o for o in companies + people if o.visibility == "public"]
    title = activity.subject or (activity.body.splitlines()[0][:80] if activity.body else activity.get_kind_display())
    return Line(Kind.ACTIVITY, activity.pk, title, activity.get_kind_display(), who, activity.occurred_at,
                activity.get_absolute_url(), public=activity.visibility != "private",
                public_detail=_names(public))  # fmt: skip


def _stage_line(change: DealStageChange, viewer) -> Line:
    """A deal the reader sees may belong to a company they do not: the company is named only if they see it."""
    deal = change.deal
    move = f"{change.from_stage or '—'} → {change.to_stage or '—'}"
    company = f"{deal.company} " if viewer.sees(deal.company) else ""
    public = f"{deal.company} " if deal.company.visibility == "public" else ""
    label = str(Kind.STAGE_CHANGE.label)
    return Line(Kind.STAGE_CHANGE, change.pk, deal.title, label, company + move, change.at,
                _deal_url(deal), public=deal.visibility != "private", public_detail=public + move)  # fmt: skip


def _deal_url(deal) -> str:
    try:
        return deal.get_absolute_url()
    except Exception:
        return ""


def _task_line(task: FollowUp, kind: str, viewer) -> Line:
    about = [o for o in (task.company, task.person) if o is not None and viewer.sees(o)]
    when = task.done_at if kind == Kind.TASK_DONE else None
    label = _("完了") if kind == Kind.TASK_DONE else (task.due_date.strftime("%m/%d") if task.due_date else "")
    return Line(kind, task.pk, task.title, label, _names(about), when, reverse("timeline:tasks"),
                public=task.visibility != "private",
                public_detail=_names(o for o in about if o.visibility == "public"))  # fmt: skip


def _people_prefetch(user):
    return (
        Prefetch("people",
                 queryset=Person.objects.visible_to(user).only("id", "family_name", "given_name", "visibility"),
                 to_attr="visible_people"),
        Prefetch("companies", queryset=Company.objects.visible_to(user).only("id", "name", "visibility"),
                 to_attr="visible_companies"),
    )  # fmt: skip


def _activities(user, ids=None, *, author=None, day=None):
    qs = Activity.objects.visible_to(user)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    else:
        start, end = day_bounds(day)
        took_part = Activity.our_participants.through.objects.filter(user_id=author.pk).values("activity_id")
        qs = qs.filter(occurred_at__gte=start, occurred_at__lt=end).filter(
            Q(recorded_by_id=author.pk) | Q(pk__in=took_part)
        )
    qs = qs.exclude(kind=Activity.Kind.TASK)  # a task's activity is cited as the task
    return qs.prefetch_related(*_people_prefetch(user)).order_by("occurred_at", "id")[:LIMIT]


def _stage_changes(user, ids=None, *, author=None, day=None):
    """Moves of deals the reader may see (checked on the few rows found, not as a subquery over every deal)."""
    qs = DealStageChange.objects.filter(deal__deleted_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    else:
        start, end = day_bounds(day)
        qs = qs.filter(by_id=author.pk, at__gte=start, at__lt=end)
    rows = list(qs.select_related("deal__company", "from_stage", "to_stage").order_by("at", "id")[:LIMIT])
    if not rows:
        return rows
    viewer = viewer_for(user)
    viewer.prime(Deal, {c.deal_id for c in rows})
    return [c for c in rows if viewer.sees_id(Deal, c.deal_id)]


def _tasks(user, ids=None, *, author=None, day=None) -> tuple[list, list]:
    """(done that day, due by the next working day): one query for both."""
    qs = FollowUp.objects.visible_to(user).select_related("person", "company")
    if ids is not None:
        rows = list(qs.filter(pk__in=ids)[: LIMIT * 2])
        return rows, rows
    start, end = day_bounds(day)
    done = Q(done_at__gte=start, done_at__lt=end) & (Q(done_by_id=author.pk) | Q(assignee_id=author.pk))
    due = Q(assignee_id=author.pk, done_at__isnull=True, due_date__gt=day, due_date__lte=next_working_day(day))
    rows = list(qs.filter(done | due).order_by("due_date", "done_at", "id")[: LIMIT * 2])
    return [t for t in rows if t.done_at is not None], [t for t in rows if t.done_at is None]


def build_draft(user, day: date) -> Draft:
    """The day of `user` as the system knows it (what they may see of it)."""
    viewer = viewer_for(user)
    draft = Draft(user, day)
    activities = list(_activities(user, author=user, day=day))
    changes = _stage_changes(user, author=user, day=day)
    viewer.prime(Company, {c.deal.company_id for c in changes})
    done, due = _tasks(user, author=user, day=day)
    done.sort(key=lambda t: (t.done_at, t.pk))
    viewer.prime(Person, [t.person_id for t in done + due if t.person_id])
    viewer.prime(Company, [t.company_id for t in done + due if t.company_id])
    draft.lines = (
        [_activity_line(a) for a in activities] + [_stage_line(c, viewer) for c in changes]
        + [_task_line(t, Kind.TASK_DONE, viewer) for t in done] + [_task_line(t, Kind.TASK_DUE, viewer) for t in due]
    )  # fmt: skip
    draft.truncated = any(len(rows) >= LIMIT for rows in (activities, changes, done, due))
    return draft


def summary_text(draft: Draft) -> str:
    """The day as text (the report's searchable `summary`, read by whoever reads the report): private records are
    left out, and of the people and companies only the public ones are named."""
    headings = {k: str(label) for k, label in Kind.choices}
    out = []
    for kind, heading in headings.items():
        lines = [line for line in draft.of(kind) if line.public]
        if lines:
            out.append(f"【{heading}】")
            out.extend(f"・{line.label} {line.title}" + (f"（{line.public_detail}）" if line.public_detail else "")
                       for line in lines)  # fmt: skip
    return "\n".join(out)


def lines_for(reader, reports) -> dict[int, list[Line]]:
    """{report id: its cited lines as `reader` may see them}, for many reports in a bounded number of queries."""
    reports = list(reports)
    items = list(DailyReportItem.objects.filter(report__in=reports).order_by("report_id", "position", "id"))
    ids: dict[str, set[int]] = defaultdict(set)
    for item in items:
        ids[item.kind].add(item.object_id)
    viewer = viewer_for(reader)
    found: dict[tuple[str, int], Line] = {}
    if ids[Kind.ACTIVITY]:
        for a in _activities(reader, ids[Kind.ACTIVITY]):
            found[(Kind.ACTIVITY, a.pk)] = _activity_line(a)
    if ids[Kind.STAGE_CHANGE]:
        changes = _stage_changes(reader, ids[Kind.STAGE_CHANGE])
        viewer.prime(Company, {c.deal.company_id for c in changes})
        for c in changes:
            found[(Kind.STAGE_CHANGE, c.pk)] = _stage_line(c, viewer)
    tasks = ids[Kind.TASK_DONE] | ids[Kind.TASK_DUE]
    if tasks:
        rows = _tasks(reader, tasks)[0]
        viewer.prime(Person, [t.person_id for t in rows if t.person_id])
        viewer.prime(Company, [t.company_id for t in rows if t.company_id])
        for t in rows:
            for kind in (Kind.TASK_DONE, Kind.TASK_DUE):
                found[(kind, t.pk)] = _task_line(t, kind, viewer)
    out: dict[int, list[Line]] = {r.pk: [] for r in reports}
    for item in items:
        line = found.get((item.kind, item.object_id))
        if line is None:  # hidden from this reader, or deleted since
            line = Line(item.kind, item.object_id, _("（表示できない記録）"), hidden=True)
        out[item.report_id].append(line)
    return out
