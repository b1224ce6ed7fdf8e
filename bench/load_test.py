"""Load test: a sales team and a contact center (bench/load/locustfile.py) against gunicorn on this machine.

    KIZUNA_DATA_DIR=/tmp/kz-load DATABASE_URL=postgres://... nice -n 10 .venv/bin/python bench/load_test.py \
        --people 20000 --activities 200000 --users 16 --run-time 120 [--servers 2] [--baseline-time 20]

1. Prepares the data once (`kizuna demo --people N`, then activities in bulk up to --activities, some of them on a
   few busy companies), and a seat per simulated user: a session and an API token of a load user of its own.
2. Starts --servers gunicorn instances on free loopback ports (sharing nothing but the database and the data dir),
   the task worker (imports and events) and the clock.
3. Runs the bare Django view baseline (/healthz, no database) and then the scenario, each with `locust --headless`
   for a bounded time, and prints p50/p95/p99 per route, errors and requests/s. Traffic goes to 127.0.0.1 only.
4. Afterwards checks that every import the importer started has finished, counts "database is locked" in the
   server logs, and verifies the audit chain.
"""

import argparse
import contextlib
import csv
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCUSTFILE = ROOT / "bench" / "load" / "locustfile.py"
SEATS = {"sales": ("営業1部", "営業2部"), "support": ("カスタマーサポート",), "importer": ("営業1部",)}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(args) -> Path:
    """Data and seats, in this process; returns the fixture file for the locustfile."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections
    from django.test import Client

    from kizuna.accounts import services as accounts
    from kizuna.accounts.models import User
    from kizuna.contacts.models import Company, Person
    from kizuna.core.permissions import Role, can_write_record
    from kizuna.sales.models import Deal, Stage
    from kizuna.support.models import Ticket
    from kizuna.support.services.tickets import can_work

    call_command("migrate", verbosity=0)
    if not Person.objects.exists():
        started = time.monotonic()
        call_command("demo", people=args.people, stdout=open(os.devnull, "w"))  # noqa: SIM115
        print(f"demo: {Person.objects.count()} people in {time.monotonic() - started:.0f}s", flush=True)
    _top_up_activities(args.activities)

    seats: dict[str, list] = {role: [] for role in SEATS}
    busy = list(Company.objects.alive().filter(visibility="public").order_by("pk").values_list("pk", flat=True)[:5])
    open_stages = {}
    for role, teams in SEATS.items():
        count = 1 if role == "importer" else max(2, args.users // (2 if role == "sales" else 3))
        for i in range(count):
            username = f"load-{role}-{i}"
            user = User.objects.filter(username=username).first()
            if user is None:
                team = accounts.get_or_create_team(actor=None, name=teams[i % len(teams)])
                user = accounts.create_user(actor=None, username=username, password=None, role=Role.MEMBER,
                                            team=team, display_name=f"負荷 {role} {i}")  # fmt: skip
            client = Client()
            client.force_login(user)
            _, token = accounts.create_token(actor=None, user=user, name="load test", scopes=("read", "write"))
            people = list(Person.objects.visible_to(user).order_by("?").values_list("pk", "family_name")[:300])
            companies = Company.objects.visible_to(user).order_by("?").values_list("pk", flat=True)[:200]
            seat = {"username": username, "session": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "token": token, "people": [pk for pk, _ in people], "companies": list(companies),
                    "capture": [(f, pk) for pk, f in people if re.fullmatch(r"[一-龥]{1,4}", f)][:100]}  # fmt: skip
            if role == "sales":
                deals = [d for d in Deal.objects.visible_to(user).select_related("stage").order_by("?")[:200]
                         if d.stage.kind == Stage.Kind.OPEN and can_write_record(user, d)][:40]  # fmt: skip
                seat["deals"] = [d.pk for d in deals]
                for deal in deals:
                    stages = Stage.objects.filter(pipeline_id=deal.pipeline_id, kind=Stage.Kind.OPEN)
                    open_stages[str(deal.pk)] = list(stages.values_list("pk", flat=True))
            if role == "support":
                tickets = [t for t in Ticket.objects.visible_to(user).order_by("?")[:300] if can_work(user, t)]
                seat["tickets"] = [t.pk for t in tickets[:60]]
                seat["open_tickets"] = [t.pk for t in tickets if t.status != Ticket.Status.CLOSED][:60]
            seats[role].append(seat)
    phones = list(Company.objects.exclude(phone_digits="").values_list("phone_digits", flat=True)[:200])
    fixture = {"session_cookie": settings.SESSION_COOKIE_NAME, "users": seats, "busy_companies": busy,
               "open_stages": open_stages, "phones": [p[-8:-4] for p in phones if len(p) >= 8] or ["0312"]}  # fmt: skip
    empty = [s["username"] for role in ("sales", "support") for s in seats[role]
             if not s["people"] or not s.get("deals", [1]) or not s.get("open_tickets", [1])]  # fmt: skip
    if empty:
        raise SystemExit(f"seats without records to work on: {empty}")
    path = settings.DATA_DIR / "load-fixture.json"
    path.write_text(json.dumps(fixture, ensure_ascii=False))
    path.chmod(0o600)
    connections.close_all()
    return path


def _top_up_activities(target: int) -> None:
    """Activities in bulk through the models, linked to people and companies (5 busy companies get 10% of them)."""
    from django.db import transaction
    from django.utils import timezone

    from kizuna.accounts.models import User
    from kizuna.contacts.models import Company, Person
    from kizuna.timeline.models import Activity

    have = Activity.objects.count()
    if have >= target:
        return
    started = time.monotonic()
    rng = random.Random(5)
    admin = User.objects.get(username="admin")
    people = list(Person.objects.values_list("pk", "company_id"))
    busy = list(Company.objects.alive().filter(visibility="public").order_by("pk").values_list("pk", flat=True)[:5])
    kinds = [k for k, _ in Activity.Kind.choices if k != "task"]
    now = timezone.now()
    ThroughP, ThroughC = Activity.people.through, Activity.companies.through
    for start in range(have, target, 20_000):
        with transaction.atomic():
            batch = [Activity(kind=rng.choice(kinds), occurred_at=now - timedelta(minutes=rng.randint(0, 1_296_000)),
                              body=f"定例訪問 {i}", recorded_by=admin, created_by=admin, updated_by=admin, owner=admin,
                              team=admin.team, visibility="public" if rng.random() < 0.9 else "team", source="visit")
                     for i in range(start, min(target, start + 20_000))]  # fmt: skip
            created = Activity.objects.bulk_create(batch, batch_size=2000)
            links_p, links_c = [], []
            for activity in created:
                person, company = rng.choice(people)
                links_p.append(ThroughP(activity_id=activity.pk, person_id=person))
                company = rng.choice(busy) if rng.random() < 0.1 else company
                if company:
                    links_c.append(ThroughC(activity_id=activity.pk, company_id=company))
            ThroughP.objects.bulk_create(links_p, batch_size=5000)
            ThroughC.objects.bulk_create(links_c, batch_size=5000)
    print(f"activities: {have} → {target} in {time.monotonic() - started:.0f}s", flush=True)


def start_processes(args, logs: Path) -> tuple[list, list[str]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "KIZUNA_WORKERS": str(args.workers),
           "KIZUNA_THREADS": str(args.threads), "ALLOWED_HOSTS": "127.0.0.1,localhost"}  # fmt: skip
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    procs, hosts = [], []
    for i in range(args.servers):
        port = _free_port()
        log = open(logs / f"gunicorn-{i}.log", "w")  # noqa: SIM115
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
             "--bind", f"127.0.0.1:{port}", "--access-logfile", "/dev/null", "kizuna.wsgi:application"],
            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))  # fmt: skip
        hosts.append(f"http://127.0.0.1:{port}")
    for name, command in (("worker", ["db_worker", "--interval", "0.5"]), ("clock", ["clock"])):
        log = open(logs / f"{name}.log", "w")  # noqa: SIM115
        procs.append(subprocess.Popen([sys.executable, "-m", "kizuna.cli", *command], env=env, stdout=log,
                                      stderr=subprocess.STDOUT, start_new_session=True))  # fmt: skip
    deadline = time.monotonic() + 120
    for host in hosts:
        while True:
            try:
                with urllib.request.urlopen(f"{host}/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit(f"{host} did not start; see {logs}") from None
                time.sleep(0.5)
    for host in hosts:  # warm up: the first requests of each worker import and compile what the others reuse
        for path in ("/healthz", "/readyz", "/healthz", "/healthz"):
            with contextlib.suppress(OSError):
                urllib.request.urlopen(f"{host}{path}", timeout=60).close()
    return procs, hosts


def locust(args, fixture: Path, hosts: list[str], prefix: Path, classes: list[str], run_time: int) -> list[dict]:
    env = {**os.environ, "KIZUNA_LOAD_FIXTURE": str(fixture), "KIZUNA_LOAD_HOSTS": ",".join(hosts)}
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--host", hosts[0],
               "-u", str(args.users), "-r", str(max(1, args.users // 4)), "--run-time", f"{run_time}s",
               "--stop-timeout", "10", "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING",
               "--kizuna-think", str(args.think), *classes]  # fmt: skip
    with open(f"{prefix}.log", "w") as log:  # locust's own summary and errors
        subprocess.run(command, env=env, check=False, timeout=run_time + 120, stdout=log, stderr=subprocess.STDOUT)
    with open(f"{prefix}_stats.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


class CpuMeter:
    """CPU seconds (user + system) that the app's processes and this database's PostgreSQL backends spend in a
    phase. On a shared machine the wall-clock latencies above depend on what else runs; the CPU one request costs
    does not, so requests/s a dedicated box could serve ≈ cores / (CPU seconds per request)."""

    def __init__(self, procs):
        import psutil

        self.psutil, self.roots = psutil, [psutil.Process(p.pid) for p in procs]

    def _app(self) -> dict:
        seen = {}
        for root in self.roots:
            for proc in [root, *root.children(recursive=True)]:
                try:
                    times = proc.cpu_times()
                    seen[proc.pid] = times.user + times.system
                except self.psutil.Error:
                    pass
        return seen

    def _db(self) -> dict:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            pids = [pid for (pid,) in cursor.fetchall()]
        seen = {}
        for pid in pids:
            try:
                times = self.psutil.Process(pid).cpu_times()
                seen[pid] = times.user + times.system
            except self.psutil.Error:
                pass
        return seen

    def start(self):
        self.before = (self._app(), self._db() if _postgres() else {})

    def stop(self) -> tuple[float, float]:
        after = (self._app(), self._db() if _postgres() else {})
        return tuple(sum(v - b.get(pid, 0.0) for pid, v in a.items()) for a, b in zip(after, self.before, strict=True))


def _postgres() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith("postgres")


def report(title: str, rows: list[dict], seconds: int) -> None:
    print(f"\n{title}\n")
    print("| route | requests | errors | p50 ms | p95 ms | p99 ms | req/s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for row in sorted(rows, key=lambda r: (r["Name"] == "Aggregated", r["Name"])):
        name = "**all**" if row["Name"] == "Aggregated" else row["Name"]
        print(f"| {name} | {row['Request Count']} | {row['Failure Count']} | {row['50%']} | {row['95%']} | "
              f"{row['99%']} | {float(row['Requests/s']):.1f} |")  # fmt: skip


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--activities", type=int, default=200_000)
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--run-time", type=int, default=120, help="seconds of the scenario")
    parser.add_argument("--baseline-time", type=int, default=20)
    parser.add_argument("--servers", type=int, default=2, help="gunicorn instances on different ports")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per instance")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds between a user's actions")
    parser.add_argument("--prepare-only", action="store_true", help="load the data and the seats, then stop")
    args = parser.parse_args()

    fixture = prepare(args)
    if args.prepare_only:
        return
    logs = fixture.parent / "load-logs"
    logs.mkdir(exist_ok=True)
    procs, hosts = start_processes(args, logs)
    load = [os.getloadavg()[0]]
    try:
        meter = CpuMeter(procs)
        meter.start()
        baseline = locust(args, fixture, hosts, logs / "baseline", ["Baseline"], args.baseline_time)
        cpu = {"baseline": meter.stop()}
        meter.start()
        scenario = locust(args, fixture, hosts, logs / "scenario", ["SalesRep", "Agent", "Importer"], args.run_time)
        cpu["scenario"] = meter.stop()
        load.append(os.getloadavg()[0])
    finally:
        for proc in procs:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=20)
    database = "PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
    setup = (f"{database}, {args.users} users, {args.servers} gunicorn × {args.workers} workers × {args.threads} "
             f"threads, think {args.think}s")  # fmt: skip
    report(f"baseline (/healthz, no think time): {setup}, {args.baseline_time}s", baseline, args.baseline_time)
    report(f"scenario: {setup}, {args.run_time}s", scenario, args.run_time)
    locked = sum(p.read_text(errors="replace").count("database is locked") for p in logs.glob("*.log"))
    print(f"\n'database is locked' in the server, worker and clock logs: {locked}")
    print(f"load average (1 min) before / after: {load[0]:.1f} / {load[-1]:.1f} on {os.cpu_count()} cores")
    print("\n| phase | requests | app CPU ms / request | PostgreSQL CPU ms / request | requests/s per core (CPU) |")
    print("|---|---:|---:|---:|---:|")
    for phase, rows in (("baseline", baseline), ("scenario", scenario)):
        total = next((int(r["Request Count"]) for r in rows if r["Name"] == "Aggregated"), 0) or 1
        app, db = cpu[phase]
        per = (app + db) * 1000 / total
        rate = 1000 / per if per else 0
        print(f"| {phase} | {total} | {app * 1000 / total:.1f} | {db * 1000 / total:.1f} | {rate:.0f} |")
    _after(fixture)


def _after(fixture: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
    from django.core.management import call_command

    from kizuna.imports.models import ImportJob
    from kizuna.timeline.models import Activity

    jobs = ImportJob.objects.filter(created_by__username="load-importer-0")
    by_status = {s: jobs.filter(status=s).count() for s in jobs.values_list("status", flat=True).distinct()}
    print(f"imports by the importer: {by_status}; activities now: {Activity.objects.count()}")
    call_command("audit", "verify")


if __name__ == "__main__":
    main()
