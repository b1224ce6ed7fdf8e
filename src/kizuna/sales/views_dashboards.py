"""Dashboard pages (my day and month, team, company), the records behind a number (and its CSV), targets, the
monthly review (PDCA Check/Act) and the 設定 tab for the fiscal year, 停滞 days and KPI definitions."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kizuna.accounts.models import Team, User
from kizuna.core import audit
from kizuna.core.exceptions import PermissionDenied, ValidationFailed
from kizuna.core.pages import page_view
from kizuna.core.permissions import can_write_records, is_admin
from kizuna.timeline.models import Activity

from .models import KpiDefinition, SalesSettings, Stage
from .services import dashboards, kpi
from .services import forecast as fc
from .services import targets as plans

RECORDS_SHOWN = 500


def _month(request) -> fc.Period:
    return kpi.month_of(request.GET.get("month", "").strip())


def _page(request, subject: fc.Subject, title: str):
    data = dashboards.dashboard(request.user, subject, month=_month(request))
    context = {"nav": "dashboards", "data": data, "title": title, "subject": subject,
               "can_review": subject.kind != "company", "tabs": _tabs(request.user, subject.kind)}  # fmt: skip
    if subject.kind == "team":
        context["members"] = User.objects.filter(team=subject.team, is_active=True).order_by("username")
    return render(request, "sales/dashboards/dashboard.html", context)


def _tabs(user, current: str) -> list[dict]:
    from kizuna.core.permissions import Scope, scope_of

    tabs = [{"key": "rep", "label": _("自分"), "url": reverse("sales:dashboard_me")}]
    if (scope_of(user) in (Scope.TEAM, Scope.ALL) and user.team_id) or scope_of(user) == Scope.ALL:
        tabs.append({"key": "team", "label": _("チーム"), "url": reverse("sales:dashboard_team")})
    if scope_of(user) == Scope.ALL:
        tabs.append({"key": "company", "label": _("全社"), "url": reverse("sales:dashboard_company")})
    for tab in tabs:
        tab["current"] = tab["key"] == current
    return tabs


@page_view
def dashboard_me(request):
    subject = fc.resolve_subject(request.user, "rep", user_id=request.GET.get("user") or None)
    return _page(request, subject, _("マイダッシュボード"))


@page_view
def dashboard_team(request):
    subject = fc.resolve_subject(request.user, "team", team_id=request.GET.get("team") or None)
    return _page(request, subject, _("チームダッシュボード"))


@page_view
def dashboard_company(request):
    return _page(request, fc.resolve_subject(request.user, "company"), _("全社ダッシュボード"))


def _subject_from(request, params) -> fc.Subject:
    return fc.resolve_subject(request.user, params.get("scope", "rep"), user_id=params.get("user") or None,
                              team_id=params.get("team") or None)  # fmt: skip


@page_view
def dashboard_records(request):
    """The list behind one number: exactly the records it counts or sums; ?format=csv for Excel."""
    subject = _subject_from(request, request.GET)
    start_month = SalesSettings.current().fiscal_year_start_month
    period = fc.parse_period(request.GET.get("period", ""), start_month)
    metric = request.GET.get("metric", "committed")
    kind, qs = dashboards.drill(request.user, metric, subject, period)
    as_row = dashboards.deal_row if kind == "deal" else dashboards.activity_row
    qs = qs.order_by("-id")
    if request.GET.get("format") == "csv":
        if kind == "deal":
            from kizuna.core.permissions import has_perm

            if not has_perm(request.user, "deal", "export"):
                raise PermissionDenied(_("書き出しの権限がありません。"))
        rows = [as_row(r) for r in qs.iterator(chunk_size=2000)] if kind == "deal" else [as_row(r) for r in qs]
        audit.record(actor=request.user, action="export", object_type=f"sales.{kind}",
                     changes={"metric": metric, "scope": subject.key, "period": period.key, "count": len(rows)},
                     label=_("ダッシュボードの明細"))  # fmt: skip
        response = HttpResponse(dashboards.csv_bytes(kind, rows), content_type="text/csv; charset=utf-8")
        name = f"kizuna-{metric.replace(':', '-')}-{period.key}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    rows = [as_row(r) for r in qs[: RECORDS_SHOWN + 1]]
    total_amount = sum(r.get("amount", 0) for r in rows[:RECORDS_SHOWN]) if kind == "deal" else None
    total_weighted = sum(r.get("weighted", 0) for r in rows[:RECORDS_SHOWN]) if kind == "deal" else None
    context = {"nav": "dashboards", "kind": kind, "rows": rows[:RECORDS_SHOWN], "more": len(rows) > RECORDS_SHOWN,
               "metric": metric, "metric_label": _metric_label(metric), "period": period, "subject": subject,
               "total_amount": total_amount, "total_weighted": total_weighted, "count": qs.count(),
               "csv_query": request.GET.urlencode() + "&format=csv"}  # fmt: skip
    return render(request, "sales/dashboards/records.html", context)


def _metric_label(metric: str) -> str:
    labels = {"committed": _("受注（確定）"), "won": _("受注"), "pipeline": _("パイプライン（進行中）"),
              "weighted": _("加重パイプライン"), "best_case": _("ベストケース"), "lost": _("失注"),
              "stale": _("停滞案件")}  # fmt: skip
    if metric in labels:
        return labels[metric]
    kind, _sep, value = metric.partition(":")
    if kind == "kpi":
        return kpi.metric_names().get(value, value)
    if kind == "stage":
        stage = Stage.objects.filter(pk=fc.as_id(value) or 0).first()
        return _("ステージ: %(name)s") % {"name": stage.name if stage else value}
    if kind == "lost_reason":
        return _("失注理由: %(reason)s") % {"reason": value or _("（理由未記入）")}
    return metric


# --- targets ---------------------------------------------------------------------------------------------------


@page_view
@require_http_methods(["GET", "POST"])
def targets_page(request):
    """A fiscal year of one metric for a team and its members; managers and admins edit, others read."""
    start_month = SalesSettings.current().fiscal_year_start_month
    params = request.POST if request.method == "POST" else request.GET
    fy = fc.parse_period(params.get("fy", "") or "", start_month)
    if len(fy.months) != 12:
        fy = fc.fiscal_year(fc.fiscal_year_of(fy.start, start_month), start_month)
    metric = params.get("metric") or "revenue"
    kpi.check_metric(metric)
    team_id = params.get("team") or request.user.team_id
    team = Team.objects.filter(pk=fc.as_id(team_id)).first() if fc.as_id(team_id) else None
    if team is None or not plans.may_read_plan(request.user, team=team):
        team = None
    members = list(User.objects.filter(team=team, is_active=True).order_by("username")) if team else [request.user]
    members = [m for m in members if plans.may_read_plan(request.user, user=m)]
    if request.method == "POST":
        items = []
        subjects = ([("team", team)] if team else []) + [("user", m) for m in members]
        for key, obj in subjects:
            for month in fy.months:
                raw = request.POST.get(f"t-{key}-{obj.pk}-{month:%Y-%m}")
                if raw is None:
                    continue
                items.append({key: obj.pk, "month": f"{month:%Y-%m}", "metric": metric,
                              "value": raw.strip() or None})  # fmt: skip
        try:
            plans.set_targets(actor=request.user, items=items)
        except ValidationFailed as exc:
            messages.error(request, exc.summary)
        else:
            messages.success(request, _("目標を保存しました。"))
            return redirect(f"{reverse('sales:targets')}?fy={fy.key}&metric={metric}&team={team.pk if team else ''}")
    existing = {}
    for t in plans.visible_targets(request.user).filter(metric=metric, month__gte=fy.start, month__lt=fy.end):
        existing[(("team", t.team_id) if t.team_id else ("user", t.user_id)), t.month] = t.value
    rows = []
    for key, obj, label in ([("team", team, _("チーム全体: %(name)s") % {"name": team.name})] if team else []) + [
        ("user", m, m.display_name or m.username) for m in members
    ]:
        editable = plans.may_plan_for(request.user, **{key: obj})
        cells = [{"name": f"t-{key}-{obj.pk}-{m:%Y-%m}", "value": existing.get(((key, obj.pk), m), "")}
                 for m in fy.months]  # fmt: skip
        rows.append({"label": label, "cells": cells, "editable": editable,
                     "total": sum(c["value"] or 0 for c in cells)})  # fmt: skip
    context = {"nav": "dashboards", "fy": fy, "metric": metric, "metrics": kpi.metric_names(), "team": team,
               "teams": [t for t in Team.objects.order_by("name") if plans.may_read_plan(request.user, team=t)],
               "months": fy.months, "rows": rows, "can_edit": any(r["editable"] for r in rows),
               "years": [fy.start.year + d for d in (-1, 0, 1)]}  # fmt: skip
    return render(request, "sales/dashboards/targets.html", context)


# --- the monthly review ----------------------------------------------------------------------------------------


@page_view
@require_http_methods(["GET", "POST"])
def review_page(request):
    params = request.POST if request.method == "POST" else request.GET
    scope = params.get("scope") or "rep"
    if scope not in ("rep", "team"):
        raise ValidationFailed(field_errors={"scope": [_("月次レビューは担当者かチームごとです。")]})
    subject = _subject_from(request, {**params.dict(), "scope": scope})
    month = kpi.month_of(params.get("month", "").strip())
    review = plans.get_review(request.user, month=month.start, user=subject.user, team=subject.team)
    if request.method == "POST":
        tasks = [{"title": request.POST.get(f"task-{i}-title", ""), "due_date": request.POST.get(f"task-{i}-due", "")}
                 for i in range(3)]  # fmt: skip
        data = {"gaps": request.POST.get("gaps", ""), "actions": request.POST.get("actions", ""), "new_tasks": tasks}
        try:
            plans.save_review(actor=request.user, month=month.start, user=subject.user, team=subject.team, data=data,
                              snapshot=dashboards.review_snapshot(request.user, subject, month),
                              expected_version=request.POST.get("version") or None)  # fmt: skip
        except ValidationFailed as exc:
            messages.error(request, exc.summary)
        else:
            messages.success(request, _("月次レビューを保存しました。"))
            who = f"user={subject.user.pk}" if subject.user else f"team={subject.team.pk}"
            return redirect(f"{reverse('sales:review')}?scope={subject.kind}&{who}&month={month.key}")
    current = dashboards.review_snapshot(request.user, subject, month)
    editable = plans.may_plan_for(request.user, user=subject.user, team=subject.team) or (
        subject.user is not None and subject.user.pk == request.user.pk and can_write_records(request.user)
    )
    context = {"nav": "dashboards", "subject": subject, "month": month, "review": review, "current": current,
               "saved": review.snapshot if review else None, "editable": editable,
               "previous": fc.add_months(month.start, -1), "next": fc.add_months(month.start, 1),
               "task_rows": range(3),
               "gaps": request.POST.get("gaps", "") if request.method == "POST" else (review.gaps if review else ""),
               "actions": request.POST.get("actions", "") if request.method == "POST" else (
                   review.actions if review else "")}  # fmt: skip
    return render(request, "sales/dashboards/review.html", context)


# --- 設定 → 売上分析 -------------------------------------------------------------------------------------------


@page_view
@require_http_methods(["GET", "POST"])
def analytics_settings(request):
    if not is_admin(request.user):
        raise PermissionDenied()
    if request.method == "POST":
        try:
            if request.POST.get("form") == "settings":
                plans.update_settings(actor=request.user, data={k: request.POST.get(k, "") for k in
                                                                ("fiscal_year_start_month", "stale_days")})  # fmt: skip
            else:
                definition = KpiDefinition.objects.filter(pk=fc.as_id(request.POST.get("kpi")) or 0).first()
                data = {k: request.POST.get(k, "") for k in ("name", "measure", "stage", "technical_team",
                                                            "technical_role", "min_participants")}  # fmt: skip
                data["activity_kinds"] = request.POST.getlist("activity_kinds")
                data["active"] = request.POST.get("active") == "on"
                if definition is None:
                    data["key"] = request.POST.get("key", "")
                plans.save_kpi_definition(actor=request.user, definition=definition, data=data)
        except ValidationFailed as exc:
            messages.error(request, exc.summary)
        else:
            messages.success(request, _("保存しました。"))
            return redirect("sales:analytics_settings")
    context = {"nav": "settings", "tab": "sales_analytics", "settings": SalesSettings.current(),
               "months": range(1, 13), "definitions": KpiDefinition.objects.select_related("stage", "technical_team"),
               "measures": KpiDefinition.Measure.choices, "kinds": Activity.Kind.choices,
               "stages": Stage.objects.select_related("pipeline").order_by("pipeline_id", "order"),
               "teams": Team.objects.order_by("name"), "now": timezone.now()}  # fmt: skip
    return render(request, "sales/dashboards/settings.html", context)
