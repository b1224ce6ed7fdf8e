"""Search recall for every query class, on whichever database the suite runs (SQLite and PostgreSQL)."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from kizuna.contacts import services
from kizuna.contacts.search import search_records
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
    tanaka_co = factories.company(a, "株式会社田中製作所", name_kana="タナカセイサクショ", phone="03-1234-5678")
    yamada_co = factories.company(a, "山田精機㈱", name_kana="ヤマダセイキ")
    people = {
        "tanaka": factories.person(a, "田中", "太郎", family_name_kana="タナカ", given_name_kana="タロウ",
                                   emails=["Taro.Tanaka@Example.co.jp"], phones=["０９０（１２３４）５６７８"]),
        "hayashi": factories.person(a, "林", "花子", family_name_kana="ハヤシ", given_name_kana="ハナコ"),
        "takahashi": factories.person(a, "髙橋", "健", family_name_kana="タカハシ", given_name_kana="ケン"),
        "saito1": factories.person(a, "齋藤", "一", family_name_kana="サイトウ"),
        "saito2": factories.person(a, "斎藤", "二", family_name_kana="サイトウ"),
        "watanabe": factories.person(a, "渡邊", "三郎", family_name_kana="ワタナベ"),
        "watanabe2": factories.person(a, "渡邉", "四郎", family_name_kana="ワタナベ"),
        "kanyo": factories.person(a, "寛容", "テスト", family_name_kana="カンヨウ"),
        "suzuki": factories.person(a, "鈴木", "一郎", family_name_kana="スズキ", phones=["03-1234-5678 内線201"]),
    }  # fmt: skip
    services.add_employment(actor=a, person=people["suzuki"], data={"company": yamada_co.pk})
    return {"people": people, "tanaka_co": tanaka_co, "yamada_co": yamada_co}


def labels(user, query, type=None):
    total, results, _ = search_records(user, query, type=type, limit=100)
    assert total == len(results)
    return {r.label for r in results}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("林", {"林 花子"}),  # one kanji
        ("田中", {"田中 太郎", "株式会社田中製作所"}),  # two kanji, inside a company name too
        ("寛容", {"寛容 テスト"}),
        ("たなか", {"田中 太郎", "株式会社田中製作所"}),  # reading in hiragana
        ("タナカ", {"田中 太郎", "株式会社田中製作所"}),
        ("ﾀﾅｶ", {"田中 太郎", "株式会社田中製作所"}),  # half-width katakana
        ("高橋", {"髙橋 健"}),  # old kanji both ways
        ("髙橋", {"髙橋 健"}),
        ("斉藤", {"齋藤 一", "斎藤 二"}),
        ("渡辺", {"渡邊 三郎", "渡邉 四郎"}),
        ("0312345678", {"株式会社田中製作所", "鈴木 一郎"}),  # phone digits in any format
        ("03-1234", {"株式会社田中製作所", "鈴木 一郎"}),
        ("５６７８", {"株式会社田中製作所", "鈴木 一郎", "田中 太郎"}),
        ("090-1234", {"田中 太郎"}),
        ("TANAKA@EXAMPLE", {"田中 太郎"}),  # email fragment, any case and width
        ("ｔａｎａｋａ＠", {"田中 太郎"}),
    ],
)
def test_recall(cast, data, query, expected):
    assert labels(cast.owner, query) == expected


@pytest.mark.parametrize(
    "query", ["山田精機", "(株)山田精機", "㈱山田精機", "山田精機株式会社", "株式会社山田精機", "やまだせいき"]
)
def test_company_with_or_without_legal_form(cast, data, query):
    assert "山田精機㈱" in labels(cast.owner, query, type="company")


def test_people_are_found_by_their_company_name(cast, data):
    assert "鈴木 一郎" in labels(cast.owner, "山田精機", type="person")


def test_company_rename_reindexes_its_people(cast, data):
    company = data["yamada_co"]
    services.update_company(actor=cast.owner, company=company, data={"name": "株式会社ヤマダ"}, expected_version=1)
    assert "鈴木 一郎" in labels(cast.owner, "ヤマダ", type="person")
    assert "鈴木 一郎" not in labels(cast.owner, "精機", type="person")


def test_exact_and_prefix_matches_rank_first(cast, data):
    factories.person(cast.owner, "中田", "林", family_name_kana="ナカタ")
    _, results, _ = search_records(cast.owner, "林", type="person")
    assert results[0].label == "林 花子"


def test_deleted_records_drop_out_and_come_back(cast, data):
    person = data["people"]["hayashi"]
    services.delete_person(actor=cast.owner, person=person)
    assert labels(cast.owner, "林") == set()
    services.restore_person(actor=cast.owner, person=person)
    assert labels(cast.owner, "林") == {"林 花子"}


def test_members_cannot_find_other_teams_private_records(cast, data, api):
    factories.person(cast.outsider, "林", "秘密", visibility="private")
    assert labels(cast.owner, "林") == {"林 花子"}
    body = api(cast.owner).get("/api/v1/search?q=林").json()
    assert [r["label"] for r in body["results"]] == ["林 花子"] and body["total"] == 1
    out = StringIO()
    call_command("search", "林", "--json", "--user", "owner", stdout=out)
    assert [r["label"] for r in json.loads(out.getvalue())["results"]] == ["林 花子"]


def test_search_api_pages_with_a_cursor(cast, data, api):
    client = api(cast.owner)
    first = client.get("/api/v1/search?q=田&limit=3").json()
    # 田中 太郎, 株式会社田中製作所, 山田精機㈱ and 鈴木 一郎 (who works there)
    assert first["total"] == 4 and len(first["results"]) == 3 and first["next_cursor"]
    second = client.get(f"/api/v1/search?q=田&limit=3&cursor={first['next_cursor']}").json()
    seen = [(r["type"], r["id"]) for r in first["results"] + second["results"]]
    assert len(seen) == len(set(seen)) == 4 and second["next_cursor"] is None
    assert client.get("/api/v1/search?q=田&cursor=forged").status_code == 422
    assert client.get("/api/v1/search?q=田&type=deal").status_code == 422


def test_cli_search_json_shape(cast, data):
    out = StringIO()
    call_command("search", "たなか", "--type", "person", "--json", stdout=out)
    payload = json.loads(out.getvalue())
    assert payload["query"] == "たなか" and payload["total"] == 1
    assert {"type", "id", "external_id", "label"} <= set(payload["results"][0])  # the contract; extended with "matched"


def test_reindex_rebuilds_the_same_results(cast, data):
    from kizuna.core.models import SearchDocument

    before = labels(cast.owner, "田中")
    SearchDocument.objects.all().delete()
    assert labels(cast.owner, "田中") == set()
    call_command("reindex", stdout=StringIO())
    assert labels(cast.owner, "田中") == before
