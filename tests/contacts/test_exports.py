"""Exports: filters and visibility apply, Excel-safe cells, CP932 that never loses a character, audit."""

import csv
import io

import pytest
from django.core.management import call_command
from django.test import Client

from kizuna.contacts.exports import escape_formula, export
from kizuna.core.exceptions import ValidationFailed
from kizuna.core.models import AuditEvent
from tests import factories


@pytest.fixture
def people(cast):
    company = factories.company(cast.owner, "株式会社髙﨑製作所①")
    factories.person(cast.owner, "髙橋", "一郎", company=company.pk, title="課長", phones=["090-1234-5678"],
                     emails=["ichiro@example.jp"], notes="=HYPERLINK(\"http://evil\")")  # fmt: skip
    factories.person(cast.owner, "山田", "花子", visibility="private")
    return company


def _rows(content: bytes, encoding: str):
    return list(csv.reader(io.StringIO(content.decode(encoding))))


def test_csv_utf8_bom_with_filters_visibility_and_formula_escaping(cast, people):
    result = export(actor=cast.teammate, kind="person", filters={"q": "髙橋"})
    assert result.content.startswith(b"\xef\xbb\xbf")  # Excel opens UTF-8 with a BOM correctly
    rows = _rows(result.content, "utf-8-sig")
    assert rows[0][:5] == ["外部ID", "姓", "名", "セイ", "メイ"]
    assert len(rows) == 2 and rows[1][1] == "髙橋" and rows[1][5] == "株式会社髙﨑製作所①"
    assert rows[1][-1].startswith("'=HYPERLINK")
    everyone = _rows(export(actor=cast.teammate, kind="person").content, "utf-8-sig")
    assert "山田" not in {r[1] for r in everyone}  # the private record stays private
    event = AuditEvent.objects.filter(action="export", actor=cast.teammate).order_by("id").first()
    assert event.changes["rows"] == [None, 1] and event.changes["filters"] == [None, {"q": "髙橋"}]


def test_cp932_keeps_taka_saki_and_circled_digits_and_reports_what_it_cannot_hold(cast, people):
    rows = _rows(export(actor=cast.owner, kind="person", encoding="cp932").content, "cp932")
    assert {"髙橋"} <= {r[1] for r in rows} and "株式会社髙﨑製作所①" in {r[5] for r in rows}
    factories.person(cast.owner, "𠮷田", "太郎")  # 𠮷 (U+20BB7) is not in CP932
    with pytest.raises(ValidationFailed, match="CP932") as excinfo:
        export(actor=cast.owner, kind="person", encoding="cp932")
    assert "𠮷" in str(excinfo.value.field_errors)


def test_xlsx_and_vcard(cast, people):
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(export(actor=cast.owner, kind="person", fmt="xlsx").content))
    values = [[c.value for c in row] for row in book.active.iter_rows()]
    assert values[0][1] == "姓" and any(v[1] == "髙橋" for v in values[1:])
    card = export(actor=cast.owner, kind="person", fmt="vcf", filters={"q": "髙橋"}).content.decode()
    assert "N:髙橋;一郎;;;" in card and "TEL;TYPE=CELL:090-1234-5678" in card and "X-PHONETIC-LAST-NAME:タナカ" in card


def test_escape_formula():
    assert [escape_formula(v) for v in ("=1+1", "+81", "-2", "@SUM", "田中", "")] == [
        "'=1+1", "'+81", "'-2", "'@SUM", "田中", ""]  # fmt: skip


def test_export_page_and_command(cast, people, tmp_path):
    client = Client()
    client.force_login(cast.owner)
    response = client.get("/export/company/?format=csv&encoding=cp932")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert "株式会社髙﨑製作所①" in response.content.decode("cp932")
    target = tmp_path / "people.csv"
    call_command("export", "people", "-o", str(target), "--encoding", "utf-8", stderr=io.StringIO())
    assert "髙橋" in target.read_text(encoding="utf-8")
    assert AuditEvent.objects.get(action="export", channel="cli").changes["rows"] == [None, 2]  # admin sees both


def test_an_employer_the_reader_may_not_see_is_left_blank(cast):
    """A public person's export row does not name their private employer (it would on re-import too)."""
    secret = factories.company(cast.owner, "株式会社極秘開発", visibility="private")
    factories.person(cast.owner, "佐藤", "健", visibility="public", company=secret.pk, title="部長")
    for user, shown in ((cast.outsider, False), (cast.readonly, False), (cast.owner, True), (cast.admin, True)):
        rows = _rows(export(actor=user, kind="person").content, "utf-8-sig")
        row = next(r for r in rows if r[1] == "佐藤")
        assert (row[5] == "株式会社極秘開発") is shown and ("極秘" in "".join(row)) is shown, user


def test_fax_has_a_column_of_its_own_and_comes_back_as_fax(cast):
    factories.person(cast.owner, "鈴木", "一郎", phones=[{"value": "03-1111-2222", "label": "office"},
                                                       {"value": "03-1111-2223", "label": "fax"}])  # fmt: skip
    rows = _rows(export(actor=cast.owner, kind="person").content, "utf-8-sig")
    header, row = rows[0], next(r for r in rows if r[1] == "鈴木")
    assert row[header.index("電話番号")] == "03-1111-2222" and row[header.index("FAX")] == "03-1111-2223"
    card = export(actor=cast.owner, kind="person", fmt="vcf").content.decode()
    assert "TEL;TYPE=WORK,FAX:03-1111-2223" in card and "TEL;TYPE=WORK,VOICE:03-1111-2222" in card


def test_vcard_note_with_line_breaks_stays_one_property_and_reads_back(cast):
    """A CR inside a note used to end the NOTE property and start a new line the reader took as a property."""
    from kizuna.imports.readers import read_table

    note = "一行目\r二行目\n三行目\r\n四行目;区切り,カンマ\\円\rTEL:999"
    factories.person(cast.owner, "改行", "花子", notes=note)
    card = export(actor=cast.owner, kind="person", fmt="vcf").content
    lines = card.decode().split("\r\n")
    assert [line for line in lines if line.startswith("NOTE:")] == [
        "NOTE:一行目\\n二行目\\n三行目\\n四行目\\;区切り\\,カンマ\\\\円\\nTEL:999"
    ]
    assert "\r" not in card.decode().replace("\r\n", "") and not any(line.startswith("TEL:999") for line in lines)
    table = read_table(card, filename="kizuna.vcf")
    rows = [values for _, values in table.rows]
    notes = rows[0][table.headers.index("備考")]
    assert (
        notes.replace("\r\n", "\n").replace("\r", "\n") == "一行目\n二行目\n三行目\n四行目;区切り,カンマ\\円\nTEL:999"
    )
