"""Sales data at scale for the analytics benchmarks: teams and reps with Japanese names, two pipelines (the default
for the domestic teams, an export pipeline for 海外営業部), companies, deals over three fiscal years with their stage
history, activities with our participants (joint visits with engineers), and monthly targets.

Rows go straight into the tables with executemany (no services, no model instances): this measures reads. The deal
rollup is rebuilt by the caller afterwards (`rollup.rebuild()`), as an operator would after a bulk load.

The shape follows a real B2B sales book rather than uniform noise: a deal is created on a working day, stays open for
weeks to months and then closes (about 40 % won, 60 % lost), so most open deals are recent; a few old ones are left
open and forgotten (停滞). Expected close dates run up to half a year ahead. Loading is resumable: a later run tops
the data up to the asked size.
"""

import random
from datetime import date, datetime, timedelta

TEAMS = ["東日本営業部", "西日本営業部", "中部営業部", "九州営業部", "海外営業部", "第二営業部", "官公庁営業部"]
PRODUCTS = ["射出成形機", "金型", "搬送ライン", "検査装置", "産業用ロボット", "制御盤", "保守契約", "治具",
            "工作機械", "集塵装置", "試作品", "受託加工"]  # fmt: skip
KINDS = ["更新", "新規導入", "増設", "改造", "年間契約", "スポット", "リプレース"]
REASONS = ["価格", "納期", "仕様不適合", "競合に決定", "予算凍結", "計画中止", ""]
STEPS = ["", "見積提出", "訪問", "デモ", "技術打合せ", "稟議待ち"]
ACTIVITY_KINDS = ["visit", "visit", "call", "call", "email", "meeting", "plant_tour", "note"]
BATCH = 10_000


def insert(model, rows: list[dict], first_id: int | None = None) -> None:
    """Rows straight into the table with executemany, in the column form Django would write; with first_id, explicit
    ids from it (the sequence is moved past them on PostgreSQL)."""
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


def next_id(model) -> int:
    from django.db.models import Max

    return (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1


def _users(n_teams: int, reps_per_team: int, rng):
    from faker import Faker

    from kizuna.accounts import services as accounts
    from kizuna.accounts.models import User

    fake = Faker("ja_JP")
    fake.seed_instance(7)
    teams = [accounts.get_or_create_team(actor=None, name=name) for name in (TEAMS * 3)[:n_teams]]
    tech = accounts.get_or_create_team(actor=None, name="技術部")

    def user(username, role, team):
        found = User.objects.filter(username=username).first()
        name = f"{fake.last_name_pair()[0]} {fake.first_name_pair()[0]}"
        return found or accounts.create_user(actor=None, username=username, password=None, role=role, team=team,
                                             display_name=name, check_password=False)  # fmt: skip

    user("bench-admin", "admin", teams[0])
    for t, team in enumerate(teams):
        user(f"bench-manager-{t}", "manager", team)
    reps = [user(f"bench-rep-{t}-{r}", "member", team) for t, team in enumerate(teams) for r in range(reps_per_team)]
    engineers = [user(f"bench-eng-{i}", "member", tech) for i in range(6)]
    return teams, tech, reps, engineers, fake


def _pipelines(teams):
    from kizuna.sales.models import Pipeline, Stage

    default = Pipeline.objects.get(is_default=True)
    export_team = next((t for t in teams if t.name == "海外営業部"), None)
    pipelines = {None: default}
    if export_team is not None:
        export = Pipeline.objects.filter(name="輸出案件").first()
        if export is None:
            export = Pipeline.objects.create(name="輸出案件", team=export_team)
            for order, (name, probability, kind) in enumerate([
                ("引合", 10, "open"), ("仕様確認", 20, "open"), ("技術検討", 40, "open"),
                ("見積・条件提示", 60, "open"), ("契約交渉", 80, "open"), ("受注", 100, "won"), ("失注", 0, "lost"),
            ]):  # fmt: skip
                Stage.objects.create(pipeline=export, name=name, probability=probability, kind=kind, order=order)
        pipelines[export_team.pk] = export
    return pipelines


def _companies(n: int, fake, rng) -> list[int]:
    from kizuna.contacts.models import Company
    from kizuna.core import japanese

    have = list(Company.objects.filter(notes="bench").values_list("pk", flat=True))
    if len(have) >= n:
        return have
    rows = []
    for _i in range(len(have), n):
        name = (
            fake.company()
            if rng.random() < 0.6
            else f"{fake.last_name()}{rng.choice(['製作所', '工業', '精機'])}株式会社"
        )
        rows.append(Company(name=name, name_key=japanese.company_key(name), name_search=japanese.search_text(name),
                            visibility="public", notes="bench",
                            industry=rng.choice(["製造業", "機械器具製造", "自動車部品", "化学", "食品"])))  # fmt: skip
    Company.objects.bulk_create(rows, batch_size=5000)
    return list(Company.objects.filter(notes="bench").values_list("pk", flat=True))


def load(n_deals: int, n_teams: int, reps_per_team: int, activities_per_deal: float, today: date) -> None:
    """Tops the data up to n_deals deals and n_deals × activities_per_deal activities."""
    from django.db import connection, transaction
    from django.utils import timezone

    from kizuna.sales.models import Deal, DealStageChange, KpiDefinition

    have = Deal.objects.count()
    rng = random.Random(7 + have)
    teams, tech, reps, engineers, fake = _users(n_teams, reps_per_team, rng)
    pipelines = _pipelines(teams)
    stage_sets = {}
    for key, pipeline in pipelines.items():
        stages = list(pipeline.stages.order_by("order"))
        stage_sets[key] = ([s for s in stages if s.kind == "open"], next(s for s in stages if s.kind == "won"),
                           next(s for s in stages if s.kind == "lost"))  # fmt: skip
    company_ids = _companies(max(n_deals // 40, 50), fake, rng)
    tz = timezone.get_current_timezone()
    now = timezone.now()
    start_month = 4
    fy_now = today.year if today.month >= start_month else today.year - 1
    first = date(fy_now - 2, start_month, 1)  # three fiscal years: two whole ones and this one so far
    span = (today - first).days
    for start in range(have, n_deals, BATCH):
        deals, paths = [], []
        for _i in range(start, min(start + BATCH, n_deals)):
            owner = reps[rng.randrange(len(reps))]
            open_stages, won, lost = stage_sets.get(owner.team_id, stage_sets[None])
            created_day = first + timedelta(days=rng.randrange(span))
            while created_day.weekday() >= 5:
                created_day -= timedelta(days=1)
            created = datetime.combine(created_day, datetime.min.time(), tzinfo=tz) + timedelta(
                hours=rng.randrange(9, 19), minutes=rng.randrange(60)
            )
            age = (today - created_day).days
            duration = int(rng.expovariate(1 / 75)) + 7  # days until it closes
            still_open = duration > age or rng.random() < 0.02  # not decided yet, or forgotten (停滞)
            reached = rng.randrange(1, len(open_stages) + 1)
            if still_open:
                stage, closed = open_stages[reached - 1], None
            else:
                stage = won if rng.random() < 0.4 else lost
                closed = created + timedelta(days=min(duration, age), hours=rng.randrange(0, 5))
            amount = rng.choice([rng.randrange(300_000, 3_000_000, 10_000),
                                 rng.randrange(1_000_000, 30_000_000, 100_000),
                                 rng.randrange(5_000_000, 120_000_000, 1_000_000)])  # fmt: skip
            expected = (created + timedelta(days=rng.randrange(30, 200))).date()
            if still_open and expected < today:
                expected = today + timedelta(days=rng.randrange(0, 180))
            touched = min(now, created + timedelta(days=rng.randrange(0, max(1, min(duration, age) + 1))))
            deals.append({
                "title": f"{fake.last_name()}様 {rng.choice(PRODUCTS)} {rng.choice(KINDS)}",
                "company_id": company_ids[rng.randrange(len(company_ids))],
                "pipeline_id": stage.pipeline_id, "stage_id": stage.pk, "amount": amount,
                "owner_id": owner.pk, "team_id": owner.team_id,
                "visibility": rng.choice(["team", "team", "team", "private", "public"]),
                "probability": rng.choice([None, None, None, 30, 70]) if still_open else None,
                "expected_close_on": expected, "won_on": closed.astimezone(tz).date() if stage == won else None,
                "closed_at": closed, "lost_reason": rng.choice(REASONS) if stage == lost else "",
                "next_step": rng.choice(STEPS) if still_open else "",
                "source": rng.choice(["trade_show", "referral", "web", "existing", "outbound"]),
                "last_activity_at": touched, "created_at": created, "updated_at": closed or touched,
                "stage_entered_at": closed or created,
            })  # fmt: skip
            path = open_stages[:reached] + ([] if still_open else [stage])
            paths.append((created, closed, path))
        first_id = next_id(Deal)
        changes = []
        for k, (created, closed, path) in enumerate(paths):
            previous = None
            for step, s in enumerate(path):
                at = closed if (closed and step == len(path) - 1) else created + timedelta(days=4 * step)
                changes.append({"deal_id": first_id + k, "from_stage_id": previous, "to_stage_id": s.pk, "at": at})
                previous = s.pk
        with transaction.atomic():
            insert(Deal, deals, first_id)
            insert(DealStageChange, changes)
    _activities(int(n_deals * activities_per_deal), reps, engineers, first, span, tz, rng)
    _targets(reps, first, rng)
    KpiDefinition.objects.filter(key="site_visits").update(technical_team=tech)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _activities(n_acts: int, reps, engineers, first: date, span: int, tz, rng) -> None:
    from django.db import transaction

    from kizuna.timeline.models import Activity

    through = Activity.our_participants.through
    for start in range(Activity.objects.count(), n_acts, BATCH):
        acts, links = [], []
        first_id = next_id(Activity)
        for k in range(min(BATCH, n_acts - start)):
            rep = reps[rng.randrange(len(reps))]
            when = datetime.combine(first + timedelta(days=rng.randrange(span)), datetime.min.time(), tzinfo=tz)
            when += timedelta(hours=rng.randrange(8, 19))
            acts.append({"kind": rng.choice(ACTIVITY_KINDS), "occurred_at": when, "subject": "打合せ・訪問記録",
                         "recorded_by_id": rep.pk, "owner_id": rep.pk, "team_id": rep.team_id, "visibility": "team",
                         "created_at": when, "updated_at": when})  # fmt: skip
            links.append({"activity_id": first_id + k, "user_id": rep.pk})
            if rng.random() < 0.15:
                links.append({"activity_id": first_id + k, "user_id": engineers[rng.randrange(len(engineers))].pk})
        with transaction.atomic():
            insert(Activity, acts, first_id)
            insert(through, links)


def _targets(reps, first: date, rng) -> None:
    from kizuna.sales.models import Target

    if Target.objects.filter(user__username__startswith="bench-rep-").exists():
        return
    rows = []
    for rep in reps:
        month = first
        for _m in range(48):
            rows.append(Target(user=rep, month=month, metric="revenue", value=rng.randrange(10, 60) * 1_000_000))
            rows.append(Target(user=rep, month=month, metric="visits", value=rng.randrange(10, 30)))
            month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    Target.objects.bulk_create(rows, batch_size=2000)
