"""Session security: key rotation on login, cookie flags, idle timeout and absolute lifetime."""

import time

from django.test import Client

from kizuna.accounts.middleware import LOGIN_AT, SEEN_AT
from kizuna.core.models import AuditEvent
from tests.accounts.helpers import logged_in_user_id, password_step


def test_session_key_rotates_on_login_and_the_cookie_is_http_only_and_same_site(cast):
    client = Client()
    session = client.session  # an anonymous session with something in it (e.g. a language choice)
    session["anything"] = 1
    session.save()
    before = session.session_key
    password_step(client, cast.owner.username)
    assert logged_in_user_id(client) == str(cast.owner.pk)
    assert client.session.session_key != before
    cookie = client.cookies["sessionid"]
    assert cookie["httponly"] is True and cookie["samesite"] == "Lax"


def test_login_stamps_the_session(cast):
    client = Client()
    start = time.time()
    password_step(client, cast.owner.username)
    assert client.session[LOGIN_AT] >= start and client.session[SEEN_AT] >= start


def age_session(client, **seconds_ago):
    session = client.session
    for key, ago in seconds_ago.items():
        session[key] = time.time() - ago
    session.save()


def test_idle_session_is_logged_out_with_a_message(cast, settings):
    settings.KIZUNA_SESSION_IDLE_MINUTES = 30
    client = Client()
    password_step(client, cast.owner.username)
    age_session(client, **{SEEN_AT: 31 * 60})
    response = client.get("/people/?q=abc")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fpeople%2F%3Fq%3Dabc"
    assert logged_in_user_id(client) is None
    page = client.get(response["Location"]).content.decode()
    assert "一定時間操作がなかったため" in page
    assert AuditEvent.objects.filter(action="logout", actor=cast.owner).count() == 1


def test_activity_keeps_the_session_alive(cast, settings):
    settings.KIZUNA_SESSION_IDLE_MINUTES = 30
    client = Client()
    password_step(client, cast.owner.username)
    age_session(client, **{SEEN_AT: 29 * 60})
    assert client.get("/people/").status_code == 200
    assert time.time() - client.session[SEEN_AT] < 5  # the request refreshed the last-seen time
    assert client.get("/people/").status_code == 200


def test_last_seen_is_not_written_on_every_request(cast):
    client = Client()
    password_step(client, cast.owner.username)
    age_session(client, **{SEEN_AT: 10})
    seen = client.session[SEEN_AT]
    client.get("/people/")
    assert client.session[SEEN_AT] == seen  # written at most once a minute


def test_absolute_lifetime_ends_a_busy_session(cast, settings):
    settings.SESSION_COOKIE_AGE = 3600
    client = Client()
    password_step(client, cast.owner.username)
    age_session(client, **{LOGIN_AT: 3601, SEEN_AT: 1})
    response = client.get("/people/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert "有効期間が過ぎた" in client.get(response["Location"]).content.decode()


def test_idle_api_session_gets_401(cast, settings):
    settings.KIZUNA_SESSION_IDLE_MINUTES = 30
    client = Client()
    password_step(client, cast.owner.username)
    assert client.get("/api/v1/people").status_code == 200
    age_session(client, **{SEEN_AT: 31 * 60})
    assert client.get("/api/v1/people").status_code == 401


def test_idle_htmx_request_moves_the_whole_page_to_the_login(cast, settings):
    settings.KIZUNA_SESSION_IDLE_MINUTES = 30
    client = Client()
    password_step(client, cast.owner.username)
    age_session(client, **{SEEN_AT: 31 * 60})
    response = client.get(
        "/search/quick/?q=ab",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/companies/?p=2"},
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/accounts/login/?next=%2Fcompanies%2F%3Fp%3D2"
