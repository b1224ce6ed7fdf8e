"""Guessing columns and cleaning rows for the contacts services."""

import pytest

from kizuna.imports.mapping import FIELDS, auto_map, guess_field, map_row, split_address, validate_mapping


def test_japanese_headers():
    headers = [
        "No.", "お名前", "フリガナ", "会社名", "部署", "役職", "電話番号", "携帯電話", "E-mail", "〒", "住所",
        "生年月日", "備考", "タグ", "社員数",
    ]  # fmt: skip
    assert auto_map(headers) == {
        0: "external_id", 1: "full_name", 2: "full_name_kana", 3: "company", 4: "department", 5: "title",
        6: "phone", 7: "mobile", 8: "email", 9: "postcode", 10: "address", 11: "birthday", 12: "notes", 13: "tags",
    }  # fmt: skip
    assert auto_map(headers).unmapped == [14]


def test_split_name_headers_with_width_and_punctuation_variants():
    headers = ["姓", "名", "セイ", "メイ", "フリガナ（姓）", "ﾌﾘｶﾞﾅ(名)", "都道府県", "市区町村", "番地", "建物名"]
    mapping = auto_map(headers)
    assert mapping == {
        0: "family_name", 1: "given_name", 2: "family_name_kana", 3: "given_name_kana", 6: "prefecture",
        7: "city", 8: "street", 9: "address2",
    }  # fmt: skip
    assert mapping.duplicates == [(4, "family_name_kana", 2), (5, "given_name_kana", 3)]
    assert "「フリガナ（姓）」" in mapping.warnings[0] and "「セイ」を使います" in mapping.warnings[0]


def test_english_headers():
    headers = ["ID", "Full Name", "Last Name", "First Name", "Company", "Department", "Job Title", "Phone",
               "Mobile Phone", "Email Address", "Zip Code", "Address", "Birthday", "Notes", "Tags", "Fax"]  # fmt: skip
    assert list(auto_map(headers).values()) == [
        "external_id", "full_name", "family_name", "given_name", "company", "department", "title", "phone",
        "mobile", "email", "postcode", "address", "birthday", "notes", "tags", "fax",
    ]  # fmt: skip


def test_other_spellings():
    assert guess_field("メールアドレス（必須）") == "email"
    assert guess_field("ＴＥＬ") == "phone"
    assert guess_field("携帯") == "mobile"
    assert guess_field("取引先") == "company"
    assert guess_field("よみ") == "full_name_kana"
    assert guess_field("氏名(カナ)") == "full_name_kana"
    assert guess_field("Last Name (Kana)") == "family_name_kana"
    assert guess_field("苗字") == "family_name"
    assert guess_field("顧客ID") == "external_id"
    assert guess_field("誕生日") == "birthday"
    assert guess_field("所在地") == "address"
    assert guess_field("会社名カナ") == "company_kana"
    assert guess_field("会社名カナ", "company") == "name_kana"
    assert guess_field("") is None


def test_duplicate_fields_first_column_wins():
    mapping = auto_map(["部署", "部門", "氏名"])
    assert mapping == {0: "department", 2: "full_name"}
    assert mapping.duplicates == [(1, "department", 0)]


def test_several_columns_for_phones_emails_and_notes():
    mapping = auto_map(
        ["氏名", "電話", "TEL直通", "自宅電話", "FAX", "メール", "e-mail 2 address", "メモ", "名刺交換日"]
    )
    assert mapping == {
        0: "full_name", 1: "phone", 2: "phone:office", 3: "phone:home", 4: "fax", 5: "email", 6: "email",
        7: "notes", 8: "notes",
    }  # fmt: skip
    row = ["田中 太郎", "090-1111-2222", "03-1111-2222 内線12", "045-111-2222", "03-1111-2223", "a@b.jp",
           "c@d.jp", "展示会", "2024/04/15"]  # fmt: skip
    result = map_row(row, mapping, headers=["氏名", "電話", "TEL直通", "自宅電話", "FAX", "メール", "e-mail 2 address",
                                            "メモ", "名刺交換日"])  # fmt: skip
    assert [(p["value"], p["label"]) for p in result.data["phones"]] == [
        ("090-1111-2222", "mobile"), ("03-1111-2222 内線12", "office"), ("045-111-2222", "home"),
        ("03-1111-2223", "fax"),
    ]  # fmt: skip
    assert result.data["phones"][1]["extension"] == "12"
    assert [e["value"] for e in result.data["emails"]] == ["a@b.jp", "c@d.jp"]
    assert result.data["notes"] == "展示会\n名刺交換日: 2024/04/15"


def test_row_labels_pick_the_kind_of_each_contact_point():
    headers = ["Last Name", "Phone 1 - Label", "Phone 1 - Value", "E-mail 1 - Label", "E-mail 1 - Value"]
    mapping = auto_map(headers)
    assert mapping == {0: "family_name", 1: "label:2", 2: "phone", 3: "label:4", 4: "email"}
    result = map_row(["田中", "Work Fax", "03-1111-2222 ::: 03-1111-2223", "* Home", "a@b.jp"], mapping)
    assert [(p["value"], p["label"]) for p in result.data["phones"]] == [
        ("03-1111-2222", "fax"), ("03-1111-2223", "fax"),
    ]  # fmt: skip
    assert result.data["emails"] == [{"value": "a@b.jp", "label": "personal"}]


def test_job_title_wins_and_the_courtesy_title_is_kept_in_the_notes():
    headers = ["肩書き", "姓", "名", "役職"]
    mapping = auto_map(headers)
    assert mapping == {0: "notes", 1: "family_name", 2: "given_name", 3: "title"}
    assert map_row(["工学博士", "渡邉", "直樹", "本部長"], mapping, headers=headers).data["notes"] == "肩書き: 工学博士"
    assert "notes" not in map_row(["様", "渡邉", "直樹", "本部長"], mapping, headers=headers).data


def test_a_company_without_a_person_is_a_company_row():
    mapping = auto_map(["First Name", "Last Name", "Organization Name", "Phone 1 - Value", "E-mail 1 - Value"])
    result = map_row(["", "", "株式会社東海精機", "052-211-3300", "info@tokai.example.jp"], mapping)
    assert result.data["record_kind"] == "company" and result.data["name"] == "株式会社東海精機"
    assert result.data["phone"] == "052-211-3300" and "メール: info@tokai.example.jp" in result.data["notes"]


def test_a_name_without_a_space_is_split_by_a_known_family_name_or_kept_whole_for_review():
    data = map_row(["山田太郎"], {0: "full_name"}).data
    assert (data["family_name"], data["given_name"]) == ("山田", "太郎") and "tags" not in data
    result = map_row(["鍵屋一二三"], {0: "full_name"})
    assert result.data["family_name"] == "鍵屋一二三" and result.data["tags"] == ["要確認"]


def test_outlook_empty_dates_and_us_dates():
    assert "birthday" not in map_row(["田中", "0/0/00"], {0: "family_name", 1: "birthday"}).data
    assert map_row(["田中", "3/14/1985"], {0: "family_name", 1: "birthday"}).data["birthday"] == "1985-03-14"


def test_an_address_abroad_is_kept_as_written():
    mapping = {0: "family_name", 1: "street", 2: "city", 3: "prefecture", 4: "postcode", 5: "country"}
    result = map_row(["Clark", "1600 Amphitheatre Pkwy", "Mountain View", "CA", "94043", "United States"], mapping)
    assert result.errors == []
    assert result.data["city"] == "Mountain View"
    assert result.data["street"] == "1600 Amphitheatre Pkwy CA 94043 United States"


def test_no_recognizable_header():
    mapping = auto_map(["田中", "03-1234-5678"])
    assert mapping == {}
    assert "見出しから項目を判別できませんでした" in mapping.warnings[0]


def test_company_headers():
    headers = ["会社名", "フリガナ", "法人番号", "代表電話", "郵便番号", "所在地", "業種", "ホームページ", "担当"]
    assert auto_map(headers, kind="company") == {
        0: "name", 1: "name_kana", 2: "corporate_number", 3: "phone:office", 4: "postcode", 5: "address", 6: "industry",
        7: "website",
    }  # fmt: skip


def test_validate_mapping():
    assert validate_mapping({0: "full_name"}) == []
    assert validate_mapping({0: "phone"}) == ["氏名（または姓）の列を指定してください。"]
    problems = validate_mapping({0: "name", 1: "birthday", 2: "name"}, kind="company")
    assert "1列目の項目「birthday」はこの取り込みでは使えません。" not in problems
    assert "2列目の項目「birthday」はこの取り込みでは使えません。" in problems
    assert "「会社名」が1列目と3列目の両方に指定されています。" in problems


def test_every_field_has_a_label():
    from kizuna.imports.mapping import FIELD_LABELS

    assert all(field in FIELD_LABELS for fields in FIELDS.values() for field in fields)


# --- rows -------------------------------------------------------------------------------------------

PERSON = {
    0: "full_name", 1: "full_name_kana", 2: "company", 3: "phone", 4: "mobile", 5: "email", 6: "postcode",
    7: "address", 8: "birthday", 9: "tags", 10: "external_id",
}  # fmt: skip


def person(**values) -> list[str]:
    row = [""] * 11
    for field, value in values.items():
        row[next(i for i, f in PERSON.items() if f == field)] = value
    return row


def test_full_row():
    result = map_row(
        person(
            full_name="髙橋　一郎 様",
            full_name_kana="ﾀｶﾊｼ ｲﾁﾛｳ",
            company="㈱﨑山製作所",
            phone="０３－１２３４－５６７８ 内線12",
            mobile="090-1111-2222",
            email="ICHIRO@SAKIYAMA.CO.JP",
            postcode="１００－０００１",
            address="東京都千代田区丸の内1-1 丸の内ビル5階",
            birthday="昭和55年4月1日",
            tags="展示会、重要 / 2024",
            external_id="C-001",
        ),
        PERSON,
    )
    assert result.errors == [] and result.warnings == []
    assert result.importable
    assert result.data == {
        "family_name": "髙橋",
        "given_name": "一郎",
        "family_name_kana": "タカハシ",
        "given_name_kana": "イチロウ",
        "external_id": "C-001",
        "company_name": "㈱﨑山製作所",
        "emails": [{"value": "ICHIRO@SAKIYAMA.CO.JP", "label": "work"}],
        "phones": [
            {"value": "03-1234-5678 内線12", "label": "office", "extension": "12"},
            {"value": "090-1111-2222", "label": "mobile"},
        ],
        "postcode": "100-0001",
        "prefecture": "東京都",
        "city": "千代田区",
        "street": "丸の内1-1 丸の内ビル5階",
        "birthday": "1980-04-01",
        "tags": ["展示会", "重要", "2024"],
    }


def test_name_without_space_is_split_on_a_known_family_name():
    data = map_row(person(full_name="佐藤花子さん"), PERSON).data
    assert (data["family_name"], data["given_name"]) == ("佐藤", "花子")


def test_unsplittable_name_is_kept_whole_with_a_warning():
    result = map_row(person(full_name="勅使河原宏", full_name_kana="テシガハラヒロシ"), PERSON)
    assert result.data["family_name"] == "勅使河原宏" and "given_name" not in result.data
    assert result.data["family_name_kana"] == "テシガハラヒロシ"
    assert [field for field, _ in result.warnings] == ["full_name", "full_name_kana"]


def test_separate_name_columns_and_honorifics():
    mapping = {0: "family_name", 1: "given_name", 2: "family_name_kana", 3: "given_name_kana"}
    result = map_row(["山田", "太郎 様", "やまだ", "たろう"], mapping)
    assert result.data == {
        "family_name": "山田", "given_name": "太郎", "family_name_kana": "やまだ", "given_name_kana": "たろう",
    }  # fmt: skip


def test_missing_name_makes_the_row_unimportable():
    result = map_row(person(phone="03-1234-5678"), PERSON)
    assert not result.importable
    assert result.errors == [("family_name", "氏名（姓）が空のため登録できません。")]


def test_text_that_is_no_number_is_an_error_on_that_field_and_kept_as_entered():
    result = map_row(person(full_name="田中 太郎", phone="03-12", mobile="090-1111-2222"), PERSON)
    assert result.errors == [("phone", "電話番号「03-12」を番号として読めません。入力のまま要確認に残します。")]
    assert result.importable
    assert result.data["phones"] == [
        {"value": "090-1111-2222", "label": "mobile"}, {"value": "03-12", "label": "office"},
    ]  # fmt: skip


def test_mobile_number_in_the_phone_column_is_labelled_mobile_and_duplicates_are_dropped():
    result = map_row(person(full_name="田中 太郎", phone="090-1111-2222", mobile="09011112222"), PERSON)
    assert result.data["phones"] == [{"value": "090-1111-2222", "label": "mobile"}]


def test_several_values_in_one_cell():
    result = map_row(person(full_name="田中 太郎", phone="03-1234-5678／06-1234-5678", email="a@b.jp; c@d.jp"), PERSON)
    assert [p["value"] for p in result.data["phones"]] == ["03-1234-5678", "06-1234-5678"]
    assert [e["value"] for e in result.data["emails"]] == ["a@b.jp", "c@d.jp"]


def test_bad_email_postcode_and_birthday():
    result = map_row(
        person(full_name="田中 太郎", email="tanaka@", postcode="100-001", birthday="昭和65年1月1日"), PERSON
    )
    assert dict(result.errors) == {
        "email": "メールアドレス「tanaka@」を読めません。入力のまま要確認に残します。",
        "postcode": "郵便番号「100-001」は7桁の数字ではありません（例: 100-0001）。備考に残します。",
        "birthday": "生年月日「昭和65年1月1日」を日付として読めません（例: 1980/4/1、昭和55年4月1日）。"
        "備考に残します。",
    }
    assert result.data["notes"].splitlines() == ["生年月日: 昭和65年1月1日", "郵便番号: 100-001"]  # kept
    assert not {"postcode", "birthday"} & result.data.keys()
    assert result.data["emails"] == [{"value": "tanaka@", "label": "work"}]  # kept as entered (要確認)


@pytest.mark.parametrize(
    ("value", "expected"), [("R6.4.1", "2024-04-01"), ("平成元年1月8日", "1989-01-08"), ("1980/4/1", "1980-04-01")]
)
def test_birthdays(value, expected):
    assert map_row(person(full_name="田中 太郎", birthday=value), PERSON).data["birthday"] == expected


def test_placeholders_count_as_empty():
    result = map_row(person(full_name="田中 太郎", phone="-", email="なし"), PERSON)
    assert result.errors == [] and "phones" not in result.data and "emails" not in result.data


def test_separate_address_columns_and_unknown_prefecture():
    mapping = {0: "family_name", 1: "prefecture", 2: "city", 3: "street", 4: "address2"}
    result = map_row(["田中", "大阪", "大阪市北区", "梅田1-1", "梅田ビル"], mapping)
    assert (result.data["prefecture"], result.data["city"], result.data["street"]) == (
        "大阪府", "大阪市北区", "梅田1-1 梅田ビル",
    )  # fmt: skip
    result = map_row(["田中", "トーキョー", "", "千代田1-1", ""], mapping)
    assert result.warnings == [("prefecture", "都道府県「トーキョー」が見つかりません。番地の先頭に残します。")]
    assert "prefecture" not in result.data and result.data["street"] == "トーキョー 千代田1-1"


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("東京都千代田区丸の内1-1", ("東京都", "千代田区", "丸の内1-1")),
        ("東京都中央区日本橋室町2-1", ("東京都", "中央区", "日本橋室町2-1")),
        ("神奈川県横浜市中区本町1-1", ("神奈川県", "横浜市中区", "本町1-1")),
        ("三重県四日市市諏訪町1-5", ("三重県", "四日市市", "諏訪町1-5")),
        ("千葉県市川市八幡1-1", ("千葉県", "市川市", "八幡1-1")),
        ("東京都町田市森野2-2-22", ("東京都", "町田市", "森野2-2-22")),
        ("北海道虻田郡倶知安町北1条東4", ("北海道", "虻田郡倶知安町", "北1条東4")),
        ("大阪府 大阪市北区 梅田1-1", ("大阪府", "大阪市北区", "梅田1-1")),
        ("丸の内1-1", ("", "", "丸の内1-1")),
    ],
)
def test_split_address(address, expected):
    assert split_address(address) == expected


COMPANY = {0: "name", 1: "name_kana", 2: "corporate_number", 3: "phone", 4: "address", 5: "website", 6: "industry"}


def test_company_row():
    result = map_row(
        ["株式会社山田製作所", "ﾔﾏﾀﾞｾｲｻｸｼｮ", "７０００－０１－２０５０００２", "03-1234-5678", "東京都港区芝公園4-2-8",
         "www.yamada.co.jp", "製造業"],
        COMPANY, kind="company",
    )  # fmt: skip
    assert result.errors == []
    assert result.data == {
        "name": "株式会社山田製作所", "name_kana": "ヤマダセイサクショ", "corporate_number": "7000012050002",
        "phone": "03-1234-5678", "prefecture": "東京都", "city": "港区", "street": "芝公園4-2-8",
        "website": "www.yamada.co.jp", "industry": "製造業",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1000012050002", "法人番号「1000012050002」のチェックディジットが正しくありません。"),
        ("12345", "法人番号「12345」は13桁の数字ではありません。"),
    ],
)
def test_bad_corporate_number(value, message):
    result = map_row(["山田製作所", "", value, "", "", "", ""], COMPANY, kind="company")
    assert result.errors == [("corporate_number", message)]
    assert "corporate_number" not in result.data and result.importable


def test_company_without_name():
    result = map_row(["", "", "", "03-1234-5678", "", "", ""], COMPANY, kind="company")
    assert not result.importable
