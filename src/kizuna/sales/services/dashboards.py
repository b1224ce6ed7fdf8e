"""Dashboards: my day and my month (a rep), the team (a manager), the company (an administrator), the monthly
review's plan and result — and the records behind every number (drill-down and CSV).

The payload is plain JSON (the API returns it as is; the pages render it and hand it to the charts). Each number
carries `drill`, the query string of the list of exactly the records that make it up.
"""

import csv
import io
from datetime import timedelta
from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from kizuna.core.exceptions import ValidationFailed
from kizuna.timeline.models import Activity, FollowUp

from ..models import Deal, KpiDefinition
from . import forecast as fc
from . import kpi

# --- drill-down ------------------------------------------------------------------------------------------------


def drill_params(metric: str, subject: fc.Subject, period: fc.Period | None = None) -> str:
    params = {"metric": metric, "scope": subject.kind}
    if subject.kind == "rep":
        params["user"] = subject.user.pk
    elif subject.kind == "team":
        params["team"] = subject.team.pk
    if period is not None:
        params["period"] = period.key
    return urlencode(params)


def drill(viewer, metric: str, subject: fc.Subject, period: fc.Period):
    """("deal" | "activity", queryset): the records behind one number. Metrics: committed, pipeline, weighted,
    best_case, lost, stale, won (= committed), stage:<id> (open deals in a stage now), lost_reason:<text>,
    kpi:<key>."""
    deals = fc.deals_for(viewer, subject)
    related = ("company", "stage", "owner")
    if metric in fc.DEAL_METRICS or metric == "won":
        metric = "committed" if metric == "won" else metric
        return "deal", deals.filter(fc.metric_q(metric, period)).select_related(*related)
    kind, _sep, value = metric.partition(":")
    if kind == "stage" and fc.as_id(value):
        return "deal", deals.filter(stage_id=fc.as_id(value), stage__kind="open").select_related(*related)
    if kind == "lost_reason":
        return "deal", deals.filter(fc.metric_q("lost", period), lost_reason=value).select_related(*related)
    if kind == "kpi":
        definition = KpiDefinition.objects.filter(key=value).first()
        if definition is not None:
            records = kpi.kpi_records(viewer, definition, subject, period)
            if kpi.is_activity_kpi(definition):
                return "activity", records.select_related("recorded_by").prefetch_related("companies")
            return "deal", records.select_related(*related)
    raise ValidationFailed(field_errors={"metric": [_("指標 %(metric)s はありません。") % {"metric": metric}]})


DEAL_COLUMNS = [
    ("id", "ID"), ("title", _l("案件名")), ("company", _l("会社")), ("stage", _l("ステージ")),
    ("amount", _l("金額（税抜・円）")),
    ("probability", _l("確度（%）")), ("weighted", _l("加重金額（円）")), ("expected_close_on", _l("受注予定日")),
    ("won_on", _l("受注日")), ("closed_at", _l("クローズ日時")), ("next_step", _l("次のアクション")),
    ("last_activity_at", _l("最終活動日時")), ("lost_reason", _l("失注理由")), ("owner", _l("担当者")),
]  # fmt: skip
ACTIVITY_COLUMNS = [
    ("id", "ID"), ("occurred_at", _l("日時")), ("kind", _l("種類")), ("subject", _l("件名")),
    ("companies", _l("会社")), ("recorded_by", _l("記録者")),
]  # fmt: skip


def deal_row(d: Deal) -> dict:
    probability = d.effective_probability
    local = timezone.localtime
    return {
        "id": d.pk, "title": d.title, "company": d.company.name, "stage": d.stage.name, "amount": d.amount,
        "probability": probability, "weighted": fc.yen(d.amount * probability) if d.stage.kind == "open" else 0,
        "expected_close_on": d.expected_close_on.isoformat() if d.expected_close_on else "",
        "won_on": d.won_on.isoformat() if d.won_on else "",
        "closed_at": local(d.closed_at).strftime("%Y-%m-%d %H:%M") if d.closed_at else "",
        "next_step": d.next_step,
        "last_activity_at": local(d.last_activity_at).strftime("%Y-%m-%d %H:%M") if d.last_activity_at else "",
        "lost_reason": d.lost_reason, "owner": str(d.owner or ""), "url": d.get_absolute_url(),
    }  # fmt: skip


def activity_row(a: Activity) -> dict:
    return {
        "id": a.pk, "occurred_at": timezone.localtime(a.occurred_at).strftime("%Y-%m-%d %H:%M"),
        "kind": a.get_kind_display(), "subject": str(a), "companies": "、".join(c.name for c in a.companies.all()),
        "recorded_by": str(a.recorded_by), "url": a.get_absolute_url(),
    }  # fmt: skip


def csv_bytes(kind: str, rows) -> bytes:
    """UTF-8 with a BOM (Excel opens it as UTF-8), CRLF line ends, a header row of Japanese column names."""
    columns = DEAL_COLUMNS if kind == "deal" else ACTIVITY_COLUMNS
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([str(label) for _key, label in columns])
    for row in rows:
        writer.writerow([_safe_cell(row[key]) for key, _label in columns])
    return "\ufeff".encode() + out.getvalue().encode()


def _safe_cell(value):
    """A text cell that a spreadsheet would run as a formula is quoted (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


# --- the dashboards -------------------------------------------------------------------------------------------


def _stale(viewer, subject) -> dict:
    summary = kpi.stale_summary(viewer, subject)
    return {"days": summary["days"], "count": summary["count"], "amount": summary["amount"],
            "drill": drill_params("stale", subject), "deals": [deal_row(d) for d in summary["deals"]]}  # fmt: skip


def _with_drills(row: dict, subject, period_key: str, start_month: int) -> dict:
    period = fc.parse_period(period_key, start_month)
    for metric in ("committed", "pipeline", "weighted", "best_case"):
        row[f"{metric}_drill"] = drill_params(metric, subject, period)
    return row


def dashboard(viewer, subject: fc.Subject, *, month: fc.Period | None = None, fy: fc.Period | None = None) -> dict:
    """Target vs actual, forecast, pipeline by stage, activity KPIs, 停滞案件 and the year's analysis."""
    from .rollup_reads import one_read

    with one_read():
        return _dashboard(viewer, subject, month=month, fy=fy)


def _dashboard(viewer, subject: fc.Subject, *, month: fc.Period | None, fy: fc.Period | None) -> dict:
    from .rollup_reads import sales_settings

    start_month = sales_settings().fiscal_year_start_month
    today = timezone.localdate()
    month = month or fc.month_period(today)
    fy = fy or fc.fiscal_year(fc.fiscal_year_of(month.start, start_month), start_month)
    year = fc.forecast(viewer, subject, fy, breakdown=subject.kind != "rep")
    this_month = next(r for r in year.months if r.start == month.start)  # the year's row: no second query
    out = {
        "scope": subject.kind, "subject": subject.key, "subject_label": subject.label,
        "fiscal_year_start_month": start_month, "month": month.key, "month_label": month.label,
        "fiscal_year": fy.key, "fiscal_year_label": fy.label,
        "month_forecast": _with_drills(this_month.as_dict(), subject, month.key, start_month),
        "forecast": {
            **year.as_dict(),
            "months": [_with_drills(r.as_dict(), subject, r.key, start_month) for r in year.months],
            "quarters": [_with_drills(r.as_dict(), subject, r.key, start_month) for r in year.quarters],
            "total": _with_drills(year.total.as_dict(), subject, fy.key, start_month),
        },
        "pipeline_by_stage": [{**row, "drill": drill_params(f"stage:{row['stage_id']}", subject)}
                              for row in kpi.pipeline_by_stage(viewer, subject)],
        "kpis": _kpis(viewer, subject, month),
        "stale": _stale(viewer, subject),
        "analysis": _analysis(viewer, subject, fy),
    }  # fmt: skip
    for row in out["forecast"]["breakdown"]:
        sub = _sub_subject(row, subject)
        if sub is not None:
            _with_drills(row, sub, fy.key, start_month)
    if subject.kind == "rep":
        out["today"] = _today(viewer, subject, today)
    return out


def _sub_subject(row: dict, subject: fc.Subject) -> fc.Subject | None:
    from kizuna.accounts.models import Team, User

    if row["id"] is None:
        return None
    if subject.kind == "team":
        return fc.Subject("rep", user=User(pk=row["id"], username=row["name"]))
    return fc.Subject("team", team=Team(pk=row["id"], name=row["name"]))


def _kpis(viewer, subject, month: fc.Period) -> list[dict]:
    rows = kpi.kpi_counts(viewer, subject, month, by_rep=subject.kind == "team")
    names = kpi.rep_names({u for r in rows for u in r.get("reps", {})})
    for row in rows:
        row["drill"] = drill_params(f"kpi:{row['key']}", subject, month)
        if "reps" in row:
            row["reps"] = [{"user": u, "name": names.get(u, ""), "actual": n,
                            "drill": drill_params(f"kpi:{row['key']}", fc.Subject("rep", user=_user(u)), month)}
                           for u, n in sorted(row["reps"].items(), key=lambda kv: -kv[1])]  # fmt: skip
    return rows


def _user(pk):
    from kizuna.accounts.models import User

    return User(pk=pk)


def _analysis(viewer, subject, fy: fc.Period) -> dict:
    outcomes = kpi.outcomes(viewer, subject, fy)
    outcomes["won_drill"] = drill_params("won", subject, fy)
    outcomes["lost_drill"] = drill_params("lost", subject, fy)
    return {
        "funnel": kpi.funnel(viewer, subject, fy),
        "outcomes": outcomes,
        "lost_reasons": [{**r, "drill": drill_params(f"lost_reason:{r['value']}", subject, fy)}
                         for r in kpi.lost_reasons(viewer, subject, fy)],
    }  # fmt: skip


def _today(viewer, subject, today) -> dict:
    """My day: today's activities, tasks due (overdue included), deals whose next step is due."""
    start = timezone.make_aware(timezone.datetime.combine(today, timezone.datetime.min.time()))
    mine = Activity.objects.visible_to(viewer).filter(
        our_participants=subject.user, occurred_at__gte=start, occurred_at__lt=start + timedelta(days=1)
    )
    tasks = (
        FollowUp.objects.visible_to(viewer).filter(assignee=subject.user, done_at__isnull=True, due_date__lte=today)
        .order_by("due_date", "id")
    )  # fmt: skip
    due_deals = (
        fc.deals_for(viewer, subject).filter(Q(next_step_due__lte=today), stage__kind="open")
        .select_related("company", "stage", "owner").order_by("next_step_due", "id")
    )  # fmt: skip
    return {
        "date": today.isoformat(),
        "activities": [activity_row(a) for a in mine.select_related("recorded_by").prefetch_related("companies")
                       .order_by("occurred_at")[:20]],
        "tasks": [{"id": t.pk, "title": t.title, "due_date": t.due_date.isoformat() if t.due_date else "",
                   "overdue": bool(t.due_date and t.due_date < today), "url": reverse("timeline:tasks")}
                  for t in tasks[:20]],
        "next_steps": [deal_row(d) for d in due_deals[:20]],
    }  # fmt: skip


# --- the monthly review's numbers ----------------------------------------------------------------------------


def review_snapshot(viewer, subject: fc.Subject, month: fc.Period) -> dict:
    """Plan and result of one month as they stand: revenue (target, won, gap, pipeline) and every KPI."""
    total = fc.forecast(viewer, subject, month).total.as_dict()
    rows = [{"key": "revenue", "name": _("受注金額（円）"), "plan": total["target"], "result": total["committed"],
             "gap": total["gap"], "drill": drill_params("committed", subject, month)}]  # fmt: skip
    for row in kpi.kpi_counts(viewer, subject, month):
        plan = row["target"]
        rows.append({"key": row["key"], "name": row["name"], "plan": plan, "result": row["actual"],
                     "gap": None if plan is None else plan - row["actual"],
                     "drill": drill_params(f"kpi:{row['key']}", subject, month)})  # fmt: skip
    return {"month": month.key, "subject": subject.key, "rows": rows, "pipeline": total["pipeline"],
            "weighted": total["weighted"], "taken_at": timezone.now().isoformat(timespec="seconds")}  # fmt: skip
