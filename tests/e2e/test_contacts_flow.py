"""A salesperson's first session, in a real Chromium: log in, register a company and a person with Japanese
names, find them with the header search, edit, read the history, delete and restore."""

import re

from kizuna.accounts.models import User
from tests.conftest import make_user
from tests.e2e.conftest import login


def test_contacts_end_to_end(page, shot, transactional_db):
    make_user("suzuki", "member", display_name="鈴木 美咲")
    assert User.objects.filter(username="suzuki").exists()
    login(page, "suzuki")
    assert "鈴木 美咲 さん、こんにちは" in page.content()

    # A company, typed the way people type it: ㈱ and a full-width corporate number.
    page.click("text=＋ 会社を登録")
    page.fill("input[name=name]", "㈱髙橋精機")
    page.fill("input[name=name_kana]", "タカハシセイキ")
    page.fill("input[name=corporate_number]", "７００００１２０５０００２")
    page.select_option("select[name=prefecture]", "愛知県")
    page.click("button:has-text('保存')")
    page.wait_for_url(re.compile(r"/companies/\d+/$"))
    assert "会社を登録しました" in page.content() and "7000012050002" in page.content()

    # A person with readings and a phone with 内線, then a career entry at that company.
    page.goto(page.base_url + "/people/new/")
    page.fill("input[name=family_name]", "齋藤")
    page.fill("input[name=given_name]", "花子")
    page.fill("input[name=family_name_kana]", "サイトウ")
    page.fill("input[name=given_name_kana]", "ハナコ")
    page.fill("input[name=phone_0]", "052-123-4567 内線201")
    page.fill("input[name=email_0]", "hanako@takahashi-seiki.co.jp")
    page.click("button:has-text('保存')")
    page.wait_for_url(re.compile(r"/people/\d+/$"))
    person_url = page.url
    page.click("text=＋ 職歴を追加")
    page.fill("input[name=company]", "株式会社髙橋精機")
    page.fill("input[name=department]", "購買部")
    page.fill("input[name=start_date]", "令和6年4月1日")
    page.click("button:has-text('保存')")
    page.wait_for_load_state("networkidle")
    assert page.url == person_url
    assert "購買部" in page.content() and "2024/04/01" in page.content()
    shot(page, "person-detail")

    # The header search finds her from two characters, and by reading.
    page.fill("#quick-q", "齋藤")
    page.wait_for_selector("#quick-results a:has-text('齋藤 花子')")
    page.fill("#quick-q", "さいとう")
    page.wait_for_selector("#quick-results a:has-text('齋藤 花子')")
    page.click("#quick-results a:has-text('齋藤 花子')")
    page.wait_for_load_state("networkidle")
    assert page.url == person_url

    # Edit, then read the history.
    page.click("a:has-text('編集')")
    page.select_option("select[name=lifecycle_stage]", "customer")
    page.fill("textarea[name=notes]", "仕様には厳しいが納期には寛容")
    page.click("button:has-text('保存')")
    page.wait_for_load_state("networkidle")
    assert page.url == person_url
    history = page.inner_text(".history")
    assert "ステージ: リード → 顧客" in history and "lead" not in history and "suzuki" in history

    # The list, then delete → trash → restore.
    page.goto(page.base_url + "/people/")
    assert "齋藤 花子" in page.content()
    shot(page, "person-list")
    page.goto(person_url)
    page.click("a:has-text('削除')")
    page.click("button:has-text('削除する')")
    page.wait_for_url(re.compile(r"/people/$"))
    assert "齋藤 花子" not in page.inner_text("table.list")
    page.goto(page.base_url + "/trash/")
    page.click("tr:has-text('齋藤 花子') button:has-text('復元')")
    page.wait_for_load_state("networkidle")
    assert page.url == person_url
    assert "元に戻しました" in page.content()
    shot(page, "person-restored")


def test_phone_layout_and_english(page, shot, transactional_db):
    make_user("sato", "member")
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, "sato")
    page.goto(page.base_url + "/people/")
    page.click("button:has-text('English')")
    page.wait_for_load_state("networkidle")
    assert "Trash" in page.content() and "People" in page.content()
    shot(page, "people-phone-en")
