"""Nothing lost: files exported by the systems people leave (Google Contacts, Outlook, Excel, Sansan, Eight, phones'
vCards) keep every phone, e-mail, address, title and name on import, and the dry run and the real run agree.
The fixtures follow each product's layout (tests/imports/files/make_fixtures.py); tests/imports/values.py reads
them without the import code."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kizuna.contacts.models import Company, ContactPoint, Person
from kizuna.imports import services

from . import values

FORMATS = [
    ("google_contacts.csv", values.google_contacts),
    ("google_outlook.csv", values.google_outlook),
    ("excel_unicode.txt", values.excel_unicode),
    ("outlook_unicode.txt", values.outlook_unicode),
    ("outlook_ja.csv", values.outlook_ja),
    ("sansan.csv", values.sansan),
    ("eight.csv", values.eight),
    ("apple.vcf", values.apple_vcf),
    ("android_sjis.vcf", values.android_vcf),
    ("feature_phone_sjis.vcf", values.feature_phone_vcf),
    ("title_rows.xlsx", values.title_rows_xlsx),
]


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


def upload(actor, name, **kw):
    data = (values.FILES / name).read_bytes()
    return services.upload(actor=actor, file=SimpleUploadedFile(name, data), filename=name, **kw)


def imported(actor, name, **kw):
    """(dry run, real run) of the file, after checking that they agree."""
    job = upload(actor, name, **kw)
    dry = services.dry_run(actor=actor, job=job)
    real = services.run(job.pk)
    assert (dry.rows, dry.created, dry.updated, dry.skipped) == (real.rows, real.created, real.updated, real.skipped)
    return dry, real


@pytest.mark.parametrize(("name", "expected"), FORMATS, ids=[n for n, _ in FORMATS])
def test_every_value_in_the_file_is_stored(cast, name, expected):
    wanted = expected()
    imported(cast.owner, name)
    missing = lost = values.lost(wanted)
    counts = {kind: f"{len(lost[kind])}/{n} lost" for kind, n in wanted.count().items()}
    assert missing == {kind: [] for kind in missing}, counts


def _points(person, kind="phone"):
    return {(p.normalized, p.label, p.extension) for p in person.contact_points.filter(kind=kind)}


def test_google_contacts_labels_pick_the_kind_and_several_values_become_several_points(cast):
    dry, _ = imported(cast.owner, "google_contacts.csv")
    assert (dry.rows, dry.created, dry.skipped) == (4, 4, 0)
    ichiro = Person.objects.get(family_name="髙橋")
    assert _points(ichiro) == {
        ("0332114567", "office", ""), ("09012345678", "mobile", ""), ("08023456789", "mobile", ""),
        ("0332114568", "fax", ""), ("0332114570", "office", ""),
    }  # fmt: skip
    assert {(n, label) for n, label, _ in _points(ichiro, "email")} == {
        ("ichiro.takahashi@yamada-ss.co.jp", "work"), ("ichiro.t@example.ne.jp", "personal"),
    }  # fmt: skip
    assert ichiro.employments.get().title == "営業部長" and ichiro.employments.get().department == "営業部"
    assert (ichiro.postcode, ichiro.prefecture, ichiro.city, ichiro.street) == (
        "100-0005", "東京都", "千代田区", "丸の内1-1-1 パレスビル5階",
    )  # fmt: skip
    assert list(ichiro.tags.values_list("name", flat=True)) == ["取引先"]  # not Google's own "myContacts"
    assert (ichiro.family_name_kana, ichiro.given_name_kana) == ("タカハシ", "イチロウ")
    hanako = Person.objects.get(family_name="佐藤")
    assert _points(hanako) == {("07011112222", "mobile", ""), ("0456234567", "home", "")}
    assert {label for _, label, _ in _points(hanako, "email")} == {"other"}
    assert (hanako.prefecture, hanako.city) == ("神奈川県", "横浜市中区")  # from "Address 1 - Formatted"
    nakamura = Person.objects.get(family_name="中村")
    assert len(_points(nakamura, "email")) == 2 and len(_points(nakamura)) == 3
    company = Company.objects.get(name="株式会社東海精機")  # an organization-only contact is a company
    assert company.phone_digits == "0522113300" and company.city == "名古屋市中区"
    assert company.website == "https://www.tokai-seiki.example.jp/"
    assert not Person.objects.filter(family_name__contains="東海").exists()


@pytest.mark.parametrize(
    ("name", "encoding", "delimiter"),
    [("google_outlook.csv", "utf-16", ","), ("excel_unicode.txt", "utf-16", "\t"),
     ("outlook_unicode.txt", "utf-16-le", "\t")],
)  # fmt: skip
def test_utf16_files_are_read(cast, name, encoding, delimiter):
    job = upload(cast.owner, name)
    assert job.encoding == encoding
    with services.open_table(job) as table:
        assert table.delimiter == delimiter
    assert services.dry_run(actor=cast.owner, job=job).errors == []


def test_outlook_courtesy_title_beside_the_job_title_and_empty_birthdays(cast):
    dry, _ = imported(cast.owner, "outlook_ja.csv")
    assert dry.errors == []  # 0/0/00 and 00/0/0 are Outlook's "no birthday"
    watanabe = Person.objects.get(family_name="渡邉")
    assert watanabe.employments.get().title == "本部長" and "肩書き: 工学博士" in watanabe.notes
    assert (watanabe.family_name_kana, watanabe.given_name_kana) == ("ワタナベ", "ナオキ")
    assert watanabe.company.name_kana == "トウキョウセイコウ"
    assert watanabe.birthday is None
    assert ("0354032001", "fax", "") in _points(watanabe)
    assert watanabe.street == "芝公園4-2-8 芝公園ビル12階"
    ishikawa = Person.objects.get(family_name="石川")
    assert str(ishikawa.birthday) == "1968-11-23" and "様" not in ishikawa.notes  # an honorific is no title
    assert list(watanabe.tags.values_list("name", flat=True)) == ["重要顧客"]


def test_google_outlook_csv_keeps_the_courtesy_title_and_both_emails(cast):
    imported(cast.owner, "google_outlook.csv")
    kitamura = Person.objects.get(family_name="北村")
    assert kitamura.employments.get().title == "技術部 課長" and "Title: Dr." in kitamura.notes
    assert len(_points(kitamura, "email")) == 2 and kitamura.birthday is None
    clark = Person.objects.get(family_name="Clark")
    assert str(clark.birthday) == "1985-03-14" and "United States" in clark.street
    assert ("0355550101", "home", "") in _points(clark)


def test_card_exports_keep_landlines_url_and_exchange_date(cast):
    dry, _ = imported(cast.owner, "sansan.csv")
    assert dry.errors == [] and dry.created == 2
    yamamoto = Person.objects.get(family_name="山本")
    assert _points(yamamoto) == {
        ("0332114500", "office", ""), ("0332114560", "office", ""), ("0332114561", "office", ""),
        ("0332114568", "fax", ""), ("09024681357", "mobile", ""),
    }  # fmt: skip
    assert yamamoto.employments.get().department == "営業本部 第一営業部"  # a quoted line break: one cell
    assert "名刺交換日: 2024/04/15" in yamamoto.notes and "URL: https://www.yamada-ss.co.jp/" in yamamoto.notes
    assert yamamoto.company.website == "https://www.yamada-ss.co.jp/"
    kato = Person.objects.get(family_name="加藤")
    assert ("0452221055", "office", "255") in _points(kato)


def test_an_unquoted_line_break_refuses_that_row_and_names_its_lines(cast):
    dry, real = imported(cast.owner, "eight.csv")
    assert (dry.rows, dry.created, dry.skipped) == (3, 2, 1)
    [error] = dry.errors
    assert error["row"] == 3 and "3〜4行目" in error["message"] and "改行" in error["message"]
    assert real.errors == dry.errors
    assert not Person.objects.filter(family_name__in=["森", "富山駅前ビル"]).exists()
    assert Person.objects.count() == 2


def test_vcard_company_card_and_extensions(cast):
    imported(cast.owner, "apple.vcf")
    assert Person.objects.count() == 2
    company = Company.objects.get(name="株式会社山田製作所")
    assert company.phone_digits == "0332114500" and company.website == "https://www.yamada-ss.co.jp/"
    ichiro = Person.objects.get(family_name="髙橋")
    assert ichiro.company == company
    assert {("0332114567", "office", "210"), ("0332114570", "office", "305"), ("0332114568", "fax", "")} <= _points(
        ichiro
    )
    assert {label for _, label, _ in _points(ichiro, "email")} == {"work", "personal"}
    fujii = Person.objects.get(family_name="藤井")
    assert ("0529631000", "office", "210") in _points(fujii) and ("0529631099", "fax", "") in _points(fujii)


def test_wrongly_declared_and_truncated_shift_jis_vcards_are_reported_never_mojibake(cast):
    dry, _ = imported(cast.owner, "android_sjis.vcf")
    assert (dry.rows, dry.created, dry.skipped) == (4, 3, 1)
    [error] = dry.errors
    assert error["row"] == 4 and "途中で終わって" in error["message"]
    assert any("2件目" in notice and "UTF-8" in notice for notice in dry.notices)
    hasegawa = Person.objects.get(family_name="長谷川")
    assert hasegawa.given_name == "聡" and hasegawa.company.name == "京都電装株式会社"
    assert Company.objects.filter(name="有限会社鈴木商店", city="市原市").exists()
    every_text = [p.family_name + p.given_name for p in Person.objects.all()]
    every_text += [c.name for c in Company.objects.all()]
    assert not any("\ufffd" in t or "縺" in t for t in every_text)


def test_raw_shift_jis_vcard_cut_in_a_character_keeps_the_whole_cards(cast):
    dry, _ = imported(cast.owner, "feature_phone_sjis.vcf")
    assert (dry.rows, dry.created, dry.skipped) == (3, 2, 1)
    assert dry.errors[0]["row"] == 3
    maeda = Person.objects.get(family_name="前田")
    assert (maeda.family_name_kana, maeda.given_name_kana) == ("マエダ", "ケンタ")  # half-width kana, normalized


def test_excel_title_rows_above_the_header(cast):
    job = upload(cast.owner, "title_rows.xlsx")
    assert job.header_row == 4 and job.mapping["1"] == "full_name"
    dry, _ = imported(cast.owner, "title_rows.xlsx")
    assert (dry.rows, dry.created) == (3, 3)
    taro = Person.objects.get(given_name="太郎")
    assert taro.family_name == "山田"  # split on the known family name
    kagiya = Person.objects.get(family_name="鍵屋一二三")  # kept whole, flagged
    assert kagiya.given_name == "" and "要確認" in kagiya.tags.values_list("name", flat=True)
    assert ContactPoint.objects.filter(normalized="0486412222").exists()  # the 0 Excel dropped is back


def test_header_row_can_be_chosen(cast):
    job = upload(cast.owner, "title_rows.xlsx")
    services.set_mapping(actor=cast.owner, job=job, mapping={}, header_row=3)
    job.refresh_from_db()
    assert job.header_row == 3 and job.mapping == {}
    services.set_mapping(actor=cast.owner, job=job, mapping={}, header_row=4)
    job.refresh_from_db()
    assert job.mapping["1"] == "full_name"
    assert services.dry_run(actor=cast.owner, job=job).created == 3


@pytest.mark.parametrize(("name", "expected"), FORMATS, ids=[n for n, _ in FORMATS])
def test_every_phone_and_email_of_the_file_is_found_by_search(cast, name, expected):
    from kizuna.contacts.search import search_records

    wanted = expected()
    imported(cast.owner, name)
    for digits, _extension in wanted.phones:
        assert search_records(cast.owner, digits)[0], f"phone {digits} not found"
    for email in wanted.emails:
        assert search_records(cast.owner, email)[0], f"e-mail {email} not found"
