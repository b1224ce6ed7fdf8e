"""Administrators define fields (audited); removing hides a field and keeps its values; purging deletes them in
batches and then the definition; the settings pages and /api/v1/custom-fields."""

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult

from kizuna.contacts import services as contact_services
from kizuna.contacts.models import Person
from kizuna.contacts.search import search_records
from kizuna.core.exceptions import PermissionDenied, ValidationFailed
from kizuna.core.models import AuditEvent
from kizuna.customfields import services
from kizuna.customfields.models import CustomField
from tests import factories


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_only_administrators_define_fields(cast):
    with pytest.raises(PermissionDenied):
        services.create_field(actor=cast.manager, data={"object_type": "person", "key": "x", "type": "text",
                                                        "label_ja": "X"})  # fmt: skip


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"key": "Rank"}, "key"), ({"key": "ランク"}, "key"), ({"key": "1st"}, "key"), ({"type": "color"}, "type"),
        ({"object_type": "spaceship"}, "object_type"), ({"label_ja": ""}, "label_ja"), ({"type": "choice"}, "choices"),
        ({"read_roles": ["nobody"]}, "read_roles"),
    ],
)  # fmt: skip
def test_definitions_are_checked(cast, data, field):
    base = {"object_type": "person", "key": "rank", "type": "text", "label_ja": "ランク"}
    with pytest.raises(ValidationFailed) as info:
        services.create_field(actor=cast.admin, data=base | data)
    assert field in info.value.field_errors


def test_key_and_type_never_change_and_keys_are_unique(cast, fields):
    with pytest.raises(ValidationFailed):
        services.update_field(actor=cast.admin, field=fields["rank"], data={"type": "text"})
    with pytest.raises(ValidationFailed) as info:
        services.create_field(actor=cast.admin, data={"object_type": "person", "key": "rank", "type": "text",
                                                      "label_ja": "別"})  # fmt: skip
    assert "key" in info.value.field_errors


def test_every_change_is_audited(cast, fields):
    services.update_field(actor=cast.admin, field=fields["rank"], data={"label_en": "Rank", "choices": ["A", "B"]})
    services.remove_field(actor=cast.admin, field=fields["rank"])
    services.restore_field(actor=cast.admin, field=fields["rank"])
    rows = AuditEvent.objects.filter(object_type="customfields.customfield", object_label__contains="rank")
    actions = list(rows.order_by("id").values_list("action", flat=True))
    assert actions == ["customfield.create", "customfield.update", "customfield.remove", "customfield.restore"]
    update = AuditEvent.objects.get(action="customfield.update")
    assert update.changes["label_en"] == [None, "Rank"] and update.changes["choices"] == [["A", "B", "C"], ["A", "B"]]


def test_removing_hides_the_field_and_keeps_its_values(cast, fields, api):
    person = factories.person(cast.owner, custom={"rank": "A", "memo": "保持される値"})
    services.remove_field(actor=cast.admin, field=fields["rank"])
    services.remove_field(actor=cast.admin, field=fields["memo"])
    person.refresh_from_db()
    assert person.custom == {"rank": "A", "memo": "保持される値"}
    body = api(cast.owner).get(f"/api/v1/people/{person.pk}").json()
    assert "rank" not in body["custom"] and "memo" not in body["custom"]
    assert "保持される値" not in _client(cast.owner).get(person.get_absolute_url()).content.decode()
    with pytest.raises(ValidationFailed):
        contact_services.update_person(actor=cast.owner, person=person, data={"custom": {"rank": "B"}})
    contact_services.update_person(actor=cast.owner, person=person, data={"custom": {"size": 3}})
    person.refresh_from_db()
    assert person.custom == {"rank": "A", "memo": "保持される値", "size": 3}  # other writes keep them
    services.restore_field(actor=cast.admin, field=fields["rank"])
    assert api(cast.owner).get(f"/api/v1/people/{person.pk}").json()["custom"]["rank"] == "A"


def test_removed_text_field_leaves_search_after_reindex(cast, fields):
    person = factories.person(cast.owner, custom={"memo": "ニッチな語句"})
    assert [r.id for r in search_records(cast.owner, "ニッチな")[1]] == [person.pk]
    services.remove_field(actor=cast.admin, field=fields["memo"])
    from kizuna.customfields.tasks import reindex

    reindex.call("person")  # the worker's job, enqueued on commit
    assert search_records(cast.owner, "ニッチな")[1] == []


def test_purge_needs_a_removed_field_is_audited_and_deletes_in_batches(
    cast, fields, django_capture_on_commit_callbacks
):
    people = [factories.person(cast.owner, f"佐藤{i}", custom={"rank": "B", "size": i}) for i in range(5)]
    with pytest.raises(ValidationFailed):
        services.purge_field(actor=cast.admin, field=fields["rank"])
    services.remove_field(actor=cast.admin, field=fields["rank"])
    with django_capture_on_commit_callbacks(execute=True):
        services.purge_field(actor=cast.admin, field=fields["rank"])
    assert DBTaskResult.objects.filter(task_path="kizuna.customfields.tasks.purge").exists()  # batches: the worker
    row = AuditEvent.objects.get(action="customfield.purge")
    assert row.actor == cast.admin and row.changes["records"] == [None, 5]
    with pytest.raises(ValidationFailed):
        services.restore_field(actor=cast.admin, field=fields["rank"])
    assert services.purge_values(fields["rank"].pk, batch=2) == 5
    assert not Person.objects.filter(custom__has_key="rank").exists()
    assert all(p.custom == {"size": i} for i, p in enumerate(Person.objects.filter(pk__in=[p.pk for p in people])
                                                             .order_by("pk")))  # fmt: skip
    assert not CustomField.objects.filter(key="rank").exists()  # the key may be used again
    services.create_field(actor=cast.admin, data={"object_type": "person", "key": "rank", "type": "number",
                                                  "label_ja": "順位"})  # fmt: skip


def test_settings_pages(cast, fields):
    admin = _client(cast.admin)
    listing = admin.get("/settings/custom-fields/?object_type=person").content.decode()
    assert "ランク" in listing and "<code>rank</code>" in listing
    assert _client(cast.manager).get("/settings/custom-fields/").status_code == 403
    response = admin.post("/settings/custom-fields/new/", {
        "object_type": "person", "key": "grade", "type": "choice", "label_ja": "等級", "choices": "甲\n乙\n",
        "read_roles": ["manager", "member"], "edit_roles": ["manager"], "position": "5",
    })  # fmt: skip
    assert response.status_code == 302
    grade = CustomField.objects.get(key="grade")
    assert grade.choices == ["甲", "乙"] and grade.read_roles == ["manager", "member"] and grade.position == 5
    bad = admin.post("/settings/custom-fields/new/", {"object_type": "person", "key": "Bad Key", "type": "text",
                                                      "label_ja": "x"})  # fmt: skip
    assert bad.status_code == 422 and "半角英小文字" in bad.content.decode()
    edit = admin.post(f"/settings/custom-fields/{grade.pk}/", {"label_ja": "等級（改）", "choices": "甲\n乙\n丙",
                                                                "version": grade.version, "position": "5"})  # fmt: skip
    assert edit.status_code == 302
    grade.refresh_from_db()
    assert grade.label_ja == "等級（改）" and grade.key == "grade" and grade.choices == ["甲", "乙", "丙"]
    assert admin.post(f"/settings/custom-fields/{grade.pk}/remove/").status_code == 302
    assert "削除した項目" in admin.get("/settings/custom-fields/").content.decode()
    assert "件のレコード" in admin.get(f"/settings/custom-fields/{grade.pk}/purge/").content.decode()
    assert admin.post(f"/settings/custom-fields/{grade.pk}/restore/").status_code == 302
    assert admin.get(f"/settings/custom-fields/{grade.pk}/purge/").status_code == 404  # not removed
    assert admin.post(f"/settings/custom-fields/{grade.pk}/purge/").status_code == 404


def test_api_lists_definitions_the_caller_may_read_with_json_types(cast, fields, api):
    body = api(cast.owner).get("/api/v1/custom-fields?object_type=person").json()
    by_key = {f["key"]: f for f in body}
    assert "secret" not in by_key
    assert by_key["amount"]["json_type"] == "integer" and by_key["areas"]["json_type"] == "array"
    assert by_key["vip"]["json_type"] == "boolean" and by_key["size"]["json_type"] == "number"
    assert by_key["locked"]["editable"] is False and by_key["memo"]["editable"] is True
    assert by_key["rank"]["path"] == "custom.rank" and by_key["rank"]["choices"] == ["A", "B", "C"]
    assert "secret" in {f["key"] for f in api(cast.manager).get("/api/v1/custom-fields?object_type=person").json()}
    assert api(cast.owner).get("/api/v1/custom-fields?object_type=spaceship").status_code == 422


def test_api_administration(cast, api):
    admin = api(cast.admin, scopes=("read", "write", "admin"))
    created = admin.post("/api/v1/custom-fields", {"object_type": "company", "key": "tier", "type": "choice",
                                                   "label_ja": "階層", "choices": ["1次", "2次"]})  # fmt: skip
    assert created.status_code == 201, created.content
    field_id = created.json()["id"]
    assert admin.patch(f"/api/v1/custom-fields/{field_id}", {"required": True}).json()["required"] is True
    bad = admin.patch(f"/api/v1/custom-fields/{field_id}", {"choices": []})
    assert bad.status_code == 422 and "choices" in bad.json()["error"]["fields"]
    assert admin.delete(f"/api/v1/custom-fields/{field_id}").status_code == 204
    assert admin.get("/api/v1/custom-fields?object_type=company&removed=true").json()[0]["removed"] is True
    assert admin.post(f"/api/v1/custom-fields/{field_id}/restore").json()["removed"] is False
    assert admin.delete(f"/api/v1/custom-fields/{field_id}").status_code == 204
    assert admin.post(f"/api/v1/custom-fields/{field_id}/purge").json()["purging"] is True
    without_scope = api(cast.admin).post("/api/v1/custom-fields", {"object_type": "company", "key": "x",
                                                                   "type": "text", "label_ja": "X"})  # fmt: skip
    assert without_scope.status_code == 403


def test_openapi_documents_the_endpoint_and_the_value_types(cast, api):
    schema = api(cast.owner).get("/api/v1/openapi.json").json()
    assert "/api/v1/custom-fields" in schema["paths"]
    person = schema["components"]["schemas"]["PersonOut"]["properties"]["custom"]
    assert "money → integer" in person["description"] and "/api/v1/custom-fields" in person["description"]
    assert "custom" in schema["components"]["schemas"]["PersonIn"]["properties"]
    assert "custom" in schema["components"]["schemas"]["CompanyPatch"]["properties"]
    assert "custom.<key>" in schema["paths"]["/api/v1/people"]["get"]["description"]
