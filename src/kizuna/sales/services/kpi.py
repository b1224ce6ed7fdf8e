"""Analysis and activity KPIs: funnel conversion by stage, win rate, average deal size, sales cycle, lost reasons,
停滞案件, and the admins' KPI definitions counted per month for a rep, a team or the company.

Each figure is one aggregate query over what the reader may see (`visible_to`). An activity counts for each of our
participants (the recorder is one by default); a team's or the company's count is of distinct activities.
"""

from datetime import date

from django.db.models import (
    Avg,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Greatest, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.accounts.models import User
from kizuna.core.exceptions import ValidationFailed
from kizuna.timeline.models import Activity

from ..models import Deal, DealStageChange, KpiDefinition, Pipeline, Stage
from . import rollup, rollup_reads
from .forecast import Period, Subject, deals_for, metric_q, month_period, stale_q

Participant = Activity.our_participants.through


# --- deal analysis ---------------------------------------------------------------------------------------------


def funnel(viewer, subject: Subject, period: Period, pipeline: Pipeline | None = None) -> list[dict]:
    """Deals created in the period, by the furthest open or won stage they reached (a deal in 交渉 went through
    the stages before it even if it skipped one); conversion = reached the next stage ÷ reached this one."""
    pipeline = pipeline or Pipeline.objects.filter(is_default=True).first()
    if pipeline is None:
        return []
    stages = [s for s in pipeline.stages.all() if s.kind != Stage.Kind.LOST]
    if rollup.serves(viewer, subject):
        return _funnel_rows(stages, rollup_reads.furthest_counts(subject, period, pipeline))
    start, end = period.aware_range()
    deals = deals_for(viewer, subject).filter(pipeline=pipeline, created_at__gte=start, created_at__lt=end)
    reached_via = (
        DealStageChange.objects.filter(deal=OuterRef("pk"))
        .exclude(to_stage__kind=Stage.Kind.LOST).order_by()
        .values("deal").annotate(m=Max("to_stage__order")).values("m")
    )  # fmt: skip
    current = Coalesce(
        Subquery(Stage.objects.filter(pk=OuterRef("stage_id")).exclude(kind=Stage.Kind.LOST).values("order")),
        Value(-1),
    )
    furthest = Greatest(current, Coalesce(Subquery(reached_via, output_field=IntegerField()), Value(-1)))
    counts = dict(deals.order_by().annotate(f=furthest).values_list("f").annotate(n=Count("id")))
    return _funnel_rows(stages, counts)


def _funnel_rows(stages, counts: dict) -> list[dict]:
    total = sum(counts.values())
    out, previous = [], None
    for i, stage in enumerate(stages):
        reached = total if i == 0 else sum(n for order, n in counts.items() if (order or -1) >= stage.order)
        out.append({"stage_id": stage.pk, "stage": stage.name, "kind": stage.kind, "reached": reached,
                    "conversion": round(reached * 100 / previous, 1) if previous else None})  # fmt: skip
        previous = reached
    return out


def outcomes(viewer, subject: Subject, period: Period) -> dict:
    """Won and lost in the period (won by 受注日, lost by close date): win rate, average won deal, sales cycle."""
    if rollup.serves(viewer, subject):
        w, lost = rollup_reads.outcomes(subject, period)
        cycle = w.pop("cycle_seconds")
    else:
        deals = deals_for(viewer, subject)
        won = deals.filter(metric_q("committed", period)).order_by()
        span = ExpressionWrapper(F("closed_at") - F("created_at"), output_field=DurationField())
        w = won.aggregate(n=Count("id"), total=Sum("amount"), avg=Avg("amount"),
                          cycle=Avg(span, filter=Q(closed_at__isnull=False)))  # fmt: skip
        cycle = w["cycle"].total_seconds() if w["cycle"] is not None else None
        lost = deals.filter(metric_q("lost", period)).order_by().aggregate(n=Count("id"), total=Sum("amount"))
    decided = w["n"] + lost["n"]
    return {
        "won_count": w["n"], "won_amount": int(w["total"] or 0), "lost_count": lost["n"],
        "lost_amount": int(lost["total"] or 0),
        "win_rate": round(w["n"] * 100 / decided, 1) if decided else None,
        "average_deal": round(w["avg"]) if w["avg"] is not None else None,
        "cycle_days": round(cycle / 86400, 1) if cycle is not None else None,
    }  # fmt: skip


def lost_reasons(viewer, subject: Subject, period: Period) -> list[dict]:
    if rollup.serves(viewer, subject):
        rows = rollup_reads.lost_reasons(subject, period)
    else:
        rows = (
            deals_for(viewer, subject).filter(metric_q("lost", period)).order_by()
            .values("lost_reason").annotate(n=Count("id"), total=Sum("amount")).order_by("-n", "lost_reason")
        )  # fmt: skip
    return [{"reason": r["lost_reason"] or _("（理由未記入）"), "value": r["lost_reason"], "count": r["n"],
             "amount": int(r["total"] or 0)} for r in rows]  # fmt: skip


def pipeline_by_stage(viewer, subject: Subject) -> list[dict]:
    """Open deals now, per stage of every pipeline: count, amount, weighted."""
    from .forecast import weighted_amount, yen

    if rollup.serves(viewer, subject):
        by_stage = rollup_reads.pipeline_by_stage(subject)
    else:
        rows = (
            deals_for(viewer, subject).filter(stage__kind=Stage.Kind.OPEN).order_by()
            .values("stage_id").annotate(n=Count("id"), total=Sum("amount"), w=Sum(weighted_amount()))
        )  # fmt: skip
        by_stage = {r["stage_id"]: r for r in rows}
    stages = Stage.objects.filter(pk__in=list(by_stage)).select_related("pipeline").order_by("pipeline_id", "order")
    return [{"stage_id": s.pk, "stage": s.name, "pipeline": s.pipeline.name, "count": by_stage[s.pk]["n"],
             "amount": int(by_stage[s.pk]["total"] or 0), "weighted": yen(by_stage[s.pk]["w"])}
            for s in stages]  # fmt: skip


def stale_summary(viewer, subject: Subject, *, limit: int = 10) -> dict:
    days = rollup_reads.sales_settings().stale_days
    qs = deals_for(viewer, subject).filter(stale_q(days))
    agg = qs.order_by().aggregate(n=Count("id"), amount=Sum("amount"))
    top = qs.select_related("company", "stage", "owner").order_by(
        F("last_activity_at").asc(nulls_first=True), "created_at", "id"
    )[:limit]
    return {"days": days, "count": agg["n"], "amount": int(agg["amount"] or 0), "deals": list(top)}


# --- activity KPIs ---------------------------------------------------------------------------------------------


def definitions() -> list[KpiDefinition]:
    return list(KpiDefinition.objects.filter(active=True).select_related("stage", "technical_team"))


def kpi_activities(viewer, definition: KpiDefinition):
    """The activities a definition counts (before the period and subject): its kinds, and for 現場同席 at least
    `min_participants` of ours, one of them in the technical team or with the technical role."""
    qs = Activity.objects.visible_to(viewer)
    if definition.activity_kinds:
        qs = qs.filter(kind__in=definition.activity_kinds)
    if definition.measure == KpiDefinition.Measure.SITE_VISITS:
        technical = Q()
        if definition.technical_team_id:
            technical |= Q(user__team_id=definition.technical_team_id)
        if definition.technical_role:
            technical |= Q(user__role=definition.technical_role)
        if not technical:
            return qs.none()  # not configured yet: nothing counts rather than everything
        many = (
            Participant.objects.filter(activity_id=OuterRef("pk")).order_by().values("activity_id")
            .annotate(c=Count("user_id")).values("c")
        )  # fmt: skip
        tech = Participant.objects.filter(technical, activity_id=OuterRef("pk"))
        qs = qs.annotate(ours=Subquery(many, output_field=IntegerField())).filter(
            Exists(tech), ours__gte=definition.min_participants
        )
    return qs


def kpi_deals(viewer, definition: KpiDefinition, period: Period, subject: Subject | None = None):
    """Deals a deal KPI counts in the period: created (new_deals), or moved into the stage (stage_entered)."""
    start, end = period.aware_range()
    deals = Deal.objects.visible_to(viewer) if subject is None else deals_for(viewer, subject)
    if definition.measure == KpiDefinition.Measure.NEW_DEALS:
        return deals.filter(created_at__gte=start, created_at__lt=end)
    moved = DealStageChange.objects.filter(deal=OuterRef("pk"), to_stage_id=definition.stage_id, at__gte=start,
                                           at__lt=end)  # fmt: skip
    return deals.filter(Exists(moved)) if definition.stage_id else deals.none()


def is_activity_kpi(definition: KpiDefinition) -> bool:
    return definition.measure in (KpiDefinition.Measure.ACTIVITIES, KpiDefinition.Measure.SITE_VISITS)


def kpi_records(viewer, definition: KpiDefinition, subject: Subject, period: Period):
    """The records behind one KPI number (the drill-down): activities or deals."""
    if is_activity_kpi(definition):
        start, end = period.aware_range()
        qs = kpi_activities(viewer, definition).filter(occurred_at__gte=start, occurred_at__lt=end)
        if subject.kind == "rep":
            qs = qs.filter(Exists(Participant.objects.filter(activity_id=OuterRef("pk"), user_id=subject.user.pk)))
        elif subject.kind == "team":
            qs = qs.filter(Exists(Participant.objects.filter(activity_id=OuterRef("pk"),
                                                             user__team_id=subject.team.pk)))  # fmt: skip
        return qs
    return kpi_deals(viewer, definition, period, subject)


def kpi_counts(viewer, subject: Subject, period: Period, *, by_rep: bool = False) -> list[dict]:
    """Per definition: actual per month (and per rep of a team when by_rep), target, attainment."""
    from .forecast import targets_by_metric

    out = []
    defs = definitions()
    all_targets = targets_by_metric(subject, [d.key for d in defs], period)
    for definition in defs:
        monthly = _monthly_count(viewer, definition, subject, period)
        actual = sum(monthly.values())
        targets = all_targets.get(definition.key, {})
        target = sum(targets.values()) if targets else None
        row = {"key": definition.key, "name": definition.name, "measure": definition.measure, "actual": actual,
               "target": target, "attainment": round(actual * 100 / target, 1) if target else None,
               "months": [{"month": f"{m:%Y-%m}", "actual": monthly.get(m, 0), "target": targets.get(m)}
                          for m in period.months]}  # fmt: skip
        if by_rep and subject.kind == "team":
            row["reps"] = _per_rep(viewer, definition, subject, period)
        out.append(row)
    return out


def _monthly_count(viewer, definition, subject, period) -> dict[date, int]:
    """Month → count. A one-month period is counted without grouping (on SQLite the month of a timestamp is a Python
    function called per row)."""
    if definition.measure == KpiDefinition.Measure.NEW_DEALS and rollup.serves(viewer, subject):
        return rollup_reads.created_monthly(subject, period)
    if definition.measure == KpiDefinition.Measure.STAGE_ENTERED and rollup.serves(viewer, subject):
        moves = _moves_into(definition, subject, period)
        if len(period.months) == 1:
            return {period.start: moves.aggregate(n=Count("deal_id", distinct=True))["n"]}
        rows = moves.annotate(m=TruncMonth("at")).values("m").annotate(n=Count("deal_id", distinct=True))
        return {_first(r["m"]): r["n"] for r in rows}
    qs = kpi_records(viewer, definition, subject, period).order_by()
    field = "occurred_at" if is_activity_kpi(definition) else "created_at"
    if definition.measure == KpiDefinition.Measure.STAGE_ENTERED:
        return _stage_entered_monthly(qs, definition, period)
    if len(period.months) == 1:
        return {period.start: qs.aggregate(n=Count("id", distinct=True))["n"]}
    rows = qs.annotate(m=TruncMonth(field)).values("m").annotate(n=Count("id", distinct=True))
    return {_first(r["m"]): r["n"] for r in rows}


def _stage_entered_monthly(deals, definition, period) -> dict[date, int]:
    start, end = period.aware_range()
    rows = (
        DealStageChange.objects.filter(deal__in=deals.values("pk"), to_stage_id=definition.stage_id, at__gte=start,
                                       at__lt=end).order_by()
        .annotate(m=TruncMonth("at")).values("m").annotate(n=Count("deal_id", distinct=True))
    )  # fmt: skip
    return {_first(r["m"]): r["n"] for r in rows}


def _moves_into(definition, subject, period):
    """Moves of the subject's live deals into the definition's stage in the period, read from the stage-change
    index (to_stage, at) — for readers who see all the subject's deals (rollup.serves)."""
    start, end = period.aware_range()
    moves = DealStageChange.objects.filter(to_stage_id=definition.stage_id or 0, at__gte=start, at__lt=end,
                                           deal__deleted_at__isnull=True).order_by()  # fmt: skip
    if subject.kind == "rep":
        return moves.filter(deal__owner_id=subject.user.pk)
    if subject.kind == "team":
        return moves.filter(deal__team_id=subject.team.pk)
    return moves


def _first(value) -> date:
    if hasattr(value, "astimezone") and getattr(value, "tzinfo", None) is not None:
        value = timezone.localtime(value)
    return date(value.year, value.month, 1)


def _per_rep(viewer, definition, subject, period) -> dict[int, int]:
    if is_activity_kpi(definition):
        acts = kpi_records(viewer, definition, subject, period)
        rows = (
            Participant.objects.filter(activity_id__in=acts.values("pk"), user__team_id=subject.team.pk).order_by()
            .values("user_id").annotate(n=Count("activity_id", distinct=True))
        )  # fmt: skip
        return {r["user_id"]: r["n"] for r in rows}
    if definition.measure == KpiDefinition.Measure.NEW_DEALS and rollup.serves(viewer, subject):
        return rollup_reads.created_per_rep(subject, period)
    if definition.measure == KpiDefinition.Measure.STAGE_ENTERED and rollup.serves(viewer, subject):
        rows = _moves_into(definition, subject, period).values("deal__owner_id")
        return {r["deal__owner_id"]: r["n"] for r in rows.annotate(n=Count("deal_id", distinct=True))}
    rows = kpi_records(viewer, definition, subject, period).order_by().values("owner_id").annotate(n=Count("id"))
    return {r["owner_id"]: r["n"] for r in rows}


def metric_names() -> dict[str, str]:
    """Every metric a target may be set on: revenue and each KPI definition's key."""
    names = {"revenue": _("受注金額（円）")}
    names.update({d.key: d.name for d in KpiDefinition.objects.order_by("position", "id")})
    return names


def check_metric(metric: str) -> str:
    if metric not in metric_names():
        raise ValidationFailed(field_errors={"metric": [_("指標 %(metric)s はありません。") % {"metric": metric}]})
    return metric


def rep_names(user_ids) -> dict[int, str]:
    return {u.pk: u.display_name or u.username for u in User.objects.filter(pk__in=list(user_ids))}


def month_of(text: str | None) -> Period:
    """'2026-05' → that month's Period; empty → this month."""
    if not text:
        return month_period(timezone.localdate())
    try:
        year, month = (int(x) for x in text.split("-"))
        return month_period(date(year, month, 1))
    except ValueError:
        raise ValidationFailed(field_errors={"month": [_("月は 2026-04 の形式で指定してください。")]}) from None
