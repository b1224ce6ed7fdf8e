"""The API token page: list, create (raw value once, stored hashed), revoke; admins see all; use is audited."""

import io
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from kizuna.accounts import services
from kizuna.accounts.models import ApiToken, hash_token
from kizuna.core.models import AuditEvent
from tests.accounts.helpers import password_step


def logged_in(user):
    client = Client()
    password_step(client, user.username)
    return client


def create(client, **data):
    return client.post("/accounts/tokens/", {"name": "集計スクリプト", "scopes": ["read"], "days": "30", **data})


def test_create_shows_the_raw_token_once_and_stores_only_its_hash(cast):
    client = logged_in(cast.owner)
    response = create(client, scopes=["read", "write"])
    assert response.status_code == 200
    raw = re.search(r'id="new-token">(kz_[\w-]+)<', response.content.decode()).group(1)
    token = ApiToken.objects.get(user=cast.owner)
    assert token.key_hash == hash_token(raw) and raw not in str(ApiToken.objects.values().get())
    assert token.scopes == ["read", "write"]
    assert timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)
    event = AuditEvent.objects.get(action="token.create")
    assert event.actor == cast.owner and event.object_id == str(token.pk)
    page = client.get("/accounts/tokens/").content.decode()
    assert "集計スクリプト" in page and token.prefix in page and raw not in page
    api = Client(headers={"Authorization": f"Bearer {raw}"})
    assert api.get("/api/v1/people").status_code == 200


def test_invalid_input_keeps_what_was_typed(cast):
    client = logged_in(cast.owner)
    response = create(client, scopes=[], days="0")
    assert response.status_code == 422
    page = response.content.decode()
    assert "スコープを 1 つ以上選んでください" in page and "集計スクリプト" in page
    assert not ApiToken.objects.exists()


def test_admin_scope_only_for_admins(cast):
    response = create(logged_in(cast.owner), scopes=["admin"])
    assert response.status_code == 422 and "管理者のユーザーにだけ" in response.content.decode()
    assert create(logged_in(cast.admin), scopes=["admin"]).status_code == 200
    assert ApiToken.objects.get().user == cast.admin


def test_revoke(cast):
    token, raw = services.create_token(actor=cast.owner, user=cast.owner, name="old", scopes=["read"])
    client = logged_in(cast.owner)
    response = client.post(f"/accounts/tokens/{token.pk}/revoke/", follow=True)
    assert "無効にしました" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/v1/people").status_code == 401
    assert AuditEvent.objects.get(action="token.revoke").actor == cast.owner


def test_others_tokens_are_hidden_from_members_and_visible_to_admins(cast):
    token, _raw = services.create_token(actor=cast.owner, user=cast.owner, name="owner-token", scopes=["read"])
    teammate = logged_in(cast.teammate)
    assert "owner-token" not in teammate.get("/accounts/tokens/").content.decode()
    assert teammate.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    admin = logged_in(cast.admin)
    assert "owner-token" in admin.get("/accounts/tokens/").content.decode()
    assert admin.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_token_creation_is_rate_limited_per_user(cast, settings):
    settings.KIZUNA_RATE_LIMITS = {"token_create": "2/h"}
    client = logged_in(cast.owner)
    assert create(client).status_code == 200
    assert create(client).status_code == 200
    response = create(client)
    assert response.status_code == 429 and "リクエストが多すぎます" in response.content.decode()
    assert ApiToken.objects.count() == 2
    assert create(logged_in(cast.teammate)).status_code == 200  # another user has their own count


def test_pages_need_a_login(db):
    assert Client().get("/accounts/tokens/")["Location"].startswith("/accounts/login/")
    assert Client().post("/accounts/tokens/1/revoke/")["Location"].startswith("/accounts/login/")


def test_token_use_is_audited_at_most_every_five_minutes(cast):
    token, raw = services.create_token(actor=None, user=cast.owner, name="script", scopes=["read"])
    api = Client(headers={"Authorization": f"Bearer {raw}"})
    api.get("/api/v1/people")
    api.get("/api/v1/people")
    uses = AuditEvent.objects.filter(action="token.use", object_id=str(token.pk))
    assert uses.count() == 1 and uses.get().actor == cast.owner and uses.get().channel == "api"
    token.refresh_from_db()
    assert token.last_used_at is not None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now() - timedelta(minutes=6))
    api.get("/api/v1/people")
    assert uses.count() == 2


def test_cli_refuses_an_admin_scope_for_a_member_with_a_clear_message(cast):
    with pytest.raises(CommandError, match="管理者のユーザーにだけ"):
        call_command("token", "create", "owner", "--scopes", "admin", stdout=io.StringIO())
    out = io.StringIO()
    call_command("token", "create", "admin", "--scopes", "admin", "--days", "7", stdout=out)
    assert out.getvalue().startswith("kz_") and ApiToken.objects.get(user=cast.admin).scopes == ["admin"]
