"""The vCard reader on its own: extensions written as 内線, labels picking the kind, company cards, second
addresses kept, cut-off and wrongly declared cards reported per card."""

from kizuna.imports import readers


def card(*lines: str) -> str:
    return "BEGIN:VCARD\r\nVERSION:3.0\r\n" + "".join(f"{line}\r\n" for line in lines) + "END:VCARD\r\n"


def read(text: str, encoding: str = "utf-8") -> tuple[list[dict], readers.Table]:
    table = readers.read_table(text.encode(encoding), filename="連絡先.vcf")
    rows = [dict(zip(table.headers, values, strict=True)) for _, values in table.rows]
    return rows, table


def test_extensions_in_every_spelling_become_naisen():
    [row], _ = read(card("N:田中;一郎;;;", "TEL;TYPE=WORK:03-3211-4567,210", "item1.TEL:03-3211-4570;ext=305",
                         "TEL;TYPE=WORK:052-963-1000 内線7", "TEL;TYPE=WORK:0529611234,21"))  # fmt: skip
    assert row["電話番号"].splitlines() == [
        "03-3211-4567 内線210", "03-3211-4570 内線305", "052-963-1000 内線7", "0529611234 内線21",
    ]  # fmt: skip


def test_apple_labels_home_and_second_address():
    [row], _ = read(card(
        "N:田中;一郎;;;", "item1.TEL:03-1111-2222", "item1.X-ABLabel:_$!<WorkFAX>!$_", "item2.TEL:090-1111-2222",
        "item2.X-ABLabel:_$!<Mobile>!$_", "TEL;TYPE=HOME:045-111-2222", "EMAIL;TYPE=HOME:a@example.jp",
        "ADR;TYPE=WORK:;;丸の内1-1-1;千代田区;東京都;100-0005;日本",
        "ADR;TYPE=HOME:;;元町1-3;横浜市中区;神奈川県;231-0861;",
        "URL:https://example.jp/",
    ))  # fmt: skip
    assert (row["FAX"], row["携帯電話"], row["電話番号（自宅）"]) == ("03-1111-2222", "090-1111-2222", "045-111-2222")
    assert row["メールアドレス（個人）"] == "a@example.jp" and row["ウェブサイト"] == "https://example.jp/"
    assert row["市区町村"] == "千代田区" and "住所（自宅）: 231-0861 神奈川県 横浜市中区 元町1-3" in row["備考"]


def test_company_cards():
    apple = card("N:;;;;", "FN:株式会社山田製作所", "ORG:株式会社山田製作所;", "X-ABShowAs:COMPANY")
    android = card("FN:有限会社鈴木商店", "ORG:有限会社鈴木商店")
    rows, _ = read(apple + android + card("N:田中;一郎;;;", "ORG:鈴木工業;"))
    assert [(r["レコード種別"], r["会社名"], r["氏名"]) for r in rows] == [
        ("company", "株式会社山田製作所", ""), ("company", "有限会社鈴木商店", ""), ("", "鈴木工業", ""),
    ]  # fmt: skip


def test_a_cut_off_card_is_reported_and_the_others_are_read():
    text = card("N:田中;一郎;;;") + "BEGIN:VCARD\r\nVERSION:3.0\r\nN:佐藤;花子;;;\r\nTEL:090-11"
    rows, table = read(text)
    assert [r["姓"] for r in rows] == ["田中"]
    assert [(i.row_number, "途中で終わって" in i.message) for i in table.row_errors] == [(2, True)]


def test_a_shift_jis_file_cut_inside_a_character_keeps_its_whole_cards():
    data = (card("N;CHARSET=SHIFT_JIS:前田;健太;;;") + "BEGIN:VCARD\r\nN;CHARSET=SHIFT_JIS:川口;").encode("cp932")
    table = readers.read_table(data[:-1], filename="k.vcf")
    assert [values[1] for _, values in table.rows] == ["前田"] and table.encoding == "cp932"
    assert table.row_errors[0].row_number == 2


def test_a_value_declared_shift_jis_but_written_in_utf8_is_read_as_utf8_and_said_so():
    qp = "".join(f"={b:02X}" for b in "長谷川".encode())
    rows, table = read(card(f"N;CHARSET=SHIFT_JIS;ENCODING=QUOTED-PRINTABLE:{qp};聡;;;").replace("3.0", "2.1"))
    assert rows[0]["姓"] == "長谷川"
    assert any("1件目" in w and "UTF-8" in w for w in table.warnings)
