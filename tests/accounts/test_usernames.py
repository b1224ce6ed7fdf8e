"""Look-alike user names: ａｄｍｉｎ (full width), Admin and ADMIN are the same name as admin once NFKC and case
are folded, so none of them can be registered beside it, and logging in with any of them is the same account."""

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import Client

from kizuna.accounts import services
from kizuna.accounts.models import User
from kizuna.core.exceptions import ValidationFailed
from tests.conftest import PASSWORD


@pytest.mark.parametrize("look_alike", ["ａｄｍｉｎ", "Admin", "ADMIN", " admin ", "ＡＤＭＩＮ"])
def test_a_look_alike_of_a_taken_name_is_refused(cast, look_alike):
    with pytest.raises(ValidationFailed) as refused:
        services.create_user(actor=cast.admin, username=look_alike, password=None)
    assert "まぎらわしい" in refused.value.field_errors["username"][0]
    assert User.objects.count() == 6


def test_the_command_refuses_them_too(cast):
    with pytest.raises(CommandError):
        call_command("createuser", "ＯＷＮＥＲ", "--role", "member")
    assert not User.objects.filter(username="ＯＷＮＥＲ").exists()


def test_login_takes_the_name_in_any_width_or_case(cast, rf):
    request = rf.post("/accounts/login/")
    assert authenticate(request, username="ａｄｍｉｎ", password=PASSWORD) == cast.admin
    assert authenticate(request, username="Admin", password=PASSWORD) == cast.admin
    assert authenticate(request, username="ａｄｍｉｎ", password="wrong") is None
    client = Client()
    response = client.post("/accounts/login/", {"username": "ＡＤＭＩＮ", "password": PASSWORD})
    assert response.status_code == 302 and client.get("/").wsgi_request.user == cast.admin


def test_distinct_names_stay_distinct(cast):
    user = services.create_user(actor=cast.admin, username="admin2", password=None)
    assert user.username == "admin2" and User.objects.with_username_like("ａｄｍｉｎ２") == user


def test_failures_under_look_alikes_add_up_to_one_lockout(cast):
    """Each look-alike logs in to the same account, so they count as one name for the lockout: trying Owner,
    ＯＷＮＥＲ, … from different addresses must not give each spelling its own five attempts."""
    for n, name in enumerate(["Owner", "ＯＷＮＥＲ", "OWNER", "ｏｗｎｅｒ", "oWnEr"]):
        Client(REMOTE_ADDR=f"198.51.100.{n + 1}").post("/accounts/login/", {"username": name, "password": "wrong-1234"})
    client = Client(REMOTE_ADDR="198.51.100.99")
    response = client.post("/accounts/login/", {"username": "owner", "password": PASSWORD})
    assert response.status_code == 429 and "_auth_user_id" not in client.session


def test_the_users_page_refuses_them_with_a_message(cast):
    client = Client()
    client.force_login(cast.admin)
    response = client.post("/settings/users/", {"username": "Ｍａｎａｇｅｒ", "role": "member"})
    assert response.status_code == 422 and "まぎらわしい" in response.content.decode()
    assert User.objects.count() == 6
