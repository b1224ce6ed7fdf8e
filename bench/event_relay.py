"""Event relay benchmark: the worker's cost of turning committed audit rows into outbox events (`events.relay`).

N people are created through the contacts service (each write leaves its audit row); then, in rounds, the relay
cursor is put back to before them and `events.relay()` makes their events again, inside a transaction that is
rolled back. Beside it, in the same rounds: reading the same audit rows alone (the floor no relay can go under).
Prints CPU ms per event, median of the rounds.

    KIZUNA_DATA_DIR=/tmp/kz-relay [DATABASE_URL=postgres://...] .venv/bin/python bench/event_relay.py \
        [--people 3000] [--rounds 5]
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[1] / "src")]  # this checkout's code, not an installed copy


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from kizuna.accounts import services as accounts
    from kizuna.accounts.models import User
    from kizuna.contacts import services as contacts
    from kizuna.core import events
    from kizuna.core.models import AuditEvent, EventRelay

    call_command("migrate", verbosity=0)
    admin = User.objects.filter(username="relay-bench").first() or accounts.create_user(
        actor=None, username="relay-bench", password=None, role="admin")  # fmt: skip
    events.relay()
    start = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with transaction.atomic():
        for i in range(args.people):
            data = {"family_name": "中継", "given_name": f"太郎{i}", "emails": [f"relay{i}@example.co.jp"]}
            contacts.create_person(actor=admin, data=data)
    rows = AuditEvent.objects.filter(pk__gt=start).count()

    def timed(fn) -> float:
        with transaction.atomic():
            EventRelay.objects.filter(name=events.RELAY).update(position=start)
            began = time.process_time()
            made = fn()
            spent = time.process_time() - began
            transaction.set_rollback(True)
        return spent * 1000 / max(made, 1)

    relay, read = [], []
    for _ in range(args.rounds):
        relay.append(timed(events.relay))
        read.append(timed(lambda: len(list(AuditEvent.objects.filter(pk__gt=start).order_by("pk")))))
    print(f"database: {connection.vendor}; {args.people} people, {rows} audit rows")
    print(f"  read the audit rows alone   {statistics.median(read):6.3f} ms CPU per row   "
          f"(rounds: {' '.join(f'{v:.3f}' for v in read)})")  # fmt: skip
    print(f"  events.relay()              {statistics.median(relay):6.3f} ms CPU per event "
          f"(rounds: {' '.join(f'{v:.3f}' for v in relay)})")  # fmt: skip


if __name__ == "__main__":
    main()
