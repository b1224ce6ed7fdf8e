"""The one-line capture parser and the relative dates people write (no database)."""

from datetime import date

import pytest

from kizuna.core.japanese import parse_relative_date
from kizuna.timeline.capture import parse

WEDNESDAY = date(2026, 11, 25)


@pytest.mark.parametrize(("text", "expected"), [
    ("今日", date(2026, 11, 25)), ("明日", date(2026, 11, 26)), ("明後日", date(2026, 11, 27)),
    ("3日後", date(2026, 11, 28)), ("２週間後", date(2026, 12, 9)), ("1か月後", date(2026, 12, 25)),
    ("金曜", date(2026, 11, 27)), ("水曜", date(2026, 12, 2)), ("今週金曜", date(2026, 11, 27)),
    ("来週金曜", date(2026, 12, 4)), ("来週の月曜日", date(2026, 11, 30)), ("再来週月曜", date(2026, 12, 7)),
    ("来週", date(2026, 11, 30)), ("月末", date(2026, 11, 30)), ("来月末", date(2026, 12, 31)),
    ("来月5日", date(2026, 12, 5)), ("11/30", date(2026, 11, 30)), ("11月30日", date(2026, 11, 30)),
    ("１/１０", date(2027, 1, 10)), ("2026/12/24", date(2026, 12, 24)), ("令和8年12月1日", date(2026, 12, 1)),
    ("見積送付", None), ("2/30", None), ("", None),
])  # fmt: skip
def test_relative_dates(text, expected):
    assert parse_relative_date(text, WEDNESDAY) == expected


def test_the_example_line():
    parsed = parse("@田中 #山田製作所 工場見学。仕様には厳しいが納期には寛容 !来週金曜 見積送付", WEDNESDAY)
    assert parsed.people == ["田中"] and parsed.companies == ["山田製作所"]
    assert parsed.kind == "plant_tour"
    assert parsed.due == date(2026, 12, 4) and parsed.task == "見積送付"
    assert parsed.insight == ("quality", "仕様には厳しいが納期には寛容")
    assert "!来週金曜" not in parsed.body and "工場見学" in parsed.body


def test_full_width_marks_honorifics_and_kinds():
    parsed = parse("＠佐藤様 ＃鈴木工業 電話。決裁は工場長 ！明日", WEDNESDAY)
    assert parsed.people == ["佐藤"] and parsed.companies == ["鈴木工業"]
    assert parsed.kind == "call" and parsed.due == date(2026, 11, 26)
    assert parsed.insight == ("decision", "決裁は工場長")


def test_a_task_without_a_date_is_kept_and_explained():
    parsed = parse("@田中 訪問 !見積送付", WEDNESDAY)
    assert parsed.due is None and parsed.task == "見積送付"
    assert parsed.problems and "日付として読めない" in parsed.problems[0]


def test_plain_note_has_no_insight_and_empty_line_is_a_problem():
    assert parse("来週また連絡する", WEDNESDAY).insight is None
    assert parse("   ", WEDNESDAY).problems == ["内容を入力してください。"]


# --- the planner: which @person, told apart by company, department and title --------------------------

ENDO_LINE = "@遠藤 #伊藤テクノロジー 訪問。決裁は部長"


def _capture_html(user, text, **form):
    from django.test import Client

    client = Client()
    client.force_login(user)
    response = client.post("/timeline/capture/", {"text": text, **form}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def endos(cast):
    """Eight 遠藤: one worked at 伊藤テクノロジー, the seven others (more recently edited) never did."""
    from kizuna.contacts import services as contacts
    from tests import factories

    ito = factories.company(cast.owner, "株式会社伊藤テクノロジー")
    yamada = factories.company(cast.owner, "株式会社山田製作所")
    there = factories.person(cast.owner, "遠藤", "健", family_name_kana="エンドウ", company=ito.pk,
                             department="購買部", title="課長")  # fmt: skip
    others = [factories.person(cast.owner, "遠藤", f"太郎{i}", family_name_kana="エンドウ", company=yamada.pk)
              for i in range(7)]  # fmt: skip
    return {"ito": ito, "yamada": yamada, "there": there, "others": others, "contacts": contacts}


def test_company_hint_finds_the_person_who_works_there(cast, endos):
    from kizuna.timeline.services import plan_capture

    plan = plan_capture(cast.owner, ENDO_LINE)
    (mention,) = plan.people
    assert mention.candidates == [endos["there"]] and mention.chosen == endos["there"]
    assert plan.ready
    html = _capture_html(cast.owner, ENDO_LINE)
    assert "遠藤 健" in html and "株式会社伊藤テクノロジー 購買部 課長" in html


def test_company_hint_keeps_past_careers_and_lists_each_person_once(cast, endos):
    from kizuna.timeline.services import plan_capture

    contacts, ito, there = endos["contacts"], endos["ito"], endos["there"]
    former = endos["others"][0]  # worked at 伊藤テクノロジー until 2020, twice (two posts)
    for title in ("主任", "係長"):
        contacts.add_employment(actor=cast.owner, person=former, data={
            "company": ito, "department": "営業部", "title": title, "start_date": "2015/4/1", "end_date": "2020/3/31",
            "is_primary": False,
        })  # fmt: skip
    (mention,) = plan_capture(cast.owner, ENDO_LINE).people
    assert sorted(p.pk for p in mention.candidates) == sorted([there.pk, former.pk])
    assert mention.chosen is None
    html = _capture_html(cast.owner, ENDO_LINE)
    radio = 'name="resolve:@遠藤" value="{}"'
    assert html.count(radio.format(former.pk)) == 1 and html.count(radio.format(there.pk)) == 1
    assert "株式会社伊藤テクノロジー 購買部 課長" in html
    assert "株式会社伊藤テクノロジー 営業部 係長" in html and "過去の所属" in html


def test_company_hint_with_nobody_there_falls_back_to_every_match(cast, endos):
    from kizuna.timeline.services import plan_capture

    factories_company = endos["contacts"].create_company(actor=cast.owner, data={"name": "鈴木工業株式会社"})
    (mention,) = plan_capture(cast.owner, "@遠藤 #鈴木工業 電話").people
    assert plan_capture(cast.owner, "@遠藤 #鈴木工業 電話").companies[0].chosen == factories_company
    assert len(mention.candidates) == 6 and mention.chosen is None  # MAX_CANDIDATES of the eight
    html = _capture_html(cast.owner, "@遠藤 #鈴木工業 電話")
    assert "どの人ですか" in html and "株式会社山田製作所" in html


def test_a_company_the_user_may_not_see_is_named_by_its_placeholder(cast):
    from tests import factories

    secret = factories.company(cast.owner, "極秘工業株式会社", visibility="private")
    factories.person(cast.owner, "遠藤", "健", family_name_kana="エンドウ", company=secret.pk, title="部長")
    factories.person(cast.owner, "遠藤", "花子", family_name_kana="エンドウ")
    html = _capture_html(cast.teammate, "@遠藤 電話")
    assert "極秘工業" not in html and "非公開の会社 部長" in html


def test_a_garbage_choice_is_an_error_not_a_crash(cast, endos):
    html = _capture_html(cast.owner, "@遠藤 電話", **{"resolve:@遠藤": "abc", "save": "1"})
    assert "指定されたIDが見つかりません" in html
    html = _capture_html(cast.owner, "@遠藤 電話", **{"resolve:@遠藤": "99999999999999999999", "save": "1"})
    assert "指定されたIDが見つかりません" in html


def test_the_saved_note_starts_with_what_happened_not_the_names_it_links(cast, endos):
    from kizuna.timeline.services import save_capture

    saved = save_capture(cast.owner, ENDO_LINE)
    assert saved.activity.body == "訪問。決裁は部長"  # 遠藤 and 伊藤テクノロジー are links beside the entry
    assert list(saved.activity.people.all()) == [endos["there"]]
    kept = save_capture(cast.owner, "@見知らぬ人 電話。来週また連絡")
    assert kept.activity.body == "見知らぬ人 電話。来週また連絡"  # a name that found nobody stays in the text


def test_a_capture_tells_the_page_to_refresh_its_timeline_and_tasks(cast, endos):
    from django.test import Client

    client = Client()
    client.force_login(cast.owner)
    response = client.post("/timeline/capture/", {"text": ENDO_LINE, "save": "1"}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and response["HX-Trigger"] == "kizuna:timeline-changed"
    page = client.get(endos["ito"].get_absolute_url()).content.decode()
    assert 'hx-trigger="kizuna:timeline-changed from:body"' in page
