"""kill -9 during work, then a restart: nothing committed is lost, nothing is applied twice, the import resumes,
the audit chain verifies. Real processes on a SQLite data dir (the PostgreSQL server is not ours to kill here)."""

import json
import os
import signal
import subprocess
import time

import pytest

from tests.ops.conftest import MERGER

ROWS = 1500
pytestmark = pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith("postgres"),
                                reason="SQLite data dirs only: the SQLite run covers it")  # fmt: skip

SEED = f"""
from django.core.files.base import ContentFile
from kizuna.accounts import services as accounts
from kizuna.imports import services as imports
admin = accounts.create_user(actor=None, username="crash-admin", password=None, role="admin")
lines = ["姓,名,メール"] + [f"佐藤,太郎{{i}},taro{{i}}@example.co.jp" for i in range({ROWS})]
job = imports.upload(actor=admin, file=ContentFile("\\n".join(lines).encode("cp932"), name="people.csv"),
                     filename="people.csv")
imports.set_mapping(actor=admin, job=job, mapping={{0: "family_name", 1: "given_name", 2: "email"}})
imports.start(actor=admin, job=job)
print(job.pk)
"""

WRITER = """
import sys
from kizuna.accounts.models import User
from kizuna.contacts import services as contacts
admin = User.objects.get(username="crash-admin")
i = 0
while True:
    person = contacts.create_person(actor=admin, data={"family_name": "書込", "given_name": f"花子{i}"})
    print(person.pk, flush=True)  # committed: create_person returns after its transaction
    i += 1
"""


def test_an_import_whose_worker_is_killed_resumes_and_applies_every_row_once(app):
    job_id = int(app.run("shell", "--no-imports", "-c", SEED).stdout.split()[-1])
    worker = app.start("db_worker", "--interval", "0.2", "--no-startup-delay",
                       KIZUNA_IMPORT_BATCH="500")  # several batches  # fmt: skip
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            position = app.query(f"SELECT position FROM imports_importjob WHERE id = {job_id}")[0][0]
            if position >= 500:
                break
            time.sleep(0.05)
        worker.send_signal(signal.SIGKILL)  # mid-import: between or inside a batch's transaction
    finally:
        worker.wait(timeout=30)
    status, position = app.query(f"SELECT status, position FROM imports_importjob WHERE id = {job_id}")[0]
    assert status == "running" and 500 <= position < ROWS, (status, position)
    assert app.query("PRAGMA integrity_check") == [("ok",)]

    # The clock finds the job silent and queues it again; the next worker continues after its last row.
    app.run("clock", "--once", "--force", KIZUNA_IMPORT_STALL_SECONDS="0")
    app.run("db_worker", "--batch", "--no-startup-delay")
    status, counts = app.query(f"SELECT status, counts FROM imports_importjob WHERE id = {job_id}")[0]
    assert status == "done" and json.loads(counts)["created"] == ROWS
    assert app.query("SELECT COUNT(*) FROM contacts_person WHERE family_name = '佐藤'") == [(ROWS,)]
    assert app.query(f"SELECT COUNT(*) FROM imports_importrow WHERE job_id = {job_id}") == [(ROWS,)]
    assert app.query("SELECT COUNT(*) FROM core_auditevent WHERE action = 'import.resume'") == [(1,)]
    app.run("audit", "verify")


def test_a_writer_killed_mid_stream_loses_nothing_it_was_told_was_saved(app):
    app.run("shell", "--no-imports", "-c",
            'from kizuna.accounts import services as a; a.create_user(actor=None, username="crash-admin", '
            'password=None, role="admin")')  # fmt: skip
    writer = app.start("shell", "--no-imports", "-c", WRITER, stdout=subprocess.PIPE)
    acknowledged = []
    for line in writer.stdout:
        acknowledged.append(int(line))
        if len(acknowledged) >= 40:
            break
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=30)
    saved = {pk for (pk,) in app.query("SELECT id FROM contacts_person")}
    assert set(acknowledged) <= saved
    assert app.query("PRAGMA integrity_check") == [("ok",)]
    app.run("audit", "verify")
    # every saved person has its audit row; the sweep relays each one's event from it and hands each event out
    people = len(saved)
    assert app.query("SELECT COUNT(*) FROM core_auditevent WHERE action = 'create' "
                           "AND object_type = 'contacts.person'") == [(people,)]  # fmt: skip
    app.run("clock", "--once", "--force")
    assert app.query("SELECT COUNT(*) FROM core_outboxevent WHERE type = 'person.created'") == [(people,)]
    assert app.query("SELECT COUNT(*) FROM core_outboxevent WHERE dispatched_at IS NULL") == [(0,)]


def test_a_merge_killed_midway_is_all_or_nothing(app):
    app.run("shell", "--no-imports", "-c",
            'from kizuna.accounts import services as a; a.create_user(actor=None, username="crash-admin", '
            'password=None, role="admin")')  # fmt: skip
    merger = app.start("shell", "--no-imports", "-c", MERGER, stdout=subprocess.PIPE)
    acknowledged = []
    for line in merger.stdout:
        acknowledged.append(tuple(map(int, line.split())))
        if len(acknowledged) >= 15:
            break
    merger.send_signal(signal.SIGKILL)
    merger.wait(timeout=30)
    assert app.query("PRAGMA integrity_check") == [("ok",)]
    merges = {survivor: json.loads(ids) for survivor, ids in app.query("SELECT survivor_id, merged_ids FROM "
                                                                         "contacts_merge")}  # fmt: skip
    for _merge, survivor, other in acknowledged:
        assert merges[survivor] == [other]
    # every merge that committed is whole, and nothing else was folded: the merged person is deleted, its e-mail
    # moved to the survivor; a pair the kill interrupted is two live people with one e-mail each
    for person, deleted in app.query("SELECT id, deleted_at IS NOT NULL FROM contacts_person"):
        points = app.query(f"SELECT COUNT(*) FROM contacts_contactpoint WHERE person_id = {person}")[0][0]
        if deleted:
            assert any(person in ids for ids in merges.values()) and points == 0
        else:
            assert points == (2 if person in merges else 1), person
    people = app.query("SELECT COUNT(*) FROM contacts_person")[0][0]
    assert app.query("SELECT COUNT(*) FROM contacts_contactpoint") == [(people,)]  # one e-mail each, none lost
    app.run("audit", "verify")
