"""Each search result says which field matched and shows the matching part, escaped, in <mark>."""

import pytest
from django.test import Client

from kizuna.contacts import services
from kizuna.contacts.search import search_records
from tests import factories


@pytest.fixture
def data(cast):
    a = cast.owner
    tanaka_co = factories.company(a, "株式会社田中製作所", name_kana="タナカセイサクショ", phone="03-1234-5678")
    yamada_co = factories.company(a, "山田精機㈱", name_kana="ヤマダセイキ")
    tanaka = factories.person(a, "田中", "太郎", family_name_kana="タナカ", given_name_kana="タロウ",
                              emails=["Taro.Tanaka@Example.co.jp"], phones=["０９０（１２３４）５６７８"])  # fmt: skip
    takahashi = factories.person(a, "髙橋", "健", family_name_kana="タカハシ", given_name_kana="ケン")
    suzuki = factories.person(a, "鈴木", "一郎", family_name_kana="スズキ", given_name_kana="イチロウ")
    services.add_employment(actor=a, person=suzuki, data={"company": yamada_co.pk})
    return {"tanaka": tanaka, "takahashi": takahashi, "suzuki": suzuki, "tanaka_co": tanaka_co}


def first(user, query, type):
    _, results, _ = search_records(user, query, type=type)
    assert results, f"nothing found for {query!r}"
    return results[0]


@pytest.mark.parametrize(
    ("query", "type", "matched", "highlight"),
    [
        ("高橋", "person", "name", "<mark>髙橋</mark> 健"),  # old kanji: the name as written is marked
        ("中太", "person", "name", "田<mark>中 太</mark>郎"),  # across the space between family and given name
        ("たなか", "person", "reading", "<mark>タナカ</mark> タロウ"),
        ("ｽｽﾞｷ", "person", "reading", "<mark>スズキ</mark> イチロウ"),
        ("山田精機", "person", "company", "<mark>山田精機</mark>㈱"),  # 鈴木 works there
        ("TANAKA@EXAMPLE", "person", "email", "Taro.<mark>Tanaka@Example</mark>.co.jp"),
        ("090-1234", "person", "phone", "<mark>090(1234</mark>)5678"),  # the number as stored
        ("田中製作", "company", "name", "株式会社<mark>田中製作</mark>所"),
        ("山田精機株式会社", "company", "name", "<mark>山田精機</mark>㈱"),  # legal form in the query
        ("せいさくしょ", "company", "reading", "タナカ<mark>セイサクショ</mark>"),
        ("0312345678", "company", "phone", "<mark>03-1234-5678</mark>"),
    ],
)
def test_result_says_why_it_matched(cast, data, query, type, matched, highlight):
    result = first(cast.owner, query, type)
    assert (result.matched, result.highlight) == (matched, highlight)


def test_highlight_escapes_the_value(cast):
    factories.person(cast.owner, "<b>田", "&", family_name_kana="タ")
    result = first(cast.owner, "田", "person")
    assert result.highlight == "&lt;b&gt;<mark>田</mark> &amp;"
    html = client_for(cast.owner).get("/search/quick/?q=田").content.decode()
    assert "&lt;b&gt;<mark>田</mark> &amp;" in html and "<b>" not in html


def test_quick_results_mark_the_match(cast, data):
    html = client_for(cast.owner).get("/search/quick/?q=たなか").content.decode()
    assert "田中 太郎" in html and "<mark>タナカ</mark> タロウ" in html  # name shown, reading marked
    html = client_for(cast.owner).get("/search/quick/?q=090-1234").content.decode()
    assert "<mark>090(1234</mark>)5678" in html
    assert "<script" not in html and " on" not in html.replace(' role="option"', "")  # no inline script/handlers


def test_api_results_carry_matched_and_highlight(cast, data, api):
    body = api(cast.owner).get("/api/v1/search?q=高橋").json()
    assert body["total"] == 1 and body["total_is_estimate"] is False
    (row,) = body["results"]
    assert row["label"] == "髙橋 健" and row["matched"] == "name" and row["highlight"] == "<mark>髙橋</mark> 健"


def client_for(user):
    client = Client()
    client.force_login(user)
    return client
