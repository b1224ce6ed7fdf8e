"""Configurable roles: what a role grants is what its users can do — in the API, the pages, exports, merges,
imports and masking — and every permission change is audited."""

import pytest
from django.test import Client

from kizuna.accounts import roles as role_services
from kizuna.accounts.models import Role
from kizuna.contacts.exports import export
from kizuna.contacts.models import Company, Person
from kizuna.core.exceptions import PermissionDenied, StaleVersion, ValidationFailed
from kizuna.core.models import AuditEvent
from kizuna.core.permissions import has_perm
from tests import factories
from tests.conftest import ApiClient, make_user

API = "/api/v1"


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def auditor(cast):
    """A custom role: reads every record (other teams' private ones too) and exports; changes nothing."""
    role_services.create_role(
        actor=cast.admin,
        data={"key": "auditor", "name": "監査担当", "scope": "all",
              "permissions": {t: ["view", "export"] if t in ("person", "company") else ["view"]
                              for t in ("person", "company", "activity", "insight", "task", "relationship")}},
    )  # fmt: skip
    return make_user("kansa", "auditor", cast.team_b)


@pytest.fixture
def private_person(cast):
    return factories.person(
        cast.owner, "佐藤", "花子", visibility="private", phones=[{"value": "090-1111-2222", "label": "mobile"}]
    )


def test_custom_role_reads_everything_but_writes_nothing(cast, auditor, private_person):
    client = ApiClient(auditor)
    body = client.get(f"{API}/people/{private_person.pk}").json()
    assert body["family_name"] == "佐藤"
    assert {p["value"] for p in body["phones"]} == {"090-****-2222"}  # seeing is not "view sensitive"
    assert client.post(f"{API}/people", {"family_name": "新規"}).status_code == 403
    assert client.patch(f"{API}/people/{private_person.pk}", {"notes": "x"}).status_code == 403
    assert client.delete(f"{API}/people/{private_person.pk}").status_code == 403
    assert Person.objects.get(pk=private_person.pk).notes == ""
    assert export(actor=auditor, kind="person").rows == 1
    assert client_for(auditor).get("/people/new/").status_code == 403


def test_granting_view_sensitive_unmasks_without_granting_edit(cast, auditor, private_person):
    role = Role.objects.get(key="auditor")
    role_services.update_role(
        actor=cast.admin, role=role, data={"permissions": {**role.permissions, "person": ["view", "view_sensitive"]}}
    )
    body = ApiClient(auditor).get(f"{API}/people/{private_person.pk}").json()
    assert {p["value"] for p in body["phones"]} == {"090-1111-2222"}
    assert ApiClient(auditor).patch(f"{API}/people/{private_person.pk}", {"notes": "x"}).status_code == 403


def test_a_role_without_view_sees_no_records_of_that_type(cast):
    company = factories.company(cast.owner, "山田製作所", visibility="public")
    role_services.create_role(
        actor=cast.admin, data={"key": "people-only", "name": "人だけ", "scope": "standard",
                                "permissions": {"person": ["view"]}},
    )  # fmt: skip
    user = make_user("hitodake", "people-only", cast.team_a)
    client = ApiClient(user)
    assert client.get(f"{API}/companies").json()["items"] == []
    assert client.get(f"{API}/companies/{company.pk}").status_code == 404
    assert client_for(user).get(f"/companies/{company.pk}/").status_code == 404
    assert Company.objects.visible_to(user).count() == 0


def test_taking_away_export_merge_and_import_from_members(cast):
    member = Role.objects.get(key="member")
    kept = {
        t: [a for a in actions if a not in ("export", "merge", "import")] for t, actions in member.permissions.items()
    }
    role_services.update_role(actor=cast.admin, role=member, data={"permissions": kept})
    a = factories.person(cast.owner, "田中", "一郎")
    b = factories.person(cast.owner, "田中", "一郎")
    with pytest.raises(PermissionDenied):
        export(actor=cast.owner, kind="person")
    client = ApiClient(cast.owner)
    merge = client.post(f"{API}/merges", {"type": "person", "survivor": a.pk, "others": [b.pk]})
    assert merge.status_code == 403
    assert Person.objects.filter(pk=b.pk, deleted_at__isnull=True).exists()
    assert client_for(cast.owner).get("/imports/").status_code == 403
    assert export(actor=cast.manager, kind="person").rows == 2  # managers keep theirs


def test_edits_stay_within_reach_even_with_the_edit_permission(cast):
    other_team = factories.person(cast.outsider, "鈴木", "次郎", visibility="public")
    assert has_perm(cast.owner, "person", "edit")
    assert ApiClient(cast.owner).patch(f"{API}/people/{other_team.pk}", {"notes": "x"}).status_code == 403
    headers = {"If-Match": other_team.etag}
    assert (
        ApiClient(cast.admin).patch(f"{API}/people/{other_team.pk}", {"notes": "x"}, headers=headers).status_code == 200
    )


def test_role_changes_are_audited_and_checked(cast):
    role = Role.objects.get(key="readonly")
    role_services.update_role(actor=cast.admin, role=role, data={"require_two_factor": True}, expected_version=1)
    event = AuditEvent.objects.filter(action="role.update").latest("id")
    assert event.actor_name == "admin" and event.changes == {"require_two_factor": [False, True]}
    with pytest.raises(StaleVersion):
        role_services.update_role(actor=cast.admin, role=role, data={"name": "x"}, expected_version=1)
    with pytest.raises(PermissionDenied):
        role_services.update_role(actor=cast.manager, role=role, data={"name": "x"})
    with pytest.raises(ValidationFailed):
        role_services.update_role(actor=cast.admin, role=role, data={"permissions": {"company": ["view_sensitive"]}})
    with pytest.raises(ValidationFailed):
        role_services.delete_role(actor=cast.admin, role=role)  # built-in
    with pytest.raises(ValidationFailed):
        role_services.create_role(actor=cast.admin, data={"key": "Bad Key", "name": "x"})


def test_the_last_administrator_cannot_be_removed(cast):
    with pytest.raises(ValidationFailed):
        role_services.set_user_access(actor=cast.admin, user=cast.admin, role="member")
    with pytest.raises(ValidationFailed):
        role_services.update_role(actor=cast.admin, role=Role.objects.get(key="admin"), data={"administers": False})
    second = make_user("admin2", "admin", cast.team_a)
    role_services.set_user_access(actor=second, user=cast.admin, role="member")
    cast.admin.refresh_from_db()
    assert cast.admin.role == "member"
    event = AuditEvent.objects.filter(action="user.access").latest("id")
    assert event.changes == {"role": ["admin", "member"]} and event.actor_name == "admin2"


def test_a_role_in_use_cannot_be_deleted(cast, auditor):
    role = Role.objects.get(key="auditor")
    with pytest.raises(ValidationFailed):
        role_services.delete_role(actor=cast.admin, role=role)
    role_services.set_user_access(actor=cast.admin, user=auditor, role="readonly")
    role_services.delete_role(actor=cast.admin, role=role)
    assert not Role.objects.filter(key="auditor").exists()
    assert AuditEvent.objects.filter(action="role.delete", object_label="監査担当").exists()


def test_role_screen_edits_the_matrix(cast):
    client = client_for(cast.admin)
    page = client.get("/settings/roles/member/")
    assert page.status_code == 200 and 'name="perm:person:export"' in page.content.decode()
    role = Role.objects.get(key="member")
    post = {"name": role.name, "scope": "standard", "version": role.version,
            "perm:person:view": "on", "perm:person:create": "on", "perm:company:view": "on"}  # fmt: skip
    assert client.post("/settings/roles/member/", post).status_code == 302
    role.refresh_from_db()
    assert role.permissions["person"] == ["view", "create"] and role.permissions["company"] == ["view"]
    assert role.permissions["activity"] == []
    assert ApiClient(cast.owner).post(f"{API}/companies", {"name": "新会社"}).status_code == 403
    stale = client.post("/settings/roles/member/", {**post, "version": 1})
    assert stale.status_code == 422 and "先に変更しました" in stale.content.decode()
    assert client.post("/settings/roles/member/", {"reset": "1"}).status_code == 302
    role.refresh_from_db()
    assert "merge" in role.permissions["company"]


def test_role_and_user_screens_are_for_administrators_only(cast):
    for path in ("/settings/roles/", "/settings/roles/new/", "/settings/roles/member/", "/settings/users/"):
        assert client_for(cast.manager).get(path).status_code == 403
        assert client_for(cast.admin).get(path).status_code == 200
    assert client_for(cast.manager).post(f"/settings/users/{cast.owner.pk}/", {"role": "admin"}).status_code == 403
    cast.owner.refresh_from_db()
    assert cast.owner.role == "member"


def test_user_screen_creates_users_and_changes_access(cast):
    client = client_for(cast.admin)
    page = client.get("/settings/users/").content.decode()
    assert "未設定" in page and "二要素認証" in page
    created = client.post("/settings/users/", {"username": "yamada", "role": "readonly", "team": "営業3部"})
    assert created.status_code == 200 and "初期パスワード" in created.content.decode()
    response = client.post(f"/settings/users/{cast.owner.pk}/", {"role": "manager", "team": cast.team_b.pk,
                                                                 "is_active": "on"})  # fmt: skip
    assert response.status_code == 302
    cast.owner.refresh_from_db()
    assert cast.owner.role == "manager" and cast.owner.team_id == cast.team_b.pk
    event = AuditEvent.objects.filter(action="user.access").latest("id")
    assert set(event.changes) == {"role", "team"}
    bad = client.post("/settings/users/", {"username": "x", "role": "nosuchrole"})
    assert bad.status_code == 422 and "ロールは" in bad.content.decode()
