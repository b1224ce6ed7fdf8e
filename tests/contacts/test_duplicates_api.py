"""/api/v1 duplicates: check before saving, review queue, scan job, merge, undo, dismiss."""

import io

import pytest
from django.core.management import call_command

from kizuna.contacts.models import DuplicateGroup, Person
from tests import factories


def run_worker():
    """The real database-backed queue, drained by the real worker (as `kizuna serve` runs it)."""
    call_command("db_worker", "--batch", "--no-startup-delay", stdout=io.StringIO(), stderr=io.StringIO())


@pytest.fixture
def pair(cast):
    company = factories.company(cast.owner, "株式会社山田製作所")
    a = factories.person(cast.owner, "渡辺", "健", company=company.pk, phones=["090-1111-2222"])
    b = factories.person(cast.owner, "渡邊", "健", phones=["０９０（１１１１）２２２２"], emails=["ken@example.jp"])
    return a, b


def test_check_before_saving_lists_probable_duplicates(api, cast, pair):
    a, b = pair
    response = api(cast.owner).post("/api/v1/people/duplicates", {"family_name": "渡部", "given_name": "健",
                                                                  "phones": [{"value": "09011112222"}]})  # fmt: skip
    assert response.status_code == 200
    found = response.json()["duplicates"]
    assert {d["id"] for d in found} == {a.pk, b.pk}
    assert "同じ携帯電話" in [e["label"] for e in found[0]["evidence"]]
    assert any(r.startswith("同じ携帯電話 +") for r in found[0]["reasons"])  # the weight beside each reason
    assert Person.objects.count() == 2  # nothing saved


def test_check_hides_what_the_caller_cannot_see(api, cast, pair):
    response = api(cast.outsider).post("/api/v1/people/duplicates", {"family_name": "渡辺", "given_name": "健",
                                                                     "phones": [{"value": "09011112222"}]})  # fmt: skip
    assert response.json() == {"duplicates": []}


@pytest.mark.django_db(transaction=True)
def test_scan_queue_merge_and_undo(api, cast, pair):
    a, b = pair
    assert api(cast.owner).post("/api/v1/duplicates/scan", {"type": "person"}).status_code == 403  # members don't
    started = api(cast.manager).post("/api/v1/duplicates/scan", {"type": "person"})
    assert started.status_code == 202
    assert api(cast.manager).get(f"/api/v1/duplicates/scan/{started.json()['task_id']}").json()["status"] == "READY"
    run_worker()
    status = api(cast.manager).get(f"/api/v1/duplicates/scan/{started.json()['task_id']}").json()
    assert status["status"] == "SUCCESSFUL" and status["result"]["groups"] == 1
    queue = api(cast.owner).get("/api/v1/duplicates?type=person").json()
    assert [[m["id"] for m in g["members"]] for g in queue] == [[a.pk, b.pk]]
    assert api(cast.outsider).get("/api/v1/duplicates?type=person").json() == []

    merged = api(cast.owner).post("/api/v1/merges", {"type": "person", "survivor": a.pk, "others": [b.pk],
                                                     "choices": {"family_name": b.pk}})  # fmt: skip
    assert merged.status_code == 201, merged.content
    body = merged.json()
    assert body["survivor"] == a.pk and body["merged"] == [b.pk]
    a.refresh_from_db()
    assert a.family_name == "渡邊" and a.contact_points.filter(kind="email").exists()
    assert api(cast.owner).get(f"/api/v1/people/{b.pk}").status_code == 404
    assert DuplicateGroup.objects.get().status == "merged"

    assert api(cast.outsider).post(f"/api/v1/merges/{body['id']}/undo").status_code == 404
    undone = api(cast.owner).post(f"/api/v1/merges/{body['id']}/undo")
    assert undone.status_code == 200 and undone.json()["undone_at"]
    assert api(cast.owner).get(f"/api/v1/people/{b.pk}").status_code == 200
    assert DuplicateGroup.objects.get().status == "open"
    assert api(cast.owner).post(f"/api/v1/merges/{body['id']}/undo").status_code == 409


def test_merge_refuses_hidden_stale_and_read_only(api, cast, pair):
    a, b = pair
    hidden = factories.person(cast.outsider, "渡辺", "健", visibility="private")
    body = {"type": "person", "survivor": a.pk, "others": [hidden.pk]}
    assert api(cast.owner).post("/api/v1/merges", body).status_code == 404
    body = {"type": "person", "survivor": a.pk, "others": [b.pk]}
    assert api(cast.readonly).post("/api/v1/merges", body).status_code == 403
    assert api(cast.owner).post("/api/v1/merges", body | {"version": a.version + 5}).status_code == 412
    assert api(cast.owner).post("/api/v1/merges", body | {"choices": {"family_name": 999999}}).status_code == 422
    assert Person.objects.alive().count() == 3


def test_dismiss_is_remembered(api, cast, pair):
    a, b = pair
    response = api(cast.owner).post("/api/v1/duplicates/dismiss", {"type": "person", "ids": [a.pk, b.pk]})
    assert response.json() == {"dismissed": 1}
    check = api(cast.owner).post("/api/v1/people/duplicates", {"family_name": "渡辺", "given_name": "健",
                                                               "phones": [{"value": "090-1111-2222"}]})  # fmt: skip
    assert {d["id"] for d in check.json()["duplicates"]} == {a.pk, b.pk}  # a new record still hears about both
