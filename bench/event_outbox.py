"""Domain-event benchmark: what the domain events cost concurrent writers.

Every service write appends to the audit hash chain under one lock (pg_advisory_xact_lock on PostgreSQL). Record
events are relayed from those audit rows by the worker (`events.relay`), so a writer writes nothing more than its
audit row. This times N writer threads, each updating its own people through `contacts.services.update_person`
for a fixed time, in two modes in the same run on the same data: events off (`events.from_audit` a no-op and no
relay: the audit log alone, as before events existed) and events on (the real `from_audit`, and a relay process
that runs `events.relay()` every 0.2 s during the round, as the worker does, so its reads and inserts compete with
the writers for the same cores and database). It prints writes/s and p50/p95 latency. Modes alternate for --rounds
rounds so machine noise hits both; each round's rate is printed so the spread can be read beside the medians. Run
it on a quiet machine: with other work on the cores, round-to-round noise (±20%) hides a difference of a few
percent.

    KIZUNA_DATA_DIR=/tmp/kz-bench DATABASE_URL=postgres://... .venv/bin/python bench/event_outbox.py \
        [--writers 16] [--seconds 10] [--rounds 3]
"""

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time

RELAY_LOOP = """
import time
from kizuna.core import events
time.sleep(max(0.0, {begin} - time.time()))
while time.time() < {end}:
    events.relay()
    time.sleep(0.2)
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--writers", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-relay", action="store_true",
                        help="events on without the relay process: the writers' own cost alone")  # fmt: skip
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from kizuna.accounts import services as accounts
    from kizuna.accounts.models import User
    from kizuna.contacts import services as contacts
    from kizuna.contacts.models import Person
    from kizuna.core import events
    from kizuna.core.models import OutboxEvent

    user = User.objects.filter(username="bench-writer").first() or accounts.create_user(
        actor=None, username="bench-writer", password=None, role="admin"
    )
    people = list(Person.objects.filter(family_name="書込", created_by=user).order_by("pk"))
    for i in range(len(people), args.writers * 4):
        people.append(contacts.create_person(actor=user, data={"family_name": "書込", "given_name": f"太郎{i}"}))
    connection.close()
    real = events.from_audit

    def start_relay(begin: float, end: float) -> subprocess.Popen:
        """The worker's relay in its own process (as `kizuna db_worker` runs it), from `begin` to `end` (epoch s)."""
        code = RELAY_LOOP.format(begin=begin, end=end)
        return subprocess.Popen([sys.executable, "-m", "kizuna.cli", "shell", "-c", code], env=os.environ.copy())

    def run(outbox: bool) -> tuple[int, list[float]]:
        events.from_audit = real if outbox else (lambda *a, **k: None)
        begin = time.time() + 3.0  # the relay process starts up before the round, in both modes alike
        relay = start_relay(begin, begin + args.seconds) if outbox and not args.no_relay else None
        time.sleep(max(0.0, begin - time.time()))
        stop = time.monotonic() + args.seconds
        latencies: list[float] = []
        lock = threading.Lock()

        def writer(mine):
            n, samples = 0, []
            actor = User.objects.get(pk=user.pk)
            while time.monotonic() < stop:
                person = mine[n % len(mine)]
                started = time.perf_counter()
                contacts.update_person(actor=actor, person=Person.objects.get(pk=person.pk),
                                       data={"notes": f"{time.time()}"})  # fmt: skip
                samples.append((time.perf_counter() - started) * 1000)
                n += 1
            with lock:
                latencies.extend(samples)
            connection.close()

        threads = [threading.Thread(target=writer, args=(people[i :: args.writers],)) for i in range(args.writers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        events.from_audit = real
        if relay is not None:
            relay.wait(timeout=60)
        return len(latencies), latencies

    events.relay()  # what earlier runs left: not this run's work
    print(f"database: {connection.vendor}, writers: {args.writers}, {args.seconds:.0f} s per round, "
          f"relay: {'off' if args.no_relay else 'a process beside the writers'}")  # fmt: skip
    results: dict[bool, list] = {True: [], False: []}
    for _ in range(args.rounds):
        for outbox in (False, True):
            count, latencies = run(outbox)
            results[outbox].append((count / args.seconds, latencies))
    print(f"{'mode':<22}{'writes/s (median)':>18}{'p50 ms':>10}{'p95 ms':>10}  rounds")
    for outbox, label in ((False, "audit only (before)"), (True, "audit + events")):
        rates = [r for r, _ in results[outbox]]
        samples = sorted(s for _, lat in results[outbox] for s in lat)
        p50, p95 = statistics.median(samples), samples[int(len(samples) * 0.95) - 1]
        spread = " ".join(f"{r:.0f}" for r in rates)
        print(f"{label:<22}{statistics.median(rates):>18.1f}{p50:>10.1f}{p95:>10.1f}  {spread}")
    made = OutboxEvent.objects.filter(type="person.updated", actor=user).count()
    print(f"person.updated events relayed (all runs so far): {made}")


if __name__ == "__main__":
    main()
