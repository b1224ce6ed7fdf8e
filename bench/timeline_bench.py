"""Timeline benchmark: a company's timeline with 10,000 entries among a large people table, and the
handover brief of an account with 1,000 activities. Server time of the real query functions, as a
member of another team would run them (visibility applies), beside a naive baseline in the same run.

    KIZUNA_DATA_DIR=/tmp/kz-bench [DATABASE_URL=postgres://...] .venv/bin/python bench/timeline_bench.py \
        [--people 100000] [--entries 10000]

Loads demo data if the database is empty, then adds the activities once (bulk, through the same models).
"""

import argparse
import os
import random
import statistics
import time
from datetime import timedelta


def _ms(fn, repeat):
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.db.models import Q
    from django.template.loader import render_to_string
    from django.utils import timezone

    from kizuna.accounts.models import User
    from kizuna.contacts.models import Company, Person
    from kizuna.timeline import brief, queries
    from kizuna.timeline.models import Activity

    call_command("migrate", verbosity=0)
    if not Person.objects.exists():
        started = time.monotonic()
        call_command("demo", people=args.people, stdout=open(os.devnull, "w"))  # noqa: SIM115
        print(f"loaded {Person.objects.count()} people in {time.monotonic() - started:.0f}s")
    admin = User.objects.get(username="admin")
    rng = random.Random(7)
    big = Company.objects.alive().filter(visibility="public").order_by("pk").first()
    small = Company.objects.alive().filter(visibility="public").order_by("pk")[1]
    if not Activity.objects.filter(companies=big).exists():
        started = time.monotonic()
        _load(rng, admin, big, args.entries, Activity, Person, timezone, timedelta, transaction)
        _load(rng, admin, small, 1000, Activity, Person, timezone, timedelta, transaction)
        print(f"added {args.entries + 1000} activities in {time.monotonic() - started:.0f}s")
    reader = User.objects.exclude(team=big.owner.team).filter(role="member").first() or admin
    people_at_big = Person.objects.filter(company=big).values("pk")

    def ours():
        return queries.timeline(reader, company=big).items

    def naive():  # no company link: every activity of the company's people, joined and de-duplicated
        qs = Activity.objects.visible_to(reader).filter(Q(companies=big) | Q(people__in=people_at_big)).distinct()
        qs = qs.select_related("recorded_by", "heard_from").prefetch_related("people", "companies", "our_participants")
        return list(qs.order_by("-occurred_at", "-id")[:25])

    cursor = queries.timeline(reader, company=big).next_cursor

    def second_page():
        return queries.timeline(reader, company=big, cursor=cursor).items

    print(f"database: {connection.vendor}, people: {Person.objects.count()}, activities: {Activity.objects.count()}, "
          f"entries on the company: {Activity.objects.filter(companies=big).count()}")  # fmt: skip
    print(f"{'query':<44}{'p50 ms':>10}{'p95 ms':>10}")
    cases = [
        ("company timeline, first page (ours)", ours),
        ("company timeline, next page (ours)", second_page),
        ("company timeline via people join (naive)", naive),
    ]
    for label, fn in cases:
        p50, p95 = _ms(fn, args.repeat)
        print(f"{label:<44}{p50:>10.1f}{p95:>10.1f}")
    p50, p95 = _ms(lambda: brief.company_brief(reader, small), max(5, args.repeat // 8))
    print(f"{'handover brief, 1,000 activities (data)':<44}{p50:>10.1f}{p95:>10.1f}")

    def pdf():
        html = render_to_string("timeline/brief.html", brief.company_brief(reader, small) | {"pdf": True})
        return brief.render_pdf(html, base_url="http://localhost/")

    p50, p95 = _ms(pdf, 5)
    print(f"{'handover brief, 1,000 activities (PDF)':<44}{p50:>10.1f}{p95:>10.1f}")


def _load(rng, admin, company, count, Activity, Person, timezone, timedelta, transaction):
    people = list(Person.objects.filter(company=company).values_list("pk", flat=True)[:50])
    now = timezone.now()
    through_people = Activity.people.through
    through_companies = Activity.companies.through
    kinds = [k for k, _ in Activity.Kind.choices]
    with transaction.atomic():
        batch = []
        for i in range(count):
            batch.append(Activity(
                kind=rng.choice(kinds), occurred_at=now - timedelta(minutes=rng.randint(0, 60 * 24 * 900)),
                body=f"定例訪問 {i}", recorded_by=admin, created_by=admin, updated_by=admin, owner=admin,
                team=admin.team, visibility="public" if rng.random() < 0.9 else "private", source="visit",
            ))  # fmt: skip
        created = Activity.objects.bulk_create(batch, batch_size=2000)
        through_companies.objects.bulk_create(
            [through_companies(activity_id=a.pk, company_id=company.pk) for a in created], batch_size=5000
        )
        if people:
            through_people.objects.bulk_create(
                [through_people(activity_id=a.pk, person_id=rng.choice(people)) for a in created], batch_size=5000
            )


if __name__ == "__main__":
    main()
