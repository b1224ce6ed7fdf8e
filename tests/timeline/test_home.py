"""The home page runs the day: tasks due, what colleagues did on my accounts, accounts cooling down, insights to
confirm, and for a manager the team's week."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from kizuna.contacts import services as contacts
from kizuna.timeline import services
from kizuna.timeline.models import Insight


@pytest.fixture
def account(cast):
    return contacts.create_company(actor=cast.owner, data={"name": "株式会社朝日精機", "visibility": "team"})


def home(user) -> str:
    client = Client()
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def task(user, title, days, **extra):
    due = timezone.localdate() + timedelta(days=days)
    return services.create_follow_up(actor=user, data={"title": title, "due_date": due, "assignee": user.pk, **extra})


def test_a_rep_sees_overdue_today_and_tomorrow_and_can_complete_inline(cast, account):
    task(cast.owner, "見積を送付", -2)
    task(cast.owner, "サンプル手配", 0)
    task(cast.owner, "工場見学の日程調整", 1)
    task(cast.owner, "来月の展示会準備", 20)
    page = home(cast.owner)
    assert "期限切れ 1 件" in page and "見積を送付" in page and "サンプル手配" in page and "工場見学の日程調整" in page
    assert "来月の展示会準備" not in page  # later work waits on the task list
    assert 'hx-post="/timeline/tasks/' in page  # ✓ completes it in place


def test_what_colleagues_recorded_on_my_accounts_and_nothing_they_may_not_show(cast, account):
    services.create_activity(
        actor=cast.teammate, data={"body": "朝日精機の購買部に新任の課長", "companies": [account.pk]}
    )
    services.create_activity(actor=cast.teammate, data={"body": "非公開の相談", "companies": [account.pk],
                                                        "visibility": "private"})  # fmt: skip
    services.create_activity(actor=cast.owner, data={"body": "自分の訪問記録", "companies": [account.pk]})
    page = home(cast.owner)
    assert "朝日精機の購買部に新任の課長" in page
    assert (
        "非公開の相談" not in page
        and "自分の訪問記録" not in page.split("担当先での同僚の動き")[1].split("</section>")[0]
    )


def test_accounts_cooling_down_and_insights_to_confirm(cast, account, settings):
    contacts.create_company(actor=cast.owner, data={"name": "株式会社静岡工機"})
    services.create_activity(actor=cast.owner, data={"body": "訪問", "companies": [account.pk]})
    old = services.create_insight(actor=cast.owner, data={"company": account.pk, "statement": "決裁は工場長"})
    Insight.objects.filter(pk=old.pk).update(confirmed_at=timezone.now() - timedelta(days=400))
    page = home(cast.owner)
    cooling = page.split("ご無沙汰の担当先")[1].split("</section>")[0]
    assert "静岡工機" in cooling and "朝日精機" not in cooling
    assert "要確認のインサイト" in page and "決裁は工場長" in page


def test_a_manager_sees_the_team_week_and_who_recorded_nothing(cast, account):
    services.create_activity(actor=cast.owner, data={"body": "訪問", "companies": [account.pk]})
    page = home(cast.manager)
    week = page.split("チームの今週")[1].split("</section>")[0]
    assert "田中 一郎" in week and "活動なし" in week  # the owner has one; the teammate none
    assert "readonly" not in week
    assert "チームの今週" not in home(cast.owner)


def test_home_query_budget(cast, account, django_assert_max_num_queries):
    for i in range(8):
        task(cast.owner, f"タスク{i}", i % 3 - 1, company=account.pk)
        services.create_activity(actor=cast.teammate, data={"body": f"記録{i}", "companies": [account.pk]})
    client = Client()
    client.force_login(cast.manager)
    with django_assert_max_num_queries(40):
        assert client.get("/").status_code == 200
