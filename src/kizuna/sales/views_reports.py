"""日報 pages: today's report (the draft, one-click submit), a report with its comments, the team feed, 週報."""

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kizuna.core.exceptions import NotFound, StaleVersion, ValidationFailed
from kizuna.core.pages import page_view, require_writer
from kizuna.core.permissions import Scope, has_perm, is_admin, scope_of

from .models.reports import DailyReport, DailyReportItem
from .services import daily_reports as reports
from .services.report_drafts import build_draft, lines_for

Status = DailyReport.Status


def parse_day(value, field: str = "date", *, default=None) -> date:
    if not value:
        return default or timezone.localdate()
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        message = _("日付は YYYY-MM-DD の形式で指定してください（%(value)s）。") % {"value": str(value)[:20]}
        raise ValidationFailed(message, field_errors={field: [message]}) from None


def parse_id(value, field: str):
    if not value:
        return None
    text = str(value).strip()
    if not (text.isascii() and text.isdecimal() and len(text) <= 18):
        message = _("%(field)s の指定が正しくありません。") % {"field": field}
        raise ValidationFailed(message, field_errors={field: [message]})
    return int(text)


def authors_for(user):
    """The people whose reports `user` reads in the feed: everyone (scope all), else their own team."""
    users = get_user_model().objects.filter(is_active=True).order_by("username")
    if scope_of(user) == Scope.ALL:
        return users
    return users.filter(team_id=user.team_id) if user.team_id else users.filter(pk=user.pk)


def _day_context(request, day: date, *, values=None, errors=None) -> dict:
    user = request.user
    report = reports.report_on(user, user, day)
    if report is None or report.status == Status.DRAFT:
        draft = build_draft(user, day)
        lines, truncated = draft.lines, draft.truncated
    else:
        lines, truncated = lines_for(user, [report])[report.pk], False
    values = values or {"impressions": getattr(report, "impressions", ""), "plan": getattr(report, "plan", ""),
                        "visibility": getattr(report, "visibility", "team")}  # fmt: skip
    return {"nav": "daily_reports", "day": day, "report": report, "lines": lines, "truncated": truncated,
            "groups": _grouped(lines), "values": values, "errors": errors or {},
            "editable": report is None or reports.may_edit(user, report), "today": timezone.localdate()}  # fmt: skip


def _grouped(lines) -> list[tuple[str, list]]:
    return [(label, [line for line in lines if line.kind == kind]) for kind, label in DailyReportItem.Kind.choices]


@page_view
def daily_today(request):
    """Open 日報: the day's draft built from what the system knows; 所感 and 明日の予定 to add; submit."""
    require_writer(request.user, "daily_report")
    day = parse_day(request.GET.get("date"))
    return render(request, "sales/reports/daily.html", _day_context(request, day))


@page_view
@require_POST
def daily_save(request):
    require_writer(request.user, "daily_report")
    day = parse_day(request.POST.get("date"))
    data = {k: request.POST.get(k, "") for k in ("impressions", "plan", "visibility")}
    submit = request.POST.get("action") == "submit"
    version = parse_id(request.POST.get("version"), "version")
    try:
        report = reports.save_report(actor=request.user, day=day, data=data, submit=submit, expected_version=version)
    except (ValidationFailed, StaleVersion) as exc:
        messages.error(request, exc.summary)
        context = _day_context(request, day, values=data, errors=getattr(exc, "field_errors", {}))
        return render(request, "sales/reports/daily.html", context, status=exc.status)
    if report.status == Status.DRAFT:
        messages.success(request, _("下書きを保存しました。"))
        return redirect(f"{_url('sales:daily_today')}?date={day.isoformat()}")
    messages.success(request, _("日報を提出しました。") if submit else _("日報を更新しました。"))
    return redirect(report.get_absolute_url())


def _url(name, *args):
    from django.urls import reverse

    return reverse(name, args=args)


@page_view
def daily_report(request, pk: int):
    report = reports.get_report_for_user(request.user, pk)
    context = {"nav": "daily_reports", "report": report, "groups": _grouped(lines_for(request.user, [report])[pk]),
               "comments": report.comments.select_related("author"),
               "can_comment": reports.may_comment(request.user, report),
               "can_confirm": reports.may_review(request.user, report) and report.status == Status.SUBMITTED,
               "can_edit": reports.may_edit(request.user, report)}  # fmt: skip
    return render(request, "sales/reports/detail.html", context)


@page_view
@require_POST
def daily_comment(request, pk: int):
    report = reports.get_report_for_user(request.user, pk)
    try:
        reports.add_comment(actor=request.user, report=report, data={"body": request.POST.get("body", "")})
        messages.success(request, _("コメントしました。"))
    except ValidationFailed as exc:
        messages.error(request, exc.summary)
    return redirect(report.get_absolute_url())


@page_view
@require_POST
def daily_confirm(request, pk: int):
    report = reports.get_report_for_user(request.user, pk)
    reports.confirm_report(actor=request.user, report=report)
    messages.success(request, _("確認済みにしました。"))
    nxt = request.POST.get("next", "")
    return redirect(nxt if nxt.startswith("/sales/") else report.get_absolute_url())


@page_view
def daily_feed(request):
    """The team's reports, newest day first: what a manager reads, comments on and confirms."""
    if not has_perm(request.user, "daily_report", "view"):
        raise NotFound()
    author_id = parse_id(request.GET.get("user"), "user")
    status = request.GET.get("status", "")
    before = None
    if cursor := request.GET.get("before"):
        day_text, _sep, pk = cursor.partition("_")
        before = (parse_day(day_text, "before"), parse_id(pk, "before") or 0)
    rows = reports.feed(request.user, author_id=author_id, status=status, before=before, limit=20)
    lines = lines_for(request.user, rows)
    items = [(r, _grouped(lines[r.pk]), reports.may_review(request.user, r) and r.status == Status.SUBMITTED)
             for r in rows]  # fmt: skip
    more = f"{rows[-1].date.isoformat()}_{rows[-1].pk}" if len(rows) == 20 else ""
    context = {"nav": "daily_reports", "items": items, "authors": authors_for(request.user), "more": more,
               "filters": request.GET, "statuses": [(Status.SUBMITTED, Status.SUBMITTED.label),
                                                    (Status.CONFIRMED, Status.CONFIRMED.label)]}  # fmt: skip
    return render(request, "sales/reports/feed.html", context)


@page_view
def weekly(request):
    """週報: one author's week, Monday to Sunday, with the week's totals."""
    if not has_perm(request.user, "daily_report", "view"):
        raise NotFound()
    author_id = parse_id(request.GET.get("user"), "user") or request.user.pk
    author = authors_for(request.user).filter(pk=author_id).first()
    if author is None and author_id != request.user.pk and not is_admin(request.user):
        raise NotFound()
    author = author or request.user
    start = reports.week_of(parse_day(request.GET.get("week"), "week"))
    week = reports.weekly(request.user, author, start)
    shown = [r for _d, r in week.days if r is not None]
    lines = lines_for(request.user, shown)
    days = [(d, r, _grouped(lines[r.pk]) if r else []) for d, r in week.days]
    context = {"nav": "daily_reports", "week": week, "days": days, "author": author,
               "authors": authors_for(request.user), "prev": start - timedelta(days=7),
               "next": start + timedelta(days=7),
               "totals": [(label, week.counts.get(k, 0)) for k, label in DailyReportItem.Kind.choices]}  # fmt: skip
    return render(request, "sales/reports/weekly.html", context)


def activity_panel(request, activity) -> str:
    """On an activity's page: the reports (that the reader may read) citing it."""
    visible = reports.visible_reports(request.user)
    cited = (DailyReportItem.objects.filter(kind=DailyReportItem.Kind.ACTIVITY, object_id=activity.pk,
                                            report__in=visible).select_related("report__author")
             .order_by("-report__date")[:10])  # fmt: skip
    rows = [item.report for item in cited]
    if not rows:
        return ""
    return render_to_string("sales/reports/activity_panel.html", {"reports": rows}, request=request)
