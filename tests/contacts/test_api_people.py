"""/api/v1/people and /api/v1/people/{id}/employments."""

import pytest

from tests import factories

URL = "/api/v1/people"


@pytest.fixture
def company(cast):
    return factories.company(cast.owner, "株式会社山田製作所")


def test_create_person_with_contact_points(cast, api):
    response = api(cast.owner).post(URL, {
        "family_name": "齋藤", "given_name": "花子", "family_name_kana": "サイトウ", "given_name_kana": "ハナコ",
        "emails": [{"value": "hanako@example.jp"}],
        "phones": [{"value": "090-1234-5678"}, {"value": "03-1234-5678", "extension": "201"}],
        "external_id": "顧客-0001",
    })  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["display_name"] == "齋藤 花子"
    assert [p["label"] for p in body["phones"]] == ["mobile", "office"]
    assert body["phones"][1]["extension"] == "201"
    assert body["emails"][0]["value"] == "hanako@example.jp"


def test_filters_by_stage_and_search(cast, api):
    factories.person(cast.owner, "田中", lifecycle_stage="customer")
    factories.person(cast.owner, "佐藤", family_name_kana="サトウ", lifecycle_stage="lead")
    client = api(cast.owner)
    names = lambda q: [p["family_name"] for p in client.get(URL + q).json()["items"]]  # noqa: E731
    assert names("?stage=customer") == ["田中"]
    assert names("?q=さとう") == ["佐藤"]
    assert names("?q=ﾀﾅｶ") == ["田中"]


def test_employment_crud_and_current_company(cast, api, company):
    client = api(cast.owner)
    person = factories.person(cast.owner)
    created = client.post(f"{URL}/{person.pk}/employments", {"company": company.pk, "department": "購買部"})
    assert created.status_code == 201, created.content
    job = created.json()
    assert job["company"]["name"] == "株式会社山田製作所" and job["is_current"]
    assert client.get(f"{URL}/{person.pk}").json()["company"]["id"] == company.pk
    url = f"{URL}/{person.pk}/employments/{job['id']}"
    etag = client.get(url)["ETag"]
    ended = client.patch(url, {"end_date": "2024-03-31"}, headers={"If-Match": etag})
    assert ended.status_code == 200 and not ended.json()["is_current"]
    assert client.patch(url, {"title": "部長"}, headers={"If-Match": etag}).status_code == 412
    assert len(client.get(f"{URL}/{person.pk}/employments").json()) == 1
    assert client.get(f"{URL}/{person.pk}").json()["company"] is None


def test_outsider_cannot_see_or_touch_employments(cast, api, company):
    person = factories.person(cast.owner, visibility="private")
    job = api(cast.owner).post(f"{URL}/{person.pk}/employments", {"company": company.pk}).json()
    outsider = api(cast.outsider)
    assert outsider.get(f"{URL}/{person.pk}/employments").status_code == 404
    assert outsider.get(f"{URL}/{person.pk}/employments/{job['id']}").status_code == 404
    assert outsider.post(f"{URL}/{person.pk}/employments", {"company": company.pk}).status_code == 404
    assert api(cast.teammate).get(f"{URL}/{person.pk}").status_code == 404  # private to its owner


def test_employment_id_of_another_person_is_404(cast, api, company):
    client = api(cast.owner)
    a, b = factories.person(cast.owner), factories.person(cast.owner, "佐藤")
    job = client.post(f"{URL}/{a.pk}/employments", {"company": company.pk}).json()
    assert client.get(f"{URL}/{b.pk}/employments/{job['id']}").status_code == 404


def test_negative_set(cast, api):
    person = factories.person(cast.owner)
    assert api(None).get(f"{URL}/{person.pk}").status_code == 401
    assert api(cast.outsider).get(f"{URL}/{person.pk}").status_code == 404
    assert api(cast.readonly).patch(f"{URL}/{person.pk}", {"notes": "x"}, headers={"If-Match": "*"}).status_code == 403
    assert api(cast.owner).request("put", f"{URL}/{person.pk}", {}).status_code == 405


def test_list_query_count_budget(cast, api, company, django_assert_max_num_queries):
    for i in range(30):
        factories.person(cast.owner, f"姓{i}", emails=[f"p{i}@example.jp"], tags=["x"])
    client = api(cast.owner)
    client.get(URL + "?limit=1")  # a token's first use writes last_used_at and its audit row (once per 5 minutes)
    with django_assert_max_num_queries(6):  # token, role, people, tags, contact points
        response = client.get(URL + "?limit=25")
    assert len(response.json()["items"]) == 25


def test_openapi_schema_and_docs_are_served(cast):
    from django.test import Client

    client = Client()
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    assert "/api/v1/people/{person_id}/employments" in schema.json()["paths"]
    assert client.get("/api/v1/docs").status_code == 200


def test_healthz(db):
    from django.test import Client

    response = Client().get("/healthz")
    assert response.status_code == 200 and response.json()["status"] == "ok"
