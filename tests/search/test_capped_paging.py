"""Past COUNT_CAP matches the search reads each rank tier in recency order instead of ranking every match.
With the caps made tiny, the same data goes down that path: paging must still return every match exactly
once, in the same order as the exact path, and only records the user may see. On PostgreSQL a tier is
walked through the newest WALK_WINDOW documents, then read from the GIN index: tiny windows force both."""

import pytest

from kizuna.contacts import search
from kizuna.contacts.search import search_records
from kizuna.core import search as index
from tests import factories
from tests.conftest import fresh, made_once, make_cast


@pytest.fixture(scope="module")
def _made(django_db_setup, django_db_blocker):
    with made_once(django_db_blocker):
        cast = make_cast()
        yield cast, _data(cast)


@pytest.fixture
def cast(_made, db):
    return fresh(_made[0])


@pytest.fixture
def data(_made, db):
    return fresh(_made[1])


def _data(cast):
    a = cast.owner
    people = [
        ("田", ""),  # exact name
        ("田中", "太郎"),  # prefix
        ("山田", "花子"),  # elsewhere in the name
        ("田村", "健"),
        ("中田", "一"),
        ("佐藤", "二"),  # found through 田中工業, below
        ("田中", "三郎"),
        ("太田", "四郎"),
    ]
    company = factories.company(a, "田中工業株式会社")
    made = [factories.person(a, f, g, family_name_kana="タ", given_name_kana="") for f, g in people]
    factories.person(a, "佐藤", "無関係", family_name_kana="サトウ")  # no 田 anywhere
    factories.company(a, "田園商事")
    factories.company(a, "株式会社田")  # exact key
    factories.person(cast.outsider, "田中", "秘密", visibility="private")  # never visible to owner
    from kizuna.contacts import services

    services.add_employment(actor=a, person=made[5], data={"company": company.pk})
    return made


def every_page(user, query, type, limit):
    seen, cursor, pages = [], None, 0
    while True:
        total, results, cursor = search_records(user, query, type=type, limit=limit, cursor=cursor)
        seen += [(r.type, r.label) for r in results]
        pages += 1
        if cursor is None:
            return total, seen, pages
        assert pages < 50


@pytest.mark.parametrize("type", ["person", "company", None])
@pytest.mark.parametrize("limit", [1, 2, 3, 100])
@pytest.mark.parametrize("window", [20_000, 1, 3], ids=["walk", "index", "walk-then-index"])
def test_capped_paging_returns_every_match_in_the_same_order(cast, data, monkeypatch, type, limit, window):
    exact_total, expected, _ = every_page(cast.owner, "田", type, 100)
    assert not exact_total.is_estimate and exact_total == len(expected)
    assert ("person", "田中 秘密") not in expected and ("person", "佐藤 無関係") not in expected

    monkeypatch.setattr(search, "COUNT_CAP", 2)
    monkeypatch.setattr(index, "WALK_WINDOW", window)
    total, seen, pages = every_page(cast.owner, "田", type, limit)
    assert seen == expected  # recall unchanged, nothing twice, same ranking
    assert total.is_estimate and total == (2 if type else 4)
    assert pages == -(-len(expected) // limit)


def test_ranking_is_exact_then_prefix_then_recent(cast, data):
    _, results, _ = search_records(cast.owner, "田", type="person", limit=100)
    labels = [r.label for r in results]
    assert labels[0] == "田"
    prefix = {"田中 太郎", "田村 健", "田中 三郎"}
    assert set(labels[1:4]) == prefix
    rest = labels[4:]
    assert rest == ["太田 四郎", "佐藤 二", "中田 一", "山田 花子"]  # most recently updated first


def test_api_reports_an_estimated_total(cast, data, api, monkeypatch):
    monkeypatch.setattr(search, "COUNT_CAP", 3)
    client = api(cast.owner)
    body = client.get("/api/v1/search?q=田&type=person&limit=5").json()
    assert body["total"] == 3 and body["total_is_estimate"] is True and body["next_cursor"]
    rest = client.get(f"/api/v1/search?q=田&type=person&limit=5&cursor={body['next_cursor']}").json()
    ids = [r["id"] for r in body["results"] + rest["results"]]
    assert len(ids) == len(set(ids)) == 8 and rest["next_cursor"] is None


def test_small_results_keep_an_exact_total(cast, data, api):
    body = api(cast.owner).get("/api/v1/search?q=太郎").json()
    assert body["total"] == 1 and body["total_is_estimate"] is False


def test_a_negative_cursor_is_rejected(cast, data, api):
    from django.core import signing

    forged = signing.dumps(-5, salt="kizuna.search")
    assert api(cast.owner).get(f"/api/v1/search?q=田&cursor={forged}").status_code == 422


def test_candidates_holding_every_gram_are_still_confirmed(cast, monkeypatch):
    factories.person(cast.owner, "田中製中製作", "", family_name_kana="タ")  # 田中, 中製, 製作 but not 田中製作
    factories.person(cast.owner, "田中製作", "", family_name_kana="タ")
    for cap in (1000, 0):
        monkeypatch.setattr(search, "COUNT_CAP", cap)
        total, results, _ = search_records(cast.owner, "田中製作", type="person")
        assert [r.label for r in results] == ["田中製作"] and total == (1 if cap else 0)


def test_totals_past_the_cap_show_as_cap_plus(cast, data, api, monkeypatch):
    from django.test import Client

    monkeypatch.setattr(search, "COUNT_CAP", 3)
    body = api(cast.owner).get("/api/v1/search?q=田&type=person").json()
    assert body["total_display"] == "3+" and body["total"] == 3
    assert api(cast.owner).get("/api/v1/search?q=太郎").json()["total_display"] == "1"
    monkeypatch.setattr(search, "COUNT_CAP", 1000)
    assert search_records(cast.owner, "田", type="person")[0].display == "8"
    monkeypatch.setattr(search, "COUNT_CAP", 1)
    client = Client()
    client.force_login(cast.owner)
    html = client.get("/search/quick/?q=田").content.decode()
    assert "1+ 件" in html  # people and companies each past the cap
    monkeypatch.undo()
    assert "8 件" in client.get("/search/quick/?q=田").content.decode()  # below the cap: the exact count


def test_cli_json_reports_the_total_as_shown(cast, data, monkeypatch):
    import json
    from io import StringIO

    from django.core.management import call_command

    monkeypatch.setattr(search, "COUNT_CAP", 2)
    out = StringIO()
    call_command("search", "田", "--type", "person", "--json", stdout=out)
    payload = json.loads(out.getvalue())
    assert payload["total"] == 2 and payload["total_is_estimate"] is True and payload["total_display"] == "2+"


def test_an_edit_moves_a_record_to_the_front_and_a_reindex_keeps_the_order(cast, data):
    from io import StringIO

    from django.core.management import call_command

    from kizuna.contacts import services

    before = [r.label for r in search_records(cast.owner, "田", type="person", limit=100)[1]]
    call_command("reindex", stdout=StringIO())
    assert [r.label for r in search_records(cast.owner, "田", type="person", limit=100)[1]] == before
    yamada = data[2]
    services.update_person(actor=cast.owner, person=yamada, data={"notes": "更新"}, expected_version=yamada.version)
    after = [r.label for r in search_records(cast.owner, "田", type="person", limit=100)[1]]
    assert after[4] == "山田 花子" and after[5:] == [x for x in before[4:] if x != "山田 花子"]
