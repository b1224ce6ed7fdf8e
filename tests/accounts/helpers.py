"""Helpers for the account-security tests: real logins through the login form, TOTP codes from the secret."""

import time

import pyotp
from django.test import Client

from kizuna.accounts import two_factor
from kizuna.accounts.models import TwoFactorDevice
from tests.conftest import PASSWORD


def steady():
    """Wait past a 30-second step boundary when one is less than 2 seconds away (no flaky code tests)."""
    left = two_factor.STEP - time.time() % two_factor.STEP
    if left < 2:
        time.sleep(left + 0.1)


def code(secret: str, offset_steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + offset_steps * two_factor.STEP)


def next_code(user) -> str:
    """A code that has not been used yet: the step after the last accepted one (inside the ±1 drift)."""
    device = TwoFactorDevice.objects.get(user=user)
    return pyotp.TOTP(device.secret).at((device.last_step + 1) * two_factor.STEP)


def password_step(client: Client, username: str, password: str = PASSWORD, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password, **extra})


def enable_2fa(user):
    """Switch 2FA on through the service; returns (secret, recovery codes)."""
    steady()
    secret = two_factor.new_secret()
    codes = two_factor.enable(actor=user, user=user, secret=secret, code=code(secret))
    return secret, codes


def logged_in_user_id(client: Client):
    return client.session.get("_auth_user_id")
