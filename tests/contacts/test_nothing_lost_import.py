"""Nothing lost on import: off-plan office numbers and RFC 6531 e-mails from another system's CP932 file are
imported (dry run and real run), text that is neither stays on the person, a matched person keeps the phone
the row could not replace, and the app's own export of demo people imports again without phone errors."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from kizuna.contacts.exports import export
from kizuna.contacts.models import Person
from kizuna.contacts.search import search_records
from kizuna.contacts.services.bulk import bulk_create_people, contact_point
from kizuna.core.models import AuditEvent
from kizuna.core.permissions import Visibility
from kizuna.imports import services

HEADER = "顧客ID,氏名,フリガナ,会社名,電話番号,メールアドレス\r\n"
ROWS = [
    "C-101,岩崎 健,イワサキ ケン,新星商事株式会社,011-454-3928,イワサキ37@新星.example.co.jp\r\n",
    "C-102,北村 誠,キタムラ マコト,新星商事株式会社,076-1112-5095 内線253,kitamura@xn--efvpj.example.co.jp\r\n",
    "C-103,佐藤 花子,サトウ ハナコ,,先方確認中,sato@@example\r\n",
]


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path  # uploaded files and the demo's logins stay out of the work tree


def upload(actor, *rows, match_on="external_id"):
    data = (HEADER + "".join(rows)).encode("cp932")
    return services.upload(actor=actor, file=SimpleUploadedFile("他社CRM.csv", data), filename="他社CRM.csv",
                           match_on=match_on)  # fmt: skip


def test_dry_run_accepts_off_plan_numbers_and_idn_emails_and_says_what_is_kept(cast):
    job = upload(cast.owner, *ROWS)
    assert job.encoding == "cp932"
    summary = services.dry_run(actor=cast.owner, job=job)
    assert (summary.rows, summary.created, summary.skipped) == (3, 3, 0)
    assert {(e["row"], e["field"]) for e in summary.errors} == {(4, "phone"), (4, "email")}  # only the non-values
    assert all("要確認に残します" in e["message"] for e in summary.errors)
    warnings = {w for plan in summary.preview for _, w in plan.warnings}
    assert "電話番号「011-454-3928」は番号計画にない番号です。要確認として登録します。" in warnings
    assert "電話番号「076-1112-5095 内線253」は番号計画にない番号です。要確認として登録します。" in warnings
    assert not Person.objects.exists()


def test_run_stores_off_plan_numbers_idn_emails_and_the_text_that_is_neither(cast):
    summary = services.run(upload(cast.owner, *ROWS).pk)
    assert summary.created == 3
    iwasaki = Person.objects.get(external_id="C-101")
    phone = iwasaki.contact_points.get(kind="phone")
    assert (phone.value, phone.normalized, phone.e164, phone.needs_review, phone.review_reason) == (
        "011-454-3928", "0114543928", "+81114543928", True, "not_in_plan",
    )  # fmt: skip
    email = iwasaki.contact_points.get(kind="email")
    assert (email.value, email.punycode) == ("イワサキ37@新星.example.co.jp", "イワサキ37@xn--efvpj.example.co.jp")
    kitamura = Person.objects.get(external_id="C-102")
    assert [(p.value, p.extension, p.needs_review) for p in kitamura.contact_points.filter(kind="phone")] == [
        ("076-1112-5095", "253", True)
    ]
    assert kitamura.contact_points.get(kind="email").normalized == "kitamura@新星.example.co.jp"
    sato = Person.objects.get(external_id="C-103")
    assert not sato.contact_points.exists()
    assert [(e["kind"], e["value"]) for e in sato.unparsed_values] == [
        ("email", "sato@@example"),
        ("phone", "先方確認中"),
    ]
    assert [r.id for r in search_records(cast.owner, "sato@@example", type="person")[1]] == [sato.pk]
    assert {r.id for r in search_records(cast.owner, "xn--efvpj", type="person")[1]} == {kitamura.pk, iwasaki.pk}


def test_a_matched_person_keeps_the_phone_the_row_could_not_replace(cast):
    person = Person(family_name="北村", given_name="誠", owner=cast.owner, team=cast.owner.team,
                    visibility=Visibility.TEAM, external_id="C-102")  # fmt: skip
    bulk_create_people(actor=cast.owner, people=[person],
                       points={0: [contact_point("phone", "076-1112-5095 内線253", "office")]})  # fmt: skip
    row = "C-102,北村 誠,キタムラ マコト,,未定,kitamura@example.jp\r\n"
    assert services.run(upload(cast.owner, row).pk).updated == 1
    person.refresh_from_db()
    assert sorted(str(p) for p in person.contact_points.all()) == ["076-1112-5095 内線253", "kitamura@example.jp"]
    assert [e["value"] for e in person.unparsed_values] == ["未定"]
    for event in AuditEvent.objects.filter(object_id=str(person.pk), action="update"):
        assert "076-1112-5095 内線253" not in str(event.changes.get("phones", [[], []])[0])  # never "→ —"


def test_a_matched_person_gets_the_off_plan_number_of_the_row(cast):
    services.run(upload(cast.owner, "C-101,岩崎 健,イワサキ ケン,,03-1234-5678,\r\n").pk)
    services.run(upload(cast.owner, "C-101,岩崎 健,イワサキ ケン,,011-454-3928,\r\n").pk)
    person = Person.objects.get(external_id="C-101")
    assert sorted(p.normalized for p in person.contact_points.all()) == ["0114543928", "0312345678"]


def test_matching_on_email_treats_the_punycode_and_the_unicode_domain_as_one(cast):
    services.run(upload(cast.owner, ROWS[0]).pk)
    again = "C-999,岩崎 健,イワサキ ケン,,090-1111-2222,イワサキ37@xn--efvpj.example.co.jp\r\n"
    assert services.run(upload(cast.owner, again, match_on="email").pk).updated == 1
    assert Person.objects.count() == 1


def test_the_export_of_demo_people_imports_again_without_phone_or_email_errors(cast, monkeypatch):
    from kizuna.core import demo

    monkeypatch.setattr(demo, "_LOADERS", {})  # the address book only: its export is what must import again
    call_command("demo", people=120, companies=60, seed=7, stdout=io.StringIO())
    content = export(actor=cast.admin, kind="person").content
    job = services.upload(actor=cast.admin, file=SimpleUploadedFile("people.csv", content), filename="people.csv")
    summary = services.dry_run(actor=cast.admin, job=job)
    assert summary.rows >= 120
    assert [e for e in summary.errors if e["field"] in ("phone", "mobile", "fax", "email")] == []
