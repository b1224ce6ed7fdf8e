"""Record history through the API: people, companies, activities, insights and tasks."""

from kizuna.timeline import services
from tests import factories


def test_history_endpoints(api, cast):
    person = factories.person(cast.owner, "田中", "太郎")
    client = api(cast.owner)
    response = client.patch(f"/api/v1/people/{person.pk}", {"notes": "ゴルフ好き"}, headers={"If-Match": person.etag})
    assert response.status_code == 200
    rows = client.get(f"/api/v1/people/{person.pk}/history").json()
    assert [r["action"] for r in rows] == ["update", "create"] and rows[0]["changes"]["notes"] == [None, "ゴルフ好き"]
    activity = services.create_activity(actor=cast.owner, data={"body": "訪問", "people": [person]})
    assert client.get(f"/api/v1/activities/{activity.pk}/history").json()[0]["actor"] == "owner"
    assert api(cast.outsider).get(f"/api/v1/activities/{activity.pk}/history").status_code == 404
    assert client.get(f"/api/v1/unknown/{activity.pk}/history").status_code == 404
    company = factories.company(cast.owner)
    assert client.get(f"/api/v1/companies/{company.pk}/history").json()[0]["action"] == "create"
