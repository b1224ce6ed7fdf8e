"""開示・消去 and 日報: a disclosure lists the reports that cite a person's activities or name them (with the lines
that do); an erasure scrubs their names from every report's text and comments, keeps the reports and the search
index in step, and redacts the reports' audit rows."""

from kizuna.core import search
from kizuna.core.models import AuditEvent
from kizuna.privacy.services import disclosure, erasure
from kizuna.sales.models import DailyReport, ReportComment
from kizuna.sales.report_search import search_reports
from kizuna.sales.services import daily_reports
from tests.sales.report_helpers import DAY, owners_day


def _indexed(query: str) -> set[int]:
    return {row["object_id"] for row in search.matching_ids("daily_report", query)}


def test_reports_about_a_person_are_disclosed_and_scrubbed_on_erasure(cast):
    day = owners_day(cast)
    tanaka, visit = day["tanaka"], day["visit"]
    text = {"impressions": "田中 次郎 部長は価格より納期を重視。\n全体に前向き。", "plan": "田中次郎様に見積送付"}
    report = daily_reports.submit_report(actor=cast.owner, day=DAY, data=text)
    other = daily_reports.submit_report(actor=cast.teammate, day=DAY, data={"impressions": "特記事項なし"})
    daily_reports.add_comment(actor=cast.manager, report=report, data={"body": "田中 次郎さんには私からも連絡します"})
    daily_reports.add_comment(actor=cast.manager, report=report, data={"body": "了解"})

    [item] = disclosure.disclosure_data(tanaka)["sales_daily_reports"]
    assert item["id"] == report.pk and item["author"] == "owner" and item["date"] == DAY.isoformat()
    assert item["cites_activities"] == [visit.pk]
    assert "田中 次郎 部長は価格より納期を重視。" in item["mentions"] and "田中次郎様に見積送付" in item["mentions"]
    assert "全体に前向き。" not in item["mentions"]
    assert [c["text"] for c in item["comments"]] == ["田中 次郎さんには私からも連絡します"]
    assert search_reports(cast.owner, "納期を重視")
    assert report.pk in _indexed("田中次郎")

    counts = erasure.erase(actor=cast.admin, person=tanaka, confirm=tanaka.pk)
    assert counts["sales_daily_reports"] == 1 and counts["sales_daily_report_comments"] == 1
    report.refresh_from_db()
    texts = [report.summary, report.impressions, report.plan, *ReportComment.objects.values_list("body", flat=True)]
    assert not any("田中" in t or "タナカ" in t for t in texts)
    assert "価格より納期を重視" in report.impressions and "削除済み" in report.impressions  # the rest stays
    assert DailyReport.objects.get(pk=other.pk).impressions == "特記事項なし"
    assert report.pk not in _indexed("田中次郎")
    rows = AuditEvent.objects.filter(object_type="sales.dailyreport", object_id=str(report.pk))
    assert rows.exists() and not any("田中" in str(r.changes) for r in rows)
