"""The calendar page: my tasks (due dates) and activities (when they happened), my team's with a toggle; only
what the reader may see."""

from datetime import date, datetime, timedelta

from django.test import Client
from django.utils import timezone

from kizuna.notifications import calendar
from kizuna.timeline import services as timeline


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def seed(cast, day):
    at = timezone.make_aware(datetime(day.year, day.month, day.day, 14, 30))
    timeline.create_follow_up(actor=cast.owner, data={"title": "図面の返送", "due_date": day})
    timeline.create_activity(actor=cast.owner, data={"subject": "展示会の下見", "body": "本文", "occurred_at": at})
    timeline.create_follow_up(actor=cast.teammate, data={"title": "同僚の宿題", "due_date": day})
    timeline.create_activity(actor=cast.owner, data={"subject": "鍵穴会議", "visibility": "private",
                                                     "occurred_at": at + timedelta(hours=1)})  # fmt: skip
    timeline.create_follow_up(actor=cast.outsider, data={"title": "他部署の宿題", "due_date": day})


def test_month_shows_mine_and_the_team_toggle_shows_the_team(cast):
    day = date(2026, 12, 10)
    seed(cast, day)
    client = logged_in(cast.teammate)
    page = client.get("/calendar/?date=2026-12-01").content.decode()
    assert "2026年12月" in page and "同僚の宿題" in page
    assert "図面の返送" not in page and "展示会の下見" not in page  # the owner's, not mine
    team = client.get("/calendar/?date=2026-12-01&scope=team").content.decode()
    assert "図面の返送" in team and "14:30 展示会の下見" in team and "同僚の宿題" in team
    assert "鍵穴会議" not in team and "他部署の宿題" not in team  # private to the owner; the other team
    owner = logged_in(cast.owner).get("/calendar/?date=2026-12-01").content.decode()
    assert "鍵穴会議" in owner and "図面の返送" in owner and "同僚の宿題" not in owner


def test_week_view_and_htmx_navigation(cast):
    seed(cast, date(2026, 12, 10))
    client = logged_in(cast.owner)
    week = client.get("/calendar/?view=week&date=2026-12-09").content.decode()
    assert "2026年12月7日〜" in week and "図面の返送" in week
    partial = client.get("/calendar/?view=week&date=2026-12-16", headers={"HX-Request": "true"}).content.decode()
    assert partial.startswith('<div id="calendar"') and "図面の返送" not in partial and "<html" not in partial
    assert 'hx-push-url="true"' in partial and "date=2026-12-07" in partial  # the previous week


def test_an_outsiders_calendar_shows_no_private_record(cast):
    seed(cast, date(2026, 12, 10))
    for scope in ("mine", "team"):
        page = logged_in(cast.outsider).get(f"/calendar/?date=2026-12-01&scope={scope}").content.decode()
        assert "鍵穴" not in page and "図面の返送" not in page and "展示会の下見" not in page


def test_bad_dates_fall_back_to_today(cast):
    client = logged_in(cast.owner)
    for value in ("", "2026-13-45", "x" * 100, "0001-01-01", "%00"):
        assert client.get("/calendar/", {"date": value}).status_code == 200


def test_grid_covers_whole_weeks_from_monday():
    first, last, previous, following = calendar.grid("month", date(2026, 2, 14))
    assert first == date(2026, 1, 26) and last == date(2026, 3, 1) and first.weekday() == 0
    assert previous == date(2026, 1, 1) and following == date(2026, 3, 1)
    first, last, previous, following = calendar.grid("week", date(2026, 12, 10))
    assert (first, last, previous, following) == (date(2026, 12, 7), date(2026, 12, 13), date(2026, 11, 30),
                                                  date(2026, 12, 14))  # fmt: skip
