"""The audit log: logins and failures recorded, `kizuna audit verify` catches an edited row, the admin
page filters and exports it (the export itself audited), and only admins may read it."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client

from kizuna.core.models import AuditEvent
from tests.conftest import PASSWORD


def test_logins_and_failures_are_audited(cast):
    client = Client()
    client.post("/accounts/login/", {"username": "owner", "password": "wrong-password-123"})
    client.post("/accounts/login/", {"username": "owner", "password": PASSWORD})
    assert client.session.get("_auth_user_id") == str(cast.owner.pk)
    failed = AuditEvent.objects.get(action="login.failed")
    assert failed.object_label == "owner" and failed.actor is None
    assert AuditEvent.objects.filter(action="login", actor=cast.owner).exists()


def test_verify_detects_an_edited_row(cast):
    call_command("audit", "verify", stdout=io.StringIO())  # intact
    event = AuditEvent.objects.order_by("id").first()
    with connection.cursor() as cursor:  # what someone with database access might do
        cursor.execute("UPDATE core_auditevent SET actor_name = %s WHERE id = %s", ["someone-else", event.id])
    with pytest.raises(CommandError, match="改ざん"):
        call_command("audit", "verify", stdout=io.StringIO())


def test_admin_page_filters_and_exports(cast):
    admin = Client()
    admin.force_login(cast.admin)
    page = admin.get("/audit/?action=login").content.decode()
    assert "login" in page
    response = admin.get("/audit/?action=login&format=csv")
    assert response.status_code == 200 and response.content.decode("utf-8-sig").startswith("id,日時")
    assert AuditEvent.objects.filter(action="export", object_type="core.auditevent", actor=cast.admin).exists()
    member = Client()
    member.force_login(cast.manager)
    assert member.get("/audit/").status_code == 403


def test_repeated_failures_lock_the_login_for_a_while(cast):
    client = Client()
    for _ in range(5):
        client.post("/accounts/login/", {"username": "owner", "password": "wrong-password-123"})
    response = client.post("/accounts/login/", {"username": "owner", "password": PASSWORD})
    assert response.status_code == 429 and "一時停止" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="login.failed").count() >= 5


def _verify_json():
    out = io.StringIO()
    call_command("audit", "verify", "--json", stdout=out)
    return json.loads(out.getvalue())


def test_verify_detects_an_edited_payload_but_accepts_a_redaction(cast):
    from kizuna.core import audit

    first = audit.record(actor=cast.admin, action="update", object_type="contacts.person", label="田中 太郎",
                         changes={"family_name": ["田中", "佐藤"]})  # fmt: skip
    second = audit.record(actor=cast.admin, action="update", object_type="contacts.person", label="鈴木 花子",
                          changes={"notes": ["", "メモ"]})  # fmt: skip
    redacted = audit.redact(actor=cast.admin, events=AuditEvent.objects.filter(pk=first.pk),
                            label=lambda e: "削除済みの個人",
                            scrub=lambda e: {k: ["（消去）", "（消去）"] for k in e.changes},
                            reason="test erasure")  # fmt: skip
    assert redacted == [first.pk]
    row = AuditEvent.objects.get(pk=first.pk)
    assert row.is_redacted and row.object_label == "削除済みの個人" and "田中" not in json.dumps(row.changes)
    assert row.hash == first.hash and row.payload_digest == first.payload_digest  # the chain is untouched
    report = _verify_json()
    assert report["broken"] == [] and report["redacted"] == 1
    with connection.cursor() as cursor:  # an edit of another row's payload, not through a redaction
        cursor.execute("UPDATE core_auditevent SET object_label = %s WHERE id = %s", ["山田 一郎", second.id])
    with pytest.raises(CommandError, match="改ざん"):
        call_command("audit", "verify", stdout=io.StringIO())


def test_verify_rejects_a_forged_redaction_mark(cast):
    from kizuna.core import audit

    event = audit.record(actor=cast.admin, action="update", object_type="contacts.person", label="田中 太郎",
                         changes={"family_name": ["田中", "佐藤"]})  # fmt: skip
    with connection.cursor() as cursor:  # marking a row "redacted" by hand does not hide an edit
        cursor.execute("UPDATE core_auditevent SET object_label = %s, redacted_at = at WHERE id = %s", ["x", event.id])
    with pytest.raises(CommandError, match="改ざん"):
        call_command("audit", "verify", stdout=io.StringIO())


def test_the_migration_rechains_old_rows_and_keeps_evidence_of_old_tampering(cast):
    """Rows hashed under the old scheme (label and changes inside the hash) get a digest and a new chain; a row that
    had already been edited keeps failing verification afterwards."""
    import importlib

    from django.db import models as dj_models
    from django.db.migrations.loader import MigrationLoader

    from kizuna.core import audit

    migration = importlib.import_module("kizuna.core.migrations.0004_audit_payload_digest")
    for i in range(3):
        audit.record(actor=cast.admin, action="update", object_type="contacts.person", label=f"人 {i}",
                     changes={"notes": [None, f"メモ {i}"]})  # fmt: skip
    prev = ""
    for event in AuditEvent.objects.order_by("id"):  # write them as the old code did
        event.prev_hash = prev
        old = migration._old_hash(event)
        dj_models.QuerySet.update(AuditEvent.objects.filter(pk=event.pk), prev_hash=prev, hash=old, payload_digest="")
        prev = old
    tampered = AuditEvent.objects.order_by("id")[1]
    dj_models.QuerySet.update(AuditEvent.objects.filter(pk=tampered.pk), object_label="書き換え")
    historical = MigrationLoader(connection).project_state(("core", "0004_audit_payload_digest")).apps
    migration.rechain(historical, None)
    assert audit.verify_chain() == [tampered.pk]
