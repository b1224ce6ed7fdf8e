"""開示・消去 of what 日報 (daily reports) say about a person.

A report is about a person when it cites an activity they took part in or were the source of, or a follow-up with
them (DailyReportItem), or when its text — the day's summary, 所感, 明日の予定 — or a comment on it names them.

- 開示: each such report (date, author, status, which of the person's activities it cites) with the lines of its
  text and comments that name the person.
- 消去: the person's names and contact values are scrubbed from every report's text and comments (the erasure's
  `scrub`) and the changed reports are indexed again for search; the reports stay (the rep's record of the day), as
  the activities they cite stay, anonymized by the timeline. By the time `erase` runs the person's row may already
  carry the placeholder name, so it cannot search for the name: it reads every report's text in chunks and lets
  `scrub` decide (an erasure is rare; about a second for 60,000 reports). The reports' and comments' audit rows
  that name the person are redacted through `audit`.
"""

from django.db.models import Q

from kizuna.core.personal_data import audit_ids

from .models.reports import DailyReport, DailyReportItem, ReportComment

TEXT_FIELDS = ("summary", "impressions", "plan")
CHUNK = 2000


def _names(ids) -> list[str]:
    """Full names and readings of the people (a family name alone would name half the country)."""
    from kizuna.contacts.models import Person

    found = set()
    for p in Person.objects.filter(pk__in=ids):
        for value in (p.display_name, p.family_name + p.given_name, p.reading,
                      p.family_name_kana + p.given_name_kana):  # fmt: skip
            if value and len(value.strip()) >= 2:
                found.add(value.strip())
    return sorted(found, key=len, reverse=True)


def _cited(ids) -> dict[int, list[int]]:
    """report id → ids of the person's activities it cites (a cited follow-up of theirs: no activity id)."""
    from kizuna.timeline.models import Activity, FollowUp

    activities = Activity.objects.filter(Q(people__in=ids) | Q(heard_from__in=ids)).values("pk")
    follow_ups = FollowUp.objects.filter(person__in=ids).values("pk")
    items = DailyReportItem.objects.filter(
        Q(kind=DailyReportItem.Kind.ACTIVITY, object_id__in=activities)
        | Q(kind__in=[DailyReportItem.Kind.TASK_DONE, DailyReportItem.Kind.TASK_DUE], object_id__in=follow_ups)
    ).values_list("report_id", "kind", "object_id")
    out: dict[int, list[int]] = {}
    for report_id, kind, object_id in items:
        out.setdefault(report_id, [])
        if kind == DailyReportItem.Kind.ACTIVITY:
            out[report_id].append(object_id)
    return out


def _naming(names: list[str], *fields: str) -> Q:
    q = Q(pk__in=[])
    for name in names:
        for field in fields:
            q |= Q(**{f"{field}__contains": name})
    return q


def _reports(ids) -> tuple[list[str], dict[int, list[int]], list[int]]:
    names = _names(ids)
    cited = _cited(ids)
    commented = ReportComment.objects.filter(_naming(names, "body")).values("report_id")
    named = DailyReport.objects.filter(_naming(names, *TEXT_FIELDS) | Q(pk__in=commented))
    return names, cited, sorted(set(cited) | set(named.values_list("pk", flat=True)))


def _lines(text: str, names: list[str]) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if any(n in line for n in names)]


def disclose(ids) -> dict:
    names, cited, report_ids = _reports(ids)
    reports = DailyReport.objects.filter(pk__in=report_ids).select_related("author").order_by("date", "pk")
    comments: dict[int, list] = {}
    for c in ReportComment.objects.filter(report_id__in=report_ids).select_related("author").order_by("at", "pk"):
        if any(n in c.body for n in names):
            comments.setdefault(c.report_id, []).append(
                {"at": c.at.isoformat(), "by": c.author.username, "text": c.body, "deleted": c.is_deleted}
            )
    return {
        "sales_daily_reports": [
            {"id": r.pk, "date": r.date.isoformat(), "author": r.author.username, "status": r.status,
             "cites_activities": sorted(cited.get(r.pk, [])),
             "mentions": [line for field in TEXT_FIELDS for line in _lines(getattr(r, field), names)],
             "comments": comments.get(r.pk, []), "deleted": r.is_deleted}
            for r in reports
        ]
    }  # fmt: skip


def audit(ids):
    names, _cited_ids, report_ids = _reports(ids)
    comment_ids = ReportComment.objects.filter(Q(report_id__in=report_ids) & _naming(names, "body"))
    return Q(pk__in=[]), (audit_ids("sales.dailyreport", report_ids)
                          | audit_ids("sales.reportcomment", comment_ids.values_list("pk", flat=True)))  # fmt: skip


def erase(actor, ids, scrub) -> dict:
    from .report_search import index_report

    changed_reports, changed_comments = [], 0
    after = 0
    while rows := list(DailyReport.objects.filter(pk__gt=after).order_by("pk").values_list("pk", *TEXT_FIELDS)[:CHUNK]):
        for pk, *texts in rows:
            cleaned = [scrub(t) for t in texts]
            if cleaned != texts:
                DailyReport.objects.filter(pk=pk).update(**dict(zip(TEXT_FIELDS, cleaned, strict=True)))
                changed_reports.append(pk)
        after = rows[-1][0]
    after = 0
    while rows := list(ReportComment.objects.filter(pk__gt=after).order_by("pk").values_list("pk", "body")[:CHUNK]):
        for pk, body in rows:
            if (cleaned := scrub(body)) != body:
                ReportComment.objects.filter(pk=pk).update(body=cleaned)
                changed_comments += 1
        after = rows[-1][0]
    for report in DailyReport.objects.filter(pk__in=changed_reports).select_related("author"):
        index_report(report)
    return {"sales_daily_reports": len(changed_reports), "sales_daily_report_comments": changed_comments}
