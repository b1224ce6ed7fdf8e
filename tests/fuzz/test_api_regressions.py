"""The smallest inputs the API fuzz found breaking the API, each kept as a regression test."""

import pytest
from django.test import Client
from ninja import Schema

from kizuna.api import api  # every router, so every schema class is imported
from kizuna.imports.models import ImportJob

API = "/api/v1"
TOO_BIG = 2**63  # one past the largest 64-bit database integer


def test_a_body_that_is_not_json_gets_the_one_error_shape(seeded):
    """Was: 400 {"detail": "Cannot parse request body"} — not the declared {"error": {...}} shape."""
    company = seeded.ids["company_id"][0]
    response = Client().patch(f"{API}/companies/{company}", b"\x00", content_type="application/json",
                              headers={"Authorization": seeded.token, "If-Match": "*"})  # fmt: skip
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "unreadable_body"
    assert "JSON" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("activities", {"people": [1, -(2**107)]}, "people"),  # was: OverflowError (SQLite) → 500
        ("insights", {"statement": "x", "evidence": [TOO_BIG]}, "evidence"),
        ("relationships", {"from_person": TOO_BIG, "to_person": 1}, "from_person"),
        ("people", {"family_name": "田中", "company": TOO_BIG}, "company"),
    ],
)
def test_integers_too_large_for_the_database_are_a_422(seeded, path, body, field):
    client = Client(headers={"Authorization": seeded.token})
    response = client.post(f"{API}/{path}", body, content_type="application/json")
    assert response.status_code == 422, response.content
    assert response.json()["error"]["fields"][field] == ["数値が大きすぎます。"]


@pytest.mark.parametrize("query", [f"people?company={TOO_BIG}", f"activities?person={TOO_BIG}"])
def test_list_filters_too_large_for_the_database_are_a_422(seeded, query):
    response = Client(headers={"Authorization": seeded.token}).get(f"{API}/{query}")
    assert response.status_code == 422, response.content


def test_the_largest_database_integer_is_still_just_unknown(seeded):
    client = Client(headers={"Authorization": seeded.token})
    response = client.post(f"{API}/activities", {"people": [TOO_BIG - 1]}, content_type="application/json")
    assert response.status_code == 422 and "people" in response.json()["error"]["fields"]
    assert client.get(f"{API}/people?company={TOO_BIG - 1}").json()["items"] == []


@pytest.mark.parametrize(
    "body",
    [
        {"mapping": {"ÅÿZðê\x04": "full_name"}},  # was: ValueError from int() → 500
        {"mapping": {"-1": "full_name"}},  # int() took it: the last column, silently
        {"mapping": {"１": "full_name"}},  # int() takes full-width digits too
        {"mapping": {"0": "full_name"}, "B": []},  # unknown fields were ignored
    ],
)
def test_import_mapping_keys_must_be_column_numbers(seeded, body):
    job_id = seeded.ids["job_id"][0]
    before = ImportJob.objects.get(pk=job_id).mapping
    client = Client(headers={"Authorization": seeded.token})
    response = client.patch(f"{API}/imports/{job_id}", body, content_type="application/json")
    assert response.status_code == 422, response.content
    assert ImportJob.objects.get(pk=job_id).mapping == before


def test_import_mapping_by_column_number_still_works(seeded):
    job_id = seeded.ids["job_id"][0]
    client = Client(headers={"Authorization": seeded.token})
    response = client.patch(f"{API}/imports/{job_id}", {"mapping": {"0": "full_name"}}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["mapping"] == {"0": "full_name"}


def test_api_schema_names_are_unique():
    """OpenAPI names components by class name, so two schemas called Ref made every timeline response with a
    Ref ({id, label}) fail its declared schema, which had become the access API's Ref ({id, name})."""
    modules: dict[str, set[str]] = {}
    stack = [Schema]
    while stack:
        for schema in stack.pop().__subclasses__():
            stack.append(schema)
            if schema.__module__.startswith("kizuna."):
                modules.setdefault(schema.__name__, set()).add(schema.__module__)
    assert {name: found for name, found in modules.items() if len(found) > 1} == {}
    component = api.get_openapi_schema()["components"]["schemas"]["Ref"]
    assert set(component["properties"]) == {"id", "label"}


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("companies", {"name": "山田\x00製作所"}, "name"),  # was: psycopg DataError on PostgreSQL → 500
        ("people", {"family_name": "田中", "emails": [{"value": "a\x00@example.jp"}]}, "emails.0.value"),
        ("capture", {"text": "@田\x00中 工場見学"}, "text"),
        ("imports/{job}", {"mapping": {"0\x00": "full_name"}}, "mapping"),
    ],
)
def test_nul_characters_are_a_422(seeded, path, body, field):
    client = Client(headers={"Authorization": seeded.token})
    url = f"{API}/{path.format(job=seeded.ids['job_id'][0])}"
    send = client.patch if "{job}" in path else client.post
    response = send(url, body, content_type="application/json")
    assert response.status_code == 422, response.content
    assert any("NUL" in m for m in response.json()["error"]["fields"][field]) or field == "mapping"


@pytest.mark.parametrize(
    "query",
    [
        "search?q=%00abc",  # was: 500 on PostgreSQL (search took plain query parameters)
        f"search?q=a&limit={TOO_BIG}",
        "tasks?assignee=%C2%B2",  # "²": isdigit() said yes, int() raised ValueError → 500
        f"tasks?assignee={TOO_BIG}",  # was: OverflowError on SQLite → 500
        "activities?user=%C2%B2",
    ],
)
def test_query_parameters_that_cannot_be_stored_are_a_422(seeded, query):
    response = Client(headers={"Authorization": seeded.token}).get(f"{API}/{query}")
    assert response.status_code == 422, response.content
    assert response.json()["error"]["code"] == "validation_error"


def test_search_still_answers(seeded):
    response = Client(headers={"Authorization": seeded.token}).get(f"{API}/search?q=田中&limit=5")
    assert response.status_code == 200 and response.json()["total"] >= 1


def test_a_broken_upload_gets_the_one_error_shape(seeded):
    """Was: Django's HTML 400 page (MultiPartParserError: "Request max total header size exceeded")."""
    boundary = "0c2f7627dbc715cd76f7d1c3dabff0c3"
    body = f"--{boundary}\r\n{'x' * 9000}--{boundary}--\r\n".encode()
    response = Client().post(f"{API}/imports", body, content_type=f"multipart/form-data; boundary={boundary}",
                             headers={"Authorization": seeded.token})  # fmt: skip
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "unreadable_body"
