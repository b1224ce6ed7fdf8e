"""日報 in a real Chromium: a rep opens 日報, finds the day already drafted from their visits, calls and tasks,
submits it in one click; the manager confirms it from the team feed and the rep sees 確認済み."""

from django.utils import timezone

from kizuna.accounts import services as accounts
from kizuna.sales.models import DailyReport
from kizuna.timeline import services as timeline
from tests.conftest import make_user
from tests.e2e.conftest import login
from tests.factories import company


def test_open_submit_in_one_click_and_confirm(page, shot, transactional_db):
    team = accounts.get_or_create_team(actor=None, name="営業1部")
    rep = make_user("suzuki", "member", team, display_name="鈴木 花子")
    make_user("kacho", "manager", team, display_name="佐藤 課長")
    acme = company(rep, "株式会社山田製作所", visibility="public")
    timeline.create_activity(
        actor=rep,
        data={"kind": "visit", "subject": "山田製作所 訪問", "body": "新ラインの相談", "companies": [acme.pk]},
    )
    timeline.create_follow_up(actor=rep, data={"title": "見積を送付", "assignee": rep.pk})

    login(page, "suzuki")
    page.goto(page.base_url + "/sales/reports/daily/")
    page.wait_for_selector("text=山田製作所 訪問")
    assert "株式会社山田製作所" in page.inner_text(".report-lines")
    shot(page, "daily-report-draft")
    page.click("#submit-report")
    page.wait_for_selector("text=日報を提出しました。")
    shot(page, "daily-report-submitted")
    report = DailyReport.objects.get(author=rep, date=timezone.localdate())
    assert report.status == "submitted" and report.items.count() == 1

    page.context.clear_cookies()
    login(page, "kacho")
    page.goto(page.base_url + "/sales/reports/daily/feed/")
    page.wait_for_selector("text=山田製作所 訪問")
    page.click(".report-card button:has-text('確認済みにする')")
    page.wait_for_selector("text=確認済みにしました。")
    shot(page, "daily-report-feed-confirmed")
    report.refresh_from_db()
    assert report.status == "confirmed"
