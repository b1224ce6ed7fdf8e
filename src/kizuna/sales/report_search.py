"""日報 in the header search: what a rep wrote (所感, 明日の予定) and the day's summary, for those who may read the
report (drafts: their author only)."""

from django.db.models import Q
from django.utils.text import Truncator

from kizuna.contacts.search import Result
from kizuna.core import japanese, search

from .models.reports import DailyReport

DAILY_REPORT = "daily_report"


def report_fields(report: DailyReport) -> list[str]:
    text = "\n".join([report.impressions, report.plan, report.summary, str(report.author)])
    return [japanese.search_text(line) for line in text.splitlines() if line.strip()]


def index_report(report: DailyReport) -> None:
    if report.deleted_at:
        search.remove(DAILY_REPORT, report.pk)
    else:
        search.index(DAILY_REPORT, report.pk, report_fields(report), stamp=report.updated_at)


def reindex(progress=None, *, batch: int = 1000) -> int:
    done, after = 0, None
    qs = DailyReport.objects.alive().select_related("author").order_by("updated_at", "pk")
    while chunk := list(
        (qs if after is None else qs.filter(Q(updated_at__gt=after[0]) | Q(updated_at=after[0], pk__gt=after[1])))[
            :batch
        ]
    ):
        search.index_many(DAILY_REPORT,
                          [search.Document(r.pk, report_fields(r), stamp=r.updated_at) for r in chunk])  # fmt: skip
        done, after = done + len(chunk), (chunk[-1].updated_at, chunk[-1].pk)
        if progress:
            progress(done)
    return done


def _snippet(report: DailyReport, query: str) -> tuple[str, str, str]:
    q = japanese.search_text(query)
    for line in (report.impressions + "\n" + report.plan + "\n" + report.summary).splitlines():
        if q and q in japanese.search_text(line):
            span = search.find_span(line[:500], q)
            if span:
                start, end = span
                return line[max(0, start - 30) : start], line[start:end], Truncator(line[end:]).chars(30)
    return "", "", Truncator(report.impressions or report.summary).chars(60)


def search_reports(user, query: str, limit: int = 5) -> list[Result]:
    from .services.daily_reports import visible_reports

    q = japanese.search_text(query)
    if not q:
        return []
    visible = visible_reports(user)
    _, _, hits = search.Search(DAILY_REPORT, [q], None, visible).top(limit, cap=limit)
    found = visible.select_related("author").in_bulk([object_id for _, _, object_id in hits])
    out = []
    for report in (found[object_id] for _, _, object_id in hits if object_id in found):
        parts = _snippet(report, query)
        label = f"{report.date:%Y-%m-%d} {report.author}"
        out.append(Result(DAILY_REPORT, report.pk, "", label, "".join(parts), report.get_absolute_url(),
                          matched="body", parts=parts))  # fmt: skip
    return out
