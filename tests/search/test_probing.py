"""Searching by phone digits or e-mail fragments is counted per user: past the limit it is refused with 429
(page and API alike) and the refusal is audited once per window; searches by name are not counted."""

import pytest
from django.test import Client, override_settings

from kizuna.contacts.search import is_contact_probe
from kizuna.core.models import AuditEvent
from tests import factories
from tests.conftest import ApiClient

LIMITS = {"search_contact": "3/m"}


@pytest.mark.parametrize(
    ("query", "probe"),
    [("090-1", True), ("０９０１２", True), ("taro@", True), ("@example", True), ("田中", False), ("12", False),
     ("山田3丁目", False), ("たなか", False)],
)  # fmt: skip
def test_what_counts_as_a_contact_probe(query, probe):
    assert is_contact_probe(query) is probe


@override_settings(KIZUNA_RATE_LIMITS=LIMITS)
def test_probing_is_throttled_and_audited(cast):
    factories.person(cast.owner, "田中", "太郎", visibility="public", phones=["03-1111-2222"])
    api = ApiClient(cast.outsider)
    for digits in ("031", "0311", "03111"):
        assert api.get(f"/api/v1/search?q={digits}").status_code == 200
    refused = api.get("/api/v1/search?q=031111")
    assert refused.status_code == 429 and refused["Retry-After"]
    assert refused.json()["error"]["code"] == "rate_limited"
    page = Client()
    page.force_login(cast.outsider)
    answer = page.get("/search/quick/?q=0311112")
    assert answer.status_code == 429 and "リクエストが多すぎます" in answer.content.decode()
    assert api.get("/api/v1/search?q=田中").status_code == 200  # names are not probes
    throttled = AuditEvent.objects.filter(action="search.throttled", actor=cast.outsider)
    assert throttled.count() == 1 and throttled.get().changes["query"][1] == "031111"
    assert ApiClient(cast.teammate).get("/api/v1/search?q=0311").status_code == 200  # counted per user
