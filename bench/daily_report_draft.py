"""日報 draft benchmark: building a rep's day (activities recorded or joined, people and companies, deals moved,
tasks done and due) among many activities, as the rep would open it (visibility applies). Server time of the real
function (`sales.services.report_drafts.build_draft`) beside a baseline in the same run: the same day gathered
the obvious way (one OR query over the activities with a join on participants and DISTINCT, then each activity's
people and companies read one by one), which is what the bounded version replaces.

    KIZUNA_DATA_DIR=/tmp/kz-bench-reports [DATABASE_URL=postgres://...] nice -n 10 .venv/bin/python \
        bench/daily_report_draft.py [--activities 200000] [--reps 50] [--repeat 60]

Data is generated once (bulk inserts through the models) over two years of working days; rerunning reuses it.
"""

import argparse
import os
import random
import statistics
import time
from datetime import timedelta


def _ms(fn, repeat, days):
    times = []
    for i in range(repeat):
        started = time.perf_counter()
        fn(*days[i % len(days)])
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]


def _generate(args, rng):
    from django.db import transaction
    from django.utils import timezone

    from kizuna.accounts import services as accounts
    from kizuna.contacts.models import Company, Person
    from kizuna.sales.models import Deal, DealStageChange, Pipeline
    from kizuna.timeline.models import Activity, FollowUp

    teams = [accounts.get_or_create_team(actor=None, name=f"営業{i + 1}部") for i in range(max(1, args.reps // 10))]
    reps = [accounts.create_user(actor=None, username=f"rep{i}", password="bench-password-123", role="member",
                                 team=teams[i % len(teams)], check_password=False)
            for i in range(args.reps)]  # fmt: skip
    n_companies, n_people = max(200, args.activities // 100), max(1000, args.activities // 20)
    with transaction.atomic():
        Company.objects.bulk_create(
            [Company(name=f"株式会社ベンチ{i}", name_key=f"べんち{i}", name_search=f"べんち{i}",
                     owner=reps[i % len(reps)], team=reps[i % len(reps)].team, visibility="team")
             for i in range(n_companies)], batch_size=2000)  # fmt: skip
        company_ids = list(Company.objects.values_list("pk", flat=True))
        Person.objects.bulk_create(
            [Person(family_name=f"佐藤{i}", given_name="太郎", name_search=f"さとう{i}たろう",
                    company_id=company_ids[i % len(company_ids)], owner=reps[i % len(reps)],
                    team=reps[i % len(reps)].team, visibility="team")
             for i in range(n_people)], batch_size=5000)  # fmt: skip
        person_ids = list(Person.objects.values_list("pk", flat=True))
    start = timezone.now() - timedelta(days=730)
    kinds = ["visit", "call", "meeting", "email", "note"]
    batch = 20_000
    made = 0
    while made < args.activities:
        n = min(batch, args.activities - made)
        with transaction.atomic():
            rows = []
            for _ in range(n):
                rep = reps[rng.randrange(len(reps))]
                when = start + timedelta(minutes=rng.randrange(730 * 24 * 60))
                rows.append(Activity(kind=rng.choice(kinds), subject="訪問・打ち合わせ", occurred_at=when,
                                     recorded_by=rep, owner=rep, team=rep.team, visibility="team"))  # fmt: skip
            Activity.objects.bulk_create(rows, batch_size=5000)
            ids = [a.pk for a in rows]
            if ids[0] is None:  # SQLite before RETURNING: read the ids back
                ids = list(Activity.objects.order_by("-pk").values_list("pk", flat=True)[:n])[::-1]
            Activity.people.through.objects.bulk_create(
                [Activity.people.through(activity_id=a, person_id=person_ids[rng.randrange(len(person_ids))])
                 for a in ids], batch_size=5000)  # fmt: skip
            Activity.companies.through.objects.bulk_create(
                [Activity.companies.through(activity_id=a, company_id=company_ids[rng.randrange(len(company_ids))])
                 for a in ids], batch_size=5000)  # fmt: skip
            Activity.our_participants.through.objects.bulk_create(
                [Activity.our_participants.through(activity_id=a, user_id=reps[rng.randrange(len(reps))].pk)
                 for a in ids[::5]], batch_size=5000)  # fmt: skip
        made += n
    pipeline = Pipeline.objects.get(is_default=True)
    stages = list(pipeline.stages.order_by("order"))
    with transaction.atomic():
        deals = Deal.objects.bulk_create(
            [Deal(title=f"案件{i}", company_id=company_ids[i % len(company_ids)], pipeline=pipeline, stage=stages[0],
                  owner=reps[i % len(reps)], team=reps[i % len(reps)].team, visibility="team")
             for i in range(args.activities // 10)], batch_size=5000)  # fmt: skip
        deal_ids = [d.pk for d in deals] if deals[0].pk else list(Deal.objects.values_list("pk", flat=True))
        DealStageChange.objects.bulk_create(
            [DealStageChange(deal_id=deal_ids[rng.randrange(len(deal_ids))], from_stage=stages[0], to_stage=stages[1],
                             at=start + timedelta(minutes=rng.randrange(730 * 24 * 60)),
                             by=reps[rng.randrange(len(reps))]) for _ in range(args.activities // 5)],
            batch_size=5000)  # fmt: skip
        FollowUp.objects.bulk_create(
            [FollowUp(title="見積送付", assignee=(r := reps[rng.randrange(len(reps))]), owner=r, team=r.team,
                      visibility="team", due_date=(start + timedelta(days=rng.randrange(731))).date(),
                      done_at=(start + timedelta(minutes=rng.randrange(730 * 24 * 60))) if rng.random() < 0.6 else None,
                      done_by=r) for _ in range(args.activities // 4)], batch_size=5000)  # fmt: skip
    return reps


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--activities", type=int, default=200_000)
    parser.add_argument("--reps", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=60)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # bench users only
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.db.models import Q
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from kizuna.accounts.models import User
    from kizuna.sales.models import Deal, DealStageChange
    from kizuna.sales.services.report_drafts import build_draft, day_bounds, next_working_day
    from kizuna.timeline.models import Activity, FollowUp

    call_command("migrate", verbosity=0)
    rng = random.Random(14)
    if not User.objects.filter(username="rep0").exists():
        started = time.monotonic()
        _generate(args, rng)
        print(f"generated in {time.monotonic() - started:.0f}s")
    reps = list(User.objects.filter(username__startswith="rep").order_by("pk"))
    today = timezone.localdate()
    days = [(reps[rng.randrange(len(reps))], today - timedelta(days=rng.randrange(1, 700))) for _ in range(args.repeat)]

    def naive(user, day):
        start, end = day_bounds(day)
        acts = (Activity.objects.visible_to(user).filter(occurred_at__gte=start, occurred_at__lt=end)
                .filter(Q(recorded_by=user) | Q(our_participants=user)).distinct().order_by("occurred_at"))  # fmt: skip
        lines = [(a.subject, [str(p) for p in a.people.all()], [str(c) for c in a.companies.all()]) for a in acts]
        moves = [(c.deal.title, str(c.deal.company), str(c.to_stage))
                 for c in DealStageChange.objects.filter(by=user, at__gte=start, at__lt=end,
                                                         deal__in=Deal.objects.visible_to(user))]  # fmt: skip
        done = [(t.title, str(t.company)) for t in FollowUp.objects.visible_to(user).filter(
            Q(done_by=user) | Q(assignee=user), done_at__gte=start, done_at__lt=end)]  # fmt: skip
        due = [t.title for t in FollowUp.objects.visible_to(user).filter(
            assignee=user, done_at__isnull=True, due_date__gt=day, due_date__lte=next_working_day(day))]  # fmt: skip
        return lines, moves, done, due

    for user, day in days[:3]:  # warm caches; the two must agree on what the day holds
        ours = build_draft(user, day)
        theirs = naive(user, day)
        assert len(ours.activities) == len(theirs[0]) and len(ours.stage_changes) == len(theirs[1]), (user, day)
        assert len(ours.tasks_done) == len(theirs[2]) and len(ours.tasks_due) == len(theirs[3]), (user, day)
    busy = max(days, key=lambda ud: len(build_draft(*ud).lines))  # the fullest of the sampled days
    with CaptureQueriesContext(connection) as captured:
        build_draft(*busy)
    q_ours = len(captured.captured_queries)
    with CaptureQueriesContext(connection) as captured:
        naive(*busy)
    q_naive = len(captured.captured_queries)
    reset_queries()
    sizes = [len(build_draft(u, d).lines) for u, d in days[:20]]
    print(f"database: {connection.vendor}, activities: {Activity.objects.count()}, "
          f"stage changes: {DealStageChange.objects.count()}, tasks: {FollowUp.objects.count()}, reps: {len(reps)}, "
          f"lines per day: median {statistics.median(sizes):.0f}, max {max(sizes)}")  # fmt: skip
    print(f"{'':28} {'p50 ms':>8} {'p95 ms':>8} {'queries (fullest day)':>22}")
    for name, fn, queries in (("build_draft (ours)", build_draft, q_ours), ("naive baseline", naive, q_naive)):
        p50, p95 = _ms(fn, args.repeat, days)
        print(f"{name:28} {p50:8.1f} {p95:8.1f} {queries:22d}")


if __name__ == "__main__":
    main()
