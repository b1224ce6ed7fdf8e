"""kill -9 of the PostgreSQL server (the postmaster and every backend, as the OOM killer or a power cut would leave
it) during an import, a stream of merges and a stream of writes; then restart: nothing acknowledged is lost, every
merge is whole or not there, the import resumes and applies every row once, the audit chain verifies and every
event is handed out.

The server is a cluster of the test's own (scripts/pg_cluster.sh), never the one the other tests use, loaded from
this run's migrated test database with pg_dump | pg_restore (seconds, where migrating would take half a minute).
The throwaway clusters run with synchronous_commit = off; production keeps PostgreSQL's default (on), and so does
this cluster's database, since with it off PostgreSQL itself may drop the last acknowledged commits in a crash.
Runs once, on the PostgreSQL run."""

import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import psycopg
import pytest

from tests.ops.conftest import MERGER, App

ROOT = Path(__file__).resolve().parents[2]
CLUSTER = ROOT / "scripts" / "pg_cluster.sh"
ROWS = 1000  # two batches: the crash comes after the first commits
PG = os.environ.get("DATABASE_URL", "").startswith("postgres")
pytestmark = pytest.mark.skipif(not PG, reason="needs the PostgreSQL run's binaries")

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
from kizuna.accounts.models import User
from kizuna.contacts import services as contacts
admin = User.objects.get(username="crash-admin")
i = 0
while True:
    person = contacts.create_person(actor=admin, data={"family_name": "書込", "given_name": f"花子{i}"})
    print(person.pk, flush=True)  # committed: create_person returns after its transaction
    i += 1
"""


def _state(path: Path) -> dict:
    return dict(line.split("=", 1) for line in path.read_text().split())


@pytest.fixture
def cluster(db, tmp_path):
    env = {**os.environ, "KIZUNA_PG_STATE": str(tmp_path / "pg.env")}
    url = subprocess.run(["bash", str(CLUSTER), "start"], env=env, capture_output=True, text=True, check=True,
                         timeout=120).stdout.strip()  # fmt: skip
    try:
        from django.db import connection

        s = connection.settings_dict  # this run's test database: every migration applied, no committed test data
        source = f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"
        bindir = _state(tmp_path / "pg.env")["PG_BIN"]
        dump = subprocess.run([f"{bindir}/pg_dump", "-Fc", "-d", source], capture_output=True, check=True)
        subprocess.run([f"{bindir}/pg_restore", "--no-owner", "-d", url], input=dump.stdout, check=True)
        with psycopg.connect(url, autocommit=True) as db:
            db.execute("ALTER DATABASE kizuna SET synchronous_commit = on")
        yield url, env, tmp_path / "pg.env"
    finally:
        subprocess.run(["bash", str(CLUSTER), "stop"], env=env, check=False, timeout=120)


def crash(state: Path) -> None:
    """SIGKILL the postmaster and all its children at once: shared memory and unwritten WAL buffers are gone."""
    data = Path(_state(state)["PG_DIR"]) / "data"
    postmaster = int((data / "postmaster.pid").read_text().split()[0])
    children = subprocess.run(["ps", "--ppid", str(postmaster), "-o", "pid="], capture_output=True, text=True)
    for pid in [postmaster, *map(int, children.stdout.split())]:
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while (
        time.monotonic() < deadline
        and subprocess.run(["ps", "-p", str(postmaster)], capture_output=True).returncode == 0
    ):
        time.sleep(0.05)


def test_postgresql_killed_during_an_import_merges_and_writes_loses_nothing_acknowledged(cluster, tmp_path):
    url, env, state = cluster
    app = App(tmp_path / "data", database_url=url)
    job_id = int(app.run("shell", "--no-imports", "-c", SEED).stdout.split()[-1])
    worker = app.start("db_worker", "--interval", "0.2", "--no-startup-delay")
    writer = app.start("shell", "--no-imports", "-c", WRITER, stdout=subprocess.PIPE)
    merger = app.start("shell", "--no-imports", "-c", MERGER, stdout=subprocess.PIPE)
    acknowledged: list[int] = []
    merged: list[tuple[int, ...]] = []
    readers = [threading.Thread(target=lambda: acknowledged.extend(int(line) for line in writer.stdout), daemon=True),
               threading.Thread(target=lambda: merged.extend(tuple(map(int, line.split())) for line in merger.stdout),
                                daemon=True)]  # fmt: skip
    for reader in readers:
        reader.start()
    try:
        deadline = time.monotonic() + 240
        with psycopg.connect(url) as db:
            while time.monotonic() < deadline:
                position = db.execute("SELECT position FROM imports_importjob WHERE id = %s", [job_id]).fetchone()[0]
                db.rollback()
                if position >= 300 and len(acknowledged) >= 20 and len(merged) >= 5:
                    break
                time.sleep(0.05)
        crash(state)  # mid-import, mid-stream and mid-merge
        for process, reader in zip((writer, merger), readers, strict=True):
            process.wait(timeout=60)  # its next write fails: the connection is gone
            reader.join(timeout=10)
        subprocess.run(["bash", str(CLUSTER), "restart"], env=env, check=True, timeout=180)
    finally:
        for process in (worker, writer, merger):
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)

    with psycopg.connect(url) as db:
        saved = {pk for (pk,) in db.execute("SELECT id FROM contacts_person WHERE family_name = '書込'")}
        status, position = db.execute(
            "SELECT status, position FROM imports_importjob WHERE id = %s", [job_id]
        ).fetchone()
    assert set(acknowledged) <= saved and len(acknowledged) >= 20
    _assert_merges_whole(url, merged)
    assert status == "running" and 0 < position < ROWS, (status, position)

    # The clock finds the job silent and queues it again; the next worker continues after its last committed row.
    app.run("clock", "--once", "--force", KIZUNA_IMPORT_STALL_SECONDS="0")
    app.run("db_worker", "--batch", "--no-startup-delay")
    with psycopg.connect(url) as db:
        status, counts = db.execute("SELECT status, counts FROM imports_importjob WHERE id = %s", [job_id]).fetchone()
        assert status == "done" and (counts if isinstance(counts, dict) else json.loads(counts))["created"] == ROWS
        assert db.execute("SELECT COUNT(*) FROM contacts_person WHERE family_name = '佐藤'").fetchone() == (ROWS,)
        assert db.execute("SELECT COUNT(*) FROM imports_importrow WHERE job_id = %s", [job_id]).fetchone() == (ROWS,)
        rows = db.execute("SELECT object_id FROM core_outboxevent WHERE type = 'person.created' AND object_id <> ''")
        events = {int(pk) for (pk,) in rows}
        assert saved <= events  # the event of every saved person is in the outbox (same transaction)
    app.run("audit", "verify")
    app.run("clock", "--once", "--force")
    with psycopg.connect(url) as db:
        assert db.execute("SELECT COUNT(*) FROM core_outboxevent WHERE dispatched_at IS NULL").fetchone() == (0,)


def _assert_merges_whole(url: str, acknowledged: list[tuple[int, ...]]) -> None:
    """Every merge that returned is there whole (the other person deleted, its e-mail on the survivor); the pair
    the crash interrupted is two live people with one e-mail each; no e-mail is lost."""
    with psycopg.connect(url) as db:
        merges = {survivor: ids if isinstance(ids, list) else json.loads(ids)
                  for survivor, ids in db.execute("SELECT survivor_id, merged_ids FROM contacts_merge")}  # fmt: skip
        assert len(acknowledged) >= 5 and all(merges[survivor] == [other] for _m, survivor, other in acknowledged)
        people = db.execute("SELECT p.id, p.deleted_at IS NOT NULL, (SELECT COUNT(*) FROM contacts_contactpoint c "
                            "WHERE c.person_id = p.id) FROM contacts_person p "
                            "WHERE p.family_name = '統合'")  # fmt: skip
        for person, deleted, points in people:
            if deleted:
                assert any(person in ids for ids in merges.values()) and points == 0, person
            else:
                assert points == (2 if person in merges else 1), person
