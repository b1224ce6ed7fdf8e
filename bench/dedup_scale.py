"""Duplicate scan at scale: time and peak memory of `kizuna dedup` over N people, beside the plain
exact-key grouping (SQL GROUP BY on normalized e-mail / phone) a CRM without fuzzy matching would run.

    KIZUNA_DATA_DIR=/tmp/kz-dedup [DATABASE_URL=postgres://...] .venv/bin/python bench/dedup_scale.py --people 1000000 \
        [--baseline-src /path/to/an/earlier/checkout/src]

`--baseline-src` also times the scan of another version of the code (e.g. `git worktree add /tmp/old <commit>`)
on the same database in the same run, so a change to the matcher is compared with what it replaces.

Loads demo data (about 2% of people entered twice with old kanji, half-width readings, other phone
formats, upper-case e-mails) if the database is empty. Each measurement runs in a fresh process so peak
RSS is the scan's own.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time

_CHILD = "--child"


def _setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
    import django

    django.setup()


def child(mode: str) -> None:
    _setup()
    from django.db.models import Count

    from kizuna.contacts.dedup import service
    from kizuna.contacts.models import ContactPoint, Person

    started = time.monotonic()
    if mode == "scan":
        clusters, stats = service.scan("person")
        planted = Person.objects.alive().filter(external_id__endswith="-B").count()
        found = sum(1 for c in clusters if any(m.external_id.endswith("-B") for m in c.members))
        result = {"records": stats.records, "comparisons": stats.comparisons, "groups": len(clusters),
                  "planted": planted, "planted_found": found}  # fmt: skip
    else:
        dupes = (
            ContactPoint.objects.filter(person__deleted_at__isnull=True)
            .values("kind", "normalized")
            .annotate(n=Count("person_id", distinct=True))
            .filter(n__gt=1)
        )
        result = {"groups": dupes.count()}
    result["seconds"] = round(time.monotonic() - started, 1)
    result["max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(result))


def run(mode: str, src: str | None = None) -> dict:
    env = dict(os.environ, PYTHONPATH=src) if src else None  # PYTHONPATH comes before the installed package
    out = subprocess.run([sys.executable, __file__, _CHILD, mode], check=True, capture_output=True, text=True,
                         env=env)  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument(_CHILD, default=None)
    parser.add_argument("--baseline-src", default=None, help="src/ of another version to time on the same data")
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    _setup()
    from django.core.management import call_command

    from kizuna.contacts.models import Person

    call_command("migrate", verbosity=0)
    if not Person.objects.exists():
        started = time.monotonic()
        call_command("demo", people=args.people, stdout=open(os.devnull, "w"))  # noqa: SIM115
        print(f"loaded {Person.objects.count()} people in {time.monotonic() - started:.0f}s")
    from django.db import connection

    print(f"database: {connection.vendor}, people: {Person.objects.alive().count()}")
    rows = [("exact e-mail/phone GROUP BY (baseline)", run("group-by"))]
    if args.baseline_src:
        rows.append((f"kizuna dedup at {args.baseline_src}", run("scan", args.baseline_src)))
    rows.append(("kizuna dedup (this checkout)", run("scan")))
    print(f"{'method':<48}{'seconds':>10}{'peak RSS MB':>14}{'groups':>10}")
    for label, result in rows:
        print(f"{label:<48}{result['seconds']:>10}{result['max_rss_mb']:>14}{result['groups']:>10}")
    for label, result in rows[1:]:
        print(f"{label}: comparisons {result['comparisons']}; planted duplicates found "
              f"{result['planted_found']}/{result['planted']}")  # fmt: skip


if __name__ == "__main__":
    main()
