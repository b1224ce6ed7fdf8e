"""Backups keep encrypted fields encrypted and carry the ids of the keys they need, not the keys: a restore where
the key is missing stops before writing anything, with the key id to look for; with the key it restores."""

import json
import os
import tarfile

import pytest

from .test_backup import kizuna

PG = os.environ.get("DATABASE_URL", "").startswith("postgres")
SEED = """
from kizuna.support.models import Channel
Channel.objects.create(kind="phone", name="代表", slug="pbx", secret="whsec_backup-secret")
"""


@pytest.mark.skipif(PG, reason="SQLite data dirs only: the SQLite run covers it")
def test_a_backup_restores_where_the_key_is_and_is_refused_where_it_is_not(migrated_data_dir, tmp_path):
    env = {"KIZUNA_ENCRYPTION_KEYS": "k" * 43}
    kizuna(migrated_data_dir, "shell", "--no-imports", "-c", SEED, env=env)
    archive = tmp_path / "kizuna.tar"
    kizuna(migrated_data_dir, "backup", "-o", str(archive), env=env)
    with tarfile.open(archive) as tar:
        database = tar.extractfile("db/kizuna.sqlite3").read()
    assert b"whsec_backup-secret" not in database

    refused = kizuna(tmp_path / "elsewhere", "restore", str(archive), check=False)
    assert refused.returncode != 0 and "開く鍵がありません" in refused.stderr

    # The restore's own check re-reads every row through the models (decrypting) and compares the checksums.
    restored = kizuna(tmp_path / "restored", "restore", str(archive), "--json", env=env)
    assert json.loads(restored.stdout)["ok"]
