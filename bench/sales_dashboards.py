"""Sales forecast and dashboards at scale: the fiscal-year forecast and the team dashboard (every number on the page:
target vs actual, forecast by month/quarter/rep, pipeline by stage, activity KPIs, 停滞案件, funnel, win rate, lost
reasons) against a baseline in the same run — a plain count of the deals the same manager may see.

    KIZUNA_DATA_DIR=/tmp/kz-sales-bench [DATABASE_URL=postgres://...] nice -n 10 .venv/bin/python \
        bench/sales_dashboards.py --deals 200000 --repeat 30

Generates the data once (deals over three fiscal years in every stage, with stage history; activities with our
participants; targets) into an empty database, migrating it first; later runs reuse it. Each timing is a fresh user
object (as on a request) and the service call the page and the API make; p50/p95 in ms.
"""

import argparse
import os
import random
import statistics
import time
from datetime import date, datetime, timedelta


def timed(fn, repeat: int) -> tuple[float, float]:
    fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(int(len(samples) * 0.95) - 1, 0)]


def _insert(model, rows: list[dict], first_id: int | None = None) -> None:
    """Rows straight into the table with executemany (no model instances), in the column form Django would write;
    with first_id, explicit ids from it (the sequence is moved past them on PostgreSQL)."""
    from django.db import connection

    fields = [f for f in model._meta.concrete_fields if first_id is not None or not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({columns}) VALUES ({marks})"
    defaults = {f.attname: f.get_default() for f in fields}
    values = []
    for i, row in enumerate(rows):
        if first_id is not None:
            row = {model._meta.pk.attname: first_id + i, **row}
        merged = {**defaults, **row}
        values.append([f.get_db_prep_save(merged[f.attname], connection) for f in fields])
    with connection.cursor() as cursor:
        cursor.executemany(sql, values)
        if first_id is not None and connection.vendor == "postgresql":
            table = model._meta.db_table
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")


def _next_id(model) -> int:
    from django.db.models import Max

    return (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1


def _load(n_deals: int, n_teams: int, reps_per_team: int, activities_per_deal: float) -> None:
    """Tops the data up to n_deals deals and n_deals × activities_per_deal activities (resumable)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from kizuna.accounts import services as account_services
    from kizuna.accounts.models import User
    from kizuna.contacts.models import Company
    from kizuna.sales.models import Deal, DealStageChange, KpiDefinition, Pipeline, Target
    from kizuna.timeline.models import Activity

    rng = random.Random(7 + Deal.objects.count())
    tz = timezone.get_current_timezone()
    teams = [account_services.get_or_create_team(actor=None, name=f"営業{i + 1}部") for i in range(n_teams)]
    tech = account_services.get_or_create_team(actor=None, name="技術部")

    def user(name, role, team):
        found = User.objects.filter(username=name).first()
        return found or account_services.create_user(actor=None, username=name, password=None, role=role, team=team,
                                                     check_password=False)  # fmt: skip

    user("bench-admin", "admin", teams[0])
    for t, team in enumerate(teams):
        user(f"bench-manager-{t}", "manager", team)
    reps = [user(f"bench-rep-{t}-{r}", "member", team) for t, team in enumerate(teams) for r in range(reps_per_team)]
    engineers = [user(f"bench-eng-{i}", "member", tech) for i in range(5)]
    now = timezone.now()
    if not Company.objects.filter(name__startswith="株式会社ベンチ").exists():
        Company.objects.bulk_create(
            Company(name=f"株式会社ベンチ{i}", name_key=f"べんち{i}", name_search=f"べんち{i}", visibility="public")
            for i in range(max(n_deals // 50, 10))
        )
    company_ids = list(Company.objects.filter(name__startswith="株式会社ベンチ").values_list("pk", flat=True))
    pipeline = Pipeline.objects.get(is_default=True)
    stages = list(pipeline.stages.all())
    open_stages = [s for s in stages if s.kind == "open"]
    won = next(s for s in stages if s.kind == "won")
    lost = next(s for s in stages if s.kind == "lost")
    today = timezone.localdate()
    first = date(today.year - 2, 1, 1)
    span = (date(today.year + 1, 12, 31) - first).days
    reasons = ["価格", "納期", "仕様", "競合に決定", "予算凍結", ""]
    batch = 10000
    have = Deal.objects.count()
    for start in range(have, n_deals, batch):
        deals, changes = [], []
        for i in range(start, min(start + batch, n_deals)):
            owner = reps[rng.randrange(len(reps))]
            created = datetime.combine(first + timedelta(days=rng.randrange(span)), datetime.min.time(), tzinfo=tz)
            roll = rng.random()
            stage = won if roll < 0.25 else lost if roll < 0.4 else rng.choice(open_stages)
            closed = created + timedelta(days=rng.randrange(10, 200)) if stage.kind != "open" else None
            deals.append({
                "title": f"ベンチ案件{i}", "company_id": company_ids[rng.randrange(len(company_ids))],
                "pipeline_id": pipeline.pk, "stage_id": stage.pk, "amount": rng.randrange(100_000, 30_000_000, 10_000),
                "owner_id": owner.pk, "team_id": owner.team_id,
                "visibility": rng.choice(["team", "team", "team", "private", "public"]),
                "probability": rng.choice([None, None, None, 30, 70]) if stage.kind == "open" else None,
                "expected_close_on": (created + timedelta(days=rng.randrange(20, 240))).date(),
                "won_on": closed.date() if stage.kind == "won" else None, "closed_at": closed,
                "lost_reason": rng.choice(reasons) if stage.kind == "lost" else "",
                "next_step": rng.choice(["", "見積提出", "訪問", "デモ"]) if stage.kind == "open" else "",
                "last_activity_at": min(now, created + timedelta(days=rng.randrange(0, 120))),
                "created_at": created, "updated_at": created, "stage_entered_at": created,
            })  # fmt: skip
        first_id = _next_id(Deal)
        for k, d in enumerate(deals):
            stage = next(s for s in stages if s.pk == d["stage_id"])
            path = open_stages[: rng.randrange(1, len(open_stages) + 1)]
            if stage.kind != "open" or stage not in path:
                path = [*path, stage]
            previous = None
            for step, s in enumerate(path):
                changes.append({"deal_id": first_id + k, "from_stage_id": previous, "to_stage_id": s.pk,
                                "at": d["created_at"] + timedelta(days=3 * step)})  # fmt: skip
                previous = s.pk
        with transaction.atomic():
            _insert(Deal, deals, first_id)
            _insert(DealStageChange, changes)
    through = Activity.our_participants.through
    kinds = ["visit", "visit", "call", "email", "meeting", "plant_tour", "note"]
    n_acts = int(n_deals * activities_per_deal)
    for start in range(Activity.objects.count(), n_acts, batch):
        acts, links = [], []
        first_id = _next_id(Activity)
        for k in range(min(batch, n_acts - start)):
            rep = reps[rng.randrange(len(reps))]
            when = datetime.combine(first + timedelta(days=rng.randrange(span)), datetime.min.time(), tzinfo=tz)
            acts.append({"kind": rng.choice(kinds), "occurred_at": when, "subject": "ベンチ活動",
                         "recorded_by_id": rep.pk, "owner_id": rep.pk, "team_id": rep.team_id, "visibility": "team",
                         "created_at": when, "updated_at": when})  # fmt: skip
            links.append({"activity_id": first_id + k, "user_id": rep.pk})
            if rng.random() < 0.15:
                links.append({"activity_id": first_id + k, "user_id": engineers[rng.randrange(len(engineers))].pk})
        with transaction.atomic():
            _insert(Activity, acts, first_id)
            _insert(through, links)
    if not Target.objects.filter(user__username__startswith="bench-rep-").exists():
        targets = []
        for rep in reps:
            month = date(today.year - 1, 1, 1)
            for _m in range(36):
                targets.append(Target(user=rep, month=month, metric="revenue", value=rng.randrange(5, 30) * 1_000_000))
                targets.append(Target(user=rep, month=month, metric="visits", value=rng.randrange(10, 30)))
                month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        Target.objects.bulk_create(targets, batch_size=2000)
    KpiDefinition.objects.filter(key="site_visits").update(technical_team=tech)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--deals", type=int, default=20000)
    parser.add_argument("--teams", type=int, default=5)
    parser.add_argument("--reps", type=int, default=8, help="reps per team")
    parser.add_argument("--activities-per-deal", type=float, default=2.0)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    _load(args.deals, args.teams, args.reps, args.activities_per_deal)
    loaded = time.perf_counter() - started

    from kizuna.accounts.models import User
    from kizuna.sales.models import Deal, SalesSettings
    from kizuna.sales.services import dashboards, kpi
    from kizuna.sales.services import forecast as fc
    from kizuna.timeline.models import Activity

    manager = User.objects.get(username="bench-manager-0")
    admin = User.objects.get(username="bench-admin")
    rep = User.objects.get(username="bench-rep-0-0")
    start_month = SalesSettings.current().fiscal_year_start_month
    fy = fc.fiscal_year(fc.fiscal_year_of(date.today(), start_month), start_month)

    def fresh(u):
        return User.objects.get(pk=u.pk)

    def as_team(fn):
        def run():
            m = fresh(manager)
            return fn(m, fc.resolve_subject(m, "team"))

        return run

    cases = [
        ("baseline: count of all deals", lambda: Deal.objects.count()),
        ("baseline: count of the deals a manager sees", lambda: Deal.objects.visible_to(fresh(manager)).count()),
        ("forecast, fiscal year, team (with per-rep rows)",
         as_team(lambda m, s: fc.forecast(m, s, fy, breakdown=True))),
        ("forecast, fiscal year, rep", lambda: fc.forecast(fresh(rep), fc.resolve_subject(fresh(rep), "rep"), fy)),
        ("forecast, fiscal year, company (admin, per team)",
         lambda: fc.forecast(fresh(admin), fc.resolve_subject(fresh(admin), "company"), fy, breakdown=True)),
        ("team dashboard (whole page payload)", as_team(lambda m, s: dashboards.dashboard(m, s))),
        ("  of which: activity KPIs of the month", as_team(lambda m, s: kpi.kpi_counts(m, s, fc.month_period(
            date.today()), by_rep=True))),
        ("  of which: funnel (fiscal year)", as_team(lambda m, s: kpi.funnel(m, s, fy))),
        ("  of which: 停滞案件", as_team(lambda m, s: kpi.stale_summary(m, s))),
        ("my dashboard (rep)", lambda: dashboards.dashboard(fresh(rep), fc.resolve_subject(fresh(rep), "rep"))),
        ("company dashboard (admin)",
         lambda: dashboards.dashboard(fresh(admin), fc.resolve_subject(fresh(admin), "company"))),
    ]  # fmt: skip
    print(f"database: {connection.vendor}; deals: {Deal.objects.count():,}; activities: {Activity.objects.count():,}"
          f"; data load: {loaded:.1f} s; repeat: {args.repeat}")  # fmt: skip
    print(f"{'case':<52} {'p50 ms':>8} {'p95 ms':>8}")
    for name, fn in cases:
        p50, p95 = timed(fn, args.repeat)
        print(f"{name:<52} {p50:8.1f} {p95:8.1f}")


if __name__ == "__main__":
    main()
