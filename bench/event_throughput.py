"""Event throughput: service writes per second (contacts.update_person) with no automation rules, with 10 enabled
rules that all match every write, and (--webhooks) with a webhook subscription when the webhooks app is installed.

For each scenario it times the writes alone (each one transaction: audit row, outbox event, dispatch enqueue) and
then the delivery of their events to the consumers (events.dispatch_pending, as the worker runs it), and prints
both rates and the end-to-end rate (writes + delivery).

    KIZUNA_DATA_DIR=/tmp/kz-bench [DATABASE_URL=postgres://...] nice -n 10 .venv/bin/python bench/event_throughput.py \
        [--writes 1000] [--people 200] [--rules 10] [--webhooks]
"""

import argparse
import os
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--writes", type=int, default=1000)
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--rules", type=int, default=10)
    parser.add_argument("--webhooks", action="store_true", help="also with a webhook subscription (needs the app)")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
    import django

    django.setup()
    from django.apps import apps
    from django.core.management import call_command
    from django.db import connection

    from kizuna.accounts import services as accounts
    from kizuna.accounts.models import User
    from kizuna.automation import services as automation
    from kizuna.automation.models import Rule, RuleRun
    from kizuna.contacts import services as contacts
    from kizuna.contacts.models import Person
    from kizuna.core import events, notices
    from kizuna.core.models import OutboxEvent

    call_command("migrate", verbosity=0)
    notices.register_deliverer(lambda users, notice: None)  # measure the rules, not the log
    admin = User.objects.filter(username="bench-admin").first() or accounts.create_user(
        actor=None, username="bench-admin", password="bench-password-1", role="admin", check_password=False
    )
    people = list(Person.objects.alive().filter(owner=admin).order_by("pk")[: args.people])
    for i in range(len(people), args.people):
        people.append(contacts.create_person(actor=admin, data={"family_name": "計測", "given_name": f"{i}号"}))
    events.dispatch_pending(limit=10**9)

    def drain() -> float:
        started = time.perf_counter()
        while events.dispatch_pending(limit=10**9):
            pass
        return time.perf_counter() - started

    def run(label: str) -> dict:
        drain()
        runs_before = RuleRun.objects.count()
        started = time.perf_counter()
        for i in range(args.writes):
            person = people[i % len(people)]
            contacts.update_person(actor=admin, person=person, data={"notes": f"bench {label} {i}"})
        writing = time.perf_counter() - started
        delivering = drain()
        runs = RuleRun.objects.count() - runs_before
        return {"label": label, "write": args.writes / writing, "deliver": args.writes / delivering,
                "total": args.writes / (writing + delivering), "runs": runs}  # fmt: skip

    Rule.objects.all().delete()
    rows = [run("no rules")]
    for n in range(args.rules):
        automation.create_rule(actor=admin, data={
            "name": f"計測 {n}", "trigger": "person.updated",
            "conditions": [{"field": "notes", "op": "contains", "value": "bench"},
                           {"field": "notes", "op": "changed"}],
            "actions": [{"action": "notify.user", "params": {"user": admin.pk, "message": "{{ name }}"}}],
        })  # fmt: skip
    rows.append(run(f"{args.rules} rules matching"))
    if args.webhooks:
        if apps.is_installed("kizuna.webhooks"):
            from kizuna.webhooks import bench_support  # the webhooks app provides its own subscription setup

            with bench_support.subscription(actor=admin, event_type="person.updated"):
                rows.append(run(f"{args.rules} rules + webhook"))
        else:
            print("--webhooks: the webhooks app is not installed on this branch; skipped")
    Rule.objects.filter(name__startswith="計測").delete()

    print(f"\n{connection.vendor}, {args.writes} writes over {len(people)} people "
          f"(outbox rows now: {OutboxEvent.objects.count()})")  # fmt: skip
    print(f"{'scenario':<22} {'writes/s':>10} {'delivered/s':>12} {'end-to-end/s':>13} {'rule runs':>10}")
    for row in rows:
        print(
            f"{row['label']:<22} {row['write']:>10.0f} {row['deliver']:>12.0f} {row['total']:>13.0f} {row['runs']:>10}"
        )
    base = rows[0]
    for row in rows[1:]:
        print(f"{row['label']}: writes at {row['write'] / base['write']:.0%} of the no-rule rate, end to end "
              f"{row['total'] / base['total']:.0%}")  # fmt: skip


if __name__ == "__main__":
    main()
