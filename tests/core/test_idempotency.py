"""Idempotency-Key on API POSTs: a retried request returns the first response and writes nothing twice."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from kizuna.contacts.models import Person
from kizuna.core import idempotency
from kizuna.core.models import IdempotencyKey
from tests.conftest import ApiClient

BODY = {"family_name": "鍵山", "given_name": "一二三"}


def post(api, body=BODY, key="order-2026-0001"):
    return api.post("/api/v1/people", body, headers={"Idempotency-Key": key})


def test_the_same_key_and_body_returns_the_first_response_without_a_second_write(cast):
    api = ApiClient(cast.owner)
    first = post(api)
    again = post(api)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert again["ETag"] == first["ETag"]
    assert Person.objects.filter(family_name="鍵山").count() == 1


def test_the_same_key_with_another_body_is_refused(cast):
    api = ApiClient(cast.owner)
    assert post(api).status_code == 201
    refused = post(api, {**BODY, "given_name": "二三四"})
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "idempotency_key_reused"
    assert Person.objects.filter(family_name="鍵山").count() == 1


def test_keys_belong_to_their_sender(cast):
    assert post(ApiClient(cast.owner)).status_code == 201
    assert post(ApiClient(cast.teammate)).status_code == 201  # another caller's key of the same text
    assert Person.objects.filter(family_name="鍵山").count() == 2


def test_a_refusal_is_remembered_too_and_a_key_lives_24_hours(cast):
    api = ApiClient(cast.owner)
    bad = post(api, {"given_name": "名だけ"}, key="k-bad")
    assert bad.status_code == 422 and post(api, {"given_name": "名だけ"}, key="k-bad").json() == bad.json()
    assert post(api).status_code == 201
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=25))
    assert post(api).status_code == 201  # expired: runs again
    assert Person.objects.filter(family_name="鍵山").count() == 2
    assert idempotency.purge_expired() >= 1


def test_bad_keys_and_unauthenticated_requests(cast):
    api = ApiClient(cast.owner)
    too_long = post(api, key="x" * 256)
    assert too_long.status_code == 400 and too_long.json()["error"]["code"] == "bad_idempotency_key"
    assert post(api, key="日本語キー").status_code == 400
    assert ApiClient().post("/api/v1/people", BODY, headers={"Idempotency-Key": "k1"}).status_code == 401
    assert not IdempotencyKey.objects.exists()


def test_a_browser_session_posts_with_a_key_too(cast):
    client = Client(enforce_csrf_checks=False)
    client.force_login(cast.owner)
    kwargs = {"content_type": "application/json", "headers": {"Idempotency-Key": "s-1"}}
    first = client.post("/api/v1/people", BODY, **kwargs)
    again = client.post("/api/v1/people", BODY, **kwargs)
    assert first.status_code == 201 and again["Idempotent-Replayed"] == "true"


def test_a_duplicate_while_the_first_still_runs_waits_then_answers_409(cast, monkeypatch):
    monkeypatch.setattr(idempotency, "WAIT_SECONDS", 0.2)
    api = ApiClient(cast.owner)
    principal = idempotency._principal(type("R", (), {"headers": api.headers, "user": None})())
    IdempotencyKey.objects.create(principal=principal, key="slow", fingerprint="?")
    response = post(api, key="slow")
    assert response.status_code == 422  # another body: refused at once
    IdempotencyKey.objects.filter(key="slow").update(fingerprint=_fingerprint_of(api))
    response = post(api, key="slow")
    assert response.status_code == 409 and response.json()["error"]["code"] == "idempotency_in_progress"
    assert not Person.objects.exists()


def _fingerprint_of(api) -> str:
    import json

    from django.test import RequestFactory

    request = RequestFactory().post("/api/v1/people", json.dumps(BODY), content_type="application/json")
    return idempotency._fingerprint(request)


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_write_once(cast):
    if connection.vendor == "sqlite" and "memory" in str(connection.settings_dict["NAME"]):
        pytest.skip("threads need a database they can share")
    api = ApiClient(cast.owner)
    barrier, results = threading.Barrier(4), []

    def send():
        barrier.wait()
        try:
            response = post(api, key="burst")
            results.append((response.status_code, response.json().get("id")))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Person.objects.filter(family_name="鍵山").count() == 1
    ids = {pk for status, pk in results if status == 201}
    assert len(ids) == 1 and all(status in (201, 409) for status, _ in results)
