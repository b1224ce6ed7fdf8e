"""The bell in a real Chromium: a colleague's @@mention in a one-line capture makes the count under the bell go up
without a reload (htmx polling), and the notice leads to the activity. The calendar at phone width."""

from django.utils import timezone

from kizuna.accounts import services as accounts
from kizuna.core import events
from kizuna.timeline import services as timeline
from tests.conftest import make_user
from tests.e2e.conftest import login


def test_the_bell_counts_a_mention_without_a_reload(page, browser, shot, settings, transactional_db):
    settings.KIZUNA_BELL_POLL_SECONDS = 2
    team = accounts.get_or_create_team(actor=None, name="営業1部")  # the note is visible to the team
    make_user("yamamoto", "member", team, display_name="山本 翔")
    make_user("suzuki", "member", team, display_name="鈴木 花子")
    login(page, "suzuki")
    page.wait_for_selector("#bell-count", state="attached")
    assert page.locator(".bell-badge").count() == 0

    other = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900})
    writer = other.new_page()
    writer.set_default_timeout(10_000)
    writer.base_url = page.base_url
    login(writer, "yamamoto")
    writer.keyboard.press("n")
    writer.keyboard.type("打ち合わせ。@@鈴木 図面の件を確認してください")
    writer.wait_for_selector("#capture-result .capture-plan:has-text('鈴木 花子')")
    shot(writer, "mention-capture-preview")
    writer.click("#capture-result button:has-text('保存')")
    writer.wait_for_selector("#capture-result .capture-saved")
    other.close()
    events.dispatch_pending()  # what the worker does after the commit

    page.wait_for_selector(".bell-badge:has-text('1')", timeout=15_000)  # the open page, not reloaded
    shot(page, "bell-after-mention")
    page.click("a.bell")
    page.wait_for_selector(".notice.unread")
    assert "山本 翔さん" in page.inner_text(".notices")
    page.click(".notice-title button")
    page.wait_for_load_state("networkidle")
    assert "/timeline/activities/" in page.url and "図面の件" in page.inner_text("main")
    page.wait_for_function("document.querySelectorAll('.bell-badge').length === 0", timeout=15_000)


def test_the_calendar_at_phone_width(page, shot, transactional_db):
    user = make_user("kato", "member", display_name="加藤 優")
    timeline.create_follow_up(actor=user, data={"title": "見積の提出", "due_date": timezone.localdate()})
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, "kato")
    page.goto(page.base_url + "/calendar/")
    assert "見積の提出" in page.inner_text("#calendar")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"the month view scrolls sideways at 390 px ({width}px)"
    shot(page, "calendar-390")
    page.click("nav.tabs >> text=週")
    page.wait_for_selector("#calendar.cal-week")
    assert "view=week" in page.url and "見積の提出" in page.inner_text("#calendar")
