"""A data dir migrated once per session; tests that start real processes copy it instead of migrating again, and
drive it through `App`."""

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def _migrated_template(tmp_path_factory) -> Path:
    template = tmp_path_factory.mktemp("migrated")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update({"KIZUNA_DATA_DIR": str(template), "PYTHONPATH": str(ROOT / "src")})
    subprocess.run([sys.executable, "-m", "kizuna.cli", "migrate", "-v0"], env=env, check=True, timeout=600)
    return template


@pytest.fixture
def migrated_data_dir(_migrated_template, tmp_path_factory) -> Path:
    """A new SQLite data dir with every migration applied and no data."""
    target = tmp_path_factory.mktemp("data")
    for name in ("kizuna.sqlite3", "secret_key", "encryption_keys"):  # what the first start wrote
        shutil.copy2(_migrated_template / name, target / name)
    return target


# `kizuna shell -c MERGER`: pairs of people merged one after another, each acknowledged on stdout after its commit
# (needs the admin user "crash-admin").
MERGER = """
from kizuna.accounts.models import User
from kizuna.contacts import services as contacts
from kizuna.contacts.services.merge import merge_records
admin = User.objects.get(username="crash-admin")
i = 0
while True:
    a = contacts.create_person(actor=admin, data={"family_name": "統合", "given_name": f"太郎{i}",
                                                  "emails": [f"a{i}@example.co.jp"]})
    b = contacts.create_person(actor=admin, data={"family_name": "統合", "given_name": f"太郎{i}",
                                                  "emails": [f"b{i}@example.co.jp"]})
    merge = merge_records(actor=admin, kind="person", survivor=a, others=[b])
    print(merge.pk, a.pk, b.pk, flush=True)  # committed: merge_records returns after its transaction
    i += 1
"""


class App:
    """A Kizuna data dir driven as an operator drives it: the `kizuna` command and long-running servers and workers,
    each a real process (the crash tests kill them). The database is the data dir's SQLite file, which `query` reads
    directly, or the PostgreSQL database at `database_url`."""

    def __init__(self, data_dir: Path, database_url: str = ""):
        self.data_dir, self.database_url = Path(data_dir), database_url

    def env(self, **extra) -> dict:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env.update({"KIZUNA_DATA_DIR": str(self.data_dir), "PYTHONPATH": str(ROOT / "src"), **extra})
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        return env

    def run(self, *args, **extra) -> subprocess.CompletedProcess:
        """`kizuna ARGS` to its end; a failure fails the test."""
        return subprocess.run([sys.executable, "-m", "kizuna.cli", *args], env=self.env(**extra), capture_output=True,
                              text=True, check=True, timeout=300)  # fmt: skip

    def start(self, *args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **extra) -> subprocess.Popen:
        """`kizuna ARGS` left running (a worker, a shell script writing in a loop)."""
        return subprocess.Popen([sys.executable, "-m", "kizuna.cli", *args], env=self.env(**extra), stdout=stdout,
                                stderr=stderr, text=True)  # fmt: skip

    def query(self, sql: str) -> list:
        with sqlite3.connect(self.data_dir / "kizuna.sqlite3") as db:
            return db.execute(sql).fetchall()

    @staticmethod
    def children(pid: int) -> list[int]:
        out = subprocess.run(["ps", "--ppid", str(pid), "-o", "pid="], capture_output=True, text=True).stdout
        return [int(child) for child in out.split()]

    @staticmethod
    def free_port() -> int:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]


@pytest.fixture
def app(migrated_data_dir) -> App:
    """A migrated SQLite data dir with no data, and the means to run Kizuna's processes on it."""
    return App(migrated_data_dir)
