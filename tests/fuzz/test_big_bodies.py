"""Bodies built to hurt: deeply nested JSON and a body past the size limit get a 4xx in the API's error shape,
with a Japanese message, and write nothing."""

import pytest

from kizuna.contacts.models import Person
from tests.conftest import ApiClient


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ("[" * 100_000 + "]" * 100_000, 400, "unreadable_body"),
        ('{"family_name": "x", "notes": ' + "[" * 50_000 + "]" * 50_000 + "}", 400, "unreadable_body"),
        ('{"family_name": "' + "あ" * 4_000_000 + '"}', 413, "body_too_large"),  # 12 MB, over the 10 MB limit
        ('{"family_name": "x", "notes": "' + "a" * 2_000_000 + '"}', 422, "validation_error"),
    ],
    ids=["nested-array", "nested-field", "over-the-limit", "10k-char-field"],
)
def test_hostile_bodies_get_a_4xx_and_write_nothing(cast, body, status, code):
    api = ApiClient(cast.owner)
    response = api.client.post("/api/v1/people", data=body, content_type="application/json", headers=api.headers)
    assert response.status_code == status, response.content[:300]
    error = response.json()["error"]
    assert error["code"] == code and any("\u3040" <= ch <= "\u9fff" for ch in error["message"])
    assert not Person.objects.exists()
