"""A manager opens the team dashboard: the charts draw under the CSP, a number opens the deals behind it."""

from datetime import date, timedelta

from django.utils import timezone

from tests.conftest import make_user
from tests.e2e.conftest import login
from tests.sales.analytics_data import deal


def test_team_dashboard_draws_and_drills_down(page, shot, transactional_db):
    from kizuna.accounts import services as account_services
    from tests import factories

    team = account_services.get_or_create_team(actor=None, name="営業1部")
    manager = make_user("kacho", "manager", team)
    rep = make_user("tanaka", "member", team, display_name="田中 一郎")
    acme = factories.company(rep, "株式会社山田製作所")
    today = timezone.localdate()
    now = timezone.now()
    deal(rep, "検査治具更新", "受注", 3_000_000, company=acme, won_on=today, closed_at=now, created=now)
    deal(rep, "第2工場ライン増設", "交渉", 8_000_000, company=acme, expected_close_on=today + timedelta(days=3),
         next_step="価格回答", created=now, last_activity_at=now)  # fmt: skip
    deal(rep, "保守契約", "提案", 1_200_000, company=acme, expected_close_on=date(today.year, today.month, 1),
         created=now - timedelta(days=40))  # fmt: skip
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    login(page, manager.username)
    page.goto(page.base_url + "/sales/dashboards/team/")
    page.wait_for_selector('[data-chart="monthly"] svg')
    page.wait_for_selector('[data-chart="stages"] svg')
    assert "¥3,000,000" in page.inner_text("#this-month")
    assert "田中 一郎" in page.inner_text("#breakdown-table")
    shot(page, "sales-team-dashboard")
    assert refused == []
    page.click('#this-month a.kpi-tile:has-text("停滞案件")')
    page.wait_for_selector("#records")
    assert "保守契約" in page.inner_text("#records") and "第2工場ライン増設" not in page.inner_text("#records")
