"""The 10-second rule in a real Chromium: one line after a plant visit becomes an activity on the company
timeline, an insight card and a follow-up on the task list."""

from tests import factories
from tests.conftest import make_user
from tests.e2e.conftest import login


def test_log_a_visit_with_one_line(page, shot, transactional_db):
    user = make_user("yamamoto", "member", display_name="山本 翔")
    company = factories.company(user, "株式会社山田製作所")
    factories.person(user, "田中", "一郎", company=company.pk, title="工場長")
    login(page, "yamamoto")

    page.keyboard.press("n")  # the capture box is one key away on every page
    page.keyboard.type("@田中 #山田製作所 工場見学。仕様には厳しいが納期には寛容 !来週金曜 見積送付")
    page.wait_for_selector("#capture-result .capture-plan:has-text('見積送付')")
    preview = page.inner_text("#capture-result")
    assert "工場見学" in preview and "田中 一郎" in preview and "仕様には厳しいが納期には寛容" in preview
    shot(page, "capture-preview")
    page.click("#capture-result button:has-text('保存')")
    page.wait_for_selector("#capture-result .capture-saved")

    page.goto(page.base_url + company.get_absolute_url())
    timeline = page.inner_text("#timeline")
    assert "工場見学" in timeline and "見積送付" in timeline
    assert "仕様には厳しいが納期には寛容" in page.inner_text(".insights")
    shot(page, "company-timeline")

    page.click("nav.mainnav >> text=タスク")
    assert "見積送付" in page.inner_text("main")

    # The task list (and its counts) follows a capture and a completed task without a reload.
    page.keyboard.press("n")
    page.keyboard.type("#山田製作所 電話 !今日 図面を確認")
    page.wait_for_selector("#capture-result .capture-plan:has-text('図面を確認')")
    page.click("#capture-result button:has-text('保存')")
    page.wait_for_selector("#task-groups li:has-text('図面を確認')")
    assert "今日 (1)" in page.inner_text("#task-groups")
    page.click("#task-groups li:has-text('図面を確認') button")
    page.wait_for_selector("#task-groups h2:has-text('今日 (0)')")
