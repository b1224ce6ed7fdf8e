"""Two-factor login in a real Chromium: enrol with the secret shown on the page, keep the recovery codes, log out,
log in again with the password and a TOTP code computed from that secret."""

import time

import pyotp

from kizuna.accounts.models import TwoFactorDevice
from tests.conftest import make_user
from tests.e2e.conftest import login


def test_enrol_and_log_in_with_a_code(page, shot, transactional_db):
    user = make_user("sato", "member", display_name="佐藤 花子")
    login(page, "sato")

    page.click(".usermenu summary")
    page.click(".usermenu >> text=セキュリティ")
    page.wait_for_selector("img[alt='認証アプリ用の QR コード']")
    assert page.eval_on_selector("img[alt='認証アプリ用の QR コード']", "img => img.naturalWidth") > 100  # rendered
    secret = page.inner_text("#totp-secret").replace(" ", "")
    shot(page, "two-factor-enrol")
    totp = pyotp.TOTP(secret)
    enrol_code = totp.now()
    page.fill("input[name=code]", enrol_code)
    page.click("button:has-text('確認して有効にする')")
    page.wait_for_selector("#recovery-codes")
    assert len(page.query_selector_all("#recovery-codes li")) == 10
    shot(page, "two-factor-recovery-codes")

    page.click(".usermenu summary")
    page.click("button:has-text('ログアウト')")
    page.wait_for_url("**/accounts/login/")
    login(page, "sato")
    page.wait_for_url("**/accounts/login/code/")
    assert "確認コード" in page.inner_text("main")
    shot(page, "two-factor-login-code")

    # The enrolment code's step is used up; the next step's code is within the accepted drift.
    last_step = TwoFactorDevice.objects.get(user=user).last_step
    page.fill("input[name=code]", totp.at((last_step + 1) * 30))
    page.click("button:has-text('ログイン')")
    page.wait_for_load_state("networkidle")
    assert "/accounts/login" not in page.url
    assert "佐藤 花子" in page.inner_text(".usermenu")
    assert time.time() - TwoFactorDevice.objects.get(user=user).last_used_at.timestamp() < 60
    shot(page, "two-factor-logged-in")

    # The API token page: a new read-only token, shown once, listed by its prefix afterwards.
    page.click(".usermenu summary")
    page.click(".usermenu >> text=APIトークン")
    page.fill("input[name=name]", "売上集計スクリプト")
    page.click("button:has-text('作成')")
    raw = page.inner_text("#new-token")
    assert raw.startswith("kz_")
    shot(page, "api-token-created")
    page.goto(page.base_url + "/accounts/tokens/")
    assert raw not in page.content() and raw[:10] in page.inner_text("#token-list")
    assert len(page.query_selector_all("#token-list tbody tr")) == 1
