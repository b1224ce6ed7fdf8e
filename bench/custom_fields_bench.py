"""Custom fields benchmark: filtering and sorting the people list by a custom field, with the index the field gets
when it is marked filterable (SQLite: an expression index on json_extract(custom, '$.<key>'); PostgreSQL: the GIN
jsonb_path_ops index over the column) against the same queries with that index dropped, in the same run.

    KIZUNA_DATA_DIR=/tmp/kz-bench [DATABASE_URL=postgres://...] .venv/bin/python bench/custom_fields_bench.py

Uses the people already in the database (load them with `kizuna demo --people 100000` first). Gives every person
a rank (A for 0.5%, B–E for the rest) and an amount in yen, defines both fields as filterable, then times for an
administrator (fresh user object each time, as on a request): the first list page filtered by rank=A (rare) and
rank=C (common), the count of rank=A (what an export reads), and the first page sorted by amount; p50/p95 in ms.
"""

import argparse
import os
import random
import statistics
import time


def timed(fn, repeat: int) -> tuple[float, float]:
    fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(int(len(samples) * 0.95) - 1, 0)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
    import django

    django.setup()
    from django.db import connection, transaction

    from kizuna.accounts.models import User
    from kizuna.contacts.filters import PERSON_SORTS, filter_people, sorted_by
    from kizuna.contacts.models import Person
    from kizuna.core.pagination import paginate
    from kizuna.customfields import services
    from kizuna.customfields.filters import index_name, sqlite_index_sql
    from kizuna.customfields.models import CustomField

    total = Person.objects.count()
    if total < 1000:
        raise SystemExit("load people first: kizuna demo --people 100000")
    admin = User.objects.filter(is_superuser=True).first() or User.objects.filter(role="admin").first()
    for key, kind, extra in (("rank", "choice", {"choices": list("ABCDE")}), ("amount", "money", {})):
        if not CustomField.objects.filter(object_type="person", key=key).exists():
            services.create_field(actor=admin, data={"object_type": "person", "key": key, "type": kind,
                                                     "label_ja": key, "filterable": True, **extra})  # fmt: skip
    for field in CustomField.objects.filter(object_type="person", key__in=["rank", "amount"]):
        services.apply_indexes("person", field.key, field.type, True)  # PostgreSQL: the worker's job
    if not Person.objects.filter(custom__has_key="rank").exists():
        rng = random.Random(11)
        ids = list(Person.objects.values_list("pk", flat=True))
        for start in range(0, len(ids), 5000):
            with transaction.atomic():
                rows = list(Person.objects.filter(pk__in=ids[start : start + 5000]).only("pk", "custom"))
                for row in rows:
                    rank = "A" if rng.random() < 0.005 else rng.choice("BCDE")
                    row.custom = {"rank": rank, "amount": rng.randrange(0, 50_000_000, 1000)}
                Person.objects.bulk_update(rows, ["custom"])
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    def fresh():
        return User.objects.get(pk=admin.pk)

    def page(**custom):
        user = fresh()
        qs = filter_people(Person.objects.visible_to(user), user=user, custom=custom)
        return paginate(qs, sort=PERSON_SORTS["updated"], limit=25).items

    def count_rare():
        user = fresh()
        return filter_people(Person.objects.visible_to(user), user=user, custom={"rank": "A"}).count()

    def by_amount():
        user = fresh()
        qs, sorts = sorted_by(Person.objects.visible_to(user), user=user, object_type="person",
                              sort="-custom.amount", sorts=PERSON_SORTS)  # fmt: skip
        return paginate(qs, sort=sorts["-custom.amount"], limit=25).items

    cases = [("page, no filter", lambda: page()), ("page rank=A (0.5%)", lambda: page(rank="A")),
             ("page rank=C (25%)", lambda: page(rank="C")), ("count rank=A", count_rare),
             ("page sort -amount", by_amount)]  # fmt: skip

    def run() -> dict:
        return {name: timed(fn, args.repeat) for name, fn in cases}

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # the planner's statistics with the indexes (SQLite: sqlite_stat1)
    indexed = run()
    # The baseline: the same queries without the indexes the filterable flag maintains.
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for key in ("rank", "amount"):
                cursor.execute(sqlite_index_sql(Person, key, create=False))
        else:
            cursor.execute('DROP INDEX IF EXISTS "person_custom_gin"')
    for field in CustomField.objects.filter(object_type="person", key__in=["rank", "amount"]):
        services.apply_indexes("person", field.key, field.type, False)
    bare = run()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute('CREATE INDEX "person_custom_gin" ON "contacts_person" USING gin ("custom" jsonb_path_ops)')
    for field in CustomField.objects.filter(object_type="person", key__in=["rank", "amount"]):
        services.apply_indexes("person", field.key, field.type, True)
    print(
        f"{connection.vendor}, {total} people, repeat {args.repeat}; indexes {index_name(Person, 'rank')}, "
        f"cfs_contacts_person_amount, person_custom_gin (PostgreSQL)"
    )
    print(f"{'query':<22} {'indexed p50':>12} {'p95':>8} {'no index p50':>13} {'p95':>8}")
    for name, _fn in cases:
        (a50, a95), (b50, b95) = indexed[name], bare[name]
        print(f"{name:<22} {a50:>12.1f} {a95:>8.1f} {b50:>13.1f} {b95:>8.1f}")


if __name__ == "__main__":
    main()
