"""A data dir migrated once per session; tests that start real processes copy it instead of migrating again."""

import os
import shutil
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
    for name in ("kizuna.sqlite3", "secret_key"):
        shutil.copy2(_migrated_template / name, target / name)
    return target
