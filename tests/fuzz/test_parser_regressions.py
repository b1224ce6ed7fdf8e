"""The smallest inputs the parser fuzz found breaking a parser, each kept as a regression test."""

import io
import zipfile
from datetime import date

import openpyxl
import pytest

from kizuna.core import japanese
from kizuna.imports.readers import ReadError, read_table
from kizuna.timeline import capture


def _book() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["氏名", "電話番号"])
    book.active.append(["髙橋 一郎", 312345678])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _read_all(data: bytes):
    with read_table(data, filename="book.xlsx") as table:
        return list(table.rows)


def test_a_book_with_damaged_compressed_data_is_a_read_error():
    """Was: zlib.error escaped from openpyxl (a 500 on upload)."""
    data = bytearray(_book())
    entry = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/worksheets/sheet1.xml")
    data[entry.header_offset + 30 + len(entry.filename) + len(entry.extra)] ^= 0xFF  # first deflate byte
    with pytest.raises(ReadError, match="Excelファイルを開けませんでした"):
        _read_all(bytes(data))


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/workbook.xml"])
def test_a_book_with_malformed_xml_is_a_read_error(part):
    """Was: xml.etree.ElementTree.ParseError escaped from openpyxl."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(_book())) as source, zipfile.ZipFile(out, "w") as damaged:
        for item in source.infolist():
            damaged.writestr(item, b"<" if item.filename == part else source.read(item))
    with pytest.raises(ReadError, match="Excelファイルを開けませんでした"):
        _read_all(out.getvalue())


def test_an_undamaged_book_still_reads():
    assert _read_all(_book()) == [(2, ["髙橋 一郎", "0312345678"])]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("カ・\u3099", "が"),  # was "か\u3099": removing ・ brought カ and its combining dakuten together
        ("u・\u0304", "ū"),  # was "u\u0304", so company_key(x) != search_text(company_key(x))
        ("・ーー", ""),  # was "ー": the second ー followed the first, which had no kana before it
    ],
)
def test_search_keys_are_idempotent(text, key):
    assert japanese.search_text(text) == key
    assert japanese.search_text(key) == key


def test_a_csv_row_with_a_nul_is_a_row_error_and_the_others_are_kept():
    """Python's csv takes NULs since 3.11, so they reached the database (PostgreSQL text cannot hold one)."""
    data = "氏名,メール\r\n田中 一郎,a\x00@example.jp\r\n佐藤 花子,hanako@example.jp\r\n".encode()
    with read_table(data, filename="list.csv") as table:
        rows = list(table.rows)
    assert rows == [(3, ["佐藤 花子", "hanako@example.jp"])]
    assert [(issue.row_number, "NUL" in issue.message) for issue in table.row_errors] == [(2, True)]


def test_a_vcard_with_a_nul_is_a_row_error_and_the_others_are_kept():
    names = ("田\x00中 一郎", "佐藤 花子")
    cards = "".join(f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:{name}\r\nEND:VCARD\r\n" for name in names)
    with read_table(cards.encode(), filename="cards.vcf") as table:
        rows = list(table.rows)
    assert [values[0] for _, values in rows] == ["佐藤 花子"]
    assert [(issue.row_number, "NUL" in issue.message) for issue in table.row_errors] == [(1, True)]


def test_spacing_voiced_marks_join_their_kana():
    """゛/゜ (U+309B/C) decompose under NFKC to a space and a combining mark: ハ゛ンダイ became "ハ ゙ンダイ"."""
    assert japanese.collapse_spaces("ハ゛ンダイ") == "バンダイ" == japanese.collapse_spaces("ﾊﾞﾝﾀﾞｲ")
    assert japanese.search_text("ハ゛ンダイ") == japanese.search_text("バンダイ") == "ばんだい"
    assert japanese.collapse_spaces("ホ゜ンプ") == "ポンプ"


def test_mentions_in_a_multi_line_note_have_no_spaces():
    """A multi-line note is kept as typed, and "´" only became " ́" when the name was normalized: "@田中´" was
    the person "田中 ́", found by nobody."""
    parsed = capture.parse("@田中´ 来訪\n#ハ゛ンダイ 工場見学", date(2026, 11, 25))
    assert (parsed.people, parsed.companies) == (["田中"], ["バンダイ"])
    assert parsed.kind == "plant_tour"
