"""kill -9 of the background worker while it hands events out: after a restart every event of every write that
was acknowledged reaches its consumer at least once, never zero times, and each event stays one event. The consumer
is a real one, a webhook subscription POSTing to a receiver on 127.0.0.1; the worker is killed while the receiver
holds one of its requests, so that request is certainly unfinished when it dies. (The kill during an import run by
the worker is in test_crash.py.)"""

import json
import os
import signal
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

PEOPLE = 20
KILL_AT = 4  # the worker dies while the receiver holds its 4th request
pytestmark = pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith("postgres"),
                                reason="SQLite data dirs only: the SQLite run covers it")  # fmt: skip

WRITER = f"""
import os
from kizuna.accounts import services as accounts
from kizuna.contacts import services as contacts
from kizuna.webhooks import services as webhooks
admin = accounts.create_user(actor=None, username="crash-admin", password=None, role="admin")
webhooks.create_subscription(actor=admin, data={{"name": "受信テスト", "url": os.environ["RECEIVER_URL"],
                                                "event_types": ["person.created"]}})
for i in range({PEOPLE}):
    person = contacts.create_person(actor=admin, data={{"family_name": "配信", "given_name": f"太郎{{i}}"}})
    print(person.pk, flush=True)  # committed: create_person returns after its transaction
"""


class Receiver:
    """Records each POST's webhook-id and record id; kills `victim` while holding the KILL_AT-th request."""

    def __init__(self):
        self.received: list[tuple[str, int]] = []
        self.victim: subprocess.Popen | None = None
        self.killed_during = ""
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with receiver.lock:
                    receiver.received.append((self.headers["webhook-id"], int(body["object"]["id"])))
                    if len(receiver.received) == KILL_AT:
                        receiver.victim.send_signal(signal.SIGKILL)
                        receiver.victim.wait(timeout=30)
                        receiver.killed_during = self.headers["webhook-id"]
                        return  # no answer: its sender is gone
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/kizuna"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def people(self) -> set[int]:
        with self.lock:
            return {pk for _id, pk in self.received}


def _wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def test_a_worker_killed_while_delivering_events_delivers_every_event_after_a_restart(app):
    receiver = Receiver()
    env = {"RECEIVER_URL": receiver.url, "KIZUNA_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",
           "KIZUNA_EVENTS_DISPATCH_DELAY": "0"}  # fmt: skip
    receiver.victim = app.start("db_worker", "--interval", "0.1", "--no-startup-delay", **env)
    writer = app.start("shell", "--no-imports", "-c", WRITER, stdout=subprocess.PIPE, **env)
    restarted = None
    try:
        _wait_for(lambda: receiver.killed_during, 120, "the worker never sent its 4th webhook")
        restarted = app.start("db_worker", "--interval", "0.1", "--no-startup-delay", **env)
        acknowledged = {int(line) for line in writer.communicate(timeout=120)[0].split()}
        assert len(acknowledged) == PEOPLE
        assert app.query("PRAGMA integrity_check") == [("ok",)]
        # The delivery the dead worker had claimed waits out its lease (a minute) before anyone tries it again;
        # the test moves it to now instead of waiting. The clock then wakes a sender and sweeps the events.
        app.query("UPDATE webhooks_delivery SET next_attempt_at = '2000-01-01 00:00:00' WHERE status = 'pending'")
        app.run("clock", "--once", "--force", **env)
        _wait_for(lambda: acknowledged <= receiver.people(), 120, "an acknowledged write's event never arrived")
        _wait_for(lambda: [i for i, _pk in receiver.received].count(receiver.killed_during) >= 2, 60,
                  "the request the kill cut short was not sent again")  # fmt: skip
    finally:
        for process in (writer, restarted):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=60)
        receiver.server.shutdown()

    # at least once, and still one event per write: a repeat carries the webhook-id of the first try
    ids_per_person = {}
    for message_id, pk in receiver.received:
        ids_per_person.setdefault(pk, set()).add(message_id)
    assert all(len(ids) == 1 for ids in ids_per_person.values()), ids_per_person
    assert app.query("SELECT COUNT(*) FROM webhooks_delivery") == [(PEOPLE,)]
    app.run("audit", "verify")
