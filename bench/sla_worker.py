"""SLA worker benchmark: open tickets with running SLA clocks on the standard business calendar (平日 9:00–18:00,
国民の祝日, 年末年始), timed against a plain count of the open tickets in the same run (the baseline: the least
any pass over the open tickets costs).

    KIZUNA_DATA_DIR=/tmp/kz-sla-bench [DATABASE_URL=postgres://...] nice -n 10 .venv/bin/python bench/sla_worker.py \
        --tickets 100000 --due 0.02

Measures:
- baseline: COUNT of the open tickets;
- recompute: due times again for every open ticket (what a policy or calendar change runs in the worker: policy
  matched, first-response and resolution due times counted in business minutes, next check moment);
- worker, `--due` of the clocks due: warnings and breaches written, notices sent (per agent, summarised beyond
  20), breaches escalated (reassigned to the team manager, priority raised, audited);
- worker, nothing due: the steady state of the one-minute job (an index probe).
Data is made once per database (rerun with the same KIZUNA_DATA_DIR / DATABASE_URL to time again).
"""

import argparse
import os
import random
import statistics
import time
from datetime import timedelta


def timed(fn, repeat: int = 1) -> tuple[float, object]:
    samples, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--due", type=float, default=0.02, help="fraction of the clocks due when the worker runs")
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from kizuna.accounts import services as accounts
    from kizuna.accounts.models import User
    from kizuna.core.permissions import Role
    from kizuna.support.models import BusinessCalendar, SlaEvent, SlaPolicy, Ticket, TicketSla
    from kizuna.support.sla import worker
    from kizuna.support.sla.recompute import recompute
    from kizuna.support.sla.tracking import ensure_clocks

    now = timezone.now()
    team = accounts.get_or_create_team(actor=None, name="サポート1課")
    if not User.objects.filter(username="sla-manager").exists():
        accounts.create_user(actor=None, username="sla-manager", password="x" * 20, role=Role.MANAGER, team=team,
                             check_password=False)  # fmt: skip
        for i in range(args.agents):
            accounts.create_user(actor=None, username=f"sla-agent{i}", password="x" * 20, role=Role.MEMBER,
                                 team=team, check_password=False)  # fmt: skip
    agents = list(User.objects.filter(username__startswith="sla-agent"))
    if not SlaPolicy.objects.exists():
        SlaPolicy.objects.create(name="標準", calendar=BusinessCalendar.objects.get(is_default=True),
                                 first_response_minutes=60, next_response_minutes=120, resolution_minutes=960,
                                 warn_before_minutes=30, escalate_to_manager=True, raise_priority=True)  # fmt: skip
    have = Ticket.objects.count()
    if have < args.tickets:
        rng = random.Random(7)
        started = time.perf_counter()
        batch = []
        for number in range(have + 1, args.tickets + 1):
            created = now - timedelta(minutes=rng.randint(1, 60 * 24 * 30))
            batch.append(Ticket(number=number, subject=f"問い合わせ {number}", status=rng.choice(["new", "open"]),
                                priority=rng.choice(["low", "normal", "high"]), owner=rng.choice(agents), team=team,
                                created_at=created, last_message_at=created))  # fmt: skip
            if len(batch) == 5000:
                Ticket.objects.bulk_create(batch)
                batch = []
        Ticket.objects.bulk_create(batch)
        print(f"made {args.tickets - have} tickets in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    made = ensure_clocks()
    if made:
        print(f"started {made} SLA clocks in {time.perf_counter() - started:.1f} s")
    open_count = Ticket.objects.filter(status__in=["new", "open", "waiting"]).count()
    rows = []

    baseline, count = timed(lambda: Ticket.objects.filter(status__in=["new", "open", "waiting"]).count(),
                            args.repeat)  # fmt: skip
    rows.append(("baseline: COUNT open tickets", baseline, f"{count} open"))
    recompute_ms, seen = timed(recompute)
    rows.append(("recompute all due times", recompute_ms, f"{seen} clocks"))

    # Make `--due` of the clocks due now: their next check moment in the past, nothing warned or breached yet.
    def arm():
        SlaEvent.objects.all().delete()
        TicketSla.objects.update(first_response_breached=False, next_response_breached=False,
                                 resolution_breached=False, warned=[], check_at=now + timedelta(days=365),
                                 active=True, first_response_at=None, resolved_at=None)  # fmt: skip
        step = max(1, round(1 / args.due)) if args.due > 0 else 0
        if step:
            with connection.cursor() as cursor:
                table = TicketSla._meta.db_table
                cursor.execute(f"UPDATE {table} SET check_at = %s, first_response_due = %s "
                               f"WHERE ticket_id %% %s = 0", [now - timedelta(minutes=1), now - timedelta(minutes=1),
                                                             step])  # fmt: skip
        return TicketSla.objects.filter(active=True, check_at__lte=now).count()

    from django.urls import reverse

    reverse("support:support_reports")  # the URL conf, loaded once by the long-running clock process
    due_count = arm()
    run_ms, result = timed(lambda: worker.run(now=now))
    rows.append((f"worker: {due_count} due", run_ms, f"{result}"))
    idle_ms, idle = timed(lambda: worker.run(now=now), args.repeat)
    rows.append(("worker: nothing due", idle_ms, f"{idle}"))

    print(f"\n{connection.vendor}, {open_count} open tickets\n")
    print(f"{'measure':36} {'ms':>10}  result")
    for name, ms, note in rows:
        print(f"{name:36} {ms:10.1f}  {note}")


if __name__ == "__main__":
    main()
