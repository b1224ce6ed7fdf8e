"""Forecast: committed (won), weighted pipeline and best case per month, fiscal quarter and fiscal year, for a rep,
a team or the company, against the revenue targets.

Every number is one aggregate query (GROUP BY month, and by rep or team for the breakdowns) over
`Deal.objects.visible_to(viewer)`: a reader's numbers only ever include deals they may see. The deals behind each
number are the same filter (`metric_q`), which the drill-down lists and CSV exports reuse, so a list always adds
up to the number it came from.

- committed: won deals by 受注日 (won_on) in the period
- pipeline: open deals by 受注予定日 (expected_close_on) in the period, at full amount
- weighted: the same open deals, amount × effective probability (the deal's own, else its stage's) ÷ 100
- best case: committed + pipeline
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import BigIntegerField, CharField, Count, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import Cast, Coalesce, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.accounts.models import Team, User
from kizuna.core.exceptions import NotFound, PermissionDenied, ValidationFailed
from kizuna.core.permissions import Scope, is_active_user, manages_team_of, scope_of

from ..models import Deal, Stage, Target
from ..models.targets import REVENUE

# --- fiscal calendar -------------------------------------------------------------------------------------------


def add_months(day: date, n: int) -> date:
    index = day.year * 12 + day.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def fiscal_year_of(day: date, start_month: int) -> int:
    """The fiscal year a day falls in, named by the calendar year it starts in (2026年度 = 2026-04 … 2027-03)."""
    return day.year if day.month >= start_month else day.year - 1


def fiscal_months(fy: int, start_month: int) -> list[date]:
    first = date(fy, start_month, 1)
    return [add_months(first, i) for i in range(12)]


@dataclass(frozen=True)
class Period:
    """[start, end) in dates; `key` is what URLs and the API carry: 2026 (FY), 2026-Q1 (fiscal quarter), 2026-04."""

    key: str
    label: str
    start: date
    end: date

    @property
    def months(self) -> list[date]:
        out, day = [], self.start
        while day < self.end:
            out.append(day)
            day = add_months(day, 1)
        return out

    def aware_range(self) -> tuple[datetime, datetime]:
        tz = timezone.get_current_timezone()
        return (datetime.combine(self.start, time.min, tzinfo=tz), datetime.combine(self.end, time.min, tzinfo=tz))


def fiscal_year(fy: int, start_month: int) -> Period:
    start = date(fy, start_month, 1)
    return Period(str(fy), _("%(year)s年度") % {"year": fy}, start, add_months(start, 12))


def fiscal_quarter(fy: int, q: int, start_month: int) -> Period:
    start = add_months(date(fy, start_month, 1), 3 * (q - 1))
    return Period(f"{fy}-Q{q}", _("%(year)s年度 第%(q)s四半期") % {"year": fy, "q": q}, start, add_months(start, 3))


def month_period(day: date) -> Period:
    start = day.replace(day=1)
    return Period(f"{start:%Y-%m}", _("%(year)s年%(month)s月") % {"year": start.year, "month": start.month}, start,
                  add_months(start, 1))  # fmt: skip


def quarter_of(month: date, start_month: int) -> int:
    return (month.month - start_month) % 12 // 3 + 1


def parse_period(text: str | None, start_month: int, today: date | None = None) -> Period:
    """'2026' → fiscal year, '2026-Q2' → fiscal quarter, '2026-05' → month; empty → the current fiscal year."""
    today = today or timezone.localdate()
    text = (text or "").strip()
    try:
        if not text:
            return fiscal_year(fiscal_year_of(today, start_month), start_month)
        if text.isdigit() and len(text) == 4:
            return fiscal_year(int(text), start_month)
        year, rest = text.split("-", 1)
        if rest.upper().startswith("Q") and rest[1:] in ("1", "2", "3", "4"):
            return fiscal_quarter(int(year), int(rest[1:]), start_month)
        month = int(rest)
        if 1 <= month <= 12 and len(year) == 4:
            return month_period(date(int(year), month, 1))
    except ValueError:
        pass
    message = _("期間は 2026（年度）、2026-Q1（四半期）、2026-04（月）の形式で指定してください。")
    raise ValidationFailed(field_errors={"period": [message]})


def as_id(value) -> int | None:
    """A record id from user input, or None (non-digits, full-width digits, or beyond a 64-bit column)."""
    text = str(value if value is not None else "").strip()
    if text.isascii() and text.isdigit() and len(text) <= 18:
        return int(text)
    return None


# --- whose numbers ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    """A rep, a team or the whole company, as a reader asked for it (resolve_subject checks they may)."""

    kind: str  # "rep" | "team" | "company"
    user: User | None = None
    team: Team | None = None

    @property
    def key(self) -> str:
        return {"rep": f"user:{getattr(self.user, 'pk', '')}", "team": f"team:{getattr(self.team, 'pk', '')}"}.get(
            self.kind, "company"
        )

    @property
    def label(self) -> str:
        if self.kind == "rep":
            return self.user.display_name or self.user.username
        if self.kind == "team":
            return self.team.name
        return _("全社")

    def deal_q(self) -> Q:
        if self.kind == "rep":
            return Q(owner_id=self.user.pk)
        if self.kind == "team":
            return Q(team_id=self.team.pk)
        return Q()


def resolve_subject(viewer, kind: str = "rep", *, user_id=None, team_id=None) -> Subject:
    """Who may see whose numbers: a rep their own; a manager (team scope) their team and its members; whoever reads
    every record (admins) any rep, team and the company. Someone else's rep or team is 404, a level above one's
    reach on one's own team or the company is 403."""
    if not is_active_user(viewer):
        raise PermissionDenied()
    everything = scope_of(viewer) == Scope.ALL
    if kind == "rep":
        if not user_id or str(user_id) == str(viewer.pk):
            return Subject("rep", user=viewer)
        other = User.objects.filter(pk=as_id(user_id), is_active=True).first() if as_id(user_id) else None
        if other is None or not (everything or manages_team_of(viewer, other)):
            raise NotFound()
        return Subject("rep", user=other)
    if kind == "team":
        team_id = team_id or viewer.team_id
        team = Team.objects.filter(pk=as_id(team_id)).first() if as_id(team_id) else None
        if team is None:
            raise NotFound()
        if everything or (scope_of(viewer) == Scope.TEAM and viewer.team_id == team.pk):
            return Subject("team", team=team)
        if viewer.team_id == team.pk:
            raise PermissionDenied(_("チームの数字はマネージャーと管理者が見られます。"))
        raise NotFound()
    if kind == "company":
        if not everything:
            raise PermissionDenied(_("全社の数字は管理者が見られます。"))
        return Subject("company")
    raise ValidationFailed(field_errors={"scope": [_("対象は rep / team / company のいずれかです。")]})


# --- the deals behind each number -----------------------------------------------------------------------------

DEAL_METRICS = ("committed", "pipeline", "weighted", "best_case", "lost", "stale")


def metric_q(metric: str, period: Period, *, stale_days: int | None = None, now=None) -> Q:
    """The filter that picks the deals behind a forecast number (also the drill-down's filter)."""
    won = Q(stage__kind=Stage.Kind.WON, won_on__gte=period.start, won_on__lt=period.end)
    open_ = Q(stage__kind=Stage.Kind.OPEN, expected_close_on__gte=period.start, expected_close_on__lt=period.end)
    if metric == "committed":
        return won
    if metric in ("pipeline", "weighted"):
        return open_
    if metric == "best_case":
        return won | open_
    if metric == "lost":
        start, end = period.aware_range()
        return Q(stage__kind=Stage.Kind.LOST, closed_at__gte=start, closed_at__lt=end)
    if metric == "stale":
        return stale_q(stale_days, now=now)
    raise ValidationFailed(field_errors={"metric": [_("指標 %(metric)s はありません。") % {"metric": metric}]})


def stale_q(days: int | None = None, *, now=None) -> Q:
    """停滞案件: open deals with no next step, or untouched (no activity since, else since creation) for N days."""
    from .rollup_reads import sales_settings

    days = sales_settings().stale_days if days is None else days
    cutoff = (now or timezone.now()) - timedelta(days=days)
    untouched = Q(last_activity_at__lt=cutoff) | Q(last_activity_at__isnull=True, created_at__lt=cutoff)
    return Q(stage_id__in=open_stage_ids()) & (Q(next_step="") | untouched)


def open_stage_ids() -> list[int]:
    """The open stages' ids (a handful): a deal filter on them uses the (team, stage) and (owner, stage) indexes,
    where a join on the stage's kind scans every open deal of every team."""
    from .rollup_reads import memo

    return memo("open_stages", lambda: list(Stage.objects.filter(kind=Stage.Kind.OPEN).values_list("pk", flat=True)))


def effective_probability():
    return Coalesce("probability", "stage__probability")


def weighted_amount():
    """amount × effective probability (percent); divide the sum by 100 (yen())."""
    return ExpressionWrapper(F("amount") * effective_probability(), output_field=BigIntegerField())


def deals_for(viewer, subject: Subject):
    """The subject's deals the viewer may see. When the viewer sees every one of them (`rollup.serves`: an
    administrator, a rep's own deals, a manager's own team — the cases `visible_to` grants whole), the visibility
    rule adds nothing but its per-row EXISTS probes, so it is left out; tests compare both paths."""
    from . import rollup

    if rollup.serves(viewer, subject):
        return Deal.objects.alive().filter(subject.deal_q())
    return Deal.objects.visible_to(viewer).filter(subject.deal_q())


def yen(weighted_sum) -> int:
    """amount × percent summed, back to whole yen (half up)."""
    return (int(weighted_sum or 0) + 50) // 100


# --- targets ---------------------------------------------------------------------------------------------------


def target_values(subject: Subject, metric: str, period: Period) -> dict[date, int]:
    """Month → target. A team's target is its own row for the month, else the sum of its members' rows; the
    company's is the sum over teams (members without a team count on their own)."""
    return targets_by_metric(subject, [metric], period).get(metric, {})


def targets_by_metric(subject: Subject, metrics: list[str], period: Period) -> dict[str, dict[date, int]]:
    """target_values for several metrics in one query (GROUP BY metric, team row or member's team, month)."""
    rows = Target.objects.filter(metric__in=metrics, month__gte=period.start, month__lt=period.end).order_by()
    if subject.kind == "rep":
        rows = rows.filter(user_id=subject.user.pk)
    elif subject.kind == "team":
        rows = rows.filter(Q(team_id=subject.team.pk) | Q(user__team_id=subject.team.pk))
    grouped = rows.values_list("metric", "team_id", "user__team_id", "month").annotate(v=Sum("value"))
    own: dict = {}
    members: dict = {}
    for metric, team, member_team, month, value in grouped:
        if team is not None:
            own[(metric, team, month)] = own.get((metric, team, month), 0) + value
        else:
            key = (metric, member_team, month)
            members[key] = members.get(key, 0) + value
    out: dict[str, dict[date, int]] = {}
    for (metric, _team, month), value in own.items():
        out.setdefault(metric, {})[month] = out.get(metric, {}).get(month, 0) + value
    for (metric, team, month), value in members.items():
        if team is None or (metric, team, month) not in own:
            out.setdefault(metric, {})[month] = out.get(metric, {}).get(month, 0) + value
    return out


# --- the forecast ----------------------------------------------------------------------------------------------


@dataclass
class Row:
    key: str
    label: str
    start: date
    end: date
    committed: int = 0
    pipeline: int = 0
    weighted: int = 0
    target: int | None = None
    won_count: int = 0
    open_count: int = 0

    @property
    def best_case(self) -> int:
        return self.committed + self.pipeline

    @property
    def gap(self) -> int | None:
        return None if self.target is None else self.target - self.committed

    @property
    def attainment(self) -> float | None:
        return round(self.committed * 100 / self.target, 1) if self.target else None

    @property
    def coverage(self) -> float | None:
        """Open pipeline against what is still missing to the target (≥ 3.0 is the usual comfort)."""
        gap = self.gap
        return round(self.pipeline / gap, 2) if gap and gap > 0 else None

    def add(self, other: "Row") -> None:
        self.committed += other.committed
        self.pipeline += other.pipeline
        self.weighted += other.weighted
        self.won_count += other.won_count
        self.open_count += other.open_count
        if other.target is not None:
            self.target = (self.target or 0) + other.target

    def as_dict(self) -> dict:
        return {
            "period": self.key, "label": self.label, "start": self.start.isoformat(), "end": self.end.isoformat(),
            "committed": self.committed, "weighted": self.weighted, "pipeline": self.pipeline,
            "best_case": self.best_case, "target": self.target, "gap": self.gap, "attainment": self.attainment,
            "coverage": self.coverage, "won_count": self.won_count, "open_count": self.open_count,
        }  # fmt: skip


@dataclass
class Forecast:
    subject: Subject
    period: Period
    months: list[Row]
    quarters: list[Row]
    total: Row
    breakdown: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "scope": self.subject.kind, "subject": self.subject.key, "subject_label": self.subject.label,
            "period": self.period.key, "label": self.period.label,
            "start": self.period.start.isoformat(), "end": self.period.end.isoformat(),
            "months": [r.as_dict() for r in self.months], "quarters": [r.as_dict() for r in self.quarters],
            "total": self.total.as_dict(), "breakdown": self.breakdown,
        }  # fmt: skip


def _monthly(qs, period: Period, group: str | None = None) -> dict:
    """(group value, month) → Row parts, from two GROUP BY queries (won by won_on, open by expected_close_on)."""
    keys = [group] if group else []
    won = (
        qs.filter(metric_q("committed", period)).order_by().annotate(m=month_of_date("won_on"))
        .values(*keys, "m").annotate(s=Sum("amount"), n=Count("id"))
    )  # fmt: skip
    opened = (
        qs.filter(metric_q("pipeline", period)).order_by().annotate(m=month_of_date("expected_close_on"))
        .values(*keys, "m").annotate(s=Sum("amount"), w=Sum(weighted_amount()), n=Count("id"))
    )  # fmt: skip
    out: dict = {}
    for row in won:
        part = out.setdefault((row[group] if group else None, _as_date(row["m"])), {})
        part.update(committed=int(row["s"] or 0), won_count=row["n"])
    for row in opened:
        part = out.setdefault((row[group] if group else None, _as_date(row["m"])), {})
        part.update(pipeline=int(row["s"] or 0), weighted_raw=int(row["w"] or 0), open_count=row["n"])
    return out


def month_of_date(field: str):
    """'YYYY-MM' of a date column in plain SQL on both databases (TruncMonth is a Python function per row on
    SQLite, which dominated a fiscal year's GROUP BY at 200k deals)."""
    return Substr(Cast(field, output_field=CharField()), 1, 7)


def _as_date(value) -> date:
    if isinstance(value, str):
        return date(int(value[:4]), int(value[5:7]), 1)
    return value.date() if isinstance(value, datetime) else value


def forecast(viewer, subject: Subject, period: Period, *, breakdown: bool = False) -> Forecast:
    from .rollup_reads import one_read

    with one_read():
        return _forecast(viewer, subject, period, breakdown=breakdown)


def _forecast(viewer, subject: Subject, period: Period, *, breakdown: bool) -> Forecast:
    from . import rollup, rollup_reads

    start_month = rollup_reads.sales_settings().fiscal_year_start_month
    qs = deals_for(viewer, subject)
    served = rollup.serves(viewer, subject)  # the rollup's sums are exactly what this reader sees
    parts = rollup_reads.monthly(subject, period) if served else _monthly(qs, period)
    targets = target_values(subject, REVENUE, period)
    months = []
    for month in period.months:
        p = month_period(month)
        part = parts.get((None, month), {})
        months.append(Row(p.key, p.label, p.start, p.end, committed=part.get("committed", 0),
                          pipeline=part.get("pipeline", 0), weighted=yen(part.get("weighted_raw")),
                          target=targets.get(month), won_count=part.get("won_count", 0),
                          open_count=part.get("open_count", 0)))  # fmt: skip
    quarters: dict[str, Row] = {}
    for row in months:
        fy = fiscal_year_of(row.start, start_month)
        q = fiscal_quarter(fy, quarter_of(row.start, start_month), start_month)
        quarters.setdefault(q.key, Row(q.key, q.label, q.start, q.end)).add(row)
    total = Row(period.key, period.label, period.start, period.end)
    for row in months:
        total.add(row)
    result = Forecast(subject, period, months, list(quarters.values()), total)
    if breakdown and subject.kind in ("team", "company"):
        result.breakdown = _breakdown(qs, subject, period, served=served)
    return result


def _breakdown(qs, subject: Subject, period: Period, *, served: bool = False) -> list[dict]:
    """The period's totals per rep (a team) or per team (the company): one more GROUP BY, plus targets."""
    from . import rollup_reads

    group = "owner_id" if subject.kind == "team" else "team_id"
    totals: dict = {}
    parts = rollup_reads.monthly(subject, period, group) if served else _monthly(qs, period, group)
    for (key, _month), part in parts.items():
        row = totals.setdefault(key, Row("", "", period.start, period.end))
        row.add(Row("", "", period.start, period.end, committed=part.get("committed", 0),
                    pipeline=part.get("pipeline", 0), weighted=yen(part.get("weighted_raw")),
                    won_count=part.get("won_count", 0), open_count=part.get("open_count", 0)))  # fmt: skip
    targets = Target.objects.filter(metric=REVENUE, month__gte=period.start, month__lt=period.end).order_by()
    if subject.kind == "team":
        members = User.objects.filter(Q(team_id=subject.team.pk) | Q(pk__in=[k for k in totals if k]))
        names = {u.pk: (u.display_name or u.username, u.team_id == subject.team.pk) for u in members}
        goal = dict(targets.filter(user_id__in=list(names)).values_list("user_id").annotate(v=Sum("value")))
        keys = [k for k, (_n, member) in names.items() if member] + [k for k in totals if k not in names]
        label = {k: names.get(k, (_("（担当者なし）"), False))[0] for k in keys}
        param = "user"
    else:
        teams = {t.pk: t.name for t in Team.objects.all()}
        own: dict = {}
        members: dict = {}
        grouped = targets.values_list("team_id", "user__team_id", "month").annotate(v=Sum("value"))
        for team, member_team, month, value in grouped:
            bucket = own if team is not None else members
            key = (team if team is not None else member_team, month)
            bucket[key] = bucket.get(key, 0) + value
        goal = {}
        for (team, _month), value in own.items():
            goal[team] = goal.get(team, 0) + value
        for (team, month), value in members.items():
            if (team, month) not in own:
                goal[team] = goal.get(team, 0) + value
        keys = list(teams) + [k for k in totals if k not in teams]
        label = {k: teams.get(k, _("（チームなし）")) for k in keys}
        param = "team"
    out = []
    for key in keys:
        row = totals.get(key, Row("", "", period.start, period.end))
        row.target = goal.get(key)
        out.append({**row.as_dict(), "id": key, "name": label[key], "param": param,
                    "period": period.key, "label": label[key]})  # fmt: skip
    return out
