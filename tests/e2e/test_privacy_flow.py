"""Privacy in a real Chromium: an admin records consent, suspends use (badge on the person page), then erases
the person after typing their id; the request log shows only the placeholder."""

from tests import factories
from tests.conftest import make_user
from tests.e2e.conftest import login


def test_consent_suspend_and_erase(page, shot, transactional_db):
    admin = make_user("kanri", "admin", display_name="管理 太一")
    person = factories.person(admin, "田中", "太郎", emails=["taro@example.jp"], visibility="public")
    login(page, "kanri")

    page.goto(page.base_url + person.get_absolute_url())
    assert "プライバシー" in page.inner_text("#privacy")
    page.click("#privacy >> text=個人情報の取扱い")
    page.check("input[name=purposes][value=sales]")
    page.select_option("select[name=consent_source]", "card")
    page.fill("input[name=consent_date]", "令和6年4月1日")
    page.click("form[action$='/consent/'] button[type=submit]")
    page.wait_for_selector("text=利用目的と取得経路を保存しました。")
    page.fill("form[action$='/suspend/'] textarea[name=reason]", "本人から電話でDM停止の依頼")
    page.click("form[action$='/suspend/'] button[type=submit]")
    page.wait_for_selector("text=利用を停止しました")
    shot(page, "privacy-person")

    page.goto(page.base_url + person.get_absolute_url())
    assert "利用停止中" in page.inner_text(".privacy-suspended")
    shot(page, "privacy-suspended-badge")

    page.goto(page.base_url + f"/privacy/people/{person.pk}/erase/")
    page.fill("input[name=confirm]", "田中")  # a wrong confirmation erases nothing
    page.click("button.danger")
    assert "確認のため" in page.inner_text("main")
    page.fill("input[name=confirm]", str(person.pk))
    shot(page, "privacy-erase-confirm")
    page.click("button.danger")
    page.wait_for_selector("text=個人データを消去しました")
    log = page.inner_text("main")
    assert f"削除済みの個人 #{person.pk}" in log and "田中 太郎" not in log
    shot(page, "privacy-requests")
