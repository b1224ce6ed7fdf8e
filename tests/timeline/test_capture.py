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
