"""Filters and sorts by custom fields, one definition for the UI list, the API and exports; identical on SQLite
and PostgreSQL; the SQLite expression index follows the field's filterable flag."""

import pytest
from django.db import connection
from django.test import Client

from kizuna.contacts import exports
from kizuna.contacts.filters import filter_people
from kizuna.contacts.models import Person
from kizuna.core.exceptions import ValidationFailed
from kizuna.customfields import services as field_services
from kizuna.customfields.filters import index_name
from tests import factories


@pytest.fixture
def people(cast, fields):
    p = {}
    p["a"] = factories.person(cast.owner, "青木", custom={"rank": "A", "amount": 500000, "since": "2023-04-01",
                                                          "areas": ["営業", "技術"], "vip": True, "size": 10,
                                                          "memo": "Aの会社"})  # fmt: skip
    p["b"] = factories.person(cast.owner, "馬場", custom={"rank": "B", "amount": 120000, "since": "2024-10-01",
                                                          "areas": ["購買"], "size": 2.5})  # fmt: skip
    p["c"] = factories.person(cast.owner, "千葉", custom={"rank": "A", "amount": 80000, "areas": ["技術"]})
    p["none"] = factories.person(cast.owner, "無田")
    return p


def _names(qs):
    return sorted(p.family_name for p in qs)


def _filter(user, **custom):
    return _names(filter_people(Person.objects.visible_to(user), user=user, custom=custom))


def test_equality_range_multi_checkbox_and_text(cast, people):
    assert _filter(cast.owner, rank="A") == sorted(["青木", "千葉"])
    assert _filter(cast.owner, **{"amount.min": "１２００００"}) == sorted(["青木", "馬場"])
    assert _filter(cast.owner, **{"amount.min": "100000", "amount.max": "200000"}) == ["馬場"]
    assert _filter(cast.owner, **{"since.min": "令和6年1月1日"}) == ["馬場"]
    assert _filter(cast.owner, **{"size.max": "3"}) == ["馬場"]
    assert _filter(cast.owner, areas="技術") == sorted(["青木", "千葉"])
    assert _filter(cast.owner, vip="true") == ["青木"]
    assert _filter(cast.owner, vip="false") == sorted(["馬場", "千葉", "無田"])
    assert _filter(cast.owner, size="10") == ["青木"]


def test_text_filter_is_a_substring(cast, fields, people):
    field_services.update_field(actor=cast.admin, field=fields["memo"], data={"filterable": True})
    assert _filter(cast.owner, memo="の会") == ["青木"]


def test_bad_filters_are_clear_errors(cast, people):
    with pytest.raises(ValidationFailed) as info:
        _filter(cast.owner, **{"amount.min": "たくさん"})
    assert "custom.amount.min" in info.value.field_errors
    with pytest.raises(ValidationFailed) as info:
        _filter(cast.owner, memo="x")  # not filterable
    assert "絞り込み" in info.value.field_errors["custom.memo"][0]
    with pytest.raises(ValidationFailed) as info:
        _filter(cast.owner, secret="x")  # not readable by members: as if it did not exist
    assert info.value.field_errors == {"custom.secret": ["この項目はありません。"]}
    with pytest.raises(ValidationFailed):
        _filter(cast.owner, **{"rank.min": "A"})


def test_api_list_filters_and_sorts_and_pages(cast, people, api):
    client = api(cast.owner)
    body = client.get("/api/v1/people?custom.rank=A&sort=-custom.amount").json()
    assert [i["family_name"] for i in body["items"]] == ["青木", "千葉"]
    first = client.get("/api/v1/people?sort=custom.amount&limit=2").json()
    assert [i["family_name"] for i in first["items"]] == ["無田", "千葉"]  # unset sorts first
    second = client.get(f"/api/v1/people?sort=custom.amount&limit=2&cursor={first['next_cursor']}").json()
    assert [i["family_name"] for i in second["items"]] == ["馬場", "青木"]
    bad = client.get("/api/v1/people?custom.rank=Z")
    assert bad.status_code == 422 and "custom.rank" in bad.json()["error"]["fields"]
    assert client.get("/api/v1/people?sort=custom.memo").status_code == 422
    dates = client.get("/api/v1/people?sort=-custom.since").json()
    assert [i["family_name"] for i in dates["items"]][:2] == ["馬場", "青木"]


def test_ui_list_filters_sorts_and_shows_chosen_columns(cast, people):
    client = Client()
    client.force_login(cast.owner)
    page = client.get("/people/?custom.rank=A&sort=-custom.amount&cols_set=1&col=amount").content.decode()
    page = page[page.index('id="list-body"') :]  # (the prefecture filter lists 千葉県)
    assert page.index("青木 太郎") < page.index("千葉 太郎") and "馬場" not in page
    assert "見込み金額" in page and "500,000円" in page
    again = client.get("/people/").content.decode()  # the chosen columns are remembered
    assert "500,000円" in again and "120,000円" in again
    assert 'name="custom.rank"' in again and 'value="-custom.amount"' in again
    fragment = client.get("/people/?custom.rank=B", headers={"HX-Request": "true"}).content.decode()
    assert "馬場 太郎" in fragment and "青木 太郎" not in fragment and "120,000円" in fragment


def test_export_uses_the_same_filters(cast, people):
    result = exports.export(actor=cast.owner, kind="person", filters={"custom": {"rank": "B"}}, fmt="csv",
                            encoding="utf-8")  # fmt: skip
    assert result.rows == 1 and "馬場" in result.content.decode()
    client = Client()
    client.force_login(cast.owner)
    response = client.get("/export/person/?custom.rank=A&format=csv&encoding=utf-8")
    assert response.status_code == 200 and response.content.decode().count("\r\n") == 3


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's per-field expression index")
def test_sqlite_expression_index_follows_filterable(cast, fields, people):
    def indexes():
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_master WHERE type='index' AND tbl_name='contacts_person'")
            return {row[0] for row in cursor.fetchall()}

    name = index_name(Person, "rank")
    assert name in indexes()
    sql, params = str(filter_people(Person.objects.all(), user=cast.owner, custom={"rank": "A"}).query), None
    with connection.cursor() as cursor:
        qs = filter_people(Person.objects.all(), user=cast.owner, custom={"rank": "A"}).values("pk")
        query, params = qs.query.sql_with_params()
        cursor.execute(f"EXPLAIN QUERY PLAN {query}", params)
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert name in plan, (sql, plan)
    field_services.update_field(actor=cast.admin, field=fields["rank"], data={"filterable": False})
    assert name not in indexes()
    field_services.update_field(actor=cast.admin, field=fields["rank"], data={"filterable": True})
    field_services.remove_field(actor=cast.admin, field=fields["rank"])
    assert name not in indexes()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's GIN index")
def test_postgresql_gin_index_exists(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'person_custom_gin'")
        (definition,) = cursor.fetchone()
    assert "gin" in definition and "jsonb_path_ops" in definition


def _plan(qs) -> str:
    query, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # a handful of rows: make the planner show whether it could
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN {'QUERY PLAN ' if connection.vendor == 'sqlite' else ''}{query}", params)
        return " ".join(str(row) for row in cursor.fetchall())


def test_a_sort_by_a_filterable_field_reads_its_index(cast, fields, people):
    from kizuna.contacts.filters import PERSON_SORTS, sorted_by
    from kizuna.core.pagination import paginate

    amount = fields["amount"]
    field_services.apply_indexes("person", "amount", amount.type, True)  # PostgreSQL: the worker's job
    qs, sorts = sorted_by(Person.objects.all(), user=cast.owner, object_type="person", sort="-custom.amount",
                          sorts=PERSON_SORTS)  # fmt: skip
    assert "cfs_contacts_person_amount" in _plan(qs.order_by("-cf_sort", "-pk")[:26])
    first = paginate(qs, sort=sorts["-custom.amount"], limit=2)
    assert [p.family_name for p in first.items] == ["青木", "馬場"]
    field_services.update_field(actor=cast.admin, field=fields["amount"], data={"filterable": False})
    field_services.apply_indexes("person", "amount", amount.type, False)
    with pytest.raises(ValidationFailed):
        sorted_by(Person.objects.all(), user=cast.owner, object_type="person", sort="-custom.amount",
                  sorts=PERSON_SORTS)  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM " + ("sqlite_master WHERE type='index' AND name=%s"
                       if connection.vendor == "sqlite" else "pg_indexes WHERE indexname=%s"),
                       ["cfs_contacts_person_amount"])  # fmt: skip
        assert cursor.fetchone()[0] == 0
