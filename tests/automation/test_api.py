"""/api/v1/automation: a rule's life through the API, the run history, the dry run and the negative set."""

import pytest

from kizuna.automation.models import Rule, RuleRun
from kizuna.contacts import services as contacts
from kizuna.core.models import AuditEvent, OutboxEvent
from tests import factories
from tests.automation.conftest import drain

RULES = "/api/v1/automation/rules"
BODY = {
    "name": "顧客になったらVIP",
    "trigger": "person.updated",
    "conditions": [{"field": "lifecycle_stage", "op": "changed_to", "value": "customer"}],
    "actions": [{"action": "record.add_tag", "params": {"tag": "VIP"}}],
}


def test_create_read_change_and_run(cast, api):
    client = api(cast.manager)
    response = client.post(RULES, BODY)
    assert response.status_code == 201, response.content
    rule = response.json()
    assert rule["team"] == cast.team_a.pk and rule["owner"] == cast.manager.pk and response["ETag"]
    url = f"{RULES}/{rule['id']}"
    assert client.patch(url, {"name": "x"}).status_code == 428
    response = client.patch(url, {"enabled": False}, headers={"If-Match": response["ETag"]})
    assert response.status_code == 200 and response.json()["enabled"] is False
    response = client.patch(url, {"enabled": True}, headers={"If-Match": response["ETag"]})
    person = factories.person(cast.owner, "山田", "花子")
    contacts.update_person(actor=cast.owner, person=person, data={"lifecycle_stage": "customer"})
    drain()
    runs = client.get(f"{url}/runs").json()
    assert runs[0]["object_id"] == str(person.pk) and runs[0]["status"] == "ok"
    assert [r["id"] for r in client.get(RULES).json()] == [rule["id"]]
    assert client.delete(url).status_code == 204 and not Rule.objects.exists()
    assert AuditEvent.objects.filter(action="automation.rule.delete", actor=cast.manager).exists()


def test_dry_run_writes_nothing(cast, api):
    client = api(cast.admin)
    rule = client.post(RULES, BODY).json()
    person = factories.person(cast.owner, "山田", "花子", lifecycle_stage="customer")
    before = (OutboxEvent.objects.count(), AuditEvent.objects.count())
    response = client.post(f"{RULES}/{rule['id']}/dry-run", {"object_type": "person", "object_id": person.pk})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["matched"] is True and "VIP" in body["actions"][0]["message"]
    assert body["conditions"][0]["holds"] is True and body["conditions"][0]["note"]
    assert before == (OutboxEvent.objects.count(), AuditEvent.objects.count()) and not RuleRun.objects.exists()
    wrong = client.post(f"{RULES}/{rule['id']}/dry-run", {"object_type": "company", "object_id": person.pk})
    assert wrong.status_code in (404, 422)


def test_dry_run_on_a_hidden_record_is_404(cast, api):
    rule = api(cast.manager).post(RULES, BODY).json()
    hidden = factories.person(cast.outsider, "他", "チーム", visibility="private")
    response = api(cast.manager).post(f"{RULES}/{rule['id']}/dry-run", {"object_type": "person",
                                                                       "object_id": hidden.pk})  # fmt: skip
    assert response.status_code == 404


def test_catalog_lists_triggers_actions_and_fields(cast, api):
    body = api(cast.manager).get("/api/v1/automation/catalog").json()
    assert "person.updated" in body["triggers"] and "time.person.no_contact" in body["triggers"]
    assert {"record.add_tag", "email.send", "timeline.create_task"} <= {a["key"] for a in body["actions"]}
    assert ["days_since_contact", "最終接触からの日数"] in body["fields"]["person"]


def test_bad_input_is_422_in_the_error_shape(cast, api):
    response = api(cast.admin).post(RULES, BODY | {"trigger": "x.y"})
    assert response.status_code == 422 and "trigger" in response.json()["error"]["fields"]
    response = api(cast.admin).post(RULES, BODY | {"unknown": 1})
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [("get", RULES, None), ("post", RULES, BODY), ("get", RULES + "/{id}", None),
     ("patch", RULES + "/{id}", {"name": "x"}), ("delete", RULES + "/{id}", None),
     ("get", RULES + "/{id}/runs", None), ("post", RULES + "/{id}/dry-run", {"object_type": "person", "object_id": 1}),
     ("post", RULES + "/{id}/move", {"direction": "up"}), ("get", "/api/v1/automation/catalog", None)],
)  # fmt: skip
def test_negative_set(cast, api, method, path, body):
    rule = api(cast.manager).post(RULES, BODY).json()
    url = path.format(id=rule["id"])
    kwargs = {"data": body} if body is not None else {}
    assert getattr(api(None), method)(url, **kwargs).status_code == 401
    assert getattr(api(cast.readonly), method)(url, **kwargs).status_code == 403
    assert getattr(api(cast.owner), method)(url, **kwargs).status_code == 403  # members do not manage rules
    if "{id}" in path:
        other_manager = factories.make_manager(cast)
        assert getattr(api(other_manager), method)(url, **kwargs).status_code == 404  # another team's rule
    assert api(cast.admin).request("put", url).status_code == 405
