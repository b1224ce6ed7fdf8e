"""Files that would expand far beyond their size (zip bombs, huge declared sheets, giant cells) are refused
with a Japanese message before they are parsed: a 4xx, nothing created, little memory."""

import base64
import io
import random
import re
import tracemalloc
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kizuna.accounts import services as accounts
from kizuna.contacts.models import Company, Person
from kizuna.core.exceptions import ValidationFailed
from kizuna.imports import readers
from kizuna.imports.models import ImportJob
from kizuna.imports.readers import base as limits

SHEET = "xl/worksheets/sheet1.xml"
BIG = 10 * 1024 * 1024 + 5  # a 10 MB cell


def small_book(rows=(("氏名", "携帯"), ("髙橋 一郎", "090-1111-2222"))) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def with_sheet(book: bytes, path, write_sheet) -> None:
    """`book` copied to `path` with its first sheet's XML written by `write_sheet(file)` (streamed)."""
    with zipfile.ZipFile(io.BytesIO(book)) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            if item.filename == SHEET:
                with out.open(SHEET, "w", force_zip64=True) as fh:
                    write_sheet(fh)
            else:
                out.writestr(item, source.read(item.filename))


def zip_bomb(tmp_path, megabytes=64):
    """A real bomb: megabytes of repeated cells in one sheet, compressed to a few hundred KB."""
    row = b"<row>" + b'<c t="inlineStr"><is><t>AAAAAAAA</t></is></c>' * 1000 + b"</row>"
    chunk = row * (1024 * 1024 // len(row) + 1)

    def write(fh):
        fh.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/')
        fh.write(b'spreadsheetml/2006/main"><sheetData>')
        for _ in range(megabytes):
            fh.write(chunk)
        fh.write(b"</sheetData></worksheet>")

    path = tmp_path / "bomb.xlsx"
    with_sheet(small_book(), path, write)
    return path


def declared_huge(tmp_path):
    """A tiny, honest-looking book whose sheet declares 100,000 rows × 100 columns (10 million cells)."""
    book = small_book()
    xml = zipfile.ZipFile(io.BytesIO(book)).read(SHEET)
    xml = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:CV100000"', xml)
    assert b"A1:CV100000" in xml
    path = tmp_path / "huge.xlsx"
    with_sheet(book, path, lambda fh: fh.write(xml))
    return path


def long_cell_book(tmp_path):
    """B2 holds 10 MB of text (openpyxl cuts what it writes at 32,767 characters; other programs do not)."""
    book = small_book([("氏名", "メモ"), ("髙橋 一郎", "PLACEHOLDER")])
    head, tail = zipfile.ZipFile(io.BytesIO(book)).read(SHEET).split(b"PLACEHOLDER")

    def write(fh):  # random letters: a cell that really is big, not one that compresses 1000:1
        fh.write(head)
        fh.write(base64.b64encode(random.Random(7).randbytes(BIG * 3 // 4 + 3))[:BIG])
        fh.write(tail)

    path = tmp_path / "long.xlsx"
    with_sheet(book, path, write)
    return path


def long_cell_csv(tmp_path):
    path = tmp_path / "long.csv"
    path.write_bytes(("氏名,メモ\r\n髙橋 一郎," + "x" * BIG + "\r\n").encode())
    return path


def not_a_zip(tmp_path):
    path = tmp_path / "fake.xlsx"
    path.write_bytes("氏名,携帯\r\n髙橋 一郎,090-1111-2222\r\n".encode())
    return path


# (file builder, what the message says, refused at upload (True) or by the dry run (False))
CASES = {
    "zip_bomb": (zip_bomb, "倍", True),
    "declared_dimension": (declared_huge, "100,000行×100列", True),
    "long_xlsx_cell": (long_cell_book, "2行目・B列のセルが長すぎます", False),
    "long_csv_field": (long_cell_csv, "2行目のセルが長すぎます", False),
    "not_a_zip": (not_a_zip, "zip形式ではありません", True),
}


def token_client(user):
    _, raw = accounts.create_token(actor=None, user=user, name="script", scopes=("read", "write"))
    return Client(headers={"Authorization": f"Bearer {raw}"})


def page_client(user):
    client = Client()
    client.force_login(user)
    return client


def upload_file(path):
    return SimpleUploadedFile(path.name, path.read_bytes())


@pytest.mark.parametrize("case", CASES)
def test_the_reader_refuses_with_a_validation_error(tmp_path, case):
    build, words, _at_upload = CASES[case]
    path = build(tmp_path)
    with pytest.raises(ValidationFailed) as caught, readers.read_table(path, filename=path.name) as table:
        for _ in table.rows:
            pass
    assert isinstance(caught.value, readers.ReadError) and caught.value.status == 422
    assert words in caught.value.message, caught.value.message


@pytest.mark.parametrize("case", CASES)
def test_the_api_refuses_with_a_422(cast, tmp_path, case):
    build, words, at_upload = CASES[case]
    path = build(tmp_path)
    client = token_client(cast.owner)
    response = client.post("/api/v1/imports", {"file": upload_file(path), "kind": "person"})
    if not at_upload:
        assert response.status_code == 201, response.content
        response = client.post(f"/api/v1/imports/{response.json()['id']}/dry-run")
    assert response.status_code == 422, response.content
    assert words in response.json()["error"]["message"]
    assert ImportJob.objects.count() == (0 if at_upload else 1)
    assert (Person.objects.count(), Company.objects.count()) == (0, 0)


@pytest.mark.parametrize("case", CASES)
def test_the_page_shows_the_message(cast, tmp_path, case):
    """The wizard shows form errors on the page again (its way of refusing); nothing is imported."""
    build, words, at_upload = CASES[case]
    path = build(tmp_path)
    client = page_client(cast.owner)
    response = client.post("/imports/", {"file": upload_file(path), "kind": "person"}, follow=True)
    assert response.status_code == 200
    assert words in response.content.decode()
    assert ImportJob.objects.count() == (0 if at_upload else 1)
    assert (Person.objects.count(), Company.objects.count()) == (0, 0)


def test_the_bomb_is_refused_with_little_memory(tmp_path):
    path = zip_bomb(tmp_path, megabytes=256)
    assert path.stat().st_size < 2 * 1024 * 1024
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo(SHEET).file_size > 256 * 1024 * 1024
    tracemalloc.start()
    try:
        with pytest.raises(readers.FileRefused, match="展開後のサイズが大きすぎます"):
            readers.read_table(path, filename=path.name)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 1024 * 1024, peak


def test_a_member_that_expands_too_far_is_refused_even_under_the_total(tmp_path):
    path = zip_bomb(tmp_path, megabytes=12)
    tracemalloc.start()
    try:
        with pytest.raises(readers.FileRefused, match=r"sheet1\.xml.*倍"):
            readers.read_table(path, filename=path.name)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 1024 * 1024, peak


def test_cells_are_counted_while_streaming_a_sheet_without_a_dimension(tmp_path, monkeypatch):
    book = small_book([("氏名", "携帯")] + [(f"人{i}", "090") for i in range(60)])
    xml = zipfile.ZipFile(io.BytesIO(book)).read(SHEET)
    xml = re.sub(rb"<dimension [^>]*/>", b"", xml)
    path = tmp_path / "nodim.xlsx"
    with_sheet(book, path, lambda fh: fh.write(xml))
    monkeypatch.setattr(limits, "MAX_CELLS", 100)
    refused = pytest.raises(readers.FileRefused, match=r"10\dセル以上")
    with readers.read_table(path, filename=path.name) as table, refused:
        for _ in table.rows:
            pass


def test_the_total_declared_size_is_limited(tmp_path, monkeypatch):
    path = tmp_path / "book.xlsx"
    path.write_bytes(small_book())
    monkeypatch.setattr(limits, "MAX_XLSX_UNCOMPRESSED", 1000)
    with pytest.raises(readers.FileRefused, match="展開後のサイズ"):
        readers.read_table(path, filename=path.name)


def test_too_many_columns_in_a_csv_line(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_bytes(b"a,b\r\n" + b"," * limits.MAX_COLUMNS + b"\r\n")
    refused = pytest.raises(readers.FileRefused, match="2行目の列が多すぎます")
    with readers.read_table(path, filename=path.name) as table, refused:
        list(table.rows)


def test_a_csv_field_just_over_excels_limit_names_its_column(tmp_path):
    path = tmp_path / "long.csv"
    path.write_bytes(("氏名,メモ\r\n髙橋,ok\r\n山田," + "x" * (limits.MAX_CELL_CHARS + 1) + "\r\n").encode())
    refused = pytest.raises(readers.FileRefused, match="3行目・2列目")
    with readers.read_table(path, filename=path.name) as table, refused:
        list(table.rows)


def test_an_unclosed_quote_is_still_a_row_error_and_reading_goes_on(tmp_path):
    path = tmp_path / "quote.csv"
    lines = ["氏名,メモ", '髙橋,"open'] + [f"山田{i},x" * 50 for i in range(800)]
    path.write_bytes("\r\n".join(lines).encode())
    with readers.read_table(path, filename=path.name) as table:
        rows = list(table.rows)
    assert rows and table.row_errors and "引用符" in table.row_errors[0].message


def test_files_within_the_limits_still_read(tmp_path):
    path = tmp_path / "ok.xlsx"
    path.write_bytes(small_book([("氏名", "メモ"), ("髙橋 一郎", "あ" * limits.MAX_CELL_CHARS)]))
    with readers.read_table(path, filename=path.name) as table:
        rows = list(table.rows)
    assert rows == [(2, ["髙橋 一郎", "あ" * limits.MAX_CELL_CHARS])]
