"""Deal board benchmark: the board page (kanban of one pipeline's open deals, with totals per stage), its
"もっと見る" (the next cards of one column) and the deal list (25 rows and totals per stage), beside the company list
page (a 25-row keyset page) in the same run.

    KIZUNA_DATA_DIR=/tmp/kz-bench [DATABASE_URL=postgres://...] nice -n 10 .venv/bin/python bench/deals_board.py \
        [--deals 20000] [--open 500] [--repeat 30] [--baseline DIR [--baseline-repeat 5] [--sizes 20000,200000]]

Generates its data once per database (companies and deals written in bulk, not through the services: this measures
reads), then times full GET requests through Django's test client (middleware, session, role, template) for a
member of the owners' team: p50/p95 in milliseconds of wall clock, the CPU time of this process per request (on
SQLite that includes the database's work; PostgreSQL's server is another process), and the number of SQL queries per
request. `--deals 200000` is the issue's size; the default keeps a development run short.

With `--baseline DIR` (a checkout of the code to compare with, e.g. made with
`git archive <commit> src | tar -x -C DIR`), each size (`--sizes`, default --deals; with `--open` equal to the size
unless given, i.e. every deal open) gets a fresh database (a new SQLite file, or a new PostgreSQL database on the
server of DATABASE_URL, dropped after): the baseline's code migrates it, loads the data and is timed, then this
checkout's code migrates it (its own migrations on top) and is timed on the same rows, each in a fresh process.
The baseline is timed `--baseline-repeat` times per page (its board may take seconds per request).
"""

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(fn, repeat: int) -> tuple[float, float, float]:
    """(p50, p95 of wall clock, mean CPU time of this process) in milliseconds."""
    fn()  # warm caches (templates, role row, statement cache)
    samples = []
    cpu = time.process_time()
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    cpu = (time.process_time() - cpu) * 1000 / repeat
    samples.sort()
    return statistics.median(samples), samples[max(0, -(-len(samples) * 95 // 100) - 1)], cpu


def seed(total: int, open_count: int, rng) -> None:
    from django.utils import timezone

    from kizuna.accounts import services as accounts
    from kizuna.accounts.models import User
    from kizuna.contacts.models import Company
    from kizuna.core import japanese
    from kizuna.sales.models import Deal, Pipeline

    have = Deal.objects.count()
    if have >= total:
        return
    team = accounts.get_or_create_team(actor=None, name="ベンチ営業部")
    reps = list(User.objects.filter(username__startswith="bench-rep"))
    for n in range(len(reps), 8):
        reps.append(accounts.create_user(actor=None, username=f"bench-rep{n}", password=None, role="member",
                                         team=team))  # fmt: skip
    companies = list(Company.objects.filter(name__startswith="ベンチ工業"))
    if not companies:
        rows = []
        for n in range(2000):
            name = f"ベンチ工業{n}株式会社"
            rows.append(Company(name=name, name_key=japanese.company_key(name), name_search=japanese.search_text(name),
                                owner=reps[n % len(reps)], team=team, visibility="team"))  # fmt: skip
        companies = Company.objects.bulk_create(rows, batch_size=2000)
    pipeline = Pipeline.objects.get(is_default=True)
    stages = list(pipeline.stages.all())
    open_stages = [s for s in stages if s.kind == "open"]
    closed = [s for s in stages if s.kind != "open"]
    now = timezone.now()
    already_open = Deal.objects.filter(stage__in=open_stages).count()
    open_at = set(rng.sample(range(have, total), min(total - have, max(0, open_count - already_open))))
    batch = []
    for n in range(have, total):
        is_open = n in open_at
        stage = rng.choice(open_stages) if is_open else rng.choice(closed)
        rep = reps[n % len(reps)]
        day = now - timezone.timedelta(days=rng.randint(0, 720))
        batch.append(Deal(
            title=f"案件{n}", company=companies[n % len(companies)], pipeline=pipeline, stage=stage, owner=rep,
            team=team, visibility="team", amount=rng.randint(1, 300) * 100_000, stage_entered_at=day,
            expected_close_on=(day + timezone.timedelta(days=60)).date(), created_at=day, updated_at=day,
            won_on=day.date() if stage.kind == "won" else None, closed_at=None if is_open else day,
            next_step="見積送付" if n % 3 else "",
        ))  # fmt: skip
        if len(batch) == 5000:
            Deal.objects.bulk_create(batch)
            batch = []
    Deal.objects.bulk_create(batch)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--deals", type=int, default=20_000)
    parser.add_argument("--open", type=int, default=None, help="open deals (default 500; with --baseline: all)")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--baseline", help="a checkout of the code to compare with (its src/ is imported)")
    parser.add_argument("--baseline-repeat", type=int, default=5)
    parser.add_argument("--sizes", help="comma-separated deal counts compared with --baseline (default: --deals)")
    parser.add_argument("--label", default="", help=argparse.SUPPRESS)  # a child run's name in its RESULT lines
    args = parser.parse_args()
    if args.baseline:
        compare(args)
        return
    run(args.deals, 500 if args.open is None else args.open, args.repeat, args.label)


def run(total: int, open_count: int, repeat: int, label: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    call_command("migrate", verbosity=0)
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    seed(total, open_count, random.Random(7))

    from kizuna.accounts.models import User
    from kizuna.sales.models import Deal

    user = User.objects.get(username="bench-rep0")
    client = Client()
    client.force_login(user)
    open_deals = Deal.objects.alive().filter(stage__kind="open").count()
    print(f"database {connection.vendor}, deals {Deal.objects.count()}, open {open_deals}, "
          f"visible to the rep {Deal.objects.visible_to(user).count()}")  # fmt: skip
    cases = {
        "board (all open deals)": ("/sales/board/", {}),
        "deal list (25 rows + totals)": ("/sales/deals/", {}),
        "deal list, sorted by amount": ("/sales/deals/?sort=amount", {}),
        "baseline: company list (25 rows)": ("/companies/", {}),
    }
    try:
        reverse("sales:board_column", args=[1])
    except NoReverseMatch:
        pass  # code without "もっと見る"
    else:
        board_html = client.get("/sales/board/").content.decode()
        found = re.search(r'class="board-more[^"]*"><a href="[^"]*" hx-get="([^"]+)"', board_html)
        if found:
            cases["board column, もっと見る (next cards)"] = (
                found[1].replace("&amp;", "&"),
                {"HTTP_HX_REQUEST": "true"},
            )
    print(f"{'page':<40} {'p50 ms':>8} {'p95 ms':>8} {'CPU ms':>8} {'queries':>8} {'KB':>6}")
    for name, (url, headers) in cases.items():
        response = client.get(url, **headers)
        assert response.status_code == 200, (url, response.status_code)
        queries = []
        with connection.execute_wrapper(lambda execute, sql, *a, seen=queries: seen.append(sql) or execute(sql, *a)):
            size = len(client.get(url, **headers).content)
        p50, p95, cpu = timed(lambda url=url, headers=headers: client.get(url, **headers), repeat)
        print(f"{name:<40} {p50:>8.1f} {p95:>8.1f} {cpu:>8.1f} {len(queries):>8} {size // 1024:>6}", flush=True)
        print(f"RESULT\t{label}\t{name}\t{p50:.1f}\t{p95:.1f}\t{cpu:.1f}\t{len(queries)}", flush=True)


def compare(args) -> None:
    """Each size: the baseline checkout, then this one, in fresh processes on one fresh database."""
    here = Path(__file__).resolve().parent.parent / "src"
    codes = [("baseline", Path(args.baseline).resolve() / "src", args.baseline_repeat), ("this checkout", here,
                                                                                          args.repeat)]  # fmt: skip
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from import_bench import _database  # a fresh SQLite file or PostgreSQL database per run

    sizes = [int(n) for n in (args.sizes or str(args.deals)).split(",")]
    table = []
    for deals in sizes:
        open_count = deals if args.open is None else args.open
        with tempfile.TemporaryDirectory(prefix="kz-board-bench-") as data_dir:
            url, drop = _database(os.environ.get("DATABASE_URL"), f"kz_board_bench_{os.getpid()}")
            try:
                for label, src, repeat in codes:
                    env = dict(os.environ, PYTHONPATH=str(src), KIZUNA_DATA_DIR=data_dir)
                    if url:
                        env["DATABASE_URL"] = url
                    command = [sys.executable, __file__, "--deals", str(deals), "--open", str(open_count),
                               "--repeat", str(repeat), "--label", label]  # fmt: skip
                    print(f"--- {deals:,} deals ({open_count:,} open), {label} ({src})", flush=True)
                    started = time.perf_counter()
                    try:
                        out = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
                    except subprocess.CalledProcessError as exc:
                        print(exc.stdout, exc.stderr, sep="\n")
                        raise
                    print("\n".join(line for line in out.splitlines() if not line.startswith("RESULT")))
                    print(f"(process {time.perf_counter() - started:.0f} s)", flush=True)
                    for line in out.splitlines():
                        if line.startswith("RESULT"):
                            _, who, page, p50, p95, cpu, queries = line.split("\t")
                            table.append((deals, page, who, float(p50), float(p95), float(cpu), int(queries)))
            finally:
                drop()
    vendor = "postgresql" if os.environ.get("DATABASE_URL") else "sqlite"
    print(f"\n{vendor}: p50 / p95 wall clock ms, CPU ms of the process per request, SQL queries per request")
    print(f"{'deals':>8}  {'page':<40}{'baseline':>30}{'this checkout':>30}{'p95 speed-up':>13}")
    for deals in sizes:
        for page in dict.fromkeys(p for d, p, *_ in table if d == deals):
            got = {who: rest for d, p, who, *rest in table if d == deals and p == page}
            old, new = got.get("baseline"), got.get("this checkout")
            cells = [f"{c[0]:.1f} / {c[1]:.1f}, CPU {c[2]:.1f}, {c[3]} q" if c else "-" for c in (old, new)]
            ratio = f"{old[1] / new[1]:.1f}x" if old and new and new[1] else "-"
            print(f"{deals:>8,}  {page:<40}{cells[0]:>30}{cells[1]:>30}{ratio:>13}")


if __name__ == "__main__":
    main()
