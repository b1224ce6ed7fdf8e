"""The shared API input bases: true/false is never taken for a number (pydantic would read `"owner": true` as
user 1), and booleans still work where a boolean is meant."""

from kizuna.contacts.models import Person
from tests import factories

API = "/api/v1"


def test_a_boolean_is_not_a_user_id(cast, api):
    person = factories.person(cast.owner, "田中", "一郎")
    client = api(cast.owner)
    response = client.patch(f"{API}/people/{person.pk}", {"owner": True}, headers={"If-Match": person.etag})
    assert response.status_code == 422 and "owner" in response.json()["error"]["fields"]
    assert Person.objects.get(pk=person.pk).owner_id == cast.owner.pk
    activity = client.post(f"{API}/activities", {"body": "訪問", "people": [True]})
    assert activity.status_code == 422 and "people" in activity.json()["error"]["fields"]


def test_booleans_still_work_where_meant(cast, api):
    person = factories.person(cast.owner, "田中", "一郎")
    response = api(cast.owner).request(
        "put", f"{API}/people/{person.pk}/access", {"sensitive": True}, headers={"If-Match": person.etag}
    )
    assert response.status_code == 200 and response.json()["sensitive"] is True
