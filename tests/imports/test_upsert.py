"""Updates by import add and never overwrite silently: a メモ is appended, a new title is a new career (the old one
stays in 職歴), a different birthday or name is a conflict left as it is unless the file wins, masked cells of an
export are no data, and the app's own export imported again changes nothing. Revert undoes all of it."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from kizuna.contacts import services as contacts
from kizuna.contacts.exports import export
from kizuna.contacts.models import Company, Employment, Person
from kizuna.imports import services


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


def upload(actor, text: str, *, match_on="email", encoding="cp932", name="更新.csv"):
    data = text.encode(encoding)
    return services.upload(actor=actor, file=SimpleUploadedFile(name, data), filename=name, match_on=match_on)


@pytest.fixture
def endo(cast):
    company = contacts.create_company(actor=cast.owner, data={"name": "伊藤テクノロジー株式会社"})
    return contacts.create_person(actor=cast.owner, data={
        "family_name": "遠藤", "given_name": "裕太", "birthday": "1980-04-01", "notes": "初回訪問: 工場見学",
        "emails": [{"value": "endo@ito-tech.example.jp"}], "phones": [{"value": "076-1112-5095 内線253"}],
        "company": company.pk, "department": "製造部", "title": "課長",
    })  # fmt: skip


HEADER = "氏名,会社名,部署,役職,メールアドレス,電話番号,生年月日,メモ\r\n"


def test_a_promotion_is_a_new_career_and_the_memo_is_added(cast, endo):
    job = upload(cast.owner, HEADER + "遠藤 裕太,伊藤テクノロジー株式会社,製造部,部長,endo@ito-tech.example.jp,"
                 "090-1234-5678,1980/04/01,展示会で再会\r\n")  # fmt: skip
    dry = services.dry_run(actor=cast.owner, job=job)
    assert (dry.updated, dry.created, dry.errors) == (1, 0, [])
    services.run(job.pk)
    endo.refresh_from_db()
    assert endo.notes == "初回訪問: 工場見学\n展示会で再会"
    careers = {(j.title, j.is_primary, j.end_date is None) for j in endo.employments.alive()}
    assert careers == {("課長", False, False), ("部長", True, True)}  # the old post ended, kept in 職歴
    assert endo.contact_points.filter(normalized="09012345678").exists()
    assert endo.contact_points.filter(normalized="07611125095", extension="253").exists()  # never removed

    services.revert(actor=cast.owner, job=job)
    endo.refresh_from_db()
    assert endo.notes == "初回訪問: 工場見学"
    assert [(j.title, j.is_primary, j.end_date) for j in endo.employments.alive()] == [("課長", True, None)]
    assert not endo.contact_points.filter(normalized="09012345678").exists()


def test_a_different_birthday_is_a_conflict_kept_unless_the_file_wins(cast, endo):
    text = HEADER + "遠藤 祐太,,,,endo@ito-tech.example.jp,,1981/04/01,\r\n"
    job = upload(cast.owner, text)
    dry = services.dry_run(actor=cast.owner, job=job)
    [plan] = dry.preview
    conflicts = dict(plan.warnings)
    assert "生年月日" in conflicts["birthday"] and "1980-04-01" in conflicts["birthday"]
    assert "名" in conflicts["given_name"]
    services.run(job.pk)
    endo.refresh_from_db()
    assert (str(endo.birthday), endo.given_name) == ("1980-04-01", "裕太")

    job = upload(cast.owner, text)
    services.set_mapping(actor=cast.owner, job=job, mapping=job.mapping, file_wins=["birthday"])
    services.run(job.pk)
    endo.refresh_from_db()
    assert (str(endo.birthday), endo.given_name) == ("1981-04-01", "裕太")


def test_file_wins_refuses_fields_that_are_no_single_value(cast, endo):
    job = upload(cast.owner, HEADER + "遠藤 裕太,,,,endo@ito-tech.example.jp,,,\r\n")
    with pytest.raises(services.ValidationFailed) as raised:
        services.set_mapping(actor=cast.owner, job=job, mapping=job.mapping, file_wins=["emails"])
    assert "file_wins" in raised.value.field_errors


def test_masked_cells_are_never_written(cast, endo):
    text = (
        "氏名,携帯電話,メールアドレス,生年月日,メモ\r\n遠藤 裕太,080-****-7568,endo@ito-tech.example.jp,****,****\r\n"
    )
    job = upload(cast.owner, text)
    dry = services.dry_run(actor=cast.owner, job=job)
    assert dry.errors == []
    assert any("携帯電話" in n and "伏せ字" in n for n in dry.notices)
    assert any("生年月日" in n for n in dry.notices) and any("メモ" in n for n in dry.notices)
    services.run(job.pk)
    endo.refresh_from_db()
    assert str(endo.birthday) == "1980-04-01" and endo.notes == "初回訪問: 工場見学"
    assert not [p for p in endo.contact_points.all() if "*" in p.value]


@pytest.mark.parametrize("encoding", ["cp932", "utf-8-sig"])
@pytest.mark.parametrize("who", ["admin", "teammate"])
def test_the_export_imported_again_changes_nothing(cast, encoding, who, monkeypatch):
    from kizuna.core import demo

    # the demo's address book (each person and company with its external id); the apps' history on top of it
    # (activities, deals, tickets and the customers who write in without an id) is not in this export
    monkeypatch.setattr(demo, "_LOADERS", {})
    call_command("demo", people=80, companies=30, seed=11, stdout=io.StringIO())
    actor = getattr(cast, who)
    content = export(actor=actor, kind="person", encoding=encoding).content
    counts = (Person.objects.count(), Company.objects.count(), Employment.objects.count())
    job = services.upload(actor=actor, file=SimpleUploadedFile("people.csv", content), filename="people.csv",
                          match_on="external_id")  # fmt: skip
    dry = services.dry_run(actor=actor, job=job)
    assert (dry.errors, dry.created, dry.updated) == ([], 0, 0), dry.errors[:3]
    real = services.run(job.pk)
    assert (real.errors, real.created, real.updated) == ([], 0, 0)
    assert (Person.objects.count(), Company.objects.count(), Employment.objects.count()) == counts


def test_revert_removes_the_companies_the_import_created(cast):
    text = "氏名,会社名\r\n山田 太郎,株式会社テスト工業\r\n鈴木 一郎,株式会社テスト工業\r\n"
    job = upload(cast.owner, text, match_on="external_id")
    services.run(job.pk)
    assert Company.objects.alive().filter(name="株式会社テスト工業").exists()
    services.revert(actor=cast.owner, job=job)
    assert not Company.objects.alive().filter(name="株式会社テスト工業").exists()
    assert not Person.objects.alive().exists()


def test_revert_keeps_a_company_the_import_found(cast):
    contacts.create_company(actor=cast.owner, data={"name": "株式会社テスト工業"})
    job = upload(cast.owner, "氏名,会社名\r\n山田 太郎,株式会社テスト工業\r\n", match_on="external_id")
    services.run(job.pk)
    services.revert(actor=cast.owner, job=job)
    assert Company.objects.alive().filter(name="株式会社テスト工業").count() == 1


def test_today_is_the_day_of_the_new_career(cast, endo):
    job = upload(
        cast.owner, HEADER + "遠藤 裕太,伊藤テクノロジー株式会社,品質保証部,課長,endo@ito-tech.example.jp,,,\r\n"
    )
    services.run(job.pk)
    new = endo.employments.alive().get(is_primary=True)
    assert (new.department, new.start_date) == ("品質保証部", timezone.localdate())


def test_the_history_of_an_import_and_its_revert_reads_as_words(cast, endo):
    from kizuna.core.history import history

    job = upload(cast.owner, HEADER + "遠藤 裕太,伊藤テクノロジー株式会社,製造部,部長,endo@ito-tech.example.jp,"
                 "090-1234-5678,,\r\n")  # fmt: skip
    services.run(job.pk)
    services.revert(actor=cast.owner, job=job)
    endo.refresh_from_db()
    shown = [str(v) for row in history(endo, cast.owner) for change in row["changes"] for v in change]
    shown += [str(row["action"]) for row in history(endo, cast.owner)]
    assert "職歴を削除" in shown and "伊藤テクノロジー株式会社" in shown and "いいえ" in shown
    assert not [v for v in shown if "(#" in v or v in ("True", "False", "lead", "team", "1")], shown
