"""日報 services: the draft built from the day, one-click submit, who reads and confirms, comments and notices."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kizuna.core.exceptions import Conflict, NotFound, PermissionDenied, StaleVersion, ValidationFailed
from kizuna.core.models import AuditEvent
from kizuna.notifications.models import Notification
from kizuna.sales.models import DailyReport, DailyReportItem
from kizuna.sales.report_search import search_reports
from kizuna.sales.services import daily_reports as reports
from kizuna.sales.services.report_drafts import build_draft, lines_for

from .report_helpers import DAY, owners_day


@pytest.fixture
def day(cast):
    return owners_day(cast)


def test_draft_gathers_the_day_with_people_companies_deals_and_tasks(cast, day):
    draft = build_draft(cast.owner, DAY)
    titles = {line.kind: [x.title for x in draft.of(line.kind)] for line in draft.lines}
    assert titles["activity"] == ["山田製作所 訪問", "納期確認の電話"]  # recorded or taken part in; not the day before
    assert draft.activities[0].detail == "株式会社山田製作所・田中 次郎" and draft.activities[0].label == "訪問"
    assert [line.title for line in draft.stage_changes] == ["検査治具更新", "検査治具更新"]
    assert "リード → ヒアリング" in draft.stage_changes[1].detail
    assert titles["task_done"] == ["見積送付"] and titles["task_due"] == ["サンプル手配"]
    assert build_draft(cast.teammate, DAY).activities[0].title == "納期確認の電話"  # the teammate recorded it


def test_draft_costs_the_same_few_queries_however_much_there_is(cast, day):
    with CaptureQueriesContext(connection) as few:
        build_draft(cast.owner, DAY)
    owners_day(cast)  # twice as much that day
    with CaptureQueriesContext(connection) as more:
        draft = build_draft(cast.owner, DAY)
    assert len(draft.activities) == 4
    assert len(more.captured_queries) == len(few.captured_queries) <= 10


def test_one_click_submit_freezes_the_items_and_audits(cast, day):
    report = reports.save_report(actor=cast.owner, day=DAY, data={}, submit=True)
    assert report.status == "submitted" and report.submitted_at and report.visibility == "team"
    kinds = list(report.items.values_list("kind", flat=True))
    assert kinds.count("activity") == 2 and "task_done" in kinds and "task_due" in kinds
    assert "山田製作所 訪問" in report.summary
    assert AuditEvent.objects.for_object(report).get().action == "create"
    with pytest.raises(Conflict):
        reports.submit_report(actor=cast.owner, day=DAY, data={})


def test_draft_then_submit_with_impressions(cast, day):
    draft = reports.save_report(actor=cast.owner, day=DAY, data={"impressions": "手応えあり"}, submit=False)
    assert draft.status == "draft"
    with pytest.raises(NotFound):  # a draft is its author's alone
        reports.get_report_for_user(cast.manager, draft.pk)
    report = reports.save_report(actor=cast.owner, day=DAY, data={"plan": "見積作成"}, submit=True)
    assert report.pk == draft.pk and (report.impressions, report.plan) == ("手応えあり", "見積作成")
    assert AuditEvent.objects.for_object(report).first().action == "daily_report.submit"
    with pytest.raises(StaleVersion):
        reports.save_report(actor=cast.owner, day=DAY, data={"plan": "x"}, submit=False, expected_version=1)


def test_bad_input_is_refused_and_nothing_is_saved(cast):
    with pytest.raises(ValidationFailed) as exc:
        reports.save_report(
            actor=cast.owner, day="2026/13/40", data={"impressions": "x" * 5000, "visibility": "public"}, submit=True
        )
    assert set(exc.value.field_errors) == {"date", "impressions", "visibility"}
    assert "YYYY-MM-DD" in exc.value.field_errors["date"][0]
    with pytest.raises(ValidationFailed) as exc:
        reports.save_report(actor=cast.owner, day=DAY.replace(year=DAY.year + 1), data={}, submit=True)
    assert "未来" in exc.value.summary
    with pytest.raises(PermissionDenied):
        reports.save_report(actor=cast.readonly, day=DAY, data={}, submit=True)
    assert not DailyReport.objects.exists()


def test_who_reads_and_who_confirms(cast, day):
    report = reports.save_report(actor=cast.owner, day=DAY, data={"impressions": "班内の所感"}, submit=True)
    for reader in (cast.teammate, cast.manager, cast.admin, cast.readonly):
        assert reports.get_report_for_user(reader, report.pk) == report
    with pytest.raises(NotFound):
        reports.get_report_for_user(cast.outsider, report.pk)  # another team's report
    assert search_reports(cast.teammate, "班内") and not search_reports(cast.outsider, "班内")
    for not_reviewer in (cast.teammate, cast.owner, cast.readonly):
        with pytest.raises(PermissionDenied):
            reports.confirm_report(actor=not_reviewer, report=report)
    reports.confirm_report(actor=cast.manager, report=report)
    report.refresh_from_db()
    assert report.status == "confirmed" and report.confirmed_by == cast.manager
    assert Notification.objects.filter(user=cast.owner, kind="daily_report", title__contains="確認").exists()
    with pytest.raises(Conflict):  # confirmed: the author can no longer change it
        reports.update_report(actor=cast.owner, report=report, data={"plan": "後から"})


def test_private_report_is_for_the_author_and_managers(cast, day):
    report = reports.save_report(actor=cast.owner, day=DAY, data={"visibility": "private"}, submit=True)
    assert reports.get_report_for_user(cast.manager, report.pk)
    with pytest.raises(NotFound):
        reports.get_report_for_user(cast.teammate, report.pk)


def test_comments_notify_the_author_and_answers_notify_the_reviewer(cast, day):
    report = reports.save_report(actor=cast.owner, day=DAY, data={}, submit=True)
    reports.add_comment(actor=cast.manager, report=report, data={"body": "工場長との面談、同行します"})
    assert Notification.objects.filter(user=cast.owner, kind="daily_report").count() == 1
    reports.add_comment(actor=cast.owner, report=report, data={"body": "お願いします"})
    assert Notification.objects.filter(user=cast.manager, kind="daily_report").count() == 1
    with pytest.raises(PermissionDenied):
        reports.add_comment(actor=cast.teammate, report=report, data={"body": "横から"})
    with pytest.raises(ValidationFailed):
        reports.add_comment(actor=cast.manager, report=report, data={"body": "  "})
    assert report.comments.count() == 2


def test_a_reader_sees_a_placeholder_for_a_cited_record_hidden_from_them(cast, day):
    from kizuna.timeline import services as timeline

    timeline.update_activity(actor=cast.owner, activity=day["visit"], data={"visibility": "private"})
    report = reports.save_report(actor=cast.owner, day=DAY, data={}, submit=True)
    assert "山田製作所 訪問" not in report.summary  # private records stay out of the searchable text
    seen = [line.title for line in lines_for(cast.teammate, [report])[report.pk] if line.kind == "activity"]
    assert seen == ["（表示できない記録）", "納期確認の電話"]
    assert DailyReportItem.objects.filter(report=report, kind="activity", object_id=day["visit"].pk).exists()


def test_weekly_aggregates_the_days(cast, day):
    reports.save_report(actor=cast.owner, day=DAY, data={}, submit=True)
    week = reports.weekly(cast.manager, cast.owner, DAY)
    assert week.submitted == 1 and len(week.days) == 7
    assert week.counts["activity"] == 2 and week.activity_kinds == {"訪問": 1, "電話": 1}
    assert reports.weekly(cast.outsider, cast.owner, DAY).submitted == 0


def test_a_deal_moved_for_a_company_the_reader_cannot_see_does_not_name_it(cast):
    from kizuna.sales.services import deals
    from tests.factories import company

    hidden = company(cast.owner, "株式会社鍵穴精機", visibility="private")
    deal = deals.create_deal(actor=cast.owner, data={"title": "公開案件", "company": hidden.pk, "visibility": "public"})
    deals.move_deal(actor=cast.owner, deal=deal, stage="ヒアリング")
    day = timezone.localdate()
    report = reports.save_report(actor=cast.owner, day=day, data={}, submit=True)
    seen = [line.detail for line in lines_for(cast.teammate, [report])[report.pk] if line.kind == "stage_change"]
    assert seen and not any("鍵穴" in detail for detail in seen)
    assert any("鍵穴" in line.detail for line in lines_for(cast.owner, [report])[report.pk])
    assert "鍵穴" not in report.summary
