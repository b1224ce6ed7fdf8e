"""Reading deals: the list's filters and sorts, totals per stage, the board's columns and 停滞 (stalled) deals.

Every read starts from `Deal.objects.visible_to(user)`; the board and the list read their rows in one query
(select_related) and their totals in one more, whatever the number of deals."""

import re
from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.core import japanese
from kizuna.core.exceptions import ValidationFailed

from .models import Deal, DealSource, Pipeline, Stage

STALLED_DAYS = 30  # an open deal untouched this long, or without a next step (or with one overdue), is 停滞
BOARD_COLUMN_LIMIT = 200  # cards per column on the board; the column's total still counts every deal
DEAL_SORTS = {
    "updated": "-updated_at",
    "amount": "-amount",
    "amount_asc": "amount",
    "title": "title",
    "stage_age": "stage_entered_at",  # longest in their stage first
    "created": "-created_at",
}
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def deals_for(user):
    return Deal.objects.visible_to(user).select_related("company", "stage", "owner", "pipeline")


def stalled_q(days: int = STALLED_DAYS, *, now=None) -> Q:
    """Open deals with no next step, an overdue one, or nothing done (activity or stage move) for `days`."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    quiet = Q(quiet_since__lt=now - timedelta(days=days))
    return Q(stage__kind=Stage.Kind.OPEN) & (Q(next_step="") | Q(next_step_due__lt=today) | quiet)


def with_quiet_since(qs):
    """`quiet_since`: the later of the last linked activity and the last stage move."""
    return qs.annotate(quiet_since=Coalesce("last_activity_at", "stage_entered_at"))


def _int(value, field_name: str):
    if value in (None, ""):
        return None
    text = str(value)
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        raise ValidationFailed(field_errors={field_name: [_("数値のIDを指定してください。")]})
    return int(text)


def month_range(value: str) -> tuple[date, date]:
    match = _MONTH.match(japanese.nfkc(value or "").strip())
    if not match or not 1 <= int(match[2]) <= 12 or not 2000 <= int(match[1]) <= 2100:
        raise ValidationFailed(field_errors={"close_month": [_("受注予定月は YYYY-MM の形式で指定してください。")]})
    year, month = int(match[1]), int(match[2])
    return date(year, month, 1), date(year, month, monthrange(year, month)[1])


@dataclass
class DealFilters:
    q: str = ""
    stage: int | None = None
    kind: str = ""  # open / won / lost
    pipeline: int | None = None
    owner: int | None = None
    team: int | None = None
    company: int | None = None
    close_month: str = ""
    source: str = ""
    stalled: bool = False
    stalled_days: int = STALLED_DAYS
    active: dict = field(default_factory=dict)  # what was asked, for the page

    @classmethod
    def from_params(cls, params, user) -> "DealFilters":
        get = params.get
        owner = get("owner") or ""
        out = cls(
            q=str(get("q") or "").strip()[:100],
            stage=_int(get("stage"), "stage"),
            kind=str(get("kind") or ""),
            pipeline=_int(get("pipeline"), "pipeline"),
            owner=user.pk if owner == "me" else _int(owner, "owner"),
            team=_int(get("team"), "team"),
            company=_int(get("company"), "company"),
            close_month=str(get("close_month") or ""),
            source=str(get("source") or ""),
            stalled=str(get("stalled") or "") in ("1", "true", "on", "yes"),
        )
        if out.kind and out.kind not in Stage.Kind.values:
            raise ValidationFailed(field_errors={"kind": [_("kind は open / won / lost のいずれかです。")]})
        if out.source and out.source not in DealSource.values:
            raise ValidationFailed(field_errors={"source": [_("引合元が正しくありません。")]})
        if out.close_month:
            month_range(out.close_month)
        days = get("stalled_days")
        if days not in (None, ""):
            if not str(days).isdigit() or not 1 <= int(days) <= 3650:
                raise ValidationFailed(field_errors={"stalled_days": [_("日数は1〜3650で指定してください。")]})
            out.stalled_days = int(days)
        return out

    def apply(self, qs):
        if self.q:
            text = japanese.search_text(self.q)
            qs = qs.filter(Q(title__icontains=self.q) | Q(company__name_search__contains=text))
        for name in ("stage", "pipeline", "owner", "team", "company"):
            value = getattr(self, name)
            if value is not None:
                qs = qs.filter(**{f"{name}_id": value})
        if self.kind:
            qs = qs.filter(stage__kind=self.kind)
        if self.source:
            qs = qs.filter(source=self.source)
        if self.close_month:
            first, last = month_range(self.close_month)
            qs = qs.filter(expected_close_on__range=(first, last))
        if self.stalled:
            qs = with_quiet_since(qs).filter(stalled_q(self.stalled_days))
        return qs


def stage_totals(qs) -> dict[int, dict]:
    """{stage id: {"count", "amount"}} over a filtered queryset, in one query."""
    rows = qs.order_by().values("stage_id").annotate(count=Count("id"), amount=Sum("amount"))
    return {row["stage_id"]: {"count": row["count"], "amount": row["amount"] or 0} for row in rows}


@dataclass
class Column:
    stage: Stage
    deals: list = field(default_factory=list)
    count: int = 0
    amount: int = 0

    @property
    def weighted(self) -> int:
        return self.amount * self.stage.probability // 100

    @property
    def more(self) -> int:
        return max(0, self.count - len(self.deals))


@dataclass
class Board:
    pipeline: Pipeline
    columns: list  # open stages, in order
    closed: list  # won and lost stages: drop targets, with this month's totals

    @property
    def open_count(self) -> int:
        return sum(c.count for c in self.columns)

    @property
    def open_amount(self) -> int:
        return sum(c.amount for c in self.columns)


def board(user, pipeline: Pipeline, filters: DealFilters | None = None, *, today=None) -> Board:
    """Open deals of `pipeline` by stage (one query for the cards, one for the totals), and the closed stages with
    what closed this month."""
    stages = list(pipeline.stages.all())
    columns = {s.pk: Column(s) for s in stages if s.kind == Stage.Kind.OPEN}
    qs = Deal.objects.visible_to(user).filter(pipeline=pipeline)
    if filters is not None:
        qs = filters.apply(qs)
    open_qs = qs.filter(stage_id__in=list(columns))
    for stage_id, total in stage_totals(open_qs).items():
        columns[stage_id].count, columns[stage_id].amount = total["count"], total["amount"]
    cards = open_qs.select_related("company", "owner").order_by("stage_id", "-amount", "-id")
    per_stage: dict[int, int] = {}
    for deal in with_quiet_since(cards):
        seen = per_stage.get(deal.stage_id, 0)
        if seen < BOARD_COLUMN_LIMIT:
            deal.stage = columns[deal.stage_id].stage  # no query per card
            columns[deal.stage_id].deals.append(deal)
        per_stage[deal.stage_id] = seen + 1
    today = today or timezone.localdate()
    closed_cols = {s.pk: Column(s) for s in stages if s.kind != Stage.Kind.OPEN}
    month_start = timezone.make_aware(datetime(today.year, today.month, 1))
    closed_qs = qs.filter(stage_id__in=list(closed_cols), closed_at__gte=month_start)
    for stage_id, total in stage_totals(closed_qs).items():
        closed_cols[stage_id].count, closed_cols[stage_id].amount = total["count"], total["amount"]
    return Board(pipeline, list(columns.values()), list(closed_cols.values()))


def pipelines_for(user) -> list[Pipeline]:
    """Pipelines a user may pick on the board and the list: the default and every team's (teams' deals may be
    visible across teams)."""
    return list(Pipeline.objects.alive().order_by("-is_default", "name", "id"))
