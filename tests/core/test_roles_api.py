"""/api/v1/me, /roles and /users: the permission matrix as data, for administrators with an admin-scoped token."""

from kizuna.accounts.models import Role
from kizuna.core.models import AuditEvent
from tests.conftest import ApiClient

API = "/api/v1"


def admin_client(cast):
    return ApiClient(cast.admin, scopes=("read", "write", "admin"))


def test_me_tells_a_client_what_it_may_do(cast):
    body = ApiClient(cast.readonly).get(f"{API}/me").json()
    assert body["username"] == "readonly" and body["role"] == "readonly" and body["administers"] is False
    assert body["permissions"]["person"] == ["view", "export"] and body["token_scopes"] == ["read", "write"]
    manager = ApiClient(cast.manager).get(f"{API}/me").json()
    assert manager["scope"] == "team" and "view_sensitive" in manager["permissions"]["person"]
    assert ApiClient().get(f"{API}/me").status_code == 401


def test_roles_and_users_are_for_administrators_with_the_admin_scope(cast):
    for path in ("/roles", "/roles/member", "/users"):
        assert ApiClient(cast.manager).get(API + path).status_code == 403
        assert ApiClient(cast.admin).get(API + path).status_code == 403  # an admin, but the token lacks "admin"
        assert admin_client(cast).get(API + path).status_code == 200
    keys = [r["key"] for r in admin_client(cast).get(f"{API}/roles").json()]
    assert keys[:4] == ["admin", "manager", "member", "readonly"]


def test_a_custom_role_through_the_api(cast):
    client = admin_client(cast)
    permissions = {"person": ["view", "edit"], "activity": ["view", "create"]}
    created = client.post(f"{API}/roles", {"key": "support", "name": "サポート", "permissions": permissions})
    assert created.status_code == 201, created.content
    assert (
        created.json()["permissions"]["person"] == ["view", "edit"] and created.json()["permissions"]["company"] == []
    )
    bad = client.post(f"{API}/roles", {"key": "x2", "name": "x", "permissions": {"company": ["view_sensitive"]}})
    assert bad.status_code == 422
    assert (
        client.post(f"{API}/roles", {"key": "x3", "name": "x", "version": 5}).status_code == 422
    )  # no mass assignment
    etag = created.headers["ETag"]
    patched = client.patch(f"{API}/roles/support", {"require_two_factor": True}, headers={"If-Match": etag})
    assert patched.status_code == 200 and patched.json()["require_two_factor"] is True
    assert client.patch(f"{API}/roles/support", {"name": "x"}, headers={"If-Match": etag}).status_code == 412
    assert client.patch(f"{API}/roles/support", {"name": "x"}).status_code == 428
    moved = client.patch(f"{API}/users/{cast.teammate.pk}", {"role": "support"})
    assert moved.status_code == 200 and moved.json()["role"] == "support"
    assert ApiClient(cast.teammate).post(f"{API}/companies", {"name": "新会社"}).status_code == 403
    assert client.delete(f"{API}/roles/support").status_code == 422  # still in use
    assert client.patch(f"{API}/users/{cast.teammate.pk}", {"role": "member", "team": 0}).json()["team"] is None
    assert client.delete(f"{API}/roles/support").status_code == 204
    assert not Role.objects.filter(key="support").exists()
    actions = list(
        AuditEvent.objects.filter(action__startswith="role.").order_by("id").values_list("action", flat=True)
    )
    assert actions == ["role.create", "role.update", "role.delete"]
    assert AuditEvent.objects.filter(action="user.access", object_id=str(cast.teammate.pk)).count() == 2


def test_users_api_refuses_what_would_lock_everyone_out(cast):
    client = admin_client(cast)
    assert client.patch(f"{API}/users/{cast.admin.pk}", {"is_active": False}).status_code == 422
    assert client.patch(f"{API}/users/{cast.admin.pk}", {"role": "member"}).status_code == 422
    assert client.patch(f"{API}/users/999999", {"role": "member"}).status_code == 404
    assert client.patch(f"{API}/users/{2**70}", {"role": "member"}).status_code in (404, 422)
    assert client.patch(f"{API}/users/{cast.owner.pk}", {"role": "nosuch"}).status_code == 422
    assert client.patch(f"{API}/users/{cast.owner.pk}", {"team": 999999}).status_code == 404
    assert client.get(f"{API}/roles/nosuch").status_code == 404
