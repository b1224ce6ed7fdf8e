"""An Idempotency-Key whose first attempt died with its process (tests/ops/test_crash_servers.py kills one for
real): the retry runs once after KIZUNA_IDEMPOTENCY_STALE_SECONDS, never while the first may still be running."""

import hashlib
import json
from datetime import timedelta

from django.utils import timezone

from kizuna.contacts.models import Person
from kizuna.core import idempotency
from kizuna.core.models import IdempotencyKey
from tests.conftest import ApiClient

BODY = {"family_name": "鍵山", "given_name": "再送"}


def _left_behind(api: ApiClient, key: str, age: timedelta) -> None:
    """The claim a killed worker leaves: inserted and committed before the view ran, never completed."""
    token = api.headers["Authorization"][7:]
    principal = "token:" + hashlib.sha256(token.encode()).hexdigest()[:64]
    fingerprint = hashlib.sha256(b"POST /api/v1/people\n" + json.dumps(BODY).encode()).hexdigest()
    created_at = timezone.now() - age
    IdempotencyKey.objects.create(principal=principal, key=key, fingerprint=fingerprint, created_at=created_at)


def test_a_key_whose_first_attempt_died_is_run_once_by_the_retry(cast, settings):
    settings.KIZUNA_IDEMPOTENCY_STALE_SECONDS = 60
    api = ApiClient(cast.owner)
    _left_behind(api, "order-1", timedelta(seconds=61))
    first = api.post("/api/v1/people", BODY, headers={"Idempotency-Key": "order-1"})
    again = api.post("/api/v1/people", BODY, headers={"Idempotency-Key": "order-1"})
    assert first.status_code == again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert Person.objects.filter(given_name="再送").count() == 1


def test_a_key_that_may_still_be_running_is_not_taken_over(cast, settings, monkeypatch):
    settings.KIZUNA_IDEMPOTENCY_STALE_SECONDS = 60
    monkeypatch.setattr(idempotency, "WAIT_SECONDS", 0.1)
    api = ApiClient(cast.owner)
    _left_behind(api, "order-2", timedelta(seconds=5))
    busy = api.post("/api/v1/people", BODY, headers={"Idempotency-Key": "order-2"})
    assert busy.status_code == 409  # a concurrent duplicate is never run beside the first
    assert busy.json()["error"]["code"] == "idempotency_in_progress"
    assert not Person.objects.filter(given_name="再送").exists()
