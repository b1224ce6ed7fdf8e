"""Screen pop benchmark: an incoming call's ringing event through `POST /hooks/cti/<channel>` (signature check,
caller lookup by phone digits, the call stored) and the agent's pop (`GET /support/cti/pop/`: the caller, open
tickets, last contacts, insight cards) — server time through Django's full request stack — beside a baseline in
the same run: the same caller lookup by a suffix match over the contact points (what one does without the
normalized digits column), which cannot use the index. Wall time and the process's CPU time are both printed:
on a shared, busy machine the CPU time is the server's own work (on SQLite it includes the database's).

    KIZUNA_DATA_DIR=/tmp/kz-pop [DATABASE_URL=postgres://...] nice -n 10 .venv/bin/python bench/screen_pop.py \
        [--people 50000] [--calls 200]

The people (one mobile number each) are bulk-inserted once; 300 of them get tickets, activities and insights so
that the pops carry content. Target: p95 ≤ 100 ms at 1,000,000 people (`--people 1000000`).
"""

import argparse
import json
import os
import random
import statistics
import time
import uuid


def _stats(times):
    times = sorted(times)
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]


def _phone(i: int) -> tuple[str, str]:
    digits = f"090{i:08d}"
    return f"{digits[:3]}-{digits[3:7]}-{digits[7:]}", digits


def _rows_sql(model, template, vary: dict):
    """An INSERT for `model` and a function making each row's values: the template instance's values with the
    `vary` fields replaced (raw executemany: the ORM's per-object work would dominate a 1M-row load)."""
    from django.db import connection

    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    base = [f.get_db_prep_save(getattr(template, f.attname), connection) for f in fields]
    slots = {name: i for i, f in enumerate(fields) for name in (f.name, f.attname) if name in vary}

    def row(**values):
        out = list(base)
        for name, value in values.items():
            out[slots[name]] = value
        return out

    return f"INSERT INTO {model._meta.db_table} ({columns}) VALUES ({marks})", row


def load(people: int, admin, team) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from kizuna.contacts.models import ContactPoint, Person
    from kizuna.core.japanese import search_text

    have = Person.objects.count()
    families = ["佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤"]
    givens = ["健", "花子", "一郎", "優", "陽子", "翔", "美咲", "大輔"]
    now = timezone.now()
    person_sql, person_row = _rows_sql(
        Person,
        Person(family_name="x", owner=admin, team=team, visibility="public", created_at=now, updated_at=now),
        {"family_name", "given_name", "name_search"},
    )
    point_sql, point_row = _rows_sql(
        ContactPoint,
        ContactPoint(person_id=0, kind="phone", label="mobile", value="x", normalized="x", e164="x"),
        {"person_id", "value", "normalized", "e164"},
    )
    names = {(f, g): search_text(f + g) for f in families for g in givens}
    started = time.monotonic()
    for start in range(have, people, 20_000):
        end = min(people, start + 20_000)
        with transaction.atomic(), connection.cursor() as cursor:
            rows = []
            for i in range(start, end):
                family, given = families[i % 10], givens[i % 8]
                rows.append(person_row(family_name=family, given_name=given, name_search=names[family, given]))
            cursor.executemany(person_sql, rows)
            ids = list(Person.objects.order_by("-pk").values_list("pk", flat=True)[: end - start])[::-1]
            points = []
            for offset, pk in enumerate(ids):
                value, digits = _phone(start + offset)
                points.append(point_row(person_id=pk, value=value, normalized=digits, e164="+81" + digits[1:]))
            cursor.executemany(point_sql, points)
    if people > have:
        print(f"loaded {people - have} people in {time.monotonic() - started:.0f}s")


def enrich(admin, team, count: int) -> list[int]:
    """Tickets, activities and insights for `count` people (once)."""
    from django.db import transaction
    from django.db.models import Max
    from django.utils import timezone

    from kizuna.contacts.models import Person
    from kizuna.support.models import Ticket
    from kizuna.timeline.models import Activity, Insight

    ids = list(Person.objects.order_by("pk").values_list("pk", flat=True)[:count])
    if Ticket.objects.filter(person_id=ids[0]).exists():
        return ids
    now = timezone.now()
    number = (Ticket.objects.aggregate(n=Max("number"))["n"] or 0) + 1
    common = {"owner": admin, "team": team, "visibility": "public", "created_at": now, "updated_at": now}
    with transaction.atomic():
        tickets, activities, insights = [], [], []
        for pk in ids:
            for j in range(2):
                tickets.append(Ticket(number=number, subject=f"配送について {j}", person_id=pk, status="open",
                                      last_message_at=now, **common))  # fmt: skip
                number += 1
            for j in range(4):
                activities.append(Activity(kind="call", subject=f"問い合わせ対応 {j}", body="折り返し済み",
                                           recorded_by=admin, source="phone", occurred_at=now, **common))  # fmt: skip
            insights.append(Insight(person_id=pk, statement="納期より仕様に厳しい", recorded_by=admin, **common))
        Ticket.objects.bulk_create(tickets, batch_size=2000)
        made = Activity.objects.bulk_create(activities, batch_size=2000)
        through = Activity.people.through
        through.objects.bulk_create([through(activity_id=a.pk, person_id=ids[i // 4]) for i, a in enumerate(made)])
        Insight.objects.bulk_create(insights, batch_size=2000)
    return ids


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--baseline-calls", type=int, default=20)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from kizuna.accounts import services as accounts
    from kizuna.accounts.models import User
    from kizuna.contacts.models import ContactPoint, Person
    from kizuna.core.japanese import parse_phone
    from kizuna.support.cti.services import caller_matches
    from kizuna.support.models import AgentExtension, Call, Channel
    from kizuna.webhooks.signing import headers, new_secret

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    admin = User.objects.filter(username="pop-agent").first()
    team = accounts.get_or_create_team(actor=None, name="サポート")
    if admin is None:
        admin = accounts.create_user(actor=None, username="pop-agent", password="bench-password-123", role="admin",
                                     team=team, check_password=False)  # fmt: skip
    AgentExtension.objects.get_or_create(user=admin, defaults={"extension": "201"})
    secret = new_secret()
    channel, _ = Channel.objects.update_or_create(
        slug="bench-pbx", defaults={"kind": "phone", "name": "PBX", "secret": secret}
    )
    load(args.people, admin, team)
    rich = enrich(admin, team, 300)
    total = Person.objects.count()
    rng = random.Random(11)
    hook, agent = Client(), Client()
    agent.force_login(admin)

    hook_ms, pop_ms, lookup_ms, baseline_ms = [], [], [], []
    hook_cpu, pop_cpu = [], []  # CPU time of this process: the server's own work, whatever else the machine runs
    for n in range(args.calls):
        index = rng.choice(range(300)) if n % 2 == 0 else rng.randrange(total)
        value, _digits = _phone(index)
        body = json.dumps({"type": "ringing", "call_id": uuid.uuid4().hex, "caller": value, "extension": "201",
                           "occurred_at": timezone.now().isoformat()}).encode()  # fmt: skip
        signed = headers(message_id=f"msg_{uuid.uuid4().hex}", body=body, at=timezone.now(), secrets_=[secret])
        started, cpu = time.perf_counter(), time.process_time()
        response = hook.post(f"/hooks/cti/{channel.slug}", data=body, content_type="application/json", headers=signed)
        hook_ms.append((time.perf_counter() - started) * 1000)
        hook_cpu.append((time.process_time() - cpu) * 1000)
        assert response.status_code == 200, response.content
        started, cpu = time.perf_counter(), time.process_time()
        page = agent.get("/support/cti/pop/", {"seen": "none"})
        pop_ms.append((time.perf_counter() - started) * 1000)
        pop_cpu.append((time.process_time() - cpu) * 1000)
        assert page.status_code == 200 and b"cti-panel" in page.content, page.status_code
        Call.objects.filter(agent=admin, dismissed_at=None).update(dismissed_at=timezone.now())
        started = time.perf_counter()
        found = caller_matches(value)
        lookup_ms.append((time.perf_counter() - started) * 1000)
        assert len(found) == 1
    for _n in range(args.baseline_calls):
        value, _digits = _phone(rng.randrange(total))
        started = time.perf_counter()
        tail = parse_phone(value).digits[-8:]
        found = list(
            ContactPoint.objects.filter(kind="phone", normalized__endswith=tail).values_list("person_id", flat=True)[:5]
        )
        baseline_ms.append((time.perf_counter() - started) * 1000)
        assert found

    phones = ContactPoint.objects.filter(kind="phone").count()
    print(f"database: {connection.vendor}, people: {total}, phone contact points: {phones}, "
          f"people with tickets/insights: {len(rich)}")  # fmt: skip
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")
    print(f"{'step':<52}{'n':>6}{'p50 ms':>10}{'p95 ms':>10}{'cpu p50':>10}{'cpu p95':>10}")
    both = [a + b for a, b in zip(hook_ms, pop_ms, strict=True)]
    both_cpu = [a + b for a, b in zip(hook_cpu, pop_cpu, strict=True)]
    for label, times, cpu in (
        ("ringing event: POST /hooks/cti/<channel>", hook_ms, hook_cpu),
        ("screen pop: GET /support/cti/pop/", pop_ms, pop_cpu),
        ("ringing + pop (server time of one screen pop)", both, both_cpu),
        ("caller lookup by normalized digits (ours)", lookup_ms, None),
        ("caller lookup by suffix match (baseline)", baseline_ms, None),
    ):
        p50, p95 = _stats(times)
        cpu_cols = "".join(f"{v:>10.1f}" for v in _stats(cpu)) if cpu else ""
        print(f"{label:<52}{len(times):>6}{p50:>10.1f}{p95:>10.1f}{cpu_cols}")


if __name__ == "__main__":
    main()
