"""kill -9 of a web worker in the middle of a stream of captures: the client retries with its Idempotency-Key,
every capture it was told was saved is there exactly once, the audit chain verifies and the outbox hands out every
event. Real gunicorn on a SQLite data dir (the database server's own crash is in test_crash_postgres.py)."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CAPTURES = 30
pytestmark = pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith("postgres"),
                                reason="SQLite data dirs only: the SQLite run covers it")  # fmt: skip

SEED = """
from kizuna.accounts import services as accounts
admin = accounts.create_user(actor=None, username="crash-admin", password=None, role="admin")
print(accounts.create_token(actor=None, user=admin, name="crash")[1])
"""


class Capturer:
    """What a well-behaved API client does: one Idempotency-Key per capture, the same key on every retry."""

    def __init__(self, base: str, token: str):
        self.base, self.token = base, token
        self.saved: dict[str, int] = {}  # key → activity id, for every 201 (or its replay)
        self.retries = 0

    def send(self, key: str, text: str) -> tuple[int, dict]:
        body = json.dumps({"text": text, "preview": False}).encode()
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json", "Idempotency-Key": key}
        request = urllib.request.Request(f"{self.base}/api/v1/capture", data=body, method="POST", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")
        except OSError:  # the worker died under the request, or the next one is not up yet
            return 0, {}

    def capture(self, key: str, text: str, deadline: float) -> None:
        while time.monotonic() < deadline:
            status, body = self.send(key, text)
            if status == 201:
                self.saved[key] = body["activity"]["id"]
                return
            assert status in (0, 409, 503), (status, body)  # gone, or the key's first attempt not settled yet
            self.retries += 1
            time.sleep(0.2)
        raise AssertionError(f"capture {key} got no answer")


def test_a_web_worker_killed_mid_request_loses_nothing_and_applies_nothing_twice(app):
    token = app.run("shell", "--no-imports", "-c", SEED).stdout.split()[-1]
    port = app.free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "--bind",
         f"127.0.0.1:{port}", "--workers", "1", "--threads", "2", "--access-logfile", "/dev/null",
         "kizuna.wsgi:application"],
        env=app.env(KIZUNA_IDEMPOTENCY_STALE_SECONDS="2"), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    client = Capturer(f"http://127.0.0.1:{port}", token)
    try:
        deadline = time.monotonic() + 120
        while client.send("probe-" + uuid.uuid4().hex, "")[0] in (0,):  # up (an empty capture is a 422)
            assert time.monotonic() < deadline and server.poll() is None, server.stderr.read()
            time.sleep(0.2)
        killed = []
        for i in range(CAPTURES):
            key = uuid.uuid4().hex
            if i in (10, 20):  # kill the worker while this capture is being written
                (victim,) = app.children(server.pid)
                killer = threading.Timer(0.03, lambda v=victim: (os.kill(v, signal.SIGKILL), killed.append(v)))
                killer.start()
            client.capture(key, f"工場見学 {i} 仕様に厳しい", deadline)
        assert len(killed) == 2
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)

    keys = list(client.saved)
    assert len(keys) == CAPTURES and len(set(client.saved.values())) == CAPTURES
    bodies = [body for (body,) in app.query("SELECT body FROM timeline_activity WHERE body LIKE '工場見学 %'")]
    assert len(bodies) == CAPTURES == len(set(bodies)), "every capture once: none lost, none applied twice"
    assert app.query("PRAGMA integrity_check") == [("ok",)]
    app.run("audit", "verify")
    app.run("clock", "--once", "--force")
    assert app.query("SELECT COUNT(*) FROM core_outboxevent WHERE type = 'activity.created'") == [(CAPTURES,)]
    assert app.query("SELECT COUNT(*) FROM core_outboxevent WHERE dispatched_at IS NULL") == [(0,)]
