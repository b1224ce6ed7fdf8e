"""TOTP two-factor login: enrolment, the second login step, recovery codes, replay, drift, wrong codes, expiry."""

import io
import re
import time

import pyotp
import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from kizuna.accounts import two_factor
from kizuna.accounts.models import RecoveryCode, TwoFactorDevice
from kizuna.accounts.views_auth import PENDING
from kizuna.core.models import AuditEvent
from tests.accounts.helpers import code, logged_in_user_id, next_code, password_step, steady
from tests.conftest import PASSWORD


def login_client(user):
    client = Client()
    password_step(client, user.username)
    return client


# --- enrolment --------------------------------------------------------------------------------------------------


def test_enrolment_shows_secret_and_qr_and_switches_on_only_after_a_correct_code(cast):
    client = login_client(cast.owner)
    page = client.get("/accounts/2fa/").content.decode()
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    assert 'src="data:image/svg+xml' in page and "<script" not in page.split("<main", 1)[1]
    assert client.get("/accounts/2fa/").content.decode().count(secret[:4]) >= 1  # same secret until confirmed

    wrong = client.post("/accounts/2fa/", {"code": "000000" if code(secret) != "000000" else "111111"})
    assert wrong.status_code == 200 and "コードが正しくありません" in wrong.content.decode()
    assert not TwoFactorDevice.objects.filter(user=cast.owner).exists()

    steady()
    done = client.post("/accounts/2fa/", {"code": code(secret)})
    codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", done.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    device = TwoFactorDevice.objects.get(user=cast.owner)
    assert device.secret == secret
    stored = list(RecoveryCode.objects.filter(user=cast.owner).values_list("code_hash", flat=True))
    assert len(stored) == 10 and not any(c.replace("-", "") in h or c in h for c in codes for h in stored)
    assert AuditEvent.objects.filter(action="2fa.enable", object_id=str(cast.owner.pk)).count() == 1
    assert "有効です" in client.get("/accounts/2fa/").content.decode()


def test_enrolment_needs_a_login(db):
    response = Client().get("/accounts/2fa/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# --- the second login step ------------------------------------------------------------------------------------


def test_password_alone_does_not_log_in_a_user_with_2fa(with_2fa):
    user, _secret, _codes = with_2fa
    client = Client()
    response = password_step(client, user.username)
    assert response.status_code == 302 and response["Location"] == "/accounts/login/code/"
    assert logged_in_user_id(client) is None
    assert client.get("/people/")["Location"].startswith("/accounts/login/")
    assert not AuditEvent.objects.filter(action="login", actor=user).exists()


def test_code_logs_in_rotates_the_session_and_audits_the_second_factor(with_2fa):
    user, _secret, _codes = with_2fa
    client = Client()
    password_step(client, user.username, next="/people/")
    pending_key = client.session.session_key
    assert "確認コード" in client.get("/accounts/login/code/").content.decode()
    response = client.post("/accounts/login/code/", {"code": next_code(user)})
    assert response.status_code == 302 and response["Location"] == "/people/"
    assert logged_in_user_id(client) == str(user.pk)
    assert client.session.session_key != pending_key
    assert PENDING not in client.session
    login = AuditEvent.objects.get(action="login", actor=user)
    assert login.changes == {"second_factor": "totp"}
    assert client.get("/people/").status_code == 200


def test_full_width_digits_and_spaces_are_accepted(with_2fa):
    user, _secret, _codes = with_2fa
    client = Client()
    password_step(client, user.username)
    typed = next_code(user)
    full_width = " ".join([typed[:3], typed[3:]]).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    client.post("/accounts/login/code/", {"code": full_width})
    assert logged_in_user_id(client) == str(user.pk)


def test_a_code_cannot_be_used_twice(with_2fa):
    user, _secret, _codes = with_2fa
    used = next_code(user)
    first = Client()
    password_step(first, user.username)
    first.post("/accounts/login/code/", {"code": used})
    assert logged_in_user_id(first) == str(user.pk)

    second = Client()
    password_step(second, user.username)
    response = second.post("/accounts/login/code/", {"code": used})
    assert response.status_code == 200 and "すでに使われています" in response.content.decode()
    assert logged_in_user_id(second) is None
    assert AuditEvent.objects.filter(action="login.2fa_failed", object_id=str(user.pk)).count() == 1


def test_one_step_of_clock_drift_is_accepted_two_are_not(with_2fa):
    user, secret, _codes = with_2fa
    steady()
    TwoFactorDevice.objects.filter(user=user).update(last_step=0)
    assert two_factor.check_code(user, code(secret, +2)) == two_factor.CodeResult.WRONG
    assert two_factor.check_code(user, code(secret, -2)) == two_factor.CodeResult.WRONG
    assert two_factor.check_code(user, code(secret, -1)) == two_factor.CodeResult.OK_TOTP
    assert two_factor.check_code(user, code(secret, +1)) == two_factor.CodeResult.OK_TOTP
    # +1 was accepted, so the current step (earlier) is now refused as already used
    assert two_factor.check_code(user, code(secret, 0)) == two_factor.CodeResult.REPLAYED


def test_recovery_code_logs_in_once(with_2fa):
    user, _secret, codes = with_2fa
    client = Client()
    password_step(client, user.username)
    response = client.post("/accounts/login/code/", {"code": codes[3].upper()}, follow=True)
    assert logged_in_user_id(client) == str(user.pk)
    assert "残り 9 個" in response.content.decode()
    assert AuditEvent.objects.get(action="login", actor=user).changes == {"second_factor": "recovery"}
    assert AuditEvent.objects.filter(action="2fa.recovery_code_used", object_id=str(user.pk)).count() == 1

    again = Client()
    password_step(again, user.username)
    response = again.post("/accounts/login/code/", {"code": codes[3]})
    assert response.status_code == 200 and "正しくありません" in response.content.decode()
    assert logged_in_user_id(again) is None


def test_five_wrong_codes_send_the_user_back_to_the_password_step(with_2fa):
    user, secret, _codes = with_2fa
    valid = {pyotp.TOTP(secret).at(time.time() + d * 30) for d in (-1, 0, 1, 2)}
    wrong = next(f"{n:06d}" for n in range(1000) if f"{n:06d}" not in valid)
    client = Client()
    password_step(client, user.username)
    for _attempt in range(4):
        response = client.post("/accounts/login/code/", {"code": wrong})
        assert response.status_code == 200 and "確認コードが正しくありません" in response.content.decode()
    response = client.post("/accounts/login/code/", {"code": wrong}, follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/login/"
    assert "ログインをやり直してください" in response.content.decode()
    assert PENDING not in client.session and logged_in_user_id(client) is None
    assert AuditEvent.objects.filter(action="login.2fa_failed", object_id=str(user.pk)).count() == 5
    assert AuditEvent.objects.filter(action="login.2fa_too_many", object_label=user.username).count() == 1
    assert AccessAttempt.objects.filter(username=user.username, failures_since_start=1).exists()  # axes counted it
    # the right code no longer helps: the pending login is gone
    assert client.post("/accounts/login/code/", {"code": next_code(user)})["Location"] == "/accounts/login/"
    assert logged_in_user_id(client) is None


def test_a_new_session_does_not_restart_the_wrong_code_count(with_2fa):
    user, _secret, _codes = with_2fa
    first = Client()
    password_step(first, user.username)
    for _attempt in range(4):
        first.post("/accounts/login/code/", {"code": "abc"})
    second = Client()
    password_step(second, user.username)
    response = second.post("/accounts/login/code/", {"code": "abc"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert AuditEvent.objects.filter(action="login.2fa_too_many", object_label=user.username).count() == 1


def test_a_correct_code_clears_the_wrong_code_count(with_2fa):
    user, _secret, _codes = with_2fa
    client = Client()
    password_step(client, user.username)
    for _attempt in range(4):
        client.post("/accounts/login/code/", {"code": "abc"})
    client.post("/accounts/login/code/", {"code": next_code(user)})
    assert logged_in_user_id(client) == str(user.pk)
    client.post("/accounts/logout/")
    password_step(client, user.username)
    assert client.post("/accounts/login/code/", {"code": "abc"}).status_code == 200  # 1st of 5 again, not the 5th


def test_wrong_code_cycles_end_in_the_axes_lockout(with_2fa, settings):
    settings.AXES_FAILURE_LIMIT = 2
    user, _secret, _codes = with_2fa
    client = Client()
    for _cycle in range(2):
        password_step(client, user.username)
        for _attempt in range(5):
            client.post("/accounts/login/code/", {"code": "abc"})
    response = password_step(client, user.username)
    assert response.status_code == 429 and "一時停止" in response.content.decode()


def test_the_pending_login_expires_after_five_minutes(with_2fa):
    user, _secret, _codes = with_2fa
    client = Client()
    password_step(client, user.username)
    session = client.session
    session[PENDING] = {**session[PENDING], "started": time.time() - 301}
    session.save()
    response = client.post("/accounts/login/code/", {"code": next_code(user)}, follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/login/"
    assert "5 分" in response.content.decode()
    assert logged_in_user_id(client) is None


def test_code_step_without_a_password_step_goes_to_login(db):
    response = Client().post("/accounts/login/code/", {"code": "123456"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"


# --- managing 2FA ---------------------------------------------------------------------------------------------


def logged_in_with_2fa(user):
    client = Client()
    password_step(client, user.username)
    client.post("/accounts/login/code/", {"code": next_code(user)})
    assert logged_in_user_id(client) == str(user.pk)
    return client


def test_regenerated_recovery_codes_replace_the_old_ones(with_2fa):
    user, _secret, old = with_2fa
    client = logged_in_with_2fa(user)
    page = client.post("/accounts/2fa/recovery-codes/").content.decode()
    new = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", page)
    assert len(new) == 10 and not set(new) & set(old)
    assert two_factor.check_code(user, old[0]) == two_factor.CodeResult.WRONG
    assert two_factor.check_code(user, new[0]) == two_factor.CodeResult.OK_RECOVERY
    assert AuditEvent.objects.filter(action="2fa.recovery_codes", actor=user).count() == 1


def test_disable_needs_the_password_or_a_code(with_2fa):
    user, _secret, _codes = with_2fa
    client = logged_in_with_2fa(user)
    response = client.post("/accounts/2fa/disable/", {"password": "not-my-password"})
    assert response.status_code == 422 and "正しくありません" in response.content.decode()
    assert TwoFactorDevice.objects.filter(user=user).exists()
    assert client.post("/accounts/2fa/disable/", {"password": PASSWORD}).status_code == 302
    assert not TwoFactorDevice.objects.filter(user=user).exists()
    assert not RecoveryCode.objects.filter(user=user).exists()
    assert AuditEvent.objects.filter(action="2fa.disable", actor=user).count() == 1
    # next login: the password is enough again
    fresh = Client()
    password_step(fresh, user.username)
    assert logged_in_user_id(fresh) == str(user.pk)


def test_disable_with_a_code(with_2fa):
    user, _secret, codes = with_2fa
    client = logged_in_with_2fa(user)
    client.post("/accounts/2fa/disable/", {"code": codes[0]})
    assert not TwoFactorDevice.objects.filter(user=user).exists()


def test_admin_resets_a_users_2fa(with_2fa, cast):
    user, _secret, _codes = with_2fa
    admin = login_client(cast.admin)
    page = admin.get("/accounts/users/two-factor/").content.decode()
    assert f"/accounts/users/{user.pk}/two-factor/reset/" in page
    response = admin.post(f"/accounts/users/{user.pk}/two-factor/reset/", follow=True)
    assert "リセットしました" in response.content.decode()
    assert not TwoFactorDevice.objects.filter(user=user).exists()
    event = AuditEvent.objects.get(action="2fa.reset")
    assert event.actor == cast.admin and event.object_id == str(user.pk) and event.changes == {"was_enabled": True}


def test_only_admins_reset_2fa(with_2fa, cast):
    user, _secret, _codes = with_2fa
    member = login_client(cast.teammate)
    assert member.get("/accounts/users/two-factor/").status_code == 403
    assert member.post(f"/accounts/users/{user.pk}/two-factor/reset/").status_code == 403
    assert TwoFactorDevice.objects.filter(user=user).exists()


def test_operator_resets_2fa_from_the_command_line(with_2fa):
    user, _secret, _codes = with_2fa
    out = io.StringIO()
    call_command("twofactor", "reset", user.username, stdout=out)
    assert "2FA reset" in out.getvalue()
    assert not TwoFactorDevice.objects.filter(user=user).exists()
    event = AuditEvent.objects.get(action="2fa.reset")
    assert event.actor is None and event.channel == "cli"
    with pytest.raises(CommandError, match="見つかりません"):
        call_command("twofactor", "reset", "nobody", stdout=io.StringIO())
