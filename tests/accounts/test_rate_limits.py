"""Rate limits: counted in the database (shared by every worker), 429 with the wait time, per address or user."""

import json

import pytest
from django.test import Client

from kizuna.accounts import ratelimit
from kizuna.accounts.models import RateCounter
from tests.accounts.helpers import password_step
from tests.conftest import ApiClient


@pytest.fixture
def limits(settings):
    settings.KIZUNA_RATE_LIMITS = {
        "login": "3/h", "two_factor": "2/h", "password_reset": "2/h", "bad_token": "3/h", "token_create": "2/h",
    }  # fmt: skip
    return settings.KIZUNA_RATE_LIMITS


def test_parse_limits():
    assert ratelimit.parse("30/m") == ratelimit.Limit(30, 60)
    assert ratelimit.parse("10/h") == ratelimit.Limit(10, 3600)
    assert ratelimit.parse("5/90") == ratelimit.Limit(5, 90)
    assert ratelimit.parse("0") is None and ratelimit.parse("") is None


def test_login_posts_are_limited_per_address_across_clients(cast, limits):
    # Two separate clients (like two browsers, or two gunicorn workers answering): one counter.
    first, second = Client(), Client()
    for client in (first, second, first):
        assert password_step(client, "owner", "wrong-password-1").status_code == 200
    response = password_step(second, "owner")  # even the right password waits
    assert response.status_code == 429
    page = response.content.decode()
    assert "リクエストが多すぎます" in page and "待ってから" in page
    assert 0 < int(response["Retry-After"]) <= 3600
    assert "_auth_user_id" not in second.session
    assert RateCounter.objects.filter(key__startswith="login:").get().count == 4
    # another address has its own counter
    assert password_step(Client(REMOTE_ADDR="192.0.2.10"), "owner").status_code == 302
    # viewing the login page is not limited
    assert first.get("/accounts/login/").status_code == 200


def test_two_factor_code_posts_are_limited(cast, limits):
    from tests.accounts.helpers import enable_2fa

    enable_2fa(cast.owner)
    client = Client()
    password_step(client, "owner")
    assert client.post("/accounts/login/code/", {"code": "000000"}).status_code == 200
    assert client.post("/accounts/login/code/", {"code": "000001"}).status_code == 200
    response = client.post("/accounts/login/code/", {"code": "000002"})
    assert response.status_code == 429 and "Retry-After" in response


def test_password_reset_requests_are_limited(db, limits, mailoutbox):
    client = Client()
    for _i in range(2):
        assert client.post("/accounts/password/reset/", {"email": "x@example.com"}).status_code == 302
    response = client.post("/accounts/password/reset/", {"email": "x@example.com"})
    assert response.status_code == 429


def test_bad_api_tokens_are_limited_per_address_then_429_json(cast, limits):
    good = ApiClient(cast.owner)
    bad = ApiClient()
    bad.headers["Authorization"] = "Bearer kz_not-a-real-token"
    for _i in range(3):
        assert bad.get("/api/v1/people").status_code == 401
    response = bad.get("/api/v1/people")
    assert response.status_code == 429
    body = json.loads(response.content)
    assert body["error"]["code"] == "rate_limited" and "待ってから" in body["error"]["message"]
    assert set(body["error"]) == {"code", "message", "fields"}
    assert 0 < int(response["Retry-After"]) <= 3600
    assert bad.get("/api/v1/people").status_code == 429
    # Another address is not affected, and a valid token keeps working (256 random bits are not guessable;
    # colleagues behind the same address must not be locked out by someone's broken script).
    other = ApiClient()
    other.client = Client(REMOTE_ADDR="192.0.2.20")
    other.headers["Authorization"] = "Bearer kz_another-bad-token"
    assert other.get("/api/v1/people").status_code == 401
    assert good.get("/api/v1/people").status_code == 200


def test_good_tokens_do_not_count(cast, limits):
    good = ApiClient(cast.owner)
    for _i in range(5):
        assert good.get("/api/v1/people").status_code == 200
    assert not RateCounter.objects.filter(key__startswith="bad_token:").exists()


def test_counters_of_finished_windows_are_removed(db, limits, settings):
    settings.KIZUNA_RATE_LIMITS = {"login": "1/1"}
    from datetime import timedelta

    from django.utils import timezone

    RateCounter.objects.create(key="login:old", count=9, expires_at=timezone.now() - timedelta(minutes=1))
    assert ratelimit.hit("login", "203.0.113.1") == 0
    assert not RateCounter.objects.filter(key="login:old").exists()


def test_off_when_set_to_zero(cast, settings):
    settings.KIZUNA_RATE_LIMITS = {"login": "0"}
    for _i in range(5):
        password_step(Client(), "owner", "wrong-password-1")
    assert not RateCounter.objects.exists()
