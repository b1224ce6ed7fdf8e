"""Sales analytics at scale: the fiscal-year forecast, the dashboards (rep, team, company), their slowest parts, and
the deal board and list, each timed on the served path and on the baseline in the same run — the visible-set SQL
path the dashboards used before the deal rollup (`rollup.bypassed()`), which is also what a reader the rollup does
not serve gets (a manager looking at one rep).

    KIZUNA_DATA_DIR=/tmp/kz-sales-bench [DATABASE_URL=postgres://...] nice -n 10 .venv/bin/python \\
        bench/sales_dashboards.py --deals 200000 --repeat 30 [--markdown]

The data (bench/sales_data.py: 5 teams × 8 reps, two pipelines, deals over three fiscal years with stage history,
activities with joint visits, targets) is loaded once into an empty database, then the rollup is rebuilt as after
any bulk load (its time is printed). Service cases call what the page and the API call, with a fresh user object
each time (as on a request); page cases are full GET requests through Django's test client (middleware, session,
template). p50/p95 in ms over --repeat runs after one warm-up; "queries" is the SQL statement count of one run.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def timed(fn, repeat: int) -> tuple[float, float, int, float]:
    """p50 and p95 wall time, statement count, p50 CPU time of this process (ms). On a shared machine the wall time
    includes waiting for a core; on SQLite (in-process) the CPU time is the work itself, whatever the load."""
    from django.db import connection

    fn()
    seen = []
    with connection.execute_wrapper(lambda execute, sql, *a: seen.append(sql) or execute(sql, *a)):
        fn()
    samples, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    samples.sort()
    p95 = samples[max(int(len(samples) * 0.95 + 0.5) - 1, 0)]
    return statistics.median(samples), p95, len(seen), statistics.median(cpu)


def explain(fn, top: int = 5) -> None:
    """Runs fn once and prints its slowest statements with the database's plan (EXPLAIN QUERY PLAN on SQLite,
    EXPLAIN ANALYZE on PostgreSQL)."""
    from django.db import connection

    seen = []

    def wrapper(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            seen.append(((time.perf_counter() - started) * 1000, sql, params))

    with connection.execute_wrapper(wrapper):
        fn()
    for ms, sql, params in sorted(seen, key=lambda s: -s[0])[:top]:
        print(f"--- {ms:.1f} ms: {sql[:600]}")
        prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN (ANALYZE, COSTS OFF) "
        with connection.cursor() as cursor:
            cursor.execute(prefix + sql, params)
            for row in cursor.fetchall():
                print("    ", " ".join(str(c) for c in row))


def cases(users: dict, fy, month):
    """(name, fn, has a baseline): each fn runs one request's worth of work."""
    from django.test import Client

    from kizuna.accounts.models import User
    from kizuna.sales.services import dashboards, kpi
    from kizuna.sales.services import forecast as fc

    def fresh(name):
        return User.objects.get(pk=users[name].pk)

    def service(name, kind, fn, **who):
        def run():
            viewer = fresh(name)
            return fn(viewer, fc.resolve_subject(viewer, kind, **who))

        return run

    clients = {}

    def page(name, url):
        if name not in clients:
            clients[name] = Client()
            clients[name].force_login(users[name])

        def run():
            response = clients[name].get(url)
            assert response.status_code == 200, (url, response.status_code)

        return run

    rep_id = users["rep"].pk
    return [
        ("forecast FY, rep (own)", service("rep", "rep", lambda v, s: fc.forecast(v, s, fy)), True),
        ("forecast FY, team + per-rep rows (manager)",
         service("manager", "team", lambda v, s: fc.forecast(v, s, fy, breakdown=True)), True),
        ("forecast FY, company + per-team rows (admin)",
         service("admin", "company", lambda v, s: fc.forecast(v, s, fy, breakdown=True)), True),
        ("team dashboard, whole payload (manager)", service("manager", "team", dashboards.dashboard), True),
        ("  part: funnel FY", service("manager", "team", lambda v, s: kpi.funnel(v, s, fy)), True),
        ("  part: outcomes + lost reasons FY",
         service("manager", "team", lambda v, s: (kpi.outcomes(v, s, fy), kpi.lost_reasons(v, s, fy))), True),
        ("  part: pipeline by stage", service("manager", "team", kpi.pipeline_by_stage), True),
        ("  part: 停滞案件", service("manager", "team", kpi.stale_summary), True),
        ("  part: activity KPIs of the month",
         service("manager", "team", lambda v, s: kpi.kpi_counts(v, s, month, by_rep=True)), True),
        ("company dashboard, whole payload (admin)", service("admin", "company", dashboards.dashboard), True),
        ("my dashboard (rep)", service("rep", "rep", dashboards.dashboard), True),
        ("manager looking at one rep (SQL path)", service("manager", "rep", dashboards.dashboard, user_id=rep_id),
         False),
        ("page /sales/dashboards/team/ (manager)", page("manager", "/sales/dashboards/team/"), True),
        ("page /sales/dashboards/company/ (admin)", page("admin", "/sales/dashboards/company/"), True),
        ("API /api/v1/forecast?scope=team (manager)", page("manager", "/api/v1/forecast?scope=team"), True),
        ("page /sales/board/ (rep)", page("rep", "/sales/board/"), False),
        ("page /sales/board/ (manager)", page("manager", "/sales/board/"), False),
        ("page /sales/deals/ (manager)", page("manager", "/sales/deals/"), False),
    ]  # fmt: skip


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--deals", type=int, default=20000)
    parser.add_argument("--teams", type=int, default=5)
    parser.add_argument("--reps", type=int, default=8, help="reps per team")
    parser.add_argument("--activities-per-deal", type=float, default=2.0)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--only", default="", help="run only the cases whose name contains this text")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--explain", action="store_true", help="print the slowest statements of each case and plans")
    parser.add_argument("--keep-rollup", action="store_true", help="skip the rollup rebuild when it has rows")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
    import django

    django.setup()
    import logging

    import sales_data

    logging.disable(logging.WARNING)  # the slow-query log would interleave with the table
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    sales_data.load(args.deals, args.teams, args.reps, args.activities_per_deal, timezone.localdate())
    loaded = time.perf_counter() - started

    from kizuna.accounts.models import User
    from kizuna.sales.models import Deal, DealRollup, SalesSettings
    from kizuna.sales.services import forecast as fc
    from kizuna.sales.services import rollup
    from kizuna.timeline.models import Activity

    started = time.perf_counter()
    rows = DealRollup.objects.count() if args.keep_rollup and DealRollup.objects.exists() else rollup.rebuild()
    rebuilt = time.perf_counter() - started
    users = {"admin": User.objects.get(username="bench-admin"), "manager": User.objects.get(username="bench-manager-0"),
             "rep": User.objects.get(username="bench-rep-0-0")}  # fmt: skip
    start_month = SalesSettings.current().fiscal_year_start_month
    today = timezone.localdate()
    fy = fc.fiscal_year(fc.fiscal_year_of(today, start_month), start_month)
    month = fc.month_period(today)
    open_deals = Deal.objects.filter(stage__kind="open").count()
    print(f"database: {connection.vendor}; deals: {Deal.objects.count():,} (open {open_deals:,}); activities: "
          f"{Activity.objects.count():,}; load: {loaded:.0f} s; rollup rebuild: {rebuilt:.1f} s, {rows:,} rows; "
          f"repeat: {args.repeat}; fiscal year {fy.key}")  # fmt: skip
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(
        f"baseline row count of all deals: {timed(lambda: Deal.objects.count(), args.repeat)[1]:.1f} ms p95; "
        f"of the deals the manager sees: "
        f"{timed(lambda: Deal.objects.visible_to(users['manager']).count(), args.repeat)[1]:.1f} ms p95"
    )
    if args.markdown:
        print(
            "| case | p50 ms | p95 ms | CPU p50 | queries | baseline p50 | baseline p95 | baseline CPU p50 | queries |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    else:
        print(f"{'case':<46} {'p50':>8} {'p95':>8} {'cpu':>7} {'q':>4} | {'base p50':>9} {'base p95':>9} {'cpu':>7}"
              f" {'q':>4}")  # fmt: skip
    for name, fn, has_baseline in cases(users, fy, month):
        if args.only and args.only not in name:
            continue
        if args.explain:
            print(f"=== {name}")
            explain(fn)
            continue
        p50, p95, queries, cpu = timed(fn, args.repeat)
        base = ("", "", "", "")
        if has_baseline:
            with rollup.bypassed():
                b50, b95, bq, bcpu = timed(fn, args.repeat)
            base = (f"{b50:.1f}", f"{b95:.1f}", str(bq), f"{bcpu:.1f}")
        if args.markdown:
            print(f"| {name.strip()} | {p50:.1f} | {p95:.1f} | {cpu:.1f} | {queries} | {base[0]} | {base[1]} "
                  f"| {base[3]} | {base[2]} |", flush=True)  # fmt: skip
        else:
            print(f"{name:<46} {p50:8.1f} {p95:8.1f} {cpu:7.1f} {queries:>4} | {base[0]:>9} {base[1]:>9} "
                  f"{base[3]:>7} {base[2]:>4}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
