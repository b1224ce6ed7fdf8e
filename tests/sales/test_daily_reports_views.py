"""日報 pages: open the draft, submit in one click, the feed, confirm, the activity page's link, 週報."""

import pytest
from django.test import Client

from kizuna.sales.models import DailyReport
from kizuna.sales.services import daily_reports as reports

from .report_helpers import DAY, owners_day


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def day(cast):
    return owners_day(cast)


def test_open_the_draft_and_submit_in_one_click(cast, day):
    owner = client_for(cast.owner)
    page = owner.get(f"/sales/reports/daily/?date={DAY.isoformat()}")
    html = page.content.decode()
    assert page.status_code == 200 and "山田製作所 訪問" in html and "サンプル手配" in html and "提出" in html
    sent = owner.post("/sales/reports/daily/save/", {"date": DAY.isoformat(), "action": "submit"})
    report = DailyReport.objects.get(author=cast.owner, date=DAY)
    assert sent.status_code == 302 and sent["Location"] == report.get_absolute_url()
    assert report.status == "submitted" and report.items.count() == 6


def test_bad_input_keeps_what_was_typed(cast, day):
    owner = client_for(cast.owner)
    sent = owner.post(
        "/sales/reports/daily/save/",
        {"date": DAY.isoformat(), "action": "submit", "impressions": "残したい所感", "visibility": "everyone"},
    )
    assert sent.status_code == 422 and "残したい所感" in sent.content.decode() and "公開範囲" in sent.content.decode()
    assert not DailyReport.objects.exists()
    assert owner.get("/sales/reports/daily/?date=2026-99-01").status_code == 422


def test_feed_confirm_and_the_activity_page_link(cast, day):
    report = reports.save_report(actor=cast.owner, day=DAY, data={"impressions": "手応えあり"}, submit=True)
    manager = client_for(cast.manager)
    feed = manager.get("/sales/reports/daily/feed/").content.decode()
    assert "手応えあり" in feed and "確認済みにする" in feed
    assert manager.post(f"/sales/reports/daily/{report.pk}/confirm/").status_code == 302
    report.refresh_from_db()
    assert report.status == "confirmed"
    activity = client_for(cast.teammate).get(day["visit"].get_absolute_url()).content.decode()
    assert f"日報 {DAY.isoformat()} に記載" in activity
    assert f"日報 {DAY.isoformat()} に記載" not in client_for(cast.outsider).get(
        day["call"].get_absolute_url()).content.decode()  # fmt: skip
    assert client_for(cast.outsider).get(report.get_absolute_url()).status_code == 404
    assert client_for(cast.outsider).post(f"/sales/reports/daily/{report.pk}/confirm/").status_code == 404
    assert client_for(cast.teammate).post(f"/sales/reports/daily/{report.pk}/confirm/").status_code == 403


def test_weekly_and_comment_pages(cast, day):
    report = reports.save_report(actor=cast.owner, day=DAY, data={}, submit=True)
    manager = client_for(cast.manager)
    assert manager.post(f"/sales/reports/daily/{report.pk}/comment/", {"body": "同行します"}).status_code == 302
    page = client_for(cast.owner).get(report.get_absolute_url()).content.decode()
    assert "同行します" in page
    week = manager.get(f"/sales/reports/daily/weekly/?user={cast.owner.pk}&week={DAY.isoformat()}")
    assert week.status_code == 200 and "未提出" in week.content.decode() and "山田製作所 訪問" in week.content.decode()
    assert manager.get(f"/sales/reports/daily/weekly/?user={cast.outsider.pk}").status_code == 404
