"""Import benchmark: a CP932 CSV of N rows through the import service (decode, header mapping, normalization,
upsert matching, duplicate check against the existing people, services, search index, audit) beside a plain
`csv` + `bulk_create` loader on the same file and machine, with the peak memory (RSS) of the process during each phase.

About 30% of the file's rows are variants of other rows, as in lists exported from other systems: the same
person again under another customer id, with full-width digits, half-width or hiragana readings, old kanji
(髙/﨑/齋/邊/澤), another legal form (株式会社X, ㈱X, X(株)) or another phone format; some rows update people
already in the database (their external id) or repeat an earlier row of the file (the same customer id).

    KIZUNA_DATA_DIR=/tmp/kz-import [DATABASE_URL=postgres://...] nice -n 10 .venv/bin/python bench/import_bench.py \
        [--rows 100000] [--existing 0] [--variants 0.3] [--profile 40] [--skip-run] [--baseline DIR]

With `--baseline DIR` (a checkout of the code to compare with, e.g. made with
`git archive <commit> src | tar -x -C DIR`), the same file goes through the baseline's import and this
checkout's, each in a fresh process and a fresh database (a new SQLite file, or a new PostgreSQL database on the
server of DATABASE_URL, dropped after), and a table of rows/s for both closes the output. `--sizes 10000,100000`
repeats the comparison for each size.
"""

import argparse
import cProfile
import csv
import io
import os
import pstats
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_OLD = {"高": "髙", "崎": "﨑", "斉": "齋", "辺": "邊", "沢": "澤", "浜": "濱", "島": "嶋", "広": "廣", "国": "國"}
_FORMS = ("株式会社{}", "{}株式会社", "㈱{}", "{}(株)", "(株){}", "{} 株式会社")
_HALF_KANA = str.maketrans(
    "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲン",
    "ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜｦﾝ",
)
_WIDE = str.maketrans("0123456789-", "０１２３４５６７８９－")
HEADER = ["顧客ID", "氏名", "フリガナ", "会社名", "部署", "役職", "電話番号", "携帯電話", "メールアドレス", "郵便番号",
          "住所", "タグ", "備考"]  # fmt: skip


def _hiragana(text: str) -> str:
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in text)


def _variant(row: list[str], rng: random.Random, number: int) -> list[str]:
    """The same person as `row`, as another system spells them, under another customer id."""
    out = list(row)
    out[0] = f"ALT-{number:07d}"
    for _ in range(rng.randint(1, 3)):
        kind = rng.choice(("width", "kana", "kanji", "form", "phone", "mobile", "spaces"))
        if kind == "width":
            out[6], out[7] = out[6].translate(_WIDE), out[7].translate(_WIDE)
        elif kind == "kana":
            out[2] = out[2].translate(_HALF_KANA) if rng.random() < 0.5 else _hiragana(out[2])
        elif kind == "kanji":
            out[1] = "".join(_OLD.get(c, c) for c in out[1])
        elif kind == "form":
            core = out[3].replace("株式会社", "").replace("有限会社", "").replace("合同会社", "").strip()
            out[3] = rng.choice(_FORMS).format(core) if "有限" not in out[3] and "合同" not in out[3] else out[3]
        elif kind == "phone":
            out[6] = out[6].replace("-", "") if rng.random() < 0.5 else f"({out[6][:2]}){out[6][3:]}"
        elif kind == "mobile":
            out[7] = out[7].replace("-", " ")
        else:
            out[1] = out[1].replace(" ", "　")
    out[8] = out[8] if rng.random() < 0.7 else ""  # the other system lacks the e-mail now and then
    return out


def make_file(rows: int, *, seed: int = 11, variants: float = 0.3, existing_ids: int = 0) -> bytes:
    """CP932 bytes of `rows` rows. Of the rows, `variants` are variants of earlier rows; 3% repeat an earlier
    row's customer id (an update within the file); when `existing_ids`, 5% carry the id of a demo person
    (DEMO-0000001…) and update them; a few rows have errors (no name, a bad postcode, a bad e-mail), masked
    cells (****) or tags."""
    from faker import Faker

    fake = Faker("ja_JP")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    companies = [fake.company() for _ in range(max(rows // 40, 10))]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    base: list[list[str]] = []
    for i in range(rows):
        roll = rng.random()
        if base and roll < variants:
            writer.writerow(_variant(rng.choice(base), rng, i))
            continue
        if base and roll < variants + 0.03:
            row = list(rng.choice(base))
            row[5], row[12] = rng.choice(("部長", "主任", "")), "展示会で再会"
            writer.writerow(row)
            continue
        family, family_kana, _ = fake.last_name_pair()
        given, given_kana, _ = fake.first_name_pair()
        customer = f"IMP-{i:07d}"
        if existing_ids and roll < variants + 0.08:
            customer = f"DEMO-{rng.randint(1, existing_ids):07d}"
        row = [
            customer, f"{family} {given}", f"{family_kana} {given_kana}", rng.choice(companies),
            rng.choice(("購買部", "資材部", "製造部", "品質保証部")), rng.choice(("課長", "", "係長", "部長")),
            f"03-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
            f"090-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}", f"u{i}@example.jp",
            f"{rng.randint(100, 999)}-{rng.randint(1000, 9999)}", "東京都千代田区千代田1-1", "", "",
        ]  # fmt: skip
        odd = rng.random()
        if odd < 0.005:
            row[1] = ""  # no name: an error, skipped
        elif odd < 0.01:
            row[9] = "12-34"  # a bad postcode: an error, kept in the notes
        elif odd < 0.015:
            row[8] = "u@@example"  # no address: kept as entered (要確認)
        elif odd < 0.02:
            row[7] = "090-****-1234"  # a masked cell of an export: no data
        elif odd < 0.04:
            row[11] = rng.choice(("展示会", "重要顧客", "展示会、見積中"))
        base.append(row)
        writer.writerow(row)
    return out.getvalue().encode("cp932", errors="replace")


def _reset_peak() -> None:
    """Linux: writing 5 to clear_refs resets the peak RSS (VmHWM) of this process, so each phase shows its own."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        pass


def _peak_rss_mb() -> float:
    """The peak resident set size of this process since `_reset_peak` (VmHWM), in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _counted(work, top: int):
    """`work()` with every SQL statement counted by its shape (literals and placeholders folded): prints the
    statement count and the `top` most frequent shapes, which is where an N+1 shows."""
    import re
    from collections import Counter

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def run():
        with CaptureQueriesContext(connection) as captured:
            result = work()
        shapes = Counter(re.sub(r"'[^']*'|\b\d+\b|%s", "?", q["sql"])[:150] for q in captured.captured_queries)
        print(f"  {len(captured.captured_queries):,} SQL statements; most frequent shapes:")
        for shape, n in shapes.most_common(top):
            print(f"  {n:>7,}  {shape}")
        return result

    return run


def _timed(label: str, rows: int, work, profile: int = 0, dump: str = "", clock=time.perf_counter):
    profiler = cProfile.Profile(clock) if profile else None
    _reset_peak()
    started, cpu = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    result = work()
    if profiler:
        profiler.disable()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = _peak_rss_mb()
    print(f"{label:<46}{rows / seconds:>10,.0f} rows/s {seconds:>8.1f} s (CPU {cpu:.1f} s)   peak RSS {peak:,.0f} MB",
          flush=True)  # fmt: skip
    print(f"RESULT\t{label}\t{rows / seconds:.0f}\t{seconds:.2f}\t{peak:.0f}\t{cpu:.2f}", flush=True)
    if profiler and dump:
        profiler.dump_stats(f"{dump}.{'dry' if 'dry run' in label else 'run'}.prof")
    if profiler:
        stats = pstats.Stats(profiler)
        stats.sort_stats("tottime").print_stats(profile)
        stats.sort_stats("cumulative").print_stats("kizuna", profile)
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--existing", type=int, default=0, help="demo people in the database before the import")
    parser.add_argument("--variants", type=float, default=0.3)
    parser.add_argument("--profile", type=int, default=0, help="print the top N functions of the dry run and run")
    parser.add_argument("--profile-dump", default="", help="with --profile: also write PREFIX.dry.prof, .run.prof")
    parser.add_argument("--profile-cpu", action="store_true",
                        help="profile by the CPU time of this process (a busy machine's waits left out)")  # fmt: skip
    parser.add_argument("--skip-run", action="store_true", help="dry run only")
    parser.add_argument("--queries", type=int, default=0, help="count the SQL of the dry run and run; show N shapes")
    parser.add_argument("--baseline", help="a checkout of the code to compare with (its src/ is imported)")
    parser.add_argument("--sizes", help="comma-separated row counts compared with --baseline (default: --rows)")
    args = parser.parse_args()
    if args.baseline:
        compare(args)
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.db import connection, transaction

    from kizuna.accounts.models import User
    from kizuna.contacts.models import DuplicateGroup, Person
    from kizuna.imports import readers, services

    call_command("migrate", verbosity=0)
    if not User.objects.filter(username="admin").exists():
        call_command("demo", people=args.existing, stdout=open(os.devnull, "w"))  # noqa: SIM115
    admin = User.objects.get(username="admin")
    existing = Person.objects.count()
    data = make_file(args.rows, variants=args.variants, existing_ids=existing)
    print(f"database: {connection.vendor}, existing people: {existing}, file: {args.rows} rows "
          f"({args.variants:.0%} variants), {len(data) / 1e6:.1f} MB CP932", flush=True)  # fmt: skip

    def read():
        with readers.read_table(data, filename="bench.csv") as table:
            return sum(1 for _ in table.rows)

    _timed("read + decode only", args.rows, read)

    def baseline():
        with transaction.atomic():  # no normalization, no matching, no checks, no index, no audit
            rows = list(csv.reader(io.StringIO(data.decode("cp932"))))[1:]
            people = [Person(family_name=(r[1].split() or ["-"])[0], given_name=r[1].split()[-1] if r[1] else "",
                             external_id=f"BASE-{i}", owner=admin, team=admin.team)
                      for i, r in enumerate(rows)]  # fmt: skip
            Person.objects.bulk_create(people, batch_size=2000)
            transaction.set_rollback(True)

    _timed("plain csv + bulk_create (baseline)", args.rows, baseline)

    job = services.upload(actor=admin, file=SimpleUploadedFile("bench.csv", data), filename="bench.csv")
    dry_run = lambda: services.dry_run(actor=admin, job=job, preview=0)  # noqa: E731
    run = lambda: services.run(job.pk)  # noqa: E731
    if args.queries:
        dry_run, run = _counted(dry_run, args.queries), _counted(run, args.queries)
    clock = time.process_time if args.profile_cpu else time.perf_counter
    dry = _timed("kizuna import, dry run (all checks)", args.rows, dry_run, args.profile, args.profile_dump, clock)
    print(f"  dry run: create {dry.created}, update {dry.updated}, skip {dry.skipped}, "
          f"duplicates {dry.duplicates}, errors {len(dry.errors)}", flush=True)  # fmt: skip
    if args.skip_run:
        return
    groups = DuplicateGroup.objects.count()
    summary = _timed(
        "kizuna import, run (write, index, audit, queue)", args.rows, run, args.profile, args.profile_dump, clock
    )
    print(f"  run: created {summary.created}, updated {summary.updated}, skipped {summary.skipped}, "
          f"duplicate groups queued {DuplicateGroup.objects.count() - groups}", flush=True)  # fmt: skip


def _database(url: str | None, name: str):
    """A fresh database for one child run: a new SQLite file, or `name` created on the server of `url`."""
    if not url:
        return None, lambda: None
    import psycopg

    base = url.rsplit("/", 1)[0]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"{base}/{name}", drop


def compare(args) -> None:
    """Each size through the baseline checkout and through this one, in fresh processes and databases."""
    here = Path(__file__).resolve().parent.parent / "src"
    codes = [("baseline", Path(args.baseline).resolve() / "src"), ("this checkout", here)]
    sizes = [int(n) for n in (args.sizes or str(args.rows)).split(",")]
    table = []
    for rows in sizes:
        for label, src in codes:
            with tempfile.TemporaryDirectory(prefix="kz-import-bench-") as data_dir:
                url, drop = _database(os.environ.get("DATABASE_URL"), f"kz_import_bench_{os.getpid()}")
                env = dict(os.environ, PYTHONPATH=str(src), KIZUNA_DATA_DIR=data_dir)
                if url:
                    env["DATABASE_URL"] = url
                command = [sys.executable, __file__, "--rows", str(rows), "--existing", str(args.existing),
                           "--variants", str(args.variants), *(["--skip-run"] if args.skip_run else [])]  # fmt: skip
                print(f"--- {rows:,} rows, {label} ({src})", flush=True)
                try:
                    out = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
                except subprocess.CalledProcessError as exc:
                    print(exc.stdout, exc.stderr, sep="\n")
                    raise
                finally:
                    drop()
                print("\n".join(line for line in out.splitlines() if not line.startswith("RESULT")), flush=True)
                for line in out.splitlines():
                    if line.startswith("RESULT"):
                        _, phase, rate, seconds, peak, cpu = line.split("\t")
                        table.append((rows, phase, label, int(rate), float(seconds), int(peak), float(cpu)))
    vendor = "postgresql" if os.environ.get("DATABASE_URL") else "sqlite"
    print(f"\n{vendor}: rows/s by wall clock (seconds, CPU seconds of the process, peak RSS MB)")
    print(f"{'rows':>8}  {'phase':<48}{'baseline':>32}{'this checkout':>32}{'speed-up':>10}")
    for rows in sizes:
        for phase in dict.fromkeys(p for r, p, *_ in table if r == rows):
            got = {label: (rate, sec, peak, cpu) for r, p, label, rate, sec, peak, cpu in table
                   if r == rows and p == phase}  # fmt: skip
            old, new = got.get("baseline"), got.get("this checkout")
            cells = [f"{c[0]:,} ({c[1]:.1f} s, CPU {c[3]:.1f} s, {c[2]} MB)" if c else "-" for c in (old, new)]
            ratio = f"{new[0] / old[0]:.2f}x" if old and new and old[0] else "-"
            print(f"{rows:>8,}  {phase:<48}{cells[0]:>32}{cells[1]:>32}{ratio:>10}")


if __name__ == "__main__":
    main()
