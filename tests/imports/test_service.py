"""Import service and `kizuna import`: dry run writes nothing, upsert, duplicates to the queue, resume after a
crash without applying a row twice, revert, and a CP932 round trip that keeps 髙, 﨑 and ①."""

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from kizuna.contacts.exports import export
from kizuna.contacts.models import Company, DuplicateGroup, Person
from kizuna.core.exceptions import ValidationFailed
from kizuna.imports import services
from kizuna.imports.models import ImportJob, ImportRow
from tests import factories

HEADER = "顧客ID,氏名,フリガナ,会社名,部署,役職,電話番号,携帯電話,メールアドレス,郵便番号,住所,生年月日\r\n"
ROWS = [
    "C-001,髙橋 一郎 様,タカハシ イチロウ,㈱﨑山製作所①,購買部,課長,03-1234-5678,090-1111-2222,ichiro@sakiyama.co.jp,"
    "100-0001,東京都千代田区千代田1-1,昭和55年4月1日\r\n",
    "C-002,山田 花子,ヤマダ ハナコ,株式会社﨑山製作所①,製造部,工場長,０３（１２３４）５６７８,,"
    "hanako@sakiyama.co.jp,,,\r\n",
    "C-003,佐藤 次郎,サトウ ジロウ,鈴木工業株式会社,,,03-12,,jiro@suzuki.example,,大阪府大阪市北区梅田1-1,\r\n",
    ",,,,,,,,,,,\r\n",
]


def cp932(*rows) -> bytes:
    return (HEADER + "".join(rows)).encode("cp932")


def upload(actor, data: bytes, name="顧客一覧.csv", **kw):
    return services.upload(actor=actor, file=SimpleUploadedFile(name, data), filename=name, **kw)


def test_dry_run_reports_everything_and_writes_nothing(cast):
    job = upload(cast.owner, cp932(*ROWS))
    assert job.encoding == "cp932"
    assert {job.mapping[k] for k in ("0", "1", "3", "6", "7")} == {"external_id", "full_name", "company", "phone",
                                                                   "mobile"}  # fmt: skip
    summary = services.dry_run(actor=cast.owner, job=job)
    assert (summary.rows, summary.created, summary.updated) == (3, 3, 0)
    assert any(e["row"] == 4 and e["field"] == "phone" and "03-12" in e["message"] for e in summary.errors)
    assert not Person.objects.exists() and not Company.objects.exists()


def test_run_creates_people_companies_and_careers_then_upserts(cast):
    job = upload(cast.owner, cp932(*ROWS))
    summary = services.run(job.pk)
    assert (summary.created, summary.updated) == (3, 0)
    ichiro = Person.objects.get(external_id="C-001")
    assert (ichiro.family_name, ichiro.given_name, ichiro.family_name_kana) == ("髙橋", "一郎", "タカハシ")
    assert ichiro.company.name == "㈱﨑山製作所①" and ichiro.employments.get().title == "課長"
    assert Person.objects.get(external_id="C-002").company == ichiro.company  # one company, matched by key
    assert str(ichiro.birthday) == "1980-04-01" and ichiro.prefecture == "東京都"
    again = upload(cast.owner, cp932(ROWS[0].replace("090-1111-2222", "080-9999-0000")))
    assert services.run(again.pk).updated == 1
    numbers = set(ichiro.contact_points.filter(kind="phone").values_list("normalized", flat=True))
    assert {"09011112222", "08099990000", "0312345678"} <= numbers  # added, nothing lost


def test_probable_duplicates_are_created_and_queued_never_merged(cast):
    existing = factories.person(cast.owner, "高橋", "一郎", phones=["090-1111-2222"])
    services.run(upload(cast.owner, cp932(ROWS[0])).pk)
    assert Person.objects.count() == 2
    group = DuplicateGroup.objects.get()
    assert existing.pk in group.member_ids and group.status == "open"


def test_resume_after_a_crash_never_applies_a_row_twice(cast, monkeypatch):
    monkeypatch.setattr(services.common, "BATCH", 500)  # the file is several batches
    rows = [f"C-{i:04d},田中 {i}郎,タナカ,山田製作所,,,,,t{i}@example.jp,,,\r\n" for i in range(1, 1201)]
    job = upload(cast.owner, cp932(*rows))
    from kizuna.imports.services import batch

    real = batch.bulk_create
    calls = {"n": 0}

    def crash_in_the_second_batch(*args, **kw):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("power cut")
        return real(*args, **kw)

    monkeypatch.setattr(batch, "bulk_create", crash_in_the_second_batch)
    with pytest.raises(RuntimeError):
        services.run(job.pk)
    job.refresh_from_db()
    assert job.position == 501 and Person.objects.count() == 500  # the first batch landed, the second rolled back
    monkeypatch.setattr(batch, "bulk_create", real)
    services.run(job.pk)
    assert Person.objects.count() == 1200 and ImportRow.objects.filter(job=job).count() == 1200
    assert sorted(Person.objects.values_list("external_id", flat=True))[:2] == ["C-0001", "C-0002"]
    assert ImportJob.objects.get(pk=job.pk).status == "done"


def test_a_row_repeated_in_the_same_batch_updates_the_first(cast):
    data = "顧客ID,氏名,メモ\r\nC-1,田中 一郎,一回目\r\nC-1,田中 一郎,二回目\r\n".encode("cp932")
    summary = services.run(upload(cast.owner, data).pk)
    assert (summary.created, summary.updated) == (1, 1)
    assert Person.objects.get().notes == "一回目\n二回目"  # a メモ is added, never replaced


def test_revert_removes_created_and_restores_updated(cast):
    person = factories.person(cast.owner, "髙橋", "一郎", external_id="C-001", notes="元のメモ")
    data = "顧客ID,氏名,メモ\r\nC-001,髙橋 一郎,新しいメモ\r\nC-009,新規 太郎,\r\n".encode("cp932")
    job = upload(cast.owner, data)
    services.run(job.pk)
    person.refresh_from_db()
    assert person.notes == "元のメモ\n新しいメモ" and Person.objects.alive().count() == 2
    assert services.revert(actor=cast.owner, job=ImportJob.objects.get(pk=job.pk)) == 2
    person.refresh_from_db()
    assert person.notes == "元のメモ" and Person.objects.alive().count() == 1


def test_bad_files_get_clear_messages(cast, settings):
    with pytest.raises(ValidationFailed, match="空"):
        upload(cast.owner, b"")
    settings.KIZUNA_IMPORT_MAX_BYTES = 10
    with pytest.raises(ValidationFailed, match="大きすぎます"):
        upload(cast.owner, cp932(*ROWS))


def test_cp932_round_trip_keeps_every_name_reading_and_address(cast):
    services.run(upload(cast.owner, cp932(*ROWS[:2])).pk)
    out = export(actor=cast.owner, kind="person", encoding="cp932").content.decode("cp932")
    rows = {r[0]: r for r in csv.reader(io.StringIO(out))}
    assert rows["C-001"][1:5] == ["髙橋", "一郎", "タカハシ", "イチロウ"]
    assert rows["C-001"][5] == "㈱﨑山製作所①" and rows["C-001"][13:16] == ["東京都", "千代田区", "千代田1-1"]


def test_import_command_json_contract(cast, tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes(cp932(*ROWS))
    out = io.StringIO()
    call_command("import", str(path), "--dry-run", "--json", stdout=out)
    payload = json.loads(out.getvalue())
    assert set(payload) >= {"encoding", "rows", "created", "updated", "skipped", "errors"}  # the contract
    assert set(payload) - {"encoding", "rows", "created", "updated", "skipped", "errors"} <= {"notices"}
    assert payload["encoding"] == "cp932" and payload["rows"] == 3 and not Person.objects.exists()
    assert set(payload["errors"][0]) == {"row", "field", "message"}
    out = io.StringIO()
    call_command("import", str(path), "--json", stdout=out)
    assert json.loads(out.getvalue())["created"] == 3
    with pytest.raises(CommandError):
        call_command("import", str(tmp_path / "missing.csv"))


def test_a_saved_mapping_template_is_used_for_the_next_file(cast):
    data = "得意先コード,担当者氏名,備考欄\r\nT-1,田中 一郎,メモ\r\n".encode("cp932")
    job = upload(cast.owner, data)
    assert job.mapping.get("0") is None  # 得意先コード is not a header Kizuna knows
    services.set_mapping(actor=cast.owner, job=job, mapping={"0": "external_id", "1": "full_name", "2": "notes"})
    services.save_template(actor=cast.owner, job=job, name="基幹システムの得意先")
    again = upload(cast.owner, data, name="来月の得意先.csv")
    assert again.mapping == {"0": "external_id", "1": "full_name", "2": "notes"}
    assert "基幹システムの得意先" in again.message
