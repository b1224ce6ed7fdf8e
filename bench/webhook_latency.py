"""Webhook benchmark: event → delivery latency with the real worker running, and writes/s with and without a
subscription (the baseline, in the same run).

    KIZUNA_DATA_DIR=/tmp/kz-wh [DATABASE_URL=postgres://...] nice -n 10 .venv/bin/python bench/webhook_latency.py \
        [--events 200] [--writes 300] [--interval 1]

A person is created through the service (its own transaction, like a page save); a receiver thread on 127.0.0.1
(allowed through KIZUNA_WEBHOOK_ALLOWED_HOSTS) notes when the signed POST arrives. Latency = arrival - commit.
The worker is `kizuna db_worker --interval <s>` in a subprocess, as `kizuna serve` starts it (interval 1 s).
Target: p95 ≤ 2 s.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class Receiver:
    def __init__(self, secret_box):
        self.arrived: dict[str, float] = {}
        self.bad_signatures = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                at = time.time()
                from standardwebhooks.webhooks import Webhook, WebhookVerificationError

                try:
                    event = Webhook(secret_box[0]).verify(body, dict(self.headers))
                    receiver.arrived.setdefault(event["object"]["id"], at)
                except WebhookVerificationError:
                    receiver.bad_signatures += 1
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(len(values) * p / 100) - 1))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=200, help="writes whose delivery latency is measured")
    parser.add_argument("--writes", type=int, default=300, help="writes per throughput run")
    parser.add_argument("--interval", type=float, default=1.0, help="db_worker poll interval (kizuna serve: 1)")
    parser.add_argument("--gap", type=float, default=0.5, help="seconds between latency writes (0.5: 2 events/s)")
    args = parser.parse_args()
    os.environ.setdefault("KIZUNA_DATA_DIR", tempfile.mkdtemp(prefix="kz-wh-"))
    os.environ["KIZUNA_WEBHOOK_ALLOWED_HOSTS"] = "127.0.0.1"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from kizuna.accounts import services as accounts
    from kizuna.accounts.models import User
    from kizuna.contacts import services as contacts
    from kizuna.core import events
    from kizuna.core.models import OutboxEvent
    from kizuna.webhooks import services as webhooks
    from kizuna.webhooks.models import Delivery, Subscription

    call_command("migrate", verbosity=0)
    admin = User.objects.filter(username="bench-admin").first() or accounts.create_user(
        actor=None, username="bench-admin", password="bench-password-123", role="admin", check_password=False
    )
    secret_box = [""]
    receiver = Receiver(secret_box)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    worker = subprocess.Popen(
        [sys.executable, "-m", "kizuna.cli", "db_worker", "--interval", str(args.interval), "--no-startup-delay"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip

    def wait_idle(timeout=120):
        """Until every audit row is relayed, the outbox dispatched and no delivery pending (the worker caught up)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if (not events.relay_backlog()
                    and not OutboxEvent.objects.filter(dispatched_at__isnull=True).exists()
                    and not Delivery.objects.filter(status="pending").exists()):  # fmt: skip
                return True
            time.sleep(0.2)
        return False

    def write(i, tag):
        return contacts.create_person(actor=admin, data={"family_name": f"負荷{tag}", "given_name": f"{i}",
                                                         "phones": [{"value": f"090-{i % 10000:04d}-0000",
                                                                     "label": "mobile"}]})  # fmt: skip

    def throughput(tag):
        started = time.perf_counter()
        for i in range(args.writes):
            write(i, tag)
        elapsed = time.perf_counter() - started
        return args.writes / elapsed

    try:
        Subscription.objects.all().delete()
        time.sleep(1.5)
        # 1) writes/s without any subscription (the worker still dispatches every event)
        base_wps = throughput("なし")
        wait_idle()
        # 2) the same with one active subscription of person.created
        sub, secret = webhooks.create_subscription(actor=admin, data={
            "name": "bench", "url": receiver.url, "event_types": ["person.created"]})  # fmt: skip
        secret_box[0] = secret
        with_wps = throughput("あり")
        drained_at = time.time()
        caught_up = wait_idle()
        drain = time.time() - drained_at
        # 3) latency: one write at a time, commit time → arrival at the receiver
        receiver.arrived.clear()
        committed: dict[str, float] = {}
        for i in range(args.events):
            person = write(i, "遅延")
            committed[str(person.pk)] = time.time()
            time.sleep(args.gap)
        deadline = time.time() + 60
        while time.time() < deadline and not set(committed) <= set(receiver.arrived):
            time.sleep(0.1)
        latencies = [receiver.arrived[pk] - t for pk, t in committed.items() if pk in receiver.arrived]
        lost = len(committed) - len(latencies)
        sent = Delivery.objects.filter(subscription=sub, status="succeeded").count()
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        receiver.server.shutdown()

    print(f"\ndatabase: {connection.vendor}, worker interval {args.interval:g} s, {args.events} timed events "
          f"{args.gap:g} s apart, {args.writes} writes per throughput run, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    print(f"{'measure':<44}{'value':>14}")
    print("-" * 58)
    rows = [
        ("writes/s, no subscription (baseline)", f"{base_wps:.1f}"),
        ("writes/s, 1 subscription (person.created)", f"{with_wps:.1f}"),
        ("  ratio with / without", f"{with_wps / base_wps:.2f}"),
        ("backlog drained after the writes (s)", f"{drain:.1f}" + ("" if caught_up else " (timeout)")),
        ("event → delivery p50 (s)", f"{statistics.median(latencies):.3f}"),
        ("event → delivery p95 (s)  [target ≤ 2]", f"{pct(latencies, 95):.3f}"),
        ("event → delivery max (s)", f"{max(latencies):.3f}"),
        ("deliveries lost / bad signatures", f"{lost} / {receiver.bad_signatures}"),
        ("deliveries succeeded (all runs)", f"{sent}"),
    ]
    for name, value in rows:
        print(f"{name:<44}{value:>14}")
    print(json.dumps({"p95_s": round(pct(latencies, 95), 3), "ok": pct(latencies, 95) <= 2.0 and lost == 0}))


if __name__ == "__main__":
    main()
