"""Customer journey: lifecycle stages advanced by deal events, set by hand, counted per month; LTV per company.

Automatic moves only go forward and are derived from the facts, so an event seen twice (the outbox delivers at
least once) changes nothing the second time: a company with a deal stands at least at 比較・検討, with a won deal at
購入, with two won deals at 継続・リピート. The people on those deals (DealContact) follow the same rule. A stage set
by hand stays until a later fact moves it further.

A removed deal (deleted, e.g. by undoing the capture line that created it) no longer proves anything: its company
and people whose stage was set automatically fall back to what the remaining data supports — their remaining deals,
and no lower than the last stage set by hand (`fall_back_for_deal`). A stage last set by hand is left as it is;
restoring the deal moves them forward again.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Count, Exists, Max, Min, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.contacts.models import Company, Person
from kizuna.core import audit
from kizuna.core.exceptions import PermissionDenied, ValidationFailed
from kizuna.core.permissions import can_write_record

from ..models import Deal, Stage
from ..models.journey import STAGE_ORDER, JourneyStage, Lifecycle, LifecycleChange

S = JourneyStage
CONSUMER = "sales.journey"


def _subject(obj) -> dict:
    return {"company": obj} if isinstance(obj, Company) else {"person": obj}


def _type(obj) -> str:
    return "company" if isinstance(obj, Company) else "person"


def stage_of(obj) -> str:
    row = Lifecycle.objects.filter(**_subject(obj)).values_list("stage", flat=True).first()
    return row or S.AWARENESS


def _move(obj, to_stage: str, *, actor, cause: str, reason: str, manual: bool, at=None) -> bool:
    with transaction.atomic():
        row = Lifecycle.objects.select_for_update().filter(**_subject(obj)).first()
        old = row.stage if row is not None else S.AWARENESS
        if old == to_stage:
            return False
        row = row or Lifecycle(**_subject(obj))
        at = at or timezone.now()
        row.stage, row.changed_at, row.manual = to_stage, at, manual
        row.save()
        LifecycleChange.objects.create(object_type=_type(obj), object_id=obj.pk, from_stage=old, to_stage=to_stage,
                                       at=at, by=actor if getattr(actor, "pk", None) else None, cause=cause,
                                       reason=reason[:200])  # fmt: skip
        changes = {"journey_stage": [old, to_stage]}  # values: the history reads them in its reader's language
        action = "lifecycle.set" if manual else "lifecycle.advance"
        audit.record(actor=actor, action=action, obj=obj, changes=changes, label=str(obj))
    return True


def set_stage(*, actor, obj, stage: str, reason: str = "") -> bool:
    """Set by hand (any direction); needs the right to edit the company or person."""
    if stage not in S.values:
        message = _("ライフサイクルは %(choices)s のいずれかです。") % {"choices": " / ".join(S.values)}
        raise ValidationFailed(message, field_errors={"stage": [message]})
    if not can_write_record(actor, obj):
        raise PermissionDenied()
    return _move(obj, stage, actor=actor, cause=LifecycleChange.Cause.MANUAL, reason=reason, manual=True)


def advance(obj, stage: str, *, reason: str, at=None) -> bool:
    """Move forward to `stage` if the record stands before it (never back); `at`: when the fact happened."""
    if STAGE_ORDER[stage_of(obj)] >= STAGE_ORDER[stage]:
        return False
    return _move(obj, stage, actor=None, cause=LifecycleChange.Cause.AUTO, reason=reason, manual=False, at=at)


def _earned(deals) -> str | None:
    """The stage the deals prove: any deal → 比較・検討, one won → 購入, two won → 継続・リピート."""
    counts = deals.aggregate(n=Count("id"), won=Count("id", filter=Q(stage__kind=Stage.Kind.WON)))
    if counts["won"] >= 2:
        return S.REPEAT
    if counts["won"] == 1:
        return S.PURCHASE
    return S.CONSIDERATION if counts["n"] else None


def refresh_for_deal(deal: Deal, *, reason: str = "", at=None) -> list[str]:
    """Bring the deal's company and people up to what their deals prove; returns what moved."""
    moved = []
    for obj, deals in _subjects(deal):
        stage = _earned(deals)
        if stage and advance(obj, stage, reason=reason or f"deal:{deal.pk}", at=at):
            moved.append(f"{_type(obj)}:{obj.pk}:{stage}")
    return moved


def _subjects(deal: Deal) -> list:
    """The deal's company and people, each with their live deals."""
    subjects = [(deal.company, Deal.objects.alive().filter(company_id=deal.company_id))]
    for person in Person.objects.filter(deal_roles__deal=deal).distinct():
        subjects.append((person, Deal.objects.alive().filter(contacts__person=person)))
    return subjects


def _last_set_by_hand(obj) -> str | None:
    return (LifecycleChange.objects.filter(object_type=_type(obj), object_id=obj.pk, cause=LifecycleChange.Cause.MANUAL)
            .order_by("-at", "-id").values_list("to_stage", flat=True).first())  # fmt: skip


def fall_back_for_deal(deal: Deal, *, reason: str = "", at=None) -> list[str]:
    """After `deal` was removed: its company and people whose stage was reached automatically go back to what the
    remaining data supports (their live deals, at least the last stage set by hand); returns what moved."""
    moved = []
    for obj, deals in _subjects(deal):
        row = Lifecycle.objects.filter(**_subject(obj)).first()
        if row is None or row.manual:
            continue
        supported = [S.AWARENESS, _earned(deals) or S.AWARENESS, _last_set_by_hand(obj) or S.AWARENESS]
        stage = max(supported, key=STAGE_ORDER.__getitem__)
        if STAGE_ORDER[stage] < STAGE_ORDER[row.stage] and _move(
            obj, stage, actor=None, cause=LifecycleChange.Cause.AUTO, reason=reason or f"deal removed:{deal.pk}",
            manual=False, at=at,
        ):  # fmt: skip
            moved.append(f"{_type(obj)}:{obj.pk}:{stage}")
    return moved


def after_merge(obj) -> str | None:
    """A merged company or person stands where the furthest of the merged records stood, or where the deals that
    moved to it put it (whichever is further); returns the stage it moved to."""
    from kizuna.contacts.services.merge import history_ids

    kind = _type(obj)
    ids = history_ids(kind, obj.pk)
    stages = [*Lifecycle.objects.filter(**{f"{kind}_id__in": ids}).values_list("stage", flat=True)]
    deals = Deal.objects.alive().filter(company_id=obj.pk) if kind == "company" else Deal.objects.alive().filter(
        contacts__person_id=obj.pk)  # fmt: skip
    if earned := _earned(deals):
        stages.append(earned)
    if not stages:
        return None
    furthest = max(stages, key=STAGE_ORDER.__getitem__)
    return furthest if advance(obj, furthest, reason="merge") else None


def handle_event(event) -> None:
    """core.events consumer: any write to a deal (created, stage changed, won, contacts added, removed, restored),
    and merges of companies and people (the survivor takes the furthest stage)."""
    if event.type in ("company.merged", "person.merged") and str(event.object_id).isdigit():
        model = Company if event.type == "company.merged" else Person
        survivor = model.objects.alive().filter(pk=int(event.object_id)).first()
        if survivor is not None:
            after_merge(survivor)
        return
    if event.object_type != "deal" or not str(event.object_id).isdigit():
        return
    deal = Deal.objects.select_related("company").filter(pk=int(event.object_id)).first()
    if deal is None:
        return
    if deal.deleted_at is not None:  # removed (and still removed when the event is delivered)
        fall_back_for_deal(deal, reason=f"{event.type} #{deal.pk}", at=event.occurred_at)
    else:
        refresh_for_deal(deal, reason=f"{event.type} #{deal.pk}", at=event.occurred_at)


# --- funnel over time -------------------------------------------------------------------------------------------
def _month_end(year: int, month: int) -> datetime:
    first_next = date(year + (month == 12), month % 12 + 1, 1)
    return timezone.make_aware(datetime.combine(first_next, time.min))


def months_back(n: int, today: date | None = None) -> list[tuple[int, int]]:
    today = today or timezone.localdate()
    y, m = today.year, today.month
    out = []
    for _i in range(n):
        out.append((y, m))
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return out[::-1]


def funnel(user, object_type: str = "company", months: int = 12, today: date | None = None) -> list[dict]:
    """For each month-end: how many of the records `user` sees stood at each stage (one query per month)."""
    model = Company if object_type == "company" else Person
    visible = model.objects.visible_to(user)
    out = []
    for y, m in months_back(months, today):
        end = _month_end(y, m)
        later = LifecycleChange.objects.filter(object_type=object_type, object_id=OuterRef("object_id"),
                                               at__lt=end, id__gt=OuterRef("id"))  # fmt: skip
        latest = LifecycleChange.objects.filter(object_type=object_type, at__lt=end,
                                                object_id__in=visible.values("pk")).exclude(Exists(later))  # fmt: skip
        counts = dict(latest.values_list("to_stage").annotate(n=Count("id")))
        total = visible.filter(created_at__lt=end).count()
        counts[S.AWARENESS] = max(0, total - sum(v for k, v in counts.items() if k != S.AWARENESS)) if total else 0
        out.append({"month": f"{y}-{m:02d}", "counts": {s: counts.get(s, 0) for s in S.values}, "total": total})
    return out


# --- LTV --------------------------------------------------------------------------------------------------------
@dataclass
class Ltv:
    total: int = 0
    orders: int = 0
    first: date | None = None
    last: date | None = None
    by_year: list[tuple[int, int, int]] = field(default_factory=list)  # (year, orders, total)

    @property
    def average(self) -> int:
        return self.total // self.orders if self.orders else 0

    @property
    def per_year(self) -> float:
        """Purchase frequency: orders per year since the first one (at least one year counted)."""
        if not self.orders or self.first is None:
            return 0.0
        span = max(((self.last or self.first) - self.first).days / 365.25, 1.0)
        return round(self.orders / span, 1)


def won_deals(user, company):
    return Deal.objects.visible_to(user).filter(company=company, stage__kind=Stage.Kind.WON)


def ltv(user, company) -> Ltv:
    """Won deals the reader may see: total, orders, first/last, per year (two queries)."""
    deals = won_deals(user, company)
    agg = deals.aggregate(total=Sum("amount"), n=Count("id"), first=Min("won_on"), last=Max("won_on"))
    out = Ltv(agg["total"] or 0, agg["n"], agg["first"], agg["last"])
    if out.orders:
        from django.db.models.functions import ExtractYear

        rows = (deals.exclude(won_on=None).annotate(y=ExtractYear("won_on")).values("y")
                .annotate(n=Count("id"), t=Sum("amount")).order_by("y"))  # fmt: skip
        out.by_year = [(r["y"], r["n"], r["t"]) for r in rows]
    return out


def ltv_total(company) -> int:
    """All won deals of the company (automation conditions: the system's view, not a reader's)."""
    won = Deal.objects.alive().filter(company=company, stage__kind=Stage.Kind.WON)
    return won.aggregate(t=Sum("amount"))["t"] or 0


def ltv_subquery(user=None):
    """Total of won deals per company as a subquery (segments filter by it)."""
    from django.db.models import IntegerField, Subquery
    from django.db.models.functions import Coalesce

    deals = Deal.objects.alive() if user is None else Deal.objects.visible_to(user)
    total = (deals.filter(company_id=OuterRef("pk"), stage__kind=Stage.Kind.WON).order_by()
             .values("company_id").annotate(t=Sum("amount")).values("t"))  # fmt: skip
    return Coalesce(Subquery(total, output_field=IntegerField()), 0)


def since_days(days: int) -> datetime:
    return timezone.now() - timedelta(days=days)
