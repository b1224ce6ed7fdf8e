"""Deal board benchmark: the board page (kanban of one pipeline's open deals, with totals per stage) with 500 open
deals among a larger set of closed ones, beside the company list page (a 25-row keyset page) in the same run.

    KIZUNA_DATA_DIR=/tmp/kz-bench [DATABASE_URL=postgres://...] nice -n 10 .venv/bin/python bench/deals_board.py \
        [--deals 20000] [--open 500] [--repeat 30]

Generates its data once per database (companies and deals written in bulk, not through the services: this measures
reads), then times full GET requests through Django's test client (middleware, session, role, template) for a
member of the owners' team: p50/p95 in milliseconds and the number of SQL queries per request. `--deals 200000`
is the issue's size; the default keeps a development run short.
"""

import argparse
import os
import random
import statistics
import time


def timed(fn, repeat: int) -> tuple[float, float]:
    fn()  # warm caches (templates, role row, statement cache)
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


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
    parser.add_argument("--open", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    call_command("migrate", verbosity=0)
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    seed(args.deals, args.open, random.Random(7))

    from kizuna.accounts.models import User
    from kizuna.sales.models import Deal

    user = User.objects.get(username="bench-rep0")
    client = Client()
    client.force_login(user)
    open_deals = Deal.objects.alive().filter(stage__kind="open").count()
    print(f"database {connection.vendor}, deals {Deal.objects.count()}, open {open_deals}, "
          f"visible to the rep {Deal.objects.visible_to(user).count()}")  # fmt: skip
    cases = {
        "board (all open deals)": "/sales/board/",
        "deal list (25 rows + totals)": "/sales/deals/",
        "baseline: company list (25 rows)": "/companies/",
    }
    print(f"{'page':<34} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8} {'KB':>6}")
    for name, url in cases.items():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        with CaptureQueriesContext(connection) as queries:
            size = len(client.get(url).content)
        p50, p95 = timed(lambda url=url: client.get(url), args.repeat)
        print(f"{name:<34} {p50:>8.1f} {p95:>8.1f} {len(queries):>8} {size // 1024:>6}")


if __name__ == "__main__":
    main()
