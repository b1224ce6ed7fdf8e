"""Search benchmark: our gram index vs plain LIKE on the same normalized columns, same data, same run.

    KIZUNA_DATA_DIR=/tmp/kz-bench [DATABASE_URL=postgres://...] .venv/bin/python bench/search_bench.py --people 100000

Loads demo data (people, companies, contact points) if the database is empty, then times each query class
(server time of the search service, with the total count) and prints p50/p95 in milliseconds.
`hits` is the service's total: counted up to a cap, shown as `1000+` when there are more.
`--type all` searches people and companies together, as /api/v1/search does by default (the LIKE
baseline stays the people-only query).
"""

import argparse
import os
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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--type", choices=["person", "company", "all"], default="person")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Exists, OuterRef, Q

    from kizuna.accounts.models import User
    from kizuna.contacts.models import Company, ContactPoint, Person
    from kizuna.contacts.search import search_records
    from kizuna.core import japanese

    call_command("migrate", verbosity=0)
    if not Person.objects.exists():
        started = time.monotonic()
        call_command("demo", people=args.people, stdout=open(os.devnull, "w"))  # noqa: SIM115
        print(f"loaded {args.people} people in {time.monotonic() - started:.0f}s")
    admin = User.objects.get(username="admin")

    def ours(q):
        return search_records(admin, q, type=None if args.type == "all" else args.type, limit=20)

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

    def timed(fn, q):
        samples = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            fn(q)
            samples.append((time.perf_counter() - started) * 1000)
        return samples

    ours("山"), plain_like("山")  # first-call costs (URLconf and API imports on the first result) are not search time
    print(
        f"database: {connection.vendor}, people: {Person.objects.count()}, companies: {Company.objects.count()}, "
        f"type: {args.type}, repeat: {args.repeat}"
    )
    print(f"{'class':<9} {'ours p50':>9} {'ours p95':>9} {'LIKE p50':>9} {'LIKE p95':>9}  hits")
    for name, queries in QUERIES.items():
        mine, base, hits = [], [], []
        for q in queries:
            mine += timed(ours, q)
            base += timed(plain_like, q)
            total = ours(q)[0]
            hits.append(f"{total}+" if getattr(total, "is_estimate", False) else int(total))
        p = lambda xs, k: statistics.quantiles(xs, n=100)[k - 1]  # noqa: E731
        row = f"{p(mine, 50):9.1f} {p(mine, 95):9.1f} {p(base, 50):9.1f} {p(base, 95):9.1f}"
        print(f"{name:<9} {row}  {' '.join(map(str, hits))}")


if __name__ == "__main__":
    main()
