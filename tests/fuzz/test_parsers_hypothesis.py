"""Property tests (hypothesis, derandomized: the same examples every run) of everything that parses user text.

- import readers: any bytes under any file name and encoding either give a Table whose rows are lists of
  strings, or raise the one domain error (ReadError, a Japanese message); well-formed CSVs in UTF-8, UTF-8 with
  BOM, CP932 and EUC-JP read back exactly; broken quotes and NULs become row errors; damaged .xlsx books and
  vCards with arbitrary lines never crash;
- the import mapping: any cells under any headers map to a RowResult of plain data and (field, message) pairs;
- the capture parser: any line with @ # ! (half- and full-width), dates and honorifics parses without raising,
  into mentions without markers or spaces, a known kind, a due date or a problem saying why not;
- Japanese normalization: idempotent, total on arbitrary text, garbage phones/postcodes/e-mails accepted;
- dates: 西暦 and 和暦 round-trip, relative dates are total.
"""

import csv
import io
import os
import zipfile
from datetime import date

import openpyxl
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from kizuna.core import japanese
from kizuna.core.japanese.companies import _LEGAL_FORMS
from kizuna.imports import mapping
from kizuna.imports.fields import MULTI, base_field
from kizuna.imports.readers import ENCODINGS, VCARD_FIELDS, ReadError, Table, read_table
from kizuna.timeline import capture

EXAMPLES = int(os.environ.get("KIZUNA_FUZZ_PARSER_EXAMPLES", "200"))  # per property; more for an exploratory run
settings.register_profile(
    "kizuna-fuzz",
    max_examples=EXAMPLES,
    derandomize="KIZUNA_FUZZ_SEED" not in os.environ,  # with it, pass --hypothesis-seed to explore other cases
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    print_blob=False,
)
FUZZ = settings.get_profile("kizuna-fuzz")

# Text as Japanese offices write it: kana (both widths), common and old kanji, full-width ASCII, marks, spaces.
JAPANESE = "田中髙橋﨑山崎斉藤齋渡邊邉澤濱株式会社有限合同製作所営業支店様殿さん一郎花子太郎次"
JAPANESE += "あいうえおかがきぎゃゅょっーアイウエオカガキギャュョッヴｱｲｳｴｵｶﾞｷﾞｬｯｰﾟ①②㈱㈲（）「」・、。"
JAPANESE += "０１２３４５６７８９ＡＢＣａｂｃ＠＃！　〒－ー―‐"
ASCII = "abcXYZ0123456789 @#!-.,;:/()+_\"'\t"
CHARS = st.sampled_from(JAPANESE + ASCII) | st.characters(codec="utf-8")
TEXT = st.text(CHARS, max_size=40)
CELL = st.text(st.sampled_from(JAPANESE + ASCII + "\r\n"), max_size=20)
FILENAMES = st.sampled_from(["list.csv", "list.tsv", "list.txt", "book.xlsx", "cards.vcf", "old.xls", "x.bin", ""])
ENCODING_CHOICES = st.sampled_from(["auto", *ENCODINGS, "shift_jis", "latin-1", ""])


def consume(table: Table) -> list[tuple[int, list[str]]]:
    """All rows, checking the shape a Table promises."""
    with table:
        rows = list(table.rows)
    assert all(isinstance(h, str) for h in table.headers)
    numbers = [n for n, _ in rows]
    assert numbers == sorted(set(numbers)) and all(isinstance(n, int) and n >= 1 for n in numbers)
    assert all(isinstance(v, str) and "\x00" not in v for _, values in rows for v in values)
    assert all(isinstance(w, str) and w for w in table.warnings)
    assert all(issue.message for issue in table.row_errors)
    return rows


def read_or_refuse(data: bytes, filename: str, encoding: str = "auto"):
    """Rows, or the ReadError (with a Japanese message) — any other exception fails the test."""
    try:
        return consume(read_table(data, filename=filename, encoding=encoding))
    except ReadError as exc:
        assert exc.message and not exc.message.isascii()
        return exc


# --- import readers ----------------------------------------------------------------------------------


@FUZZ
@given(data=st.binary(max_size=400), filename=FILENAMES, encoding=ENCODING_CHOICES)
@example(data=b"\xef\xbb\xbf", filename="list.csv", encoding="auto")
@example(data=b"\x00\x00\x00", filename="list.csv", encoding="auto")
@example(data=b'"', filename="list.csv", encoding="auto")
@example(data=b"PK\x03\x04garbage", filename="list.csv", encoding="auto")
@example(data=b"BEGIN:VCARD\r\nEND:VCARD\r\n", filename="cards.vcf", encoding="auto")
def test_any_bytes_read_as_a_table_or_a_read_error(data, filename, encoding):
    read_or_refuse(data, filename, encoding)


def _csv_bytes(rows: list[list[str]], encoding: str, delimiter: str = ",") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode({"euc-jp": "euc_jp"}.get(encoding, encoding))


def _encodable(text: str) -> bool:
    try:
        text.encode("cp932")
        text.encode("euc_jp")
    except UnicodeEncodeError:
        return False
    return True


SAFE_CELL = CELL.filter(_encodable)
HEADERS = st.lists(SAFE_CELL.filter(lambda h: h.strip() and "\r" not in h and "\n" not in h), min_size=1, max_size=6)


@FUZZ
@given(headers=HEADERS, body=st.lists(st.lists(SAFE_CELL, max_size=7), max_size=8),
       encoding=st.sampled_from(ENCODINGS), delimiter=st.sampled_from([",", "\t"]))  # fmt: skip
def test_well_formed_csv_reads_back_in_every_encoding(headers, body, encoding, delimiter):
    """The delimiter is sniffed: cells hold the file's own delimiter (quoted), not the other candidates. Rows
    are as wide as the header, as exporters write them (two short rows that add up to one are read as a row
    broken by an unquoted line break)."""
    others = ",;\t".replace(delimiter, "")
    assume(not any(c in cell for row in [headers, *body] for cell in row for c in others))
    body = [row[: len(headers)] + [""] * (len(headers) - len(row)) for row in body]
    score = lambda row: max(mapping.header_score(row, "person"), mapping.header_score(row, "company"))  # noqa: E731
    assume(all(score(row) <= score(headers) for row in body))  # else that row reads as the header, rightly
    data = _csv_bytes([headers, *body], encoding, delimiter)
    result = read_or_refuse(data, "list.tsv" if delimiter == "\t" else "list.csv", encoding)
    if isinstance(result, ReadError):
        # The only refusal of a well-formed file: a header row that is blank once stripped.
        assert "見出し" in result.message or "空" in result.message, result.message
        return
    expected = [row + [""] * (len(headers) - len(row)) for row in body if any(v.strip() for v in row)]
    assert [values for _, values in result] == expected


@FUZZ
@given(rows=st.lists(st.lists(SAFE_CELL, max_size=5), min_size=1, max_size=6), encoding=st.sampled_from(ENCODINGS),
       damage=st.lists(st.tuples(st.integers(0, 400), st.sampled_from(['"', '""', "\x00", "\r", "\n", ",", "\t"])),
                       max_size=4))  # fmt: skip
def test_broken_csv_rows_are_row_errors_not_crashes(rows, encoding, damage):
    text = _csv_bytes(rows, "utf-8").decode()
    for position, junk in damage:
        position = min(position, len(text))
        text = text[:position] + junk + text[position:]
    data = text.encode({"euc-jp": "euc_jp"}.get(encoding, encoding))
    read_or_refuse(data, "list.csv", encoding)
    read_or_refuse(data, "list.csv", "auto")


def _xlsx(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


XLSX_VALUES = st.one_of(SAFE_CELL.map(lambda s: s.replace("\r", "")), st.integers(-(10**15), 10**15),
                        st.floats(allow_nan=False, allow_infinity=False), st.booleans(), st.none(),
                        st.dates(date(1900, 3, 1), date(2100, 1, 1)))  # fmt: skip
BASE_BOOK = _xlsx([["氏名", "電話番号", "郵便番号"], ["髙橋 一郎", 312345678, 1000001]])


@settings(FUZZ, max_examples=max(EXAMPLES // 4, 1))  # a workbook per example is slow
@given(rows=st.lists(st.lists(XLSX_VALUES, max_size=5), max_size=5), sheet=st.sampled_from([None, 0, 3, "Sheet", "x"]))
def test_xlsx_books_read_or_refuse(rows, sheet):
    try:
        consume(read_table(_xlsx(rows), filename="book.xlsx", sheet=sheet))
    except ReadError as exc:
        assert exc.message


@FUZZ
@given(
    cuts=st.lists(st.tuples(st.integers(0, len(BASE_BOOK) - 1), st.binary(max_size=8)), min_size=1, max_size=4),
    truncate=st.integers(0, len(BASE_BOOK)),
)
def test_damaged_xlsx_is_a_read_error(cuts, truncate):
    data = bytearray(BASE_BOOK)
    for position, junk in cuts:
        data[position : position + len(junk)] = junk
    read_or_refuse(bytes(data[: max(truncate, 8)]), "book.xlsx")


ZIP_PARTS = ["[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml", "_rels/.rels",
             "xl/_rels/workbook.xml.rels", "x"]  # fmt: skip


@FUZZ
@given(entries=st.dictionaries(st.sampled_from(ZIP_PARTS), st.binary(max_size=60), max_size=4))
def test_zip_that_is_not_a_book_is_a_read_error(entries):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as book:
        for name, content in entries.items():
            book.writestr(name, content)
    read_or_refuse(out.getvalue(), "book.xlsx")


VCARD_LINE = st.one_of(
    st.tuples(st.sampled_from(["FN", "N", "ORG", "TEL;TYPE=CELL", "TEL", "EMAIL", "ADR;TYPE=WORK", "BDAY", "NOTE",
                               "X-PHONETIC-LAST-NAME", "SOUND;X-IRMC-N", "SORT-STRING", "TITLE", "VERSION", "X",
                               "N;CHARSET=SHIFT_JIS;ENCODING=QUOTED-PRINTABLE", "NOTE;ENCODING=QUOTED-PRINTABLE",
                               "TEL;TYPE=\"", "ADR;CHARSET=UTF-8", ""]),
              st.text(st.sampled_from(JAPANESE + ASCII + "=;\\ABCDEF"), max_size=30)).map(":".join),
    st.text(st.sampled_from(JAPANESE + ASCII + "=:;"), max_size=30),
)  # fmt: skip


@FUZZ
@given(cards=st.lists(st.lists(VCARD_LINE, max_size=6), min_size=1, max_size=3), encoding=st.sampled_from(ENCODINGS))
def test_vcards_with_arbitrary_lines_read_or_refuse(cards, encoding):
    text = "".join("BEGIN:VCARD\r\n" + "".join(f"{line}\r\n" for line in card) + "END:VCARD\r\n" for card in cards)
    try:
        data = text.encode({"euc-jp": "euc_jp"}.get(encoding, encoding))
    except UnicodeEncodeError:
        data = text.encode()
    result = read_or_refuse(data, "cards.vcf")
    if not isinstance(result, ReadError):
        assert all(len(values) == len(VCARD_FIELDS) for _, values in result)


# --- import mapping --------------------------------------------------------------------------------

KINDS = st.sampled_from(["person", "company"])


@FUZZ
@given(headers=st.lists(TEXT, max_size=8), kind=KINDS)
def test_auto_map_of_any_headers(headers, kind):
    found = mapping.auto_map(headers, kind=kind)
    assert set(found) <= set(range(len(headers)))
    assert set(found.values()) <= set(mapping.FIELDS[kind])
    single = [base_field(field) for field in found.values() if base_field(field) not in MULTI]
    assert len(set(single)) == len(single)  # one column per field, but for those several columns may fill (tags)
    for header in headers:
        assert mapping.guess_field(header, kind) in (None, *mapping.FIELDS[kind])
        assert mapping.header_key(mapping.header_key(header)) == mapping.header_key(header)


@FUZZ
@given(
    kind=KINDS,
    data=st.data(),
    values=st.lists(st.one_of(TEXT, CELL, st.sampled_from(["-", "なし", "03-1234-5678 内線12", "090１２３４５６７８",
                                                           "R6.4.1", "令和元年5月1日", "昭和99年1月1日", "2024/2/30",
                                                           "〒100-0001", "東京都千代田区丸の内1-1", "a@b", "@",
                                                           "1234567890123", "田中 太郎 様", "ﾀﾅｶ ﾀﾛｳ"])),
                    max_size=10),
)  # fmt: skip
def test_map_row_of_any_cells(kind, data, values):
    fields = mapping.FIELDS[kind]
    columns = data.draw(st.dictionaries(st.integers(0, 12), st.sampled_from(fields), max_size=8), label="mapping")
    result = mapping.map_row(values, columns, kind=kind)
    assert isinstance(result.data, dict)
    for problems in (result.errors, result.warnings):
        assert all(isinstance(f, str) and isinstance(m, str) and m for f, m in problems)
    problems = mapping.validate_mapping(columns, kind=kind)
    assert all(isinstance(p, str) and p for p in problems)
    for key in ("family_name", "given_name", "name"):
        if key in result.data:
            assert isinstance(result.data[key], str) and result.data[key].strip()
    if "birthday" in result.data:
        assert date.fromisoformat(result.data["birthday"])
    for phone in result.data.get("phones", []) if isinstance(result.data.get("phones"), list) else []:
        assert phone["value"] and phone["label"] in ("office", "mobile", "fax")


@FUZZ
@given(address=TEXT)
def test_split_address_is_total(address):
    prefecture, city, street = mapping.split_address(address)
    assert all(isinstance(part, str) for part in (prefecture, city, street))
    assert prefecture in ("", *japanese.PREFECTURES)


# --- capture ------------------------------------------------------------------------------------------

CAPTURE_WORDS = st.sampled_from([
    "@", "＠", "#", "＃", "!", "！", "@田中", "＠髙橋様", "#山田製作所", "＃㈱髙橋商事", "!来週金曜", "！明日",
    "!3日後", "!11/30", "!2月30日", "!来月31日", "!令和8年12月1日", "!R1.4.30", "!見積送付", "工場見学", "納期より",
    "仕様に厳しい", "。", "、", " ", "　", "\n", "さん", "様", "殿", "見積", "電話", "TEL", "mail", "!!", "@@", "#!@",
])  # fmt: skip
CAPTURE_LINE = st.lists(st.one_of(CAPTURE_WORDS, TEXT), max_size=12).map("".join)
KINDS_OF_ACTIVITY = {"note", "plant_tour", "trade_show", "meeting", "visit", "call", "email", "chat"}


@FUZZ
@given(text=CAPTURE_LINE, today=st.dates(date(2000, 1, 1), date(2100, 12, 31)))
@example(text="@様 #殿 !", today=date(2026, 11, 25))
@example(text="!来週金曜 !明日", today=date(2026, 11, 25))
def test_capture_parses_any_line(text, today):
    parsed = capture.parse(text, today)
    assert parsed.kind in KINDS_OF_ACTIVITY
    for name in parsed.people + parsed.companies:
        assert name and not any(mark in name for mark in "@＠#＃") and not any(c.isspace() for c in name)
    assert len(set(parsed.people)) == len(parsed.people) and len(set(parsed.companies)) == len(parsed.companies)
    assert isinstance(parsed.body, str) and parsed.body == parsed.body.strip()
    assert parsed.due is None or isinstance(parsed.due, date)
    if parsed.due_text and parsed.due is None:
        assert any(parsed.due_text in p for p in parsed.problems)
    if parsed.insight:
        _category, statement = parsed.insight
        assert statement and len(statement) <= 300
    if not parsed.body and not parsed.task:
        assert parsed.problems


# --- Japanese normalization ---------------------------------------------------------------------------

IDEMPOTENT = [
    japanese.nfkc, japanese.collapse_spaces, japanese.search_text, japanese.reading_key, japanese.to_hiragana,
    japanese.fold_kanji, japanese.normalize_email, japanese.phone_digits,
]  # fmt: skip


@FUZZ
@given(text=TEXT)
@example(text="カ・\u3099")  # a removed mark between a letter and its dakuten
@example(text="İ")
def test_normalizers_are_idempotent(text):
    for normalize in IDEMPOTENT:
        once = normalize(text)
        assert isinstance(once, str)
        assert normalize(once) == once, (normalize.__name__, text, once)


@FUZZ
@given(text=TEXT)
def test_normalizers_accept_garbage(text):
    phone = japanese.parse_phone(text)
    assert phone.digits == "" or phone.digits.isdigit()
    if phone.valid:
        assert phone.e164.startswith("+") and japanese.parse_phone(phone.national).e164 == phone.e164
    postcode = japanese.normalize_postcode(text)
    if postcode:
        assert postcode.digits.isascii() and len(postcode.digits) == 7
        assert japanese.normalize_postcode(postcode.display) == postcode
    corporate = japanese.normalize_corporate_number(text)
    assert corporate is None or (corporate.isascii() and japanese.normalize_corporate_number(corporate) == corporate)
    assert japanese.is_valid_email(text) in (True, False)
    prefecture = japanese.normalize_prefecture(text)
    assert prefecture is None or japanese.normalize_prefecture(prefecture) == prefecture
    assert japanese.split_prefecture(text)[0] in ("", *japanese.PREFECTURES)
    family, given_name = japanese.split_full_name(text)
    assert isinstance(family, str) and isinstance(given_name, str)
    assert isinstance(japanese.strip_honorific(text), str)
    assert japanese.legal_form(text) in ("", *_LEGAL_FORMS)
    key = japanese.company_key(text)
    assert key == japanese.search_text(key)
    head, site = japanese.split_site(text)
    assert isinstance(head, str) and isinstance(site, str)


# --- dates ---------------------------------------------------------------------------------------------

ERAS = [
    ("令和", "R", date(2019, 5, 1), date(2100, 12, 31), 2019),
    ("平成", "H", date(1989, 1, 8), date(2019, 4, 30), 1989),
    ("昭和", "S", date(1926, 12, 25), date(1989, 1, 7), 1926),
]


@FUZZ
@given(day=st.dates(date(1000, 1, 1), date(9999, 12, 31)), style=st.integers(0, 3))
def test_seireki_dates_round_trip(day, style):
    text = [f"{day.year}/{day.month}/{day.day}", day.isoformat(), f"{day.year}年{day.month}月{day.day}日",
            f"{day.year}.{day.month:02}.{day.day:02}"][style]  # fmt: skip
    assert japanese.parse_japanese_date(text) == day
    assert (
        japanese.parse_japanese_date(japanese.nfkc(text).translate(str.maketrans("0123456789", "０１２３４５６７８９")))
        == day
    )


@FUZZ
@given(era=st.sampled_from(ERAS), data=st.data())
def test_wareki_dates_round_trip(era, data):
    name, letter, first, last, first_year = era
    day = data.draw(st.dates(first, last))
    year = day.year - first_year + 1
    assert japanese.parse_japanese_date(f"{name}{'元' if year == 1 else year}年{day.month}月{day.day}日") == day
    assert japanese.parse_japanese_date(f"{letter}{year}.{day.month}.{day.day}") == day


@FUZZ
@given(
    text=st.one_of(TEXT, CAPTURE_WORDS.map(lambda w: w.lstrip("!！"))),
    today=st.dates(date(1900, 1, 1), date(2200, 12, 31)),
)
@example(text="2月29日", today=date(2028, 3, 1))
@example(text="999か月後", today=date(2026, 1, 31))
def test_dates_in_any_text_are_a_date_or_none(text, today):
    assert japanese.parse_japanese_date(text) is None or isinstance(japanese.parse_japanese_date(text), date)
    due = japanese.parse_relative_date(text, today)
    assert due is None or isinstance(due, date)
