"""/api/v1 activities, timelines, insights, tasks, relationships and one-line capture."""

from datetime import timedelta

import pytest
from django.utils import timezone

from kizuna.core.japanese import parse_relative_date
from kizuna.timeline.models import Insight
from tests import factories

API = "/api/v1"


@pytest.fixture
def company(cast):
    return factories.company(cast.owner, "株式会社山田製作所")


@pytest.fixture
def person(cast, company):
    return factories.person(cast.owner, company=company.pk)


def _activity(client, **data):
    response = client.post(f"{API}/activities", {"kind": "visit", "body": "工場見学", **data})
    assert response.status_code == 201, response.content
    return response.json()


def _ids(response):
    assert response.status_code == 200, response.content
    return [a["id"] for a in response.json()["items"]]


def test_activity_crud_with_etag_and_if_match(cast, api, person, company):
    client = api(cast.owner)
    informant = factories.person(cast.owner, "佐藤", family_name_kana="サトウ")
    created = _activity(client, people=[person.pk], heard_from=informant.pk, confidence="likely", duration_minutes=30)
    assert created["recorded_by"] == {"id": cast.owner.pk, "username": "owner"}
    assert created["source"] == "api" and created["confidence"] == "likely"
    assert created["heard_from"] == {"id": informant.pk, "label": "佐藤 太郎"}
    assert created["people"] == [{"id": person.pk, "label": "田中 太郎"}]
    assert created["companies"] == [{"id": company.pk, "label": "株式会社山田製作所"}]  # the person's company joins
    assert created["our_participants"] == [{"id": cast.owner.pk, "username": "owner"}]
    url = f"{API}/activities/{created['id']}"
    etag = client.get(url)["ETag"]
    assert etag == f'"{created["id"]}-1"'
    assert client.patch(url, {"subject": "見積相談"}).status_code == 428
    patched = client.patch(url, {"subject": "見積相談"}, headers={"If-Match": etag})
    assert patched.status_code == 200 and patched.json()["subject"] == "見積相談" and patched.json()["version"] == 2
    assert patched["ETag"] == f'"{created["id"]}-2"'
    assert client.patch(url, {"body": "古い版"}, headers={"If-Match": etag}).status_code == 412
    assert client.delete(url).status_code == 428
    assert client.delete(url, headers={"If-Match": etag}).status_code == 412
    assert client.delete(url, headers={"If-Match": patched["ETag"]}).status_code == 204
    assert client.get(url).status_code == 404
    assert api(cast.readonly).post(f"{url}/restore").status_code == 403
    assert api(cast.outsider).post(f"{url}/restore").status_code == 404
    restored = client.post(f"{url}/restore")
    assert restored.status_code == 200 and restored.json()["body"] == "工場見学"
    assert client.get(url).status_code == 200


def test_explicit_source_is_kept_and_bad_values_are_field_errors(cast, api):
    client = api(cast.owner)
    assert _activity(client, source="phone")["source"] == "phone"
    response = client.post(f"{API}/activities", {"kind": "party", "body": "x", "source": "rumor-mill"})
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"kind", "source"}


@pytest.mark.parametrize("field", ["recorded_by", "version", "created_by"])
def test_mass_assignment_is_refused(cast, api, field):
    client = api(cast.owner)
    response = client.post(f"{API}/activities", {"body": "x", field: cast.admin.pk})
    assert response.status_code == 422 and field in response.json()["error"]["fields"]
    created = _activity(client)
    url = f"{API}/activities/{created['id']}"
    assert client.patch(url, {field: 9}, headers={"If-Match": "*"}).status_code == 422
    assert client.get(url).json()["recorded_by"]["id"] == cast.owner.pk


@pytest.fixture
def records(cast, api, person):
    """One team-visible record of each kind, owned by `owner`."""
    client = api(cast.owner)
    activity = _activity(client, people=[person.pk])
    insight = client.post(f"{API}/insights", {"person": person.pk, "statement": "仕様に厳しい"}).json()
    task = client.post(f"{API}/tasks", {"title": "見積送付", "person": person.pk}).json()
    other = factories.person(cast.owner, "佐藤")
    rel = client.post(f"{API}/relationships", {"from_person": person.pk, "to_person": other.pk, "kind": "boss"}).json()
    return {"activity": activity["id"], "insight": insight["id"], "task": task["id"], "person": person.pk,
            "company": person.company_id, "rel": rel["id"], "other": other.pk}  # fmt: skip


READS = ["/activities/{activity}", "/people/{person}/timeline", "/companies/{company}/timeline",
         "/insights/{insight}", "/tasks/{task}", "/people/{person}/relationships"]  # fmt: skip
WRITES = [
    ("patch", "/activities/{activity}", {"body": "x"}), ("delete", "/activities/{activity}", None),
    ("patch", "/insights/{insight}", {"statement": "x"}),
    ("delete", "/insights/{insight}", None), ("post", "/insights/{insight}/confirm", {}),
    ("patch", "/tasks/{task}", {"title": "x"}), ("delete", "/tasks/{task}", None),
    ("post", "/tasks/{task}/complete", {"done": True}), ("delete", "/relationships/{rel}", None),
    ("post", "/capture/{activity}/undo", {}),
]  # fmt: skip
CREATES = [
    ("/activities", lambda r: {"body": "x", "people": [r["person"]]}),
    ("/insights", lambda r: {"person": r["person"], "statement": "x"}),
    ("/tasks", lambda r: {"title": "x"}),
    ("/relationships", lambda r: {"from_person": r["person"], "to_person": r["other"], "kind": "boss"}),
    ("/capture", lambda r: {"text": "@田中 電話", "preview": False}),
]


def test_negative_set_for_every_endpoint(cast, api, records):
    anonymous, outsider, readonly = api(None), api(cast.outsider), api(cast.readonly)
    for path in [*READS, "/activities", "/insights", "/tasks"]:
        assert anonymous.get(API + path.format(**records)).status_code == 401, path
    for path in READS:
        assert outsider.get(API + path.format(**records)).status_code == 404, path
        assert readonly.get(API + path.format(**records)).status_code == 200, path
    for method, path, body in WRITES:
        url = API + path.format(**records)
        kw = {"headers": {"If-Match": "*"}} if method in ("patch", "delete") else {}
        args = (url,) if body is None else (url, body)
        assert getattr(anonymous, method)(*args, **kw).status_code == 401, path
        assert getattr(outsider, method)(*args, **kw).status_code == 404, path
        assert getattr(readonly, method)(*args, **kw).status_code == 403, path
    for path, body in CREATES:
        assert anonymous.post(API + path, body(records)).status_code == 401, path
        assert readonly.post(API + path, body(records)).status_code == 403, path
    assert outsider.post(f"{API}/activities", CREATES[0][1](records)).status_code == 422  # unseen person
    client = api(cast.owner)
    assert client.request("put", f"{API}/activities/{records['activity']}", {}).status_code == 405
    assert client.request("put", f"{API}/tasks/{records['task']}", {}).status_code == 405
    assert client.get(f"{API}/relationships/{records['rel']}").status_code == 405


def test_private_activity_stays_out_of_teammates_timelines_and_lists(cast, api, person, company):
    owner, teammate = api(cast.owner), api(cast.teammate)
    secret = _activity(owner, people=[person.pk], visibility="private", body="内密の話")["id"]
    shared = _activity(owner, people=[person.pk])["id"]
    for path in (f"/people/{person.pk}/timeline", f"/companies/{company.pk}/timeline", "/activities",
                 f"/activities?person={person.pk}"):  # fmt: skip
        assert _ids(owner.get(API + path)) == [shared, secret], path
        assert _ids(teammate.get(API + path)) == [shared], path
    assert teammate.get(f"{API}/activities/{secret}").status_code == 404
    assert api(cast.outsider).get(f"{API}/activities?person={person.pk}").status_code == 404


def test_company_timeline_includes_activity_recorded_with_one_of_its_people(cast, api, person, company):
    client = api(cast.owner)
    elsewhere = factories.person(cast.owner, "鈴木")
    with_person = _activity(client, people=[person.pk])["id"]
    _activity(client, people=[elsewhere.pk])
    assert _ids(client.get(f"{API}/companies/{company.pk}/timeline")) == [with_person]


def test_a_visible_activity_does_not_name_a_private_person(cast, api, person):
    secret_person = factories.person(cast.owner, "秘密", visibility="private")
    created = _activity(api(cast.owner), people=[person.pk, secret_person.pk], heard_from=secret_person.pk)
    seen = api(cast.teammate).get(f"{API}/activities/{created['id']}").json()
    assert [p["id"] for p in seen["people"]] == [person.pk] and seen["heard_from"] is None
    assert len(created["people"]) == 2


def test_filters_and_keyset_pages(cast, api):
    owner = api(cast.owner)
    now = timezone.now()
    for i, kind in enumerate(["visit", "call", "email", "call", "note"]):
        _activity(owner, kind=kind, occurred_at=(now - timedelta(days=i)).isoformat())
    _activity(api(cast.teammate), kind="call", occurred_at=(now - timedelta(days=10)).isoformat())
    kinds = lambda q: [a["kind"] for a in owner.get(f"{API}/activities{q}").json()["items"]]  # noqa: E731
    assert kinds("?kind=call,email") == ["call", "email", "call", "call"]
    assert kinds("?kind=call&kind=visit") == ["visit", "call", "call", "call"]
    assert kinds("?kind=call&user=me") == ["call", "call"]
    assert kinds(f"?user={cast.teammate.pk}") == ["call"]
    since, until = (timezone.localdate(now - timedelta(days=d)) for d in (3, 1))
    assert kinds(f"?since={since}&until={until}") == ["call", "email", "call"]
    assert owner.get(f"{API}/activities?kind=party").status_code == 422
    first = owner.get(f"{API}/activities?limit=4").json()
    rest = owner.get(f"{API}/activities?limit=4&cursor={first['next_cursor']}").json()
    assert len(first["items"]) == 4 and len(rest["items"]) == 2 and rest["next_cursor"] is None


def test_list_query_count_budget(cast, api, person, django_assert_max_num_queries):
    client = api(cast.owner)
    for i in range(12):
        _activity(client, people=[person.pk], heard_from=person.pk, body=f"訪問{i}")
    # token, role, person, page, people, companies, participants, links, owner, seen ×2
    with django_assert_max_num_queries(11):
        response = client.get(f"{API}/people/{person.pk}/timeline?limit=10")
    assert len(response.json()["items"]) == 10 and response.json()["items"][0]["heard_from"]["id"] == person.pk


def test_capture_preview_saves_nothing_and_save_creates_activity_insight_and_task(cast, api, person, company):
    client = api(cast.owner)
    text = "@田中 #山田製作所 工場見学。仕様には厳しいが納期には寛容 !12/24 見積送付"
    plan = client.post(f"{API}/capture", {"text": text})
    assert plan.status_code == 200, plan.content
    plan = plan.json()
    assert plan["ready"] and plan["kind"] == "plant_tour" and plan["task"] == "見積送付"
    assert plan["people"][0]["chosen"] == {"id": person.pk, "label": "田中 太郎"}
    assert plan["companies"][0]["chosen"]["id"] == company.pk
    assert plan["insight"] == {"category": "quality", "statement": "仕様には厳しいが納期には寛容"}
    due = parse_relative_date("12/24", timezone.localdate())
    assert plan["due"] == due.isoformat()
    assert _ids(client.get(f"{API}/activities")) == []
    saved = client.post(f"{API}/capture", {"text": text, "preview": False})
    assert saved.status_code == 201, saved.content
    saved = saved.json()
    assert saved["activity"]["source"] == "capture" and saved["activity"]["people"][0]["id"] == person.pk
    insight = client.get(f"{API}/insights/{saved['insight_id']}").json()
    assert insight["statement"] == "仕様には厳しいが納期には寛容" and insight["evidence"] == [saved["activity"]["id"]]
    task = client.get(f"{API}/tasks/{saved['task_id']}").json()
    assert task["title"] == "見積送付" and task["due_date"] == due.isoformat() and task["person"]["id"] == person.pk
    assert client.post(f"{API}/capture/{saved['activity']['id']}/undo").status_code == 204
    assert client.get(f"{API}/activities/{saved['activity']['id']}").status_code == 404
    assert client.get(f"{API}/insights/{saved['insight_id']}").status_code == 404
    assert client.get(f"{API}/tasks/{saved['task_id']}").status_code == 404


def test_capture_ambiguous_name_is_422_until_resolved(cast, api, person):
    client = api(cast.owner)
    other = factories.person(cast.owner, "田中", "次郎", given_name_kana="ジロウ")
    plan = client.post(f"{API}/capture", {"text": "@田中 電話。来月発注予定"}).json()
    assert not plan["ready"] and {c["id"] for c in plan["people"][0]["candidates"]} == {person.pk, other.pk}
    refused = client.post(f"{API}/capture", {"text": "@田中 電話。来月発注予定", "preview": False})
    assert refused.status_code == 422 and "@田中" in refused.json()["error"]["fields"]["text"][0]
    assert _ids(client.get(f"{API}/activities")) == []
    saved = client.post(f"{API}/capture", {"text": "@田中 電話。来月発注予定", "preview": False,
                                           "resolve": {"@田中": other.pk}})  # fmt: skip
    assert saved.status_code == 201 and saved.json()["activity"]["people"][0]["id"] == other.pk
    assert saved.json()["activity"]["kind"] == "call" and saved.json()["task_id"] is None


def test_undo_refuses_an_activity_that_did_not_come_from_capture(cast, api):
    client = api(cast.owner)
    created = _activity(client)
    assert client.post(f"{API}/capture/{created['id']}/undo").status_code == 422
    assert client.get(f"{API}/activities/{created['id']}").status_code == 200


def test_insight_confirm_sets_confirmed_by_and_clears_stale(cast, api, person):
    client = api(cast.owner)
    created = client.post(f"{API}/insights", {"person": person.pk, "category": "delivery", "statement": "納期に寛容"})
    assert created.status_code == 201, created.content
    insight = created.json()
    assert insight["recorded_by"]["id"] == cast.owner.pk and insight["source"] == "api"
    assert insight["confidence"] == "likely" and insight["stale"] is False
    old = timezone.now() - timedelta(days=400)
    Insight.objects.filter(pk=insight["id"]).update(confirmed_at=old, created_at=old)
    listed = client.get(f"{API}/insights?person={person.pk}").json()
    assert [(i["id"], i["stale"]) for i in listed] == [(insight["id"], True)]
    confirmed = api(cast.teammate).post(f"{API}/insights/{insight['id']}/confirm")
    assert confirmed.status_code == 200
    assert confirmed.json()["confirmed_by"]["username"] == "teammate" and confirmed.json()["stale"] is False
    assert client.post(f"{API}/insights", {"statement": "主語なし"}).status_code == 422
    assert client.post(f"{API}/insights", {"person": person.pk, "statement": "x", "recorded_by": 1}).status_code == 422


def test_task_complete_and_reopen(cast, api, person):
    client = api(cast.owner)
    created = client.post(f"{API}/tasks", {"title": "見積送付", "due_date": "2026-12-24", "person": person.pk})
    assert created.status_code == 201, created.content
    task = created.json()
    assert task["assignee"]["id"] == cast.owner.pk and task["due_date"] == "2026-12-24" and not task["done"]
    assert client.post(f"{API}/tasks", {"title": "x", "due_date": "いつか"}).status_code == 422
    open_mine = lambda: [t["id"] for t in client.get(f"{API}/tasks?assignee=me&open=true").json()]  # noqa: E731
    assert open_mine() == [task["id"]]
    assert [t["id"] for t in api(cast.teammate).get(f"{API}/tasks?assignee=me&open=true").json()] == []
    done = client.post(f"{API}/tasks/{task['id']}/complete", {"done": True})
    assert done.status_code == 200 and done.json()["done"] and done.json()["done_by"]["id"] == cast.owner.pk
    assert open_mine() == []
    assert [t["id"] for t in client.get(f"{API}/tasks?open=false").json()] == [task["id"]]
    reopened = client.post(f"{API}/tasks/{task['id']}/complete", {"done": False}).json()
    assert not reopened["done"] and reopened["done_at"] is None and open_mine() == [task["id"]]
    assert client.get(f"{API}/tasks?assignee=someone").status_code == 422


def test_relationship_create_list_delete_and_self_is_refused(cast, api, person):
    client = api(cast.owner)
    boss = factories.person(cast.owner, "山田", family_name_kana="ヤマダ")
    created = client.post(f"{API}/relationships", {"from_person": person.pk, "to_person": boss.pk, "kind": "boss"})
    assert created.status_code == 201, created.content
    rel = created.json()
    assert rel["to_person"] == {"id": boss.pk, "label": "山田 太郎"} and rel["recorded_by"]["id"] == cast.owner.pk
    assert [r["id"] for r in client.get(f"{API}/people/{boss.pk}/relationships").json()] == [rel["id"]]
    self_rel = client.post(f"{API}/relationships", {"from_person": person.pk, "to_person": person.pk, "kind": "boss"})
    assert self_rel.status_code == 422 and "to_person" in self_rel.json()["error"]["fields"]
    assert client.delete(f"{API}/relationships/{rel['id']}").status_code == 204
    assert client.get(f"{API}/people/{person.pk}/relationships").json() == []
    assert client.delete(f"{API}/relationships/{rel['id']}").status_code == 404
