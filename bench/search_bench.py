"""Search benchmark: our gram index vs plain LIKE on the same normalized columns, same data, same run.

    KIZUNA_DATA_DIR=/tmp/kz-bench [DATABASE_URL=postgres://...] PYTHONPATH=src nice -n 10 \
        .venv/bin/python bench/search_bench.py --people 100000

Loads demo data (people, companies, contact points) if the database is empty, or adds people (to the companies
already there) until there are `--people`; then times each query class (server time of the search service, with
the total count) and prints p50/p95 in milliseconds for:
- `person`: people only (/api/v1/search?type=person), 20 results;
- `all`: people and companies together, as /api/v1/search does by default, 20 results;
- `header`: what the header box asks while typing (6 people, 6 companies, 5 activities, each with its count).
`LIKE` is people only: name, reading, company name or a contact point containing the query, counted, newest 20.
`hits` is the service's total for `all`: exact up to 1,000 per type, `1,000+` beyond.
Each column is wall time; `--cpu` adds the CPU time the same calls used (this process plus, on PostgreSQL, its
server backend, from /proc/<pid>/schedstat), which a machine shared with other work does not inflate.
"""

import argparse
import os
import random
import statistics
import time

QUERIES = {
    "1-char": ["田", "林", "佐", "美"],
    "2-char": ["田中", "佐藤", "高橋", "寛容"],
    "3+ char": ["田中製作", "山本工機", "渡辺 美"],
    "reading": ["たなか", "ｻﾄｳ", "タカハシ"],
    "digits": ["0312", "5678", "090-12"],
    "email": ["tanaka@", "SUZUKI.", "yamada-1"],
}
MODES = ("person", "all", "header")


def top_up(people: int, stdout) -> None:
    """Demo data: all of it on an empty database, else more people for the companies already there."""
    from django.core.management import call_command
    from faker import Faker

    from kizuna.contacts.management.commands.demo import Command
    from kizuna.contacts.models import Company, Person
    from kizuna.core.context import request_context

    have = Person.objects.count()
    if have >= people:
        return
    started = time.monotonic()
    if not have:
        call_command("demo", people=people, stdout=stdout)
    else:
        demo = Command(stdout=stdout)
        with request_context(channel="cli"):
            users = demo._users()
            fake = Faker("ja_JP")
            fake.seed_instance(have)
            companies = list(Company.objects.alive().select_related("owner"))
            demo._people(users[0], users, fake, random.Random(have), companies, people - have, first=have)
    print(f"loaded {people - have} people in {time.monotonic() - started:.0f}s")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--modes", default=",".join(MODES), help=f"comma-separated, of {', '.join(MODES)}")
    parser.add_argument("--load-only", action="store_true", help="load (or add) the data, measure nothing")
    parser.add_argument("--cpu", action="store_true", help="also report CPU time (client + PostgreSQL backend)")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Exists, OuterRef, Q

    from kizuna.accounts.models import User
    from kizuna.contacts.models import Company, ContactPoint, Person
    from kizuna.contacts.search import other_results, search_records
    from kizuna.core import japanese

    call_command("migrate", verbosity=0)
    top_up(args.people, open(os.devnull, "w"))  # noqa: SIM115
    if args.load_only:
        return
    admin = User.objects.get(username="admin")
    modes = [m for m in args.modes.split(",") if m]

    def ours(q, mode):
        if mode == "header":
            people = search_records(admin, q, type="person", limit=6)
            companies = search_records(admin, q, type="company", limit=6)
            return people[0], companies[0], other_results(admin, q, limit=5)
        return search_records(admin, q, type=None if mode == "all" else mode, limit=20)

    def plain_like(q):
        n = japanese.search_text(q)
        points = ContactPoint.objects.filter(person_id=OuterRef("pk"), normalized__contains=n)
        qs = Person.objects.visible_to(admin).filter(
            Q(name_search__contains=n)
            | Q(kana_search__contains=n)
            | Q(company__name_search__contains=n)
            | Exists(points)
        )
        return qs.count(), list(qs.order_by("-updated_at")[:20])

    backend = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = f"/proc/{cursor.fetchone()[0]}/schedstat"

    def cpu_ms():
        spent = time.process_time() * 1000
        if backend:
            with open(backend) as stat:
                spent += int(stat.read().split()[0]) / 1e6
        return spent

    cpu: dict = {}

    def timed(fn, *a):
        samples = []
        for _ in range(args.repeat):
            started, used = time.perf_counter(), cpu_ms()
            fn(*a)
            samples.append((time.perf_counter() - started) * 1000)
            cpu.setdefault((fn, a[1:]), []).append(cpu_ms() - used)
        return samples

    for mode in modes:  # first-call costs (URLconf and API imports on the first result) are not search time
        ours("山", mode)
    plain_like("山")
    print(
        f"database: {connection.vendor}, people: {Person.objects.count()}, companies: {Company.objects.count()}, "
        f"repeat: {args.repeat}, queries per class: {', '.join(f'{k} {len(v)}' for k, v in QUERIES.items())}"
    )
    head = " ".join(f"{m + ' p50':>11} {m + ' p95':>11}" for m in modes)
    print(f"{'wall ms':<9} {head} {'LIKE p50':>9} {'LIKE p95':>9}  hits (all)")
    cpu_rows = []
    p = lambda xs, k: statistics.quantiles(xs, n=100, method="inclusive")[k - 1]  # noqa: E731
    for name, queries in QUERIES.items():
        mine = {m: [] for m in modes}
        base, hits = [], []
        cpu.clear()
        for q in queries:
            for m in modes:
                mine[m] += timed(ours, q, m)
            base += timed(plain_like, q)
            hits.append(search_records(admin, q, limit=20)[0].display)
        cols = " ".join(f"{p(mine[m], 50):11.1f} {p(mine[m], 95):11.1f}" for m in modes)
        print(f"{name:<9} {cols} {p(base, 50):9.1f} {p(base, 95):9.1f}  {' '.join(hits)}", flush=True)
        used = {m: [x for (fn, rest), xs in cpu.items() if fn is ours and rest == (m,) for x in xs] for m in modes}
        like = [x for (fn, _), xs in cpu.items() if fn is plain_like for x in xs]
        cols = " ".join(f"{p(used[m], 50):11.1f} {p(used[m], 95):11.1f}" for m in modes)
        cpu_rows.append(f"{name:<9} {cols} {p(like, 50):9.1f} {p(like, 95):9.1f}")
    if args.cpu:
        print(f"{'CPU ms':<9} {head} {'LIKE p50':>9} {'LIKE p95':>9}")
        print("\n".join(cpu_rows))


if __name__ == "__main__":
    main()
