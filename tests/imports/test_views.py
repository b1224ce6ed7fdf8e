"""The import wizard: upload, encoding preview, column mapping, dry run, background run, revert."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from kizuna.contacts.models import Person
from kizuna.imports.models import ImportJob

CSV = (
    "No.,お名前,ふりがな,会社名,携帯,E-mail\r\n"
    "1,髙橋 一郎,たかはし いちろう,㈱山田製作所,090-1111-2222,ichiro@example.jp\r\n"
)


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db(transaction=True)  # the real worker closes connections when it is done
def test_wizard_end_to_end(cast):
    client = client_for(cast.owner)
    response = client.post("/imports/", {"file": SimpleUploadedFile("list.csv", CSV.encode("cp932")), "kind": "person",
                                         "encoding": "auto", "match_on": "external_id"})  # fmt: skip
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == f"/imports/{job.pk}/"
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert "髙橋 一郎" in page  # decoded preview
    assert '<option value="full_name" selected>' in page and "作成 1" in page
    assert not Person.objects.exists()
    # The user unmaps the e-mail column; the dry run follows.
    mapping = {f"col_{k}": v for k, v in job.mapping.items() if v != "email"}
    page = client.post(f"/imports/{job.pk}/", mapping | {"encoding": "cp932", "match_on": "external_id"}).content
    assert ImportJob.objects.get().mapping.get("5") is None and "作成 1".encode() in page
    client.post(f"/imports/{job.pk}/start/")
    call_command("db_worker", "--batch", "--no-startup-delay", stdout=io.StringIO(), stderr=io.StringIO())
    job.refresh_from_db()
    assert job.status == "done" and job.counts["created"] == 1
    person = Person.objects.get()
    assert person.family_name == "髙橋" and not person.contact_points.filter(kind="email").exists()
    assert "このインポートを取り消す" in client.get(f"/imports/{job.pk}/progress/").content.decode()
    client.post(f"/imports/{job.pk}/revert/")
    assert not Person.objects.alive().exists()


def test_other_people_cannot_see_my_import(cast):
    client_for(cast.owner).post("/imports/", {"file": SimpleUploadedFile("list.csv", CSV.encode()), "kind": "person"})
    job = ImportJob.objects.get()
    assert client_for(cast.teammate).get(f"/imports/{job.pk}/").status_code == 404
    assert client_for(cast.readonly).get("/imports/").status_code == 403


def test_unreadable_file_gets_a_clear_message(cast):
    response = client_for(cast.owner).post("/imports/", {"file": SimpleUploadedFile("list.xls", b"\xd0\xcf\x11\xe0"),
                                                         "kind": "person"}, follow=True)  # fmt: skip
    assert "xls" in response.content.decode() and not ImportJob.objects.exists()


def test_the_wizard_reads_another_sheet_of_a_book(cast):
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "表紙"
    book.active.append(["顧客一覧 2026年11月"])
    people = book.create_sheet("顧客")
    people.append(["氏名", "携帯"])
    people.append(["髙橋 一郎", "090-1111-2222"])
    data = io.BytesIO()
    book.save(data)
    client = client_for(cast.owner)
    client.post("/imports/", {"file": SimpleUploadedFile("book.xlsx", data.getvalue()), "kind": "person"})
    job = ImportJob.objects.get()
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert '<option value="顧客"' in page
    page = client.post(f"/imports/{job.pk}/", {"sheet": "顧客", "encoding": "auto", "match_on": "external_id"})
    job.refresh_from_db()
    assert job.sheet == "顧客" and job.mapping == {"0": "full_name", "1": "mobile"}
    assert "作成 1" in page.content.decode()


def test_showing_the_wizard_again_does_not_read_the_file_again(cast, monkeypatch):
    client = client_for(cast.owner)
    client.post("/imports/", {"file": SimpleUploadedFile("list.csv", CSV.encode("cp932")), "kind": "person"})
    job = ImportJob.objects.get()
    assert "作成 1" in client.get(f"/imports/{job.pk}/").content.decode()

    def must_not_run(**kwargs):
        raise AssertionError("the stored dry run should have been used")

    monkeypatch.setattr("kizuna.imports.services.checking.dry_run", must_not_run)
    assert "作成 1" in client.get(f"/imports/{job.pk}/").content.decode()
