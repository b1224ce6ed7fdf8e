"""/api/v1/imports: upload (multipart), mapping, dry run, background start, revert — for scripts."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from kizuna.accounts import services as accounts
from kizuna.contacts.models import Person

CSV = "顧客ID,氏名,携帯\r\nK-1,髙橋 一郎,090-1111-2222\r\nK-2,山田 花子,03-12\r\n".encode("cp932")


def token_client(user):
    _, raw = accounts.create_token(actor=None, user=user, name="script", scopes=("read", "write"))
    return Client(headers={"Authorization": f"Bearer {raw}"})


@pytest.mark.django_db(transaction=True)  # the real worker closes connections when it is done
def test_script_imports_a_file(cast):
    client = token_client(cast.owner)
    response = client.post("/api/v1/imports", {"file": SimpleUploadedFile("list.csv", CSV), "kind": "person"})
    assert response.status_code == 201, response.content
    job = response.json()
    assert job["encoding"] == "cp932" and job["mapping"] == {"0": "external_id", "1": "full_name", "2": "mobile"}
    summary = client.post(f"/api/v1/imports/{job['id']}/dry-run").json()
    assert (summary["rows"], summary["created"]) == (2, 2) and summary["errors"][0]["row"] == 3
    assert not Person.objects.exists()
    assert client.post(f"/api/v1/imports/{job['id']}/start").status_code == 202
    call_command("db_worker", "--batch", "--no-startup-delay", stdout=io.StringIO(), stderr=io.StringIO())
    done = client.get(f"/api/v1/imports/{job['id']}").json()
    assert done["status"] == "done" and done["counts"]["created"] == 2
    assert token_client(cast.teammate).get(f"/api/v1/imports/{job['id']}").status_code == 404
    assert client.post(f"/api/v1/imports/{job['id']}/revert").json()["status"] == "reverted"
    assert not Person.objects.alive().exists()


def test_unreadable_upload_is_a_clear_422(cast):
    response = token_client(cast.owner).post("/api/v1/imports", {"file": SimpleUploadedFile("x.csv", b"")})
    assert response.status_code == 422 and "空" in response.json()["error"]["message"]
