"""A full disk and a read-only data dir: a clear Japanese error, nothing half-written, nothing corrupted.

The disk is a real file system that fills up: a tmpfs mounted with a size just above what the migrated database
uses (the test runs as root in CI, as the guide's machines do; elsewhere it is skipped). tmpfs answers ENOSPC like
a full ext4 volume, so SQLite sees exactly what it sees in production ("database or disk is full"). RLIMIT_FSIZE
was the other choice: it raises EFBIG (SQLite reports that as an I/O error, not a full disk) and kills the process
with SIGXFSZ unless it is ignored, so it would test something else. The read-only data dir is a read-only bind
mount of a migrated data dir.
"""

import errno
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.db import OperationalError
from django.test import RequestFactory

from kizuna.ops import storage

ROOT = Path(__file__).resolve().parents[2]
PG = os.environ.get("DATABASE_URL", "").startswith("postgres")

SEED = """
from django.db import connection
from kizuna.accounts import services as accounts
admin = accounts.create_user(actor=None, username="disk-admin", password=None, role="admin")
print(accounts.create_token(actor=None, user=admin, name="disk")[1])
connection.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
"""

FILL = """
import json, os
from django.test import Client
from kizuna.accounts.models import User
from kizuna.contacts import services as contacts
client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION="Bearer " + os.environ["TOKEN"])
for i in range(2000):
    r = client.post("/api/v1/people", data={"family_name": "満杯", "given_name": f"太郎{i}"},
                    content_type="application/json")
    print(json.dumps({"status": r.status_code, "body": r.json()}, ensure_ascii=False), flush=True)
    if r.status_code != 201:
        break
print(json.dumps({"status": client.get("/api/v1/people?limit=5").status_code, "body": "list"}), flush=True)
# the same write from the command line: the CLI says what to do and exits 75
contacts.create_person(actor=User.objects.get(username="disk-admin"), data={"family_name": "満杯", "given_name": "CLI"})
"""

AFTER = """
from django.core.management import call_command
from kizuna.accounts.models import User
from kizuna.contacts import services as contacts
admin = User.objects.get(username="disk-admin")
contacts.create_person(actor=admin, data={"family_name": "空き", "given_name": "花子"})
call_command("audit", "verify")
"""


def kizuna(data_dir: Path, *args, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environment.update({"KIZUNA_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT / "src"), **(env or {})})
    return subprocess.run([sys.executable, "-m", "kizuna.cli", *args], env=environment, capture_output=True,
                          text=True, timeout=300)  # fmt: skip


def mount(*args) -> None:
    subprocess.run(["mount", *map(str, args)], check=True, capture_output=True)


def sqlite_rows(data_dir: Path, sql: str):
    with sqlite3.connect(data_dir / "kizuna.sqlite3") as db:
        return db.execute(sql).fetchall()


@pytest.fixture
def mountpoint(tmp_path):
    point = tmp_path / "disk"
    point.mkdir()
    probe = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(point)], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("needs root and mount(8) for a small file system (CI runs as root)")
    yield point
    for _ in range(3):  # a test may have stacked a bind mount on the tmpfs
        if subprocess.run(["umount", "-l", str(point)], capture_output=True).returncode != 0:
            break


@pytest.mark.skipif(PG, reason="SQLite data dirs only: the SQLite run covers it")
def test_a_full_disk_refuses_writes_with_a_clear_message_and_loses_nothing(_migrated_template, mountpoint):
    data = mountpoint
    for name in ("kizuna.sqlite3", "secret_key"):
        shutil.copy2(_migrated_template / name, data / name)
    seeded = kizuna(data, "shell", "--no-imports", "-c", SEED)
    assert seeded.returncode == 0, seeded.stderr
    token = seeded.stdout.split()[-1]
    used_kb = int(subprocess.run(["df", "-k", "--output=used", str(data)], capture_output=True, text=True,
                                 check=True).stdout.split()[-1])  # fmt: skip
    mount("-o", f"remount,size={used_kb + 400}k", data)  # room for a few writes, then ENOSPC

    filled = kizuna(data, "shell", "--no-imports", "-c", FILL, env={"TOKEN": token})
    answers = [json.loads(line) for line in filled.stdout.splitlines() if line.startswith("{")]
    saved = [a["body"]["id"] for a in answers if a["status"] == 201]
    refused = [a for a in answers if a["status"] not in (200, 201)]
    assert saved, "the disk had room for a few people"
    assert refused[0]["status"] == 503, refused  # never a 500
    assert refused[0]["body"]["error"]["code"] == "disk_full"
    assert "ディスクに空きがない" in refused[0]["body"]["error"]["message"]
    assert answers[-1] == {"status": 200, "body": "list"}  # reading goes on
    assert filled.returncode == storage.EXIT_CODE
    assert "ディスクの空きがありません" in filled.stderr and "Traceback" not in filled.stderr

    assert sqlite_rows(data, "PRAGMA integrity_check") == [("ok",)]
    # exactly the acknowledged people, each with its audit row: the refused write left nothing behind
    assert sorted(pk for (pk,) in sqlite_rows(data, "SELECT id FROM contacts_person")) == sorted(saved)
    audited = sqlite_rows(data, "SELECT COUNT(*) FROM core_auditevent WHERE object_type = 'contacts.person'")
    assert audited == [(len(saved),)]

    mount("-o", "remount,size=64m", data)  # the operator frees space: writing works again, the chain verifies
    after = kizuna(data, "shell", "--no-imports", "-c", AFTER)
    assert after.returncode == 0, after.stderr
    assert sqlite_rows(data, "SELECT COUNT(*) FROM contacts_person") == [(len(saved) + 1,)]


@pytest.mark.skipif(PG, reason="SQLite data dirs only: the SQLite run covers it")
def test_a_read_only_data_dir_stops_the_server_and_the_commands_with_a_clear_message(migrated_data_dir, mountpoint):
    (migrated_data_dir / "static").mkdir()  # a data dir that has served before
    mount("--bind", migrated_data_dir, mountpoint)
    mount("-o", "remount,bind,ro", mountpoint)
    server = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "--bind", "127.0.0.1:0",
         "kizuna.wsgi:application"],
        env={**{k: v for k, v in os.environ.items() if k != "DATABASE_URL"}, "KIZUNA_DATA_DIR": str(mountpoint),
             "PYTHONPATH": str(ROOT / "src")},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert server.returncode == storage.EXIT_CODE
    assert "データベースを開けません" in server.stderr and str(mountpoint) in server.stderr
    command = kizuna(mountpoint, "audit", "verify")
    assert command.returncode == storage.EXIT_CODE and "読み取り専用" in command.stderr
    assert "Traceback" not in command.stderr
    subprocess.run(["umount", str(mountpoint)], check=True)
    assert sqlite_rows(migrated_data_dir, "PRAGMA integrity_check") == [("ok",)]


def test_storage_errors_are_recognised_from_each_source(tmp_path):
    """The real exceptions of SQLite, psycopg and the OS; anything else is left alone (a 500 as before)."""
    path = tmp_path / "ro.sqlite3"
    sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(sqlite3.OperationalError) as read_only:
        sqlite3.connect(f"file:{path}?mode=ro", uri=True).execute("INSERT INTO t VALUES (1)")
    wrapped = OperationalError(str(read_only.value))
    wrapped.__cause__ = read_only.value
    assert storage.problem(wrapped) == storage.READ_ONLY
    assert storage.problem(OperationalError("database or disk is full")) == storage.FULL
    assert storage.problem(psycopg.errors.DiskFull("could not extend file")) == storage.FULL
    assert storage.problem(psycopg.errors.ReadOnlySqlTransaction("read-only transaction")) == storage.READ_ONLY
    assert storage.problem(OSError(errno.ENOSPC, "No space left on device")) == storage.FULL
    assert storage.problem(OSError(errno.EROFS, "Read-only file system")) == storage.READ_ONLY
    assert storage.problem(OperationalError("no such table: x")) is None
    assert storage.problem(OSError(errno.ENOENT, "missing")) is None
    assert storage.problem(ValueError("database or disk is full")) is None  # only the database's own errors


def test_the_web_answers_503_in_the_api_error_shape_and_as_a_page(settings):
    settings.LANGUAGE_CODE = "ja"
    middleware = storage.StorageErrorMiddleware(lambda request: None)
    factory = RequestFactory()
    api = middleware.process_exception(factory.post("/api/v1/people"), OperationalError("database or disk is full"))
    assert api.status_code == 503 and api["Retry-After"] == "60"
    assert json.loads(api.content)["error"]["code"] == "disk_full"
    page = middleware.process_exception(factory.post("/timeline/capture/"), OSError(errno.EROFS, "read-only"))
    assert page.status_code == 503 and "読み取り専用" in page.content.decode()
    assert middleware.process_exception(factory.get("/"), KeyError("x")) is None
