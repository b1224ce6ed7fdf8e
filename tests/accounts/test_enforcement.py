"""A role that requires 2FA: after the password step every page leads to the enrolment page until it is done."""

import json

import pytest
from django.test import Client

from kizuna.accounts.models import Role
from tests.accounts.helpers import code, logged_in_user_id, password_step, steady
from tests.conftest import ApiClient


@pytest.fixture
def members_need_2fa(cast):
    Role.objects.filter(key="member").update(require_two_factor=True)
    return cast


def test_required_role_is_sent_to_enrolment_from_every_page(members_need_2fa):
    cast = members_need_2fa
    client = Client()
    password_step(client, cast.owner.username)
    assert logged_in_user_id(client) == str(cast.owner.pk)  # no device yet: the password logs in …
    for path in ("/", "/people/", "/companies/", "/accounts/tokens/", "/audit/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == "/accounts/2fa/", path
    page = client.get("/accounts/2fa/", follow=True).content.decode()
    assert "二要素認証が必須です" in page
    # … but session API calls are refused until enrolment
    response = client.get("/api/v1/people")
    assert response.status_code == 403 and json.loads(response.content)["error"]["code"] == "two_factor_required"
    assert client.post("/accounts/logout/").status_code == 302  # logging out still works


def test_enrolment_lifts_the_redirect(members_need_2fa):
    cast = members_need_2fa
    client = Client()
    password_step(client, cast.owner.username)
    page = client.get("/accounts/2fa/").content.decode()
    secret = page.split('id="totp-secret">', 1)[1].split("<", 1)[0].replace(" ", "")
    steady()
    client.post("/accounts/2fa/", {"code": code(secret)})
    assert client.get("/people/").status_code == 200
    assert client.get("/api/v1/people").status_code == 200


def test_bearer_tokens_are_not_affected(members_need_2fa):
    response = ApiClient(members_need_2fa.owner).get("/api/v1/people")
    assert response.status_code == 200


def test_roles_without_the_requirement_are_not_redirected(members_need_2fa):
    cast = members_need_2fa
    client = Client()
    password_step(client, cast.manager.username)
    assert client.get("/people/").status_code == 200


def test_switching_the_requirement_off_lifts_the_redirect(members_need_2fa):
    cast = members_need_2fa
    client = Client()
    password_step(client, cast.owner.username)
    assert client.get("/people/").status_code == 302
    Role.objects.filter(key="member").update(require_two_factor=False)
    assert client.get("/people/").status_code == 200
