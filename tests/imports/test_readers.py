"""Reading CSV/TSV/Excel/vCard files as Japanese offices produce them."""

import io
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from kizuna.imports import mapping, readers
from kizuna.imports.readers import ReadError, decode, detect_encoding, read_table

FILES = Path(__file__).parent / "files"
CSV_TEXT = "氏名,会社名,電話番号\r\n髙橋 一郎,株式会社﨑山製作所①,03-1234-5678\r\n"


def rows(table) -> list[tuple[int, list[str]]]:
    return list(table.rows)


# --- encodings ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\xef\xbb\xbf" + CSV_TEXT.encode(), "utf-8-sig"),
        (CSV_TEXT.encode(), "utf-8"),
        (CSV_TEXT.encode("cp932"), "cp932"),
        ("氏名,会社名\n田中太郎,株式会社山田製作所\n".encode("euc_jp"), "euc-jp"),
        ("氏名,よみ\n田中,たなか\n".encode("euc_jp"), "euc-jp"),
        (b"name,phone\n", "utf-8"),
    ],
)
def test_detect_encoding(data, expected):
    assert detect_encoding(data)[0] == expected


@pytest.mark.parametrize(
    "text",
    [
        "ｶﾌﾞｼｷｶﾞｲｼｬ,ﾀﾅｶ\r\n",  # decodes as CP932 only
        "ｶﾌﾞｼｷｶﾞｲｼｬ,ﾀﾅｶﾀﾛｳ\r\nｽｽﾞｷ,ｲﾁﾛｳ\r\n",  # also decodes as EUC-JP (as random kanji)
        "ﾌｼﾞｲ,ﾏｲ\r\n",  # also valid UTF-8 (as combining marks, Greek and Thaana)
    ],
)
def test_tiny_half_width_kana_cp932_file(text):
    data = text.encode("cp932")
    assert detect_encoding(data)[0] == "cp932"
    assert decode(data).text == text


def test_real_utf8_with_accents_stays_utf8():
    assert detect_encoding("Café,Müller\nИван,Петров\n".encode())[0] == "utf-8"


def test_cp932_keeps_characters_shift_jis_cannot_hold():
    table = read_table(CSV_TEXT.encode("cp932"), filename="list.csv")
    assert table.encoding == "cp932"
    assert rows(table) == [(2, ["髙橋 一郎", "株式会社﨑山製作所①", "03-1234-5678"])]


def test_utf8_bom_is_not_part_of_the_first_header():
    table = read_table(b"\xef\xbb\xbf" + CSV_TEXT.encode(), filename="list.csv")
    assert table.headers == ["氏名", "会社名", "電話番号"]
    assert table.encoding == "utf-8-sig"


def test_euc_jp_file_is_read():
    table = read_table("氏名,会社名\n田中太郎,山田製作所\n".encode("euc_jp"), filename="list.csv")
    assert table.encoding == "euc-jp"
    assert rows(table) == [(2, ["田中太郎", "山田製作所"])]


def test_explicit_wrong_encoding_reports_the_first_bad_byte():
    data = "name\nabc\n髙橋\n".encode("cp932")
    with pytest.raises(ReadError) as info:
        decode(data, "utf-8")
    assert info.value.offset == 9
    assert "10バイト目" in info.value.message and "3行目" in info.value.message and "0x" in info.value.message


def test_explicit_wrong_encoding_in_read_table():
    data = ("氏名\n" + "田中\n" * 5).encode("cp932")
    with pytest.raises(ReadError, match="UTF-8として読めない文字があります: 1行目付近（1バイト目）の 0x8E") as info:
        read_table(data, filename="list.csv", encoding="utf-8")
    assert info.value.offset == 0


def test_shift_jis_request_is_read_as_cp932():
    table = read_table(CSV_TEXT.encode("cp932"), filename="list.csv", encoding="Shift_JIS")
    assert table.encoding == "cp932"
    assert rows(table)[0][1][0] == "髙橋 一郎"


def test_unknown_encoding_name():
    with pytest.raises(ReadError, match="文字コード「latin-1」には対応していません"):
        decode(b"abc", "latin-1")


def test_undetectable_bytes():
    with pytest.raises(ReadError, match="文字コードを判別できませんでした"):
        detect_encoding(b"abc\x81\x20\x85\x40\xff\xfe")


def test_decoded_text_preview():
    decoded = decode(("a\n" * 10).encode())
    assert decoded.encoding == "utf-8"
    assert decoded.preview_lines == ["a"] * 5


def small_chunks(monkeypatch, *, sample: int, chunk: int) -> None:
    """Read the file in tiny pieces so multi-byte characters and errors cross chunk boundaries."""
    from kizuna.imports.readers import encoding, tables

    for module in (tables, encoding):
        if hasattr(module, "_SAMPLE_BYTES"):
            monkeypatch.setattr(module, "_SAMPLE_BYTES", sample)
        if hasattr(module, "_CHUNK_BYTES"):
            monkeypatch.setattr(module, "_CHUNK_BYTES", chunk)


def test_non_ascii_far_into_the_file_is_detected(monkeypatch):
    small_chunks(monkeypatch, sample=64, chunk=32)
    data = ("name,kana\n" + "tanaka,taro\n" * 20 + "田中,ﾀﾅｶ\n").encode("cp932")
    table = read_table(data, filename="list.csv")
    assert table.encoding == "cp932"
    assert rows(table)[-1] == (22, ["田中", "ﾀﾅｶ"])


def test_decode_error_offset_across_chunks(monkeypatch):
    small_chunks(monkeypatch, sample=16, chunk=7)
    data = "氏名\n田中\n山田\n".encode("cp932") + b"\x81\x20\n"
    table = read_table(data, filename="list.csv", encoding="cp932")
    with pytest.raises(ReadError) as info:
        rows(table)
    assert info.value.offset == len("氏名\n田中\n山田\n".encode("cp932"))
    assert "4行目" in info.value.message


# --- CSV / TSV --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("delimiter", "filename"), [("\t", "list.tsv"), ("\t", "list.txt"), (";", "list.csv")])
def test_delimiter_is_sniffed(delimiter, filename):
    text = delimiter.join(["氏名", "住所", "メモ"]) + "\n" + delimiter.join(["田中", '"東京都,千代田区"', "a,b"]) + "\n"
    table = read_table(text.encode(), filename=filename)
    assert table.delimiter == delimiter
    assert table.headers == ["氏名", "住所", "メモ"]
    assert rows(table) == [(2, ["田中", "東京都,千代田区", "a,b"])]


def test_comma_wins_when_fields_contain_other_delimiters():
    table = read_table("氏名,メモ\n田中,a;b\tc\n".encode(), filename="list.csv")
    assert table.delimiter == ","
    assert rows(table) == [(2, ["田中", "a;b\tc"])]


def test_quoted_newlines_blank_lines_and_short_rows():
    text = '氏名,備考,電話\n田中,"一行目\n二行目",03\n\n,,\n佐藤\n'
    table = read_table(text.encode(), filename="list.csv")
    assert rows(table) == [(2, ["田中", "一行目\n二行目", "03"]), (5, ["佐藤", "", ""])]


def test_broken_quote_rows_are_reported_and_the_rest_is_read():
    text = '氏名,電話\n田中,03\n"山田"x,04\n鈴木,05\n"佐藤,06\n高橋,07\n'
    table = read_table(text.encode(), filename="list.csv")
    assert rows(table) == [(2, ["田中", "03"]), (4, ["鈴木", "05"]), (6, ["高橋", "07"])]
    assert [issue.row_number for issue in table.row_errors] == [3, 5]
    assert "3行目" in table.row_errors[0].message and "引用符" in table.row_errors[0].message
    assert "閉じられていません" in table.row_errors[1].message


def test_broken_quote_in_the_header():
    with pytest.raises(ReadError, match="見出し行を読み込めません") as info:
        read_table(b'"name,phone\nx,y\n', filename="list.csv")
    assert info.value.row_number == 1


def test_extra_columns_are_kept_with_a_warning():
    table = read_table("氏名,電話\n田中,03,余分\n".encode(), filename="list.csv")
    assert rows(table) == [(2, ["田中", "03", "余分"])]
    assert "列が多く" in table.warnings[0]


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\r\n\r\n  \n"])
def test_empty_file(data):
    with pytest.raises(ReadError, match="ファイルが空です"):
        read_table(data, filename="list.csv")


def test_too_large(tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(b"name\n" + b"x\n" * 2000)
    with pytest.raises(ReadError) as info:
        read_table(path, filename="big.csv", max_bytes=1024)
    assert "大きすぎます" in info.value.message
    assert "3.9 KB" in info.value.message and "1.0 KB" in info.value.message


def test_unsupported_extensions():
    with pytest.raises(ReadError, match=r"対応していないファイル形式です（\.pdf）"):
        read_table(b"%PDF", filename="list.pdf")
    with pytest.raises(ReadError, match=r"\.xls"):
        read_table(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", filename="list.xls")


def test_path_and_file_object_sources(tmp_path):
    path = tmp_path / "list.csv"
    path.write_bytes(CSV_TEXT.encode("cp932"))
    with read_table(path, filename=path.name) as table:
        assert rows(table)[0][1][1] == "株式会社﨑山製作所①"
    with open(path, "rb") as handle:
        assert rows(read_table(handle, filename="list.csv"))[0][0] == 2


def test_rows_are_produced_lazily(tmp_path):
    path = tmp_path / "big.csv"
    with open(path, "w", encoding="cp932", newline="") as handle:
        handle.write("氏名,電話\r\n")
        for i in range(50_000):
            handle.write(f"田中{i},03-1234-{i % 10000:04d}\r\n")
    table = read_table(path, filename="big.csv")
    assert not isinstance(table.rows, list)
    first = next(table.rows)
    assert first == (2, ["田中0", "03-1234-0000"])
    assert sum(1 for _ in table.rows) == 49_999


def test_fixture_file():
    table = read_table(FILES / "people_cp932.csv", filename="people_cp932.csv")
    assert table.encoding == "cp932"
    assert table.headers[:3] == ["顧客ID", "氏名", "フリガナ"]
    assert rows(table)[0][1][1] == "髙橋 一郎 様"


# --- Excel ----------------------------------------------------------------------------------------


def xlsx_bytes(rows_: list[list], title: str = "顧客") -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows_:
        sheet.append(row)
    second = book.create_sheet("その他")
    second.append(["会社名"])
    second.append(["山田製作所"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_xlsx_dates_numbers_and_phones():
    data = xlsx_bytes(
        [
            [None, None],
            ["氏名", "携帯電話", "郵便番号", "生年月日", "登録日時", "数量", "比率"],
            ["田中 太郎", 9012345678, 600001, date(1980, 4, 1), datetime(2024, 1, 2, 9, 30), 3.0, 0.5],
            [None],
            ["佐藤", "03-1234-5678", "100-0001", "S55.4.1", None, 12, None],
        ]
    )
    table = read_table(data, filename="list.xlsx")
    assert table.format == "xlsx" and table.encoding is None
    assert table.sheet == "顧客" and table.sheet_names == ["顧客", "その他"]
    assert table.headers == ["氏名", "携帯電話", "郵便番号", "生年月日", "登録日時", "数量", "比率"]
    assert rows(table) == [
        (3, ["田中 太郎", "09012345678", "0600001", "1980-04-01", "2024-01-02 09:30:00", "3", "0.5"]),
        (5, ["佐藤", "03-1234-5678", "100-0001", "S55.4.1", "", "12", ""]),
    ]
    assert any("先頭の0" in warning for warning in table.warnings)


def test_xlsx_sheet_by_name_and_index():
    data = xlsx_bytes([["氏名"], ["田中"]])
    assert rows(read_table(data, filename="a.xlsx", sheet="その他")) == [(2, ["山田製作所"])]
    assert read_table(data, filename="a.xlsx", sheet=1).headers == ["会社名"]
    with pytest.raises(ReadError, match="シート「無い」が見つかりません（このファイルのシート: 顧客、その他）"):
        read_table(data, filename="a.xlsx", sheet="無い")


def test_xlsx_empty_and_broken():
    with pytest.raises(ReadError, match="データがありません"):
        read_table(xlsx_bytes([]), filename="a.xlsx")
    with pytest.raises(ReadError, match="Excelファイルを開けませんでした"):
        read_table(b"PK\x03\x04garbage", filename="a.xlsx")


def test_excel_book_saved_with_a_csv_name():
    table = read_table(xlsx_bytes([["氏名"], ["田中"]]), filename="list.csv")
    assert table.format == "xlsx"
    assert rows(table) == [(2, ["田中"])]


# --- vCard ----------------------------------------------------------------------------------------

VCARD_30 = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:山田;太郎;;;\r\nFN:山田 太郎\r\nX-PHONETIC-LAST-NAME:ヤマダ\r\n"
    "X-PHONETIC-FIRST-NAME:タロウ\r\nORG:株式会社山田製作所;営業部\r\nTITLE:部長\r\nTEL;TYPE=CELL:090-1111-2222\r\n"
    "TEL;TYPE=WORK,VOICE:03-1234-5678\r\nTEL;TYPE=WORK,FAX:03-1234-5679\r\nEMAIL;TYPE=INTERNET:taro@yamada.co.jp\r\n"
    "item1.EMAIL;TYPE=INTERNET:taro@example.jp\r\nADR;TYPE=WORK:;5階;丸の内1-1;千代田区;東京都;100-0001;日本\r\n"
    "BDAY:1980-04-01\r\nNOTE:展示会で名刺交換\\n二行目\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:佐藤 花子\r\nN:佐藤;花子;;;\r\nSORT-STRING:サトウ ハナコ\r\n"
    "TEL;TYPE=cell:080-3333-4444\r\nEND:VCARD\r\n"
)


def vcard_rows(table) -> list[dict]:
    return [dict(zip(readers.VCARD_FIELDS, values, strict=True)) for _, values in table.rows]


def test_vcard_30_and_40():
    table = read_table(VCARD_30.encode(), filename="contacts.vcf")
    assert table.format == "vcard"
    first, second = vcard_rows(table)
    assert first["family_name"] == "山田" and first["given_name"] == "太郎"
    assert (first["family_name_kana"], first["given_name_kana"]) == ("ヤマダ", "タロウ")
    assert (first["company"], first["department"], first["title"]) == ("株式会社山田製作所", "営業部", "部長")
    assert (first["mobile"], first["phone"], first["fax"]) == ("090-1111-2222", "03-1234-5678", "03-1234-5679")
    assert first["email"] == "taro@yamada.co.jp\ntaro@example.jp"
    assert (first["postcode"], first["prefecture"], first["city"]) == ("100-0001", "東京都", "千代田区")
    assert first["street"] == "丸の内1-1 5階"
    assert first["birthday"] == "1980-04-01"
    assert first["notes"] == "展示会で名刺交換\n二行目"
    assert second["full_name_kana"] == "サトウ ハナコ" and second["mobile"] == "080-3333-4444"


def test_vcard_headers_map_to_their_fields():
    table = read_table(VCARD_30.encode(), filename="contacts.vcf")
    assert dict(mapping.auto_map(table.headers)) == dict(enumerate(readers.VCARD_FIELDS))


def qp(text: str) -> str:
    return "".join(f"={byte:02X}" for byte in text.encode("cp932"))


def test_vcard_21_shift_jis_quoted_printable():
    org = qp("株式会社髙橋製作所①")
    card = (
        "BEGIN:VCARD\r\nVERSION:2.1\r\n"
        f"N;CHARSET=SHIFT_JIS;ENCODING=QUOTED-PRINTABLE:{qp('髙橋;一郎;;;')}\r\n"
        f"ORG;CHARSET=SHIFT_JIS;ENCODING=QUOTED-PRINTABLE:{org[:30]}=\r\n{org[30:]}\r\n"
        f"NOTE;CHARSET=SHIFT_JIS;ENCODING=QUOTED-PRINTABLE:{qp('一行目')}=0D=0A{qp('二行目')}\r\n"
        "SOUND;X-IRMC-N;CHARSET=SHIFT_JIS:ﾀｶﾊｼ;ｲﾁﾛｳ;;;\r\n"
        "TEL;CELL:090-1234-5678\r\nTEL;WORK;VOICE:03-1234-5678\r\nEMAIL;INTERNET:ichiro@takahashi.co.jp\r\n"
        "END:VCARD\r\n"
    ).encode("cp932")
    table = read_table(card, filename="phone.vcf")
    assert table.encoding == "cp932"
    (row,) = vcard_rows(table)
    assert (row["family_name"], row["given_name"]) == ("髙橋", "一郎")
    assert row["company"] == "株式会社髙橋製作所①"
    assert row["notes"] == "一行目\n二行目"
    assert (row["family_name_kana"], row["given_name_kana"]) == ("ﾀｶﾊｼ", "ｲﾁﾛｳ")
    assert (row["mobile"], row["phone"]) == ("090-1234-5678", "03-1234-5678")


def test_vcard_without_cards():
    with pytest.raises(ReadError, match="vCardが見つかりません"):
        read_table(b"hello\n", filename="x.vcf")


def test_a_title_line_above_the_header_does_not_hide_the_tab_delimiter():
    text = "取引先一覧\r\n\r\n氏名\t会社名\t電話番号\r\n田中 一郎\t株式会社山田製作所\t03-1234-5678\r\n"
    table = readers.read_table(b"\xff\xfe" + text.encode("utf-16-le"), filename="一覧.txt")
    assert (table.delimiter, table.header_row, table.headers) == ("\t", 3, ["氏名", "会社名", "電話番号"])
    assert [values for _, values in table.rows] == [["田中 一郎", "株式会社山田製作所", "03-1234-5678"]]
