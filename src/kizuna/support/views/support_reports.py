"""サポート分析: the support dashboards (each number links to its tickets) and their CSV exports (UTF-8 with BOM)."""

import csv
import io
from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from kizuna.core import audit
from kizuna.core.pages import page_view
from kizuna.core.pagination import paginate
from kizuna.core.spreadsheet import escape_formula

from ..services import support_reports as reports
from . import charts


def _period(request):
    try:
        return reports.Period.parse(request.GET.get("start", ""), request.GET.get("end", "")), ""
    except reports.PeriodError as exc:
        return reports.Period.parse(), str(exc)


def _ticket_url(pk) -> str:
    try:
        return reverse("support:ticket_detail", args=[pk])
    except NoReverseMatch:  # the ticket pages are not mounted (a trimmed configuration)
        return ""


def _drill(period, metric, key=""):
    return reverse("support:support_report_tickets") + "?" + urlencode(period.query() | {"metric": metric, "key": key})


def _data(user, period) -> dict:
    return {"volume": reports.volume(user, period), "times": reports.times(user, period),
            "attainment": reports.attainment(user, period), "backlog": reports.backlog(user),
            "fcr": reports.first_contact_resolution(user, period), "aht": reports.handle_time(user, period),
            "csat": reports.csat(user, period), "voc": reports.voc_trends(user, period)}  # fmt: skip


@page_view
def dashboard(request):
    period, error = _period(request)
    data = _data(request.user, period)
    vol = data["volume"]
    context = {
        "nav": "support_reports", "period": period, "error": error, **data,
        "channel_chart": charts.bars(vol["by_channel"], url=lambda r: _drill(period, "channel", r["key"]),
                                     title=_("チャネル別件数")),
        "reason_chart": charts.bars(vol["by_reason"][:12], url=lambda r: _drill(period, "reason", r["key"]),
                                    title=_("コールリーズン別件数")),
        "hour_chart": charts.columns(vol["by_hour"], url=lambda r: _drill(period, "hour", r["key"]),
                                     title=_("時間帯別件数")),
        "backlog_chart": charts.bars(data["backlog"], url=lambda r: _drill(period, "backlog", r["key"]),
                                     title=_("未解決の経過日数")),
        "voc_chart": charts.lines(data["voc"]["weeks"], data["voc"]["series"], title=_("VOCタグの推移")),
        "links": {m: _drill(period, m) for m in reports.METRICS},
        "tag_links": {s["tag"]: _drill(period, "tag", s["tag"]) for s in data["voc"]["series"]},
        "export_url": reverse("support:support_report_export") + "?" + urlencode(period.query()),
    }  # fmt: skip
    return render(request, "support/reports/dashboard.html", context)


def _sections(user, period) -> dict[str, tuple[list[str], list[list]]]:
    data = _data(user, period)
    vol = data["volume"]
    out = {
        "channel": ([_("チャネル"), _("件数")], [[r["label"], r["count"]] for r in vol["by_channel"]]),
        "reason": ([_("コールリーズン"), _("件数")], [[r["label"], r["count"]] for r in vol["by_reason"]]),
        "hour": ([_("時"), _("件数")], [[r["key"], r["count"]] for r in vol["by_hour"]]),
        "times": ([_("指標"), _("件数"), _("平均（営業分）"), _("中央値"), _("90パーセンタイル")],
                  [[label, t["count"], t["avg"], t["p50"], t["p90"]] for label, t in
                   ((_("初回応答"), data["times"]["first_response"]), (_("解決"), data["times"]["resolution"]))]),
        "sla": ([_("目標"), _("対象"), _("達成"), _("違反"), _("達成率（%）")],
                [[r["label"], r["total"], r["met"], r["breached"], r["rate"]] for r in data["attainment"]]),
        "backlog": ([_("経過日数"), _("件数")], [[r["label"], r["count"]] for r in data["backlog"]]),
        "fcr": ([_("解決"), _("一次解決"), _("一次解決率（%）")],
                [[data["fcr"]["resolved"], data["fcr"]["fcr"], data["fcr"]["rate"]]]),
        "aht": ([_("担当者"), _("通話数"), _("平均処理時間（秒）")],
                [[r["label"], r["count"], r["avg"]] for r in data["aht"]["by_agent"]]),
        "csat_agent": ([_("担当者"), _("回答"), _("平均")],
                       [[r["label"], r["count"], r["score"]] for r in data["csat"]["by_agent"]]),
        "csat_team": ([_("チーム"), _("回答"), _("平均")],
                      [[r["label"], r["count"], r["score"]] for r in data["csat"]["by_team"]]),
        "voc": ([_("タグ"), *[w.isoformat() for w in data["voc"]["weeks"]]],
                [[s["tag"], *s["counts"]] for s in data["voc"]["series"]]),
    }  # fmt: skip
    return out


@page_view
def export(request):
    """One section (`section=channel|reason|hour|times|sla|backlog|fcr|aht|csat_agent|csat_team|voc`) or all of
    them, as CSV."""
    period, _error = _period(request)
    sections = _sections(request.user, period)
    chosen = request.GET.get("section", "")
    if chosen and chosen not in sections:
        return HttpResponse(_("不明な集計です: %(name)s") % {"name": chosen}, status=400,
                            content_type="text/plain; charset=utf-8")  # fmt: skip
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for name, (header, rows) in sections.items():
        if chosen and name != chosen:
            continue
        if not chosen:
            writer.writerow([f"# {name}"])
        writer.writerow(header)
        for row in rows:
            writer.writerow([escape_formula(str(v)) if v is not None else "" for v in row])
    audit.record(actor=request.user, action="export", object_type="support.report",
                 changes={"section": chosen or "all", **period.query()})  # fmt: skip
    response = HttpResponse(("\ufeff" + buffer.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8")
    name = f"support-{chosen or 'report'}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@page_view
def drill_down(request):
    """The tickets behind one number of the dashboard."""
    period, error = _period(request)
    metric, key = request.GET.get("metric", ""), request.GET.get("key", "")
    try:
        qs = reports.tickets(request.user, period, metric, key)
    except reports.PeriodError as exc:
        qs, error = None, str(exc)
    page = paginate(qs.select_related("owner", "channel", "sla"), sort="-created_at",
                    cursor=request.GET.get("cursor")) if qs is not None else None  # fmt: skip
    for ticket in page.items if page else []:
        ticket.link = _ticket_url(ticket.pk)
    more = ""
    if page and page.next_cursor:
        more = request.path + "?" + urlencode(period.query() | {"metric": metric, "key": key,
                                                                "cursor": page.next_cursor})  # fmt: skip
    context = {"nav": "support_reports", "period": period, "error": error, "metric": metric, "key": key,
               "tickets": page.items if page else [], "more": more,
               "back": reverse("support:support_reports") + "?" + urlencode(period.query())}  # fmt: skip
    return render(request, "support/reports/tickets.html", context, status=400 if qs is None else 200)
