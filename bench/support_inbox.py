"""Support inbox benchmark: the inbox page (未対応, 自分, 保留, the team's open tickets) with N tickets, keyset-paged as
product does it, against the naive list in the same run (COUNT(*) of the queue plus OFFSET paging) — server time of
the whole page through Django's test client, p50/p95 in ms, for an agent (member: the visibility rule applies) and an
administrator.

    KIZUNA_DATA_DIR=/tmp/kz-inbox [DATABASE_URL=postgres://...] nice -n 10 .venv/bin/python bench/support_inbox.py \
        [--tickets 20000] [--repeat 30] [--explain]

Tickets are bulk-inserted once (status mix of a running center: most resolved or closed, a few thousand open) and
reused by later runs against the same database; `--tickets` tops the table up to that many.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[1] / "src")]  # this checkout's code, not an installed copy


def timed(fn, repeat: int) -> tuple[float, float]:
    fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(int(len(samples) * 0.95) - 1, 0)]


STATUSES = [("closed", 62), ("resolved", 20), ("open", 9), ("waiting", 5), ("new", 4)]


def load(total: int, teams, agents) -> None:
    from django.utils import timezone

    from kizuna.support.models import Ticket, TicketCounter

    have = Ticket.objects.count()
    if have >= total:
        return
    rng = random.Random(7)
    now = timezone.now()
    statuses = [s for s, weight in STATUSES for _ in range(weight)]
    batch, started = [], time.perf_counter()
    for number in range(have + 1, total + 1):
        status = rng.choice(statuses)
        team = rng.choice(teams)
        owner = None if status == "new" or (status == "open" and rng.random() < 0.3) else rng.choice(agents[team.pk])
        batch.append(Ticket(number=number, subject=f"お問い合わせ {number}", status=status, team=team, owner=owner,
                            visibility="team", last_message_at=now - timedelta(minutes=rng.randint(0, 60 * 24 * 730)),
                            priority=rng.choice(["low", "normal", "normal", "high"])))  # fmt: skip
        if len(batch) == 5000:
            Ticket.objects.bulk_create(batch)
            batch = []
    if batch:
        Ticket.objects.bulk_create(batch)
    TicketCounter.objects.update_or_create(pk=1, defaults={"value": total})
    print(f"loaded {total - have} tickets in {time.perf_counter() - started:.1f}s")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--explain", action="store_true", help="print the query plan of each list's first page")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    call_command("migrate", verbosity=0)
    from kizuna.accounts import services as accounts
    from kizuna.accounts.models import User
    from kizuna.support.models import Ticket
    from kizuna.support.services.inbox import inbox

    teams = [accounts.get_or_create_team(actor=None, name=f"サポート{i}") for i in range(1, 6)]
    agents = {}
    for team in teams:
        agents[team.pk] = []
        for i in range(10):
            name = f"agent{team.pk}-{i}"
            user = User.objects.filter(username=name).first() or accounts.create_user(
                actor=None, username=name, password="bench-password-1", role="member", team=team,
                check_password=False)  # fmt: skip
            agents[team.pk].append(user)
    admin = User.objects.filter(username="bench-admin").first() or accounts.create_user(
        actor=None, username="bench-admin", password="bench-password-1", role="admin", team=teams[0],
        check_password=False)  # fmt: skip
    load(args.tickets, teams, agents)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE support_ticket")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    agent = agents[teams[0].pk][0]
    total = Ticket.objects.count()
    sizes = ", ".join(f"{q} {inbox(agent, queue=q).count()}" for q in ("unassigned", "mine", "waiting", "open"))
    print(f"{connection.vendor}: {total} tickets, queue sizes for {agent.username}: {sizes}")

    clients = {}
    for user in (agent, admin):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        clients[user.username] = client

    def page(user, query):
        response = clients[user.username].get("/support/" + query)
        assert response.status_code == 200, response.status_code
        return response

    def second_page_query(user, query):
        import re

        body = page(user, query).content.decode()
        cursor = re.search(r"cursor=([^\"&]+)", body)
        return query + "&cursor=" + cursor.group(1) if cursor else query

    def keyset(user, queue):
        """The inbox's own query: the first page by (last_message_at, id), no count."""
        from kizuna.core.pagination import paginate

        qs = inbox(user, queue=queue).select_related("person", "owner", "channel", "call_reason")
        paginate(qs, sort="-last_message_at", limit=50)

    def bound(user, queue):
        """The keyset query as it was before: the status filter as bound parameters (SQLite cannot prove that it
        implies a partial index's condition, so it sorts every match)."""
        import importlib

        from kizuna.core.pagination import paginate

        module = importlib.import_module("kizuna.support.services.inbox")

        literal = module._status_in
        module._status_in = lambda qs, statuses: qs.filter(status__in=statuses)
        try:
            qs = inbox(user, queue=queue).select_related("person", "owner", "channel", "call_reason")
            paginate(qs, sort="-last_message_at", limit=50)
        finally:
            module._status_in = literal

    def naive(user, queue, page_no):
        """What a list without keyset paging does: count the whole queue, then OFFSET to the page."""
        qs = inbox(user, queue=queue).select_related("person", "owner", "channel", "call_reason")
        qs.count()
        list(qs.order_by("-last_message_at", "-pk")[(page_no - 1) * 50 : page_no * 50])

    if args.explain:
        from kizuna.core.pagination import paginate

        for user in (agent, admin):
            for queue in ("open", "done"):
                qs = inbox(user, queue=queue).order_by("-last_message_at", "-pk")[:51]
                print(f"--- {user.username} {queue}\n{qs.explain()}")
        del paginate
    rows = []
    for user in (agent, admin):
        for queue in ("unassigned", "mine", "waiting", "open", "done"):
            for team in ("", f"&team={teams[0].pk}"):
                if queue == "mine" and team:
                    continue
                query = f"?queue={queue}{team}"
                p1 = timed(lambda q=query, u=user: page(u, q), args.repeat)
                q2 = second_page_query(user, query)
                p2 = timed(lambda q=q2, u=user: page(u, q), args.repeat)
                k1 = timed(lambda u=user, qu=queue: keyset(u, qu), args.repeat)
                b1 = timed(lambda u=user, qu=queue: bound(u, qu), args.repeat)
                n1 = timed(lambda u=user, qu=queue: naive(u, qu, 1), args.repeat)
                n20 = timed(lambda u=user, qu=queue: naive(u, qu, 20), args.repeat)
                rows.append((user.username, query, p1, p2, k1, b1, n1, n20))
    print("\npage = the whole inbox page (view + template); query = the list's queries alone: keyset (the inbox's),"
          " the same with the status filter as bound parameters (before), and the naive COUNT(*) + OFFSET list at"
          " page 1 and page 20. p50/p95 in ms.")  # fmt: skip
    print(f"{'user':<12} {'inbox':<28} {'page 1':>15} {'page 2':>15} {'query keyset':>15} {'keyset, bound IN':>16}"
          f"{'query naive p1':>15} {'query naive p20':>15}")  # fmt: skip
    for name, query, *cells in rows:
        print(f"{name:<12} {query:<28} " + " ".join(f"{c[0]:7.1f}/{c[1]:7.1f}" for c in cells))
    worst_page = max(max(r[2][1], r[3][1]) for r in rows)
    worst_query = max(r[4][1] for r in rows)
    print(f"\nworst p95: inbox page {worst_page:.1f} ms, keyset query {worst_query:.1f} ms (target ≤ 100 ms)")


if __name__ == "__main__":
    main()
