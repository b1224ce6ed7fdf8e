"""The smallest inputs the parser fuzz found breaking a parser, each kept as a regression test."""

import io
import zipfile

import openpyxl
import pytest

from kizuna.core import japanese
from kizuna.imports.readers import ReadError, read_table


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
