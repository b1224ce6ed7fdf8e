"""The import wizard, the API and the CLI for what other systems' files need: the header row below a title, the
kind of each contact-point column, the labels column beside it, and which values of an update the file wins."""

import io
import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from kizuna.contacts import services as contacts
from kizuna.contacts.models import Person
from kizuna.imports import services
from kizuna.imports.models import ImportJob

from .test_api import token_client

FILES = Path(__file__).parent / "files"


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


def _page(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _upload(user, name: str) -> ImportJob:
    data = (FILES / name).read_bytes()
    return services.upload(actor=user, file=SimpleUploadedFile(name, data), filename=name)


def test_the_wizard_shows_the_found_header_row_and_can_take_another(cast):
    job = _upload(cast.owner, "title_rows.xlsx")
    client = _page(cast.owner)
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert 'name="header_row"' in page and 'value="4"' in page and "氏名" in page
    response = client.post(f"/imports/{job.pk}/", {"header_row": "3", "encoding": job.encoding})
    assert response.status_code == 200
    job.refresh_from_db()
    assert job.header_row == 3 and job.mapping == {}
    response = client.post(f"/imports/{job.pk}/", {"header_row": "x"})
    assert "見出し行は行番号" in response.content.decode()


def test_the_wizard_offers_contact_point_kinds_and_the_labels_column(cast):
    job = _upload(cast.owner, "google_contacts.csv")
    page = _page(cast.owner).get(f"/imports/{job.pk}/").content.decode()
    assert 'value="phone:home"' in page and "電話番号（自宅）" in page
    assert 'value="label:22" selected' in page and "「Phone 1 - Value」の種別" in page


def test_file_wins_is_chosen_in_the_wizard(cast):
    person = contacts.create_person(actor=cast.owner, data={
        "family_name": "遠藤", "given_name": "裕太", "birthday": "1980-04-01", "emails": [{"value": "e@example.jp"}],
    })  # fmt: skip
    data = "氏名,メールアドレス,生年月日\r\n遠藤 裕太,e@example.jp,1981/04/01\r\n".encode("cp932")
    job = services.upload(actor=cast.owner, file=SimpleUploadedFile("a.csv", data), filename="a.csv", match_on="email")
    client = _page(cast.owner)
    mapping = {f"col_{k}": v for k, v in job.mapping.items()}
    page = client.post(f"/imports/{job.pk}/", {**mapping, "header_row": "1", "match_on": "email",
                                                 "file_wins": ["birthday"]}).content.decode()  # fmt: skip
    job.refresh_from_db()
    assert job.file_wins == ["birthday"] and 'value="birthday" checked' in page
    services.run(job.pk)
    person.refresh_from_db()
    assert str(person.birthday) == "1981-04-01"


def test_the_api_changes_the_header_row_and_file_wins(cast):
    client = token_client(cast.owner)
    upload = SimpleUploadedFile("title_rows.xlsx", (FILES / "title_rows.xlsx").read_bytes())
    job = client.post("/api/v1/imports", {"file": upload, "kind": "person"}).json()
    assert job["header_row"] == 4 and job["file_wins"] == []
    body = json.dumps({"header_row": 3, "file_wins": ["birthday"]})
    changed = client.patch(f"/api/v1/imports/{job['id']}", body, content_type="application/json").json()
    assert (changed["header_row"], changed["file_wins"], changed["mapping"]) == (3, ["birthday"], {})
    body = json.dumps({"file_wins": ["emails"]})
    response = client.patch(f"/api/v1/imports/{job['id']}", body, content_type="application/json")
    assert response.status_code == 422


def test_the_cli_reads_utf16_and_takes_a_header_row(cast):
    out = io.StringIO()
    call_command("import", str(FILES / "outlook_unicode.txt"), "--dry-run", "--json", stdout=out)
    payload = json.loads(out.getvalue())
    assert (payload["encoding"], payload["created"], payload["errors"]) == ("utf-16-le", 1, [])
    out = io.StringIO()
    call_command("import", str(FILES / "title_rows.xlsx"), "--header-row", "4", "--json", stdout=out)
    assert json.loads(out.getvalue())["created"] == 3 and Person.objects.count() == 3


def test_an_import_starts_once_by_one_service_and_is_audited(cast):
    from kizuna.core.models import AuditEvent

    data = "氏名\r\n田中 一郎\r\n".encode("cp932")
    job = services.upload(actor=cast.owner, file=SimpleUploadedFile("a.csv", data), filename="a.csv")
    page = _page(cast.owner)
    page.post(f"/imports/{job.pk}/start/")
    job.refresh_from_db()
    assert job.status in ("running", "done")
    response = token_client(cast.owner).post(f"/api/v1/imports/{job.pk}/start")
    assert response.status_code == 422  # already running (or done): not queued twice
    assert AuditEvent.objects.filter(action="import.start", object_id=str(job.pk)).count() == 1
