"""Import benchmark: a CP932 CSV of N rows through the import service (decode, header mapping, normalization,
upsert matching, duplicate check against the existing people, services, search index, audit) beside a plain
`csv` + `bulk_create` loader on the same file and machine. Also reports peak memory of the streaming reader.

    KIZUNA_DATA_DIR=/tmp/kz-import [DATABASE_URL=postgres://...] .venv/bin/python bench/import_bench.py \
        [--rows 10000] [--existing 100000]
"""

import argparse
import csv
import io
import os
import random
import resource
import time


def _file(rows: int, seed: int = 11, prefix: str = "IMP-") -> bytes:
    from faker import Faker

    fake = Faker("ja_JP")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["顧客ID", "氏名", "フリガナ", "会社名", "部署", "役職", "電話番号", "携帯電話", "メールアドレス",
                     "郵便番号", "住所"])  # fmt: skip
    for i in range(rows):
        family, family_kana, _ = fake.last_name_pair()
        given, given_kana, _ = fake.first_name_pair()
        writer.writerow([
            f"{prefix}{i:07d}", f"{family} {given}", f"{family_kana} {given_kana}", fake.company(), "購買部", "課長",
            f"03-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
            f"090-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}", f"u{i}@example.jp",
            f"{rng.randint(100, 999)}-{rng.randint(1000, 9999)}", "東京都千代田区千代田1-1",
        ])  # fmt: skip
    return out.getvalue().encode("cp932", errors="replace")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--existing", type=int, default=100_000)
    parser.add_argument("--prefix", default="IMP-", help="external ids of the file; a new prefix = new people")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.db import connection, transaction

    from kizuna.accounts.models import User
    from kizuna.contacts.models import Person
    from kizuna.imports import readers, services

    call_command("migrate", verbosity=0)
    if not Person.objects.exists():
        call_command("demo", people=args.existing, stdout=open(os.devnull, "w"))  # noqa: SIM115
    admin = User.objects.get(username="admin")
    data = _file(args.rows, seed=sum(map(ord, args.prefix)), prefix=args.prefix)  # another prefix, other people
    print(f"database: {connection.vendor}, existing people: {Person.objects.count()}, file: {args.rows} rows, "
          f"{len(data) / 1e6:.1f} MB CP932")  # fmt: skip

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    with readers.read_table(data, filename="bench.csv") as table:
        count = sum(1 for _ in table.rows)
    read_s = time.perf_counter() - started
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    print(f"{'read + decode only':<44}{count / read_s:>12,.0f} rows/s   peak memory growth {grown:.0f} MB")

    started = time.perf_counter()
    with transaction.atomic():  # the baseline: no normalization, no matching, no checks, no index, no audit
        rows = list(csv.reader(io.StringIO(data.decode("cp932"))))[1:]
        people = [Person(family_name=r[1].split()[0], given_name=r[1].split()[-1], external_id=f"BASE-{i}",
                         owner=admin, team=admin.team) for i, r in enumerate(rows)]  # fmt: skip
        Person.objects.bulk_create(people, batch_size=2000)
        transaction.set_rollback(True)
    base_s = time.perf_counter() - started
    print(f"{'plain csv + bulk_create (baseline)':<44}{args.rows / base_s:>12,.0f} rows/s")

    job = services.upload(actor=admin, file=SimpleUploadedFile("bench.csv", data), filename="bench.csv")
    started = time.perf_counter()
    summary = services.dry_run(actor=admin, job=job, preview=0)
    dry_s = time.perf_counter() - started
    print(f"{'kizuna import, dry run (all checks)':<44}{args.rows / dry_s:>12,.0f} rows/s")
    started = time.perf_counter()
    summary = services.run(job.pk)
    run_s = time.perf_counter() - started
    print(f"{'kizuna import, run (services, index, audit)':<44}{args.rows / run_s:>12,.0f} rows/s   "
          f"created {summary.created}, updated {summary.updated}, skipped {summary.skipped}")  # fmt: skip


if __name__ == "__main__":
    main()
