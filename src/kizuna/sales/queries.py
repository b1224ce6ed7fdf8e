"""Reading deals: the list's filters and sorts, totals per stage, the board's columns and 停滞 (stalled) deals.

Every read starts from `Deal.objects.visible_to(user)`. However many deals there are, the list reads one keyset page
(25 rows, walking an index of its sort) and its totals per stage in one GROUP BY; the board reads its column totals
in one GROUP BY and a page of cards per column (see `board`)."""

import re
from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, F, Q, Sum, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.core import japanese
from kizuna.core.exceptions import ValidationFailed

from .models import Deal, DealSource, Pipeline, Stage

STALLED_DAYS = 30  # an open deal untouched this long, or without a next step (or with one overdue), is 停滞
BOARD_PAGE = 30  # cards per column on the board and per "もっと見る"; the column's total still counts every deal
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


# What a card shows and what deciding whether it may be moved reads. Building model objects is most of the board's
# time, so the cards are deals with these columns only, and their company's and owner's names come as annotations
# (company_name, owner_name) rather than as 1,000 more objects.
CARD_FIELDS = (
    "id", "title", "amount", "expected_close_on", "next_step", "next_step_due", "stage_id", "version", "owner_id",
    "team_id", "visibility", "stage_entered_at", "last_activity_at", "company_id", "pipeline_id",
)  # fmt: skip


@dataclass
class Column:
    stage: Stage
    deals: list = field(default_factory=list)
    count: int = 0
    amount: int = 0
    next_cursor: str | None = None  # where "もっと見る" goes on from

    @property
    def weighted(self) -> int:
        return self.amount * self.stage.probability // 100


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
    """Open deals of `pipeline` by stage: each column's count and total from one GROUP BY over the visible deals, and
    its first BOARD_PAGE cards (one LIMIT query per column, walking the stage/amount index; the rest come with
    "もっと見る", `column_cards(after=…)`). The closed stages come with what closed this month."""
    stages = list(pipeline.stages.all())
    columns = {s.pk: Column(s) for s in stages if s.kind == Stage.Kind.OPEN}
    qs = board_deals(user, pipeline, filters)
    for stage_id, total in stage_totals(qs.filter(stage_id__in=list(columns))).items():
        columns[stage_id].count, columns[stage_id].amount = total["count"], total["amount"]
    for column in columns.values():
        if column.count:
            column.deals, column.next_cursor = column_cards(user, qs, column.stage, label=False)
    name_companies(user, [d for c in columns.values() for d in c.deals], names_only=True)  # one query for all
    today = today or timezone.localdate()
    closed_cols = {s.pk: Column(s) for s in stages if s.kind != Stage.Kind.OPEN}
    month_start = timezone.make_aware(datetime(today.year, today.month, 1))
    closed_qs = qs.filter(stage_id__in=list(closed_cols), closed_at__gte=month_start)
    for stage_id, total in stage_totals(closed_qs).items():
        closed_cols[stage_id].count, closed_cols[stage_id].amount = total["count"], total["amount"]
    return Board(pipeline, list(columns.values()), list(closed_cols.values()))


def board_deals(user, pipeline: Pipeline, filters: DealFilters | None = None):
    """The deals a board of `pipeline` reads: the visible ones, filtered."""
    qs = Deal.objects.visible_to(user).filter(pipeline=pipeline)
    return filters.apply(qs) if filters is not None else qs


def card_cursor(deal) -> str:
    return f"{deal.amount}.{deal.pk}"


def parse_card_cursor(value: str) -> tuple[int, int]:
    amount, _dot, pk = str(value or "").partition(".")
    if not (amount.isascii() and amount.isdigit() and pk.isascii() and pk.isdigit()) or len(value) > 40:
        raise ValidationFailed(field_errors={"after": [_("続きの位置（after）が正しくありません。")]})
    return int(amount), int(pk)


def column_cards(user, qs, stage: Stage, *, after: str | None = None, limit: int | None = None, label: bool = True):
    """One column's cards, largest amount first (ties: newest id), `limit` (BOARD_PAGE) of them after the keyset
    cursor `after` ("amount.id" of the last card shown): (cards, cursor of the next page or None). `label`: set each
    card's `company_label` (the board does it once for all its columns)."""
    limit = limit or BOARD_PAGE
    qs = qs.filter(stage_id=stage.pk)
    if after:
        amount, pk = parse_card_cursor(after)
        qs = qs.filter(Q(amount__lt=amount) | Q(amount=amount, pk__lt=pk))
    owner_name = Coalesce(NullIf("owner__display_name", Value("")), "owner__username")
    cards = qs.only(*CARD_FIELDS).annotate(company_name=F("company__name"), owner_name=owner_name)
    cards = list(with_quiet_since(cards).order_by("-amount", "-id")[: limit + 1])
    more = len(cards) > limit
    cards = cards[:limit]
    for deal in cards:
        deal.stage = stage  # no query per card
    if label:
        name_companies(user, cards, names_only=True)
    return cards, (card_cursor(cards[-1]) if more else None)


def pipelines_for(user) -> list[Pipeline]:
    """Pipelines a user may pick on the board and the list: the default and every team's (teams' deals may be
    visible across teams)."""
    return list(Pipeline.objects.alive().order_by("-is_default", "name", "id"))


def name_companies(user, deals, *, names_only: bool = False) -> list:
    """Each deal's `company_label`: its company's name, or the placeholder when the company is hidden from `user`
    (a visible deal of a private company). One query for the whole page. `names_only`: the deals carry
    `company_name` (an annotation) instead of their company object."""
    from kizuna.contacts.models import Company
    from kizuna.core.visibility import placeholder, viewer_for

    deals = list(deals)
    viewer = viewer_for(user)
    viewer.prime(Company, {d.company_id for d in deals})
    hidden = placeholder(Company)
    for deal in deals:
        deal.company_seen = viewer.sees_id(Company, deal.company_id)
        name = deal.company_name if names_only else deal.company.name
        deal.company_label = name if deal.company_seen else hidden
    return deals
