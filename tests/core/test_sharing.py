"""Sharing a record with named users or teams, and 機密扱い: who may share, what sharing opens, and that every
view of a sensitive record is in the audit log."""

import pytest
from django.test import Client

from kizuna.contacts.search import search_records
from kizuna.core.models import AuditEvent
from kizuna.timeline.models import Activity
from tests import factories
from tests.conftest import make_user

API = "/api/v1"


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def secret(cast):
    """A private person of the owner (営業1部): the outsider (営業2部) cannot see it."""
    return factories.person(cast.owner, "黒田", "官兵衛", visibility="private")


def put_access(api, user, record, data, etag=None):
    client = api(user)
    headers = {"If-Match": etag or f'"{record.pk}-{record.version}"'}
    return client.request("put", f"{API}/people/{record.pk}/access", data, headers=headers)


def test_sharing_with_a_user_opens_a_private_record_to_them_only(cast, api, secret):
    assert api(cast.outsider).get(f"{API}/people/{secret.pk}").status_code == 404
    response = put_access(api, cast.owner, secret, {"shared_with": [cast.outsider.pk]})
    assert response.status_code == 200, response.content
    assert response.json()["shared_with"] == [{"id": cast.outsider.pk, "name": str(cast.outsider)}]
    assert api(cast.outsider).get(f"{API}/people/{secret.pk}").status_code == 200
    assert [r.id for r in search_records(cast.outsider, "黒田", type="person")[1]] == [secret.pk]
    assert api(cast.teammate).get(f"{API}/people/{secret.pk}").status_code == 404  # still private for the rest
    event = AuditEvent.objects.filter(action="share").latest("id")
    assert event.actor_name == "owner" and event.changes == {"shared_with": [[], [str(cast.outsider)]]}
    secret.refresh_from_db()
    assert put_access(api, cast.owner, secret, {"shared_with": []}).status_code == 200
    assert api(cast.outsider).get(f"{API}/people/{secret.pk}").status_code == 404


def test_sharing_with_a_team_opens_it_to_every_member(cast, api, secret):
    colleague = make_user("colleague", "member", cast.team_b)
    assert put_access(api, cast.owner, secret, {"shared_with_teams": [cast.team_b.pk]}).status_code == 200
    assert api(cast.outsider).get(f"{API}/people/{secret.pk}").status_code == 200
    assert api(colleague).get(f"{API}/people/{secret.pk}").status_code == 200
    assert api(cast.readonly).get(f"{API}/people/{secret.pk}").status_code == 404


def test_only_those_who_may_edit_share(cast, api, secret):
    public = factories.person(cast.owner, "山田", "花子", visibility="public")
    assert put_access(api, cast.readonly, public, {"shared_with": [cast.readonly.pk]}).status_code == 403
    assert put_access(api, cast.outsider, public, {"shared_with": [cast.outsider.pk]}).status_code == 403
    assert put_access(api, cast.outsider, secret, {"shared_with": [cast.outsider.pk]}).status_code == 404
    assert put_access(api, cast.owner, secret, {"shared_with": [99999]}).status_code == 422
    assert put_access(api, cast.owner, secret, {"owner": cast.outsider.pk}).status_code == 422  # nothing else
    assert put_access(api, cast.owner, secret, {"sensitive": True}, etag='"1-99"').status_code == 412
    response = api(cast.owner).request("put", f"{API}/people/{secret.pk}/access", {"sensitive": True})
    assert response.status_code == 428
    assert not AuditEvent.objects.filter(action="share").exists()


def test_every_view_of_a_sensitive_record_is_audited(cast, api, secret):
    assert (
        put_access(api, cast.owner, secret, {"sensitive": True, "shared_with": [cast.teammate.pk]}).status_code == 200
    )
    before = AuditEvent.objects.filter(action="view").count()
    assert api(cast.teammate).get(f"{API}/people/{secret.pk}").status_code == 200
    assert client_for(cast.teammate).get(f"/people/{secret.pk}/").status_code == 200
    views = AuditEvent.objects.filter(action="view", object_id=str(secret.pk)).order_by("id")
    assert views.count() == before + 2 and {v.actor_name for v in views} == {"teammate"}
    assert {v.channel for v in views} == {"api", "web"}
    page = client_for(cast.owner).get(f"/people/{secret.pk}/").content.decode()
    assert "機密" in page
    plain = factories.person(cast.owner, "普通", "太郎", visibility="public")
    api(cast.teammate).get(f"{API}/people/{plain.pk}")
    assert not AuditEvent.objects.filter(action="view", object_id=str(plain.pk)).exists()


def test_sharing_page_for_people_companies_and_activities(cast, api, secret):
    company = factories.company(cast.owner, "秘密工業", visibility="private")
    payload = {"kind": "visit", "body": "極秘の商談", "visibility": "private", "companies": [company.pk]}
    activity = api(cast.owner).post(f"{API}/activities", payload).json()
    owner = client_for(cast.owner)
    for kind, pk in (("person", secret.pk), ("company", company.pk), ("activity", activity["id"])):
        page = owner.get(f"/access/{kind}/{pk}/")
        assert page.status_code == 200 and "共有するチーム" in page.content.decode()
        assert client_for(cast.outsider).get(f"/access/{kind}/{pk}/").status_code == 404
        version = page.context["record"].version
        response = owner.post(f"/access/{kind}/{pk}/", {"shared_with_teams": [cast.team_b.pk], "version": version})
        assert response.status_code == 302
    assert client_for(cast.outsider).get(f"/companies/{company.pk}/").status_code == 200
    timeline = api(cast.outsider).get(f"{API}/companies/{company.pk}/timeline").json()["items"]
    assert [a["id"] for a in timeline] == [activity["id"]]
    assert Activity.objects.get(pk=activity["id"]).shared_with_teams.get() == cast.team_b
    stale = owner.post(f"/access/person/{secret.pk}/", {"sensitive": "on", "version": 1})
    assert stale.status_code == 422 and "先に変更しました" in stale.content.decode()
    assert client_for(cast.readonly).get(f"/access/person/{secret.pk}/").status_code == 404
