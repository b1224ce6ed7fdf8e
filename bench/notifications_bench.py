"""Notifications benchmark: the clock's due-task reminders (first run of a day, and the runs after it that must
skip), the calendar month of a busy user and their ICS feed, against the plain query that lists the same tasks
(the floor) in the same run, on the same data.

    KIZUNA_DATA_DIR=/tmp/kz-notify-bench [DATABASE_URL=postgres://...] .venv/bin/python bench/notifications_bench.py \
        --tasks 2000 --users 20

Migrates the database it is pointed at and adds bench users, tasks (due in the past fortnight and today) and
activities of this month through bulk inserts (the services are not what is measured). Times in milliseconds.
"""

import argparse
import os
import random
import statistics
import time
from datetime import timedelta


def timed(fn, repeat: int = 1):
    samples, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)], result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=10)
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
    from kizuna.notifications import calendar, reminders
    from kizuna.notifications.models import Notification
    from kizuna.timeline.models import Activity, FollowUp

    team = accounts.get_or_create_team(actor=None, name="ベンチ営業部")
    users = list(User.objects.filter(username__startswith="nbench-"))
    for i in range(len(users), args.users):
        users.append(accounts.create_user(actor=None, username=f"nbench-{i}", password=None, role="member",
                                          team=team))  # fmt: skip
    today = timezone.localdate()
    rng = random.Random(13)
    FollowUp.objects.filter(title__startswith="ベンチ").delete()
    Activity.objects.filter(subject__startswith="ベンチ").delete()
    Notification.objects.filter(user__in=users).delete()
    FollowUp.objects.bulk_create([
        FollowUp(title=f"ベンチ宿題{i}", due_date=today - timedelta(days=rng.randint(0, 14)),
                 assignee=(u := users[i % len(users)]), owner=u, team=team, created_by=u, updated_by=u)
        for i in range(args.tasks)
    ], batch_size=1000)  # fmt: skip
    month_start = today.replace(day=1)
    Activity.objects.bulk_create([
        Activity(subject=f"ベンチ訪問{i}", recorded_by=(u := users[i % len(users)]), owner=u, team=team,
                 occurred_at=timezone.make_aware(timezone.datetime.combine(
                     month_start + timedelta(days=rng.randint(0, 27)), timezone.datetime.min.time()))
                 + timedelta(hours=rng.randint(8, 18)), created_by=u, updated_by=u)
        for i in range(args.tasks)
    ], batch_size=1000)  # fmt: skip
    busy = users[0]

    floor = timed(lambda: len(list(reminders.due_tasks(today))), args.repeat)
    first = timed(lambda: reminders.remind_due_tasks(today=today))
    again = timed(lambda: reminders.remind_due_tasks(today=today), args.repeat)
    first_day, last_day, _p, _n = calendar.grid("month", today)
    month = timed(lambda: len(calendar.entries(busy, first_day, last_day)), args.repeat)
    team_month = timed(lambda: len(calendar.entries(busy, first_day, last_day, scope="team")), args.repeat)
    feed = timed(lambda: len(calendar.ics(busy, host="bench.example")), args.repeat)
    print(f"database: {connection.vendor}; {args.tasks} tasks due, {args.tasks} activities, {len(users)} users")
    print(f"{'what':58} {'p50 ms':>9} {'p95 ms':>9} {'result':>8}")
    rows = [
        ("floor: list the open tasks due (one query)", floor),
        ("reminders, first run of the day (notices written)", first),
        ("reminders, later runs the same day (all skipped)", again),
        ("calendar month, mine (entries)", month),
        ("calendar month, team (entries)", team_month),
        ("ICS feed of one user (bytes)", feed),
    ]
    for label, (p50, p95, result) in rows:
        print(f"{label:58} {p50:9.1f} {p95:9.1f} {result:>8}")


if __name__ == "__main__":
    main()
