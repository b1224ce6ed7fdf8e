"""deploy/ holds what an operator needs; these tests start what it describes and check it names real things."""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
PG = os.environ.get("DATABASE_URL", "").startswith("postgres")
pytestmark = pytest.mark.skipif(PG, reason="starts its own processes on SQLite data dirs: the SQLite run covers it")


def _env(data_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return {**env, "KIZUNA_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT / "src"), "KIZUNA_WORKERS": "1",
            "KIZUNA_THREADS": "2"}  # fmt: skip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _gunicorn(data_dir: Path, port: int) -> subprocess.Popen:
    command = [sys.executable, "-m", "gunicorn", "-c", str(DEPLOY / "gunicorn.conf.py"), "--bind",
               f"127.0.0.1:{port}", "kizuna.wsgi:application"]  # fmt: skip
    return subprocess.Popen(command, env=_env(data_dir), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)  # fmt: skip


def _get(url: str) -> int:
    try:
        return urllib.request.urlopen(url, timeout=5).status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_gunicorn_with_the_shipped_config_serves_and_refuses_an_unmigrated_database(tmp_path, migrated_data_dir):
    unmigrated = tmp_path / "new"
    refused = _gunicorn(unmigrated, _free_port())
    _, err = refused.communicate(timeout=60)
    assert refused.returncode != 0 and "kizuna migrate" in err

    ready = migrated_data_dir
    port = _free_port()
    server = _gunicorn(ready, port)
    try:
        for _ in range(100):
            try:
                status = _get(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                time.sleep(0.2)
        assert status == 200
        assert _get(f"http://127.0.0.1:{port}/readyz") == 503  # no worker or clock beside it yet
        assert _get(f"http://127.0.0.1:{port}/metrics") == 200  # loopback may scrape
    finally:
        server.terminate()
        server.communicate(timeout=30)


def test_the_units_start_real_commands_and_refuse_unapplied_migrations():
    units = {p.name: p.read_text() for p in (DEPLOY / "systemd").glob("*.service")}
    assert set(units) == {"kizuna-web.service", "kizuna-worker.service", "kizuna-clock.service"}
    for name, text in units.items():
        assert "EnvironmentFile=/etc/kizuna/kizuna.env" in text, name
        for command in re.findall(r"^ExecStart(?:Pre)?=/opt/kizuna/\.venv/bin/kizuna (\w+)", text, re.M):
            assert command in get_commands(), f"{name}: kizuna {command} does not exist"
    assert "migrate --check" in units["kizuna-worker.service"] and "migrate --check" in units["kizuna-clock.service"]
    assert "deploy/gunicorn.conf.py" in units["kizuna-web.service"]


def test_the_env_template_names_only_settings_the_code_reads():
    read = set(re.findall(r"\"([A-Z][A-Z0-9_]+)\"", (ROOT / "src/kizuna/settings.py").read_text()))
    read |= {"PROMETHEUS_MULTIPROC_DIR", "KIZUNA_WORKERS", "KIZUNA_THREADS"}  # gunicorn.conf.py, prometheus-client
    template = (DEPLOY / "kizuna.env.example").read_text()
    names = re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", template, re.M)
    assert names and not [n for n in names if n not in read]


def test_compose_runs_postgresql_web_worker_and_clock_after_the_migrations():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert {"db", "migrate", "web", "worker", "clock"} <= set(services)
    assert int(services["db"]["image"].split(":")[1]) >= 15
    for name in ("web", "worker", "clock"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert (DEPLOY / "Dockerfile").read_text().count("--require-hashes") == 1
