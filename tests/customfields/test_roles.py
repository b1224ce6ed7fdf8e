"""A role that may not read a field does not see it anywhere: pages, API, export, search, history. A role that
may read but not edit sees it read-only."""

import csv
import io

from django.test import Client

from kizuna.contacts import exports, services
from kizuna.contacts.search import search_records
from kizuna.core.history import history
from tests import factories


def _person(cast, fields):
    person = factories.person(cast.owner, "鍵屋", "一二三", visibility="public",
                              custom={"memo": "仕様にうるさい", "rank": "A"})  # fmt: skip
    services.update_person(actor=cast.manager, person=person,
                           data={"custom": {"secret": "与信枠ゼロ秘密", "locked": "K-001"}})  # fmt: skip
    return person


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_detail_page_shows_only_readable_fields(cast, fields):
    person = _person(cast, fields)
    member = _client(cast.owner).get(person.get_absolute_url()).content.decode()
    assert "仕様にうるさい" in member and "K-001" in member
    assert "与信枠ゼロ秘密" not in member and "与信メモ" not in member
    manager = _client(cast.manager).get(person.get_absolute_url()).content.decode()
    assert "与信枠ゼロ秘密" in manager and "与信メモ" in manager


def test_edit_form_hides_unreadable_and_disables_read_only_fields(cast, fields):
    person = _person(cast, fields)
    page = _client(cast.owner).get(f"/people/{person.pk}/edit/").content.decode()
    assert 'name="custom.memo"' in page
    assert 'name="custom.secret"' not in page and "与信枠ゼロ秘密" not in page
    assert 'name="custom.locked"' in page and "K-001" in page
    locked = page[page.index('name="custom.locked"') - 200 : page.index('name="custom.locked"') + 200]
    assert "disabled" in locked


def test_posting_a_read_only_field_changes_nothing(cast, fields):
    from kizuna.contacts.forms import PersonForm

    person = _person(cast, fields)
    data = PersonForm.initial_for(person) | {"custom.locked": "書き換え", "custom.secret": "書き換え",
                                             "custom.memo": "更新"}  # fmt: skip
    data = {k: v for k, v in data.items() if v is not None and not isinstance(v, list)}
    response = _client(cast.owner).post(f"/people/{person.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    person.refresh_from_db()
    assert person.custom["memo"] == "更新"
    assert person.custom["locked"] == "K-001" and person.custom["secret"] == "与信枠ゼロ秘密"


def test_api_shows_and_accepts_only_what_the_role_may(cast, fields, api):
    person = _person(cast, fields)
    member = api(cast.owner)
    body = member.get(f"/api/v1/people/{person.pk}").json()
    assert body["custom"]["memo"] == "仕様にうるさい" and body["custom"]["vip"] is False
    assert "secret" not in body["custom"]
    listed = member.get("/api/v1/people").json()["items"]
    assert all("secret" not in item["custom"] for item in listed)
    match = {"If-Match": f'"{person.pk}-{body["version"]}"'}
    response = member.patch(f"/api/v1/people/{person.pk}", {"custom": {"secret": "x"}}, headers=match)
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {"custom.secret": ["この項目はありません。"]}
    response = member.patch(f"/api/v1/people/{person.pk}", {"custom": {"locked": "x"}}, headers=match)
    assert response.status_code == 422
    assert "編集する権限" in response.json()["error"]["fields"]["custom.locked"][0]
    manager = api(cast.manager).get(f"/api/v1/people/{person.pk}").json()
    assert manager["custom"]["secret"] == "与信枠ゼロ秘密"


def test_export_has_a_column_per_readable_field(cast, fields):
    _person(cast, fields)
    member = exports.export(actor=cast.owner, kind="person", fmt="csv", encoding="utf-8")
    rows = list(csv.reader(io.StringIO(member.content.decode())))
    assert "ランク" in rows[0] and "与信メモ" not in rows[0]
    assert "与信枠ゼロ秘密" not in member.content.decode()
    assert rows[1][rows[0].index("ランク")] == "A"
    manager = exports.export(actor=cast.manager, kind="person", fmt="xlsx")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(manager.content)).active
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert "与信メモ" in header


def test_search_finds_text_fields_every_role_reads_and_never_restricted_ones(cast, fields):
    person = _person(cast, fields)
    results = search_records(cast.owner, "うるさい")[1]
    assert [r.id for r in results] == [person.pk]
    for user in (cast.owner, cast.manager, cast.admin):
        results = search_records(user, "与信枠ゼロ")[1]
        assert results == []  # a field kept from some roles is not in the search document at all


def test_history_hides_unreadable_fields_and_labels_the_rest(cast, fields, api):
    person = _person(cast, fields)
    rows = history(person, cast.owner)
    names = [label for row in rows for label, _old, _new in row["changes"]]
    assert "ランク" in names and "契約番号" in names
    assert "与信メモ" not in names
    page = _client(cast.owner).get(person.get_absolute_url()).content.decode()
    assert "与信枠ゼロ秘密" not in page
    api_rows = api(cast.owner).get(f"/api/v1/people/{person.pk}/history").json()
    assert all("custom.secret" not in row["changes"] for row in api_rows)
    assert any("custom.rank" in row["changes"] for row in api_rows)
    manager_rows = api(cast.manager).get(f"/api/v1/people/{person.pk}/history").json()
    assert any("custom.secret" in row["changes"] for row in manager_rows)


def test_english_labels_when_the_reader_reads_english(cast, fields):
    from django.utils import translation

    person = _person(cast, fields)
    with translation.override("en"):
        rows = history(person, cast.owner)
    assert "Internal memo" in [label for row in rows for label, _o, _n in row["changes"]]


def test_disclosure_holds_every_custom_value_and_erasure_removes_them(cast, fields):
    from kizuna.contacts import privacy

    person = _person(cast, fields)
    disclosed = privacy.disclose([person.pk])["custom"]
    assert disclosed["与信メモ"] == "与信枠ゼロ秘密" and disclosed["ランク"] == "A"
    privacy.erase(cast.admin, [person.pk], scrub=None)
    person.refresh_from_db()
    assert person.custom == {}
