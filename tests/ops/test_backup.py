"""`kizuna backup` and `kizuna restore`, run as an operator runs them: separate processes on their own data dirs,
with a stream of writes going on while the backup is taken."""

import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PG = os.environ.get("DATABASE_URL", "").startswith("postgres")

SEED = """
from kizuna.accounts import services as accounts
from kizuna.contacts import services as contacts
from kizuna.timeline.services import create_activity
admin = accounts.create_user(actor=None, username="backup-admin", password=None, role="admin")
company = contacts.create_company(actor=admin, data={"name": "株式会社山田製作所"})
for i in range(20):
    person = contacts.create_person(actor=admin, data={"family_name": "山田", "given_name": f"太郎{i}",
                                                       "company": company.pk})
create_activity(actor=admin, data={"kind": "visit", "subject": "工場見学", "people": [person.pk]})
"""

WRITER = """
import os, time
from kizuna.accounts.models import User
from kizuna.contacts import services as contacts
admin = User.objects.get(username="backup-admin")
stop = os.environ["STOP_FILE"]
i = 0
while not os.path.exists(stop):
    contacts.create_person(actor=admin, data={"family_name": "書込", "given_name": f"花子{i}"})
    i += 1
print(i)
"""

COUNT = """
from kizuna.contacts.models import Person
print(Person.objects.count())
"""


def kizuna(data_dir: Path, *args, database_url: str = "", env: dict | None = None, check=True, **kw):
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environment.update({"KIZUNA_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT / "src"), **(env or {})})
    if database_url:
        environment["DATABASE_URL"] = database_url
    command = [sys.executable, "-m", "kizuna.cli", *args]
    return subprocess.run(command, env=environment, capture_output=True, text=True, check=check, timeout=300, **kw)


def people(sqlite_file: Path) -> int:
    with sqlite3.connect(sqlite_file) as db:
        return db.execute("SELECT COUNT(*) FROM contacts_person").fetchone()[0]


@pytest.fixture(scope="module")
def source(_migrated_template, tmp_path_factory):
    """A SQLite data dir with people, an activity and an uploaded file."""
    data = tmp_path_factory.mktemp("source")
    for name in ("kizuna.sqlite3", "secret_key"):
        shutil.copy2(_migrated_template / name, data / name)
    kizuna(data, "shell", "--no-imports", "-c", SEED)
    upload = data / "uploads" / "cards" / "card.jpg"
    upload.parent.mkdir(parents=True)
    upload.write_bytes(b"\xff\xd8\xff\xe0 business card")
    return data


@pytest.mark.skipif(PG, reason="SQLite data dirs only: the SQLite run covers it")
def test_a_backup_taken_during_writes_restores_to_exactly_the_snapshot(source, tmp_path):
    stop = tmp_path / "stop"
    writer = subprocess.Popen(
        [sys.executable, "-m", "kizuna.cli", "shell", "--no-imports", "-c", WRITER],
        env={**os.environ, "KIZUNA_DATA_DIR": str(source), "PYTHONPATH": str(ROOT / "src"), "STOP_FILE": str(stop)},
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        time.sleep(1.5)  # the writer is well under way
        backup = kizuna(source, "backup", "-o", str(tmp_path / "kizuna.tar"), "--json")
    finally:
        stop.touch()
        written = int(writer.communicate(timeout=60)[0].strip() or 0)
    summary = json.loads(backup.stdout)
    assert summary["uploads"] == 1 and summary["database"] == "sqlite"
    assert written > 0

    target = tmp_path / "restored"
    restored = kizuna(target, "restore", str(tmp_path / "kizuna.tar"), "--json")
    result = json.loads(restored.stdout)
    assert result["ok"] and result["mismatches"] == [] and result["audit_broken"] == []
    assert result["rows"] == summary["rows"]
    # The snapshot point: every seeded person, and the writes committed before it, not those after.
    people_then, people_now = people(target / "kizuna.sqlite3"), people(source / "kizuna.sqlite3")
    assert 20 <= people_then <= people_now
    assert (target / "uploads" / "cards" / "card.jpg").read_bytes() == b"\xff\xd8\xff\xe0 business card"


@pytest.mark.skipif(PG, reason="SQLite data dirs only: the SQLite run covers it")
def test_restore_refuses_a_target_with_data_and_an_archive_that_was_altered(source, tmp_path):
    archive = tmp_path / "kizuna.tar"
    kizuna(source, "backup", "-o", str(archive))
    refused = kizuna(source, "restore", str(archive), check=False)
    assert refused.returncode != 0 and "空ではありません" in refused.stderr

    altered = tmp_path / "altered.tar"
    with tarfile.open(archive) as original, tarfile.open(altered, "w") as copy:
        for member in original.getmembers():
            body = original.extractfile(member).read()
            if member.name.startswith("uploads/"):
                body = body.replace(b"card", b"CARD")
            member.size = len(body)
            copy.addfile(member, io.BytesIO(body))
    broken = kizuna(tmp_path / "fresh", "restore", str(altered), check=False)
    assert broken.returncode != 0 and "マニフェストと一致しません" in broken.stderr
    assert not (tmp_path / "fresh" / "uploads").exists()  # checked before anything is written


@pytest.mark.every_database
@pytest.mark.skipif(not PG, reason="SQLite → PostgreSQL needs the PostgreSQL run's server")
def test_a_sqlite_backup_restores_into_postgresql_and_back_out(source, tmp_path):
    import psycopg

    base = os.environ["DATABASE_URL"]
    names = [f"kz_restore_{os.getpid()}_{i}" for i in range(2)]
    with psycopg.connect(base, autocommit=True) as admin:
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute(f'CREATE DATABASE "{name}"')
    urls = [base.rsplit("/", 1)[0] + f"/{name}" for name in names]
    try:
        kizuna(source, "backup", "-o", str(tmp_path / "sqlite.tar"))
        into_pg = json.loads(kizuna(tmp_path / "pg", "restore", str(tmp_path / "sqlite.tar"), "--json",
                                    database_url=urls[0]).stdout)  # fmt: skip
        assert into_pg["ok"], into_pg
        # the restored PostgreSQL database backs up (pg_dump in a snapshot) and restores into another one
        kizuna(tmp_path / "pg", "backup", "-o", str(tmp_path / "pg.tar"), database_url=urls[0])
        again = json.loads(kizuna(tmp_path / "pg2", "restore", str(tmp_path / "pg.tar"), "--json",
                                  database_url=urls[1]).stdout)  # fmt: skip
        assert again["ok"] and again["rows"] == into_pg["rows"]
        assert int(kizuna(tmp_path / "pg2", "shell", "--no-imports", "-c", COUNT, database_url=urls[1]).stdout) >= 20
    finally:
        with psycopg.connect(base, autocommit=True) as admin:
            for name in names:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
