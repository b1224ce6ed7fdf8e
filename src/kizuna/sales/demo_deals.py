"""Demo deals (core.demo): three months of deals for every rep, in every stage of the default pipeline, written
through the deal services. Each deal is created on its first day and moved stage by stage on later days, so the
stage history, time in stage, won dates and 停滞 read like a real quarter; some activities are linked to deals.

The services read the time from `django.utils.timezone.now`; the loader sets that clock to each step's day while it
writes (demo data only: nothing else runs meanwhile)."""

from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

from django.utils import timezone

from kizuna.contacts.models import Company, Person
from kizuna.core.permissions import has_perm

from .models import DealContact, DealSource, Pipeline
from .services import deals as services

TITLES = ["第2工場 検査治具更新", "生産ライン自動化", "金型更新", "保守契約更新", "設備増設", "試作部品",
          "量産部品 年間契約", "搬送装置の入替", "画像検査装置の導入", "省エネ改修"]  # fmt: skip
NEXT_STEPS = ["見積送付", "工場見学の日程調整", "技術打合せ", "稟議の確認", "サンプル提出", "価格交渉", ""]
LOST_REASONS = ["価格で競合に負けた", "予算凍結", "仕様が合わなかった", "時期未定で保留", "納期が合わなかった"]
COMPETITORS = ["A社", "B精機", "C工業", ""]
ROLES = [DealContact.Role.DECISION_MAKER, DealContact.Role.OWNER, DealContact.Role.INFLUENCER,
         DealContact.Role.CONTACT]  # fmt: skip
DEALS_PER_REP = 24


@contextmanager
def clock(when):
    with mock.patch("django.utils.timezone.now", return_value=when):
        yield


def load(users, rng) -> str:
    reps = [u for u in users if has_perm(u, "deal", "create") and not u.is_superuser and u.username != "admin"]
    pipeline = Pipeline.objects.get(is_default=True)
    stages = list(pipeline.stages.order_by("order"))
    open_stages = [s for s in stages if s.kind == "open"]
    won = next(s for s in stages if s.kind == "won")
    lost = next(s for s in stages if s.kind == "lost")
    now = timezone.now()
    counts = {"deals": 0, "moves": 0, "won": 0, "lost": 0}
    for rep in reps:
        companies = list(Company.objects.visible_to(rep).filter(owner=rep).order_by("pk")[:DEALS_PER_REP])
        for n, company in enumerate(companies):
            people = list(Person.objects.visible_to(rep).filter(company=company).order_by("pk")[:3])
            # every stage gets deals: the first ones of each rep walk the stages in turn, then at random
            target = [*open_stages, won, lost][n] if n < len(stages) else rng.choice(stages)
            _deal(rep, company, people, target, open_stages, won, lost, rng, now, counts)
    return ", ".join(f"{k} {v}" for k, v in counts.items())


def _deal(rep, company, people, target, open_stages, won, lost, rng, now, counts) -> None:
    day = now - timedelta(days=rng.randint(20, 90), hours=rng.randint(0, 8))
    amount = rng.randint(5, 300) * 100_000
    contacts = [{"person": p.pk, "role": ROLES[i % len(ROLES)]} for i, p in enumerate(people)]
    with clock(day):
        deal = services.create_deal(actor=rep, data={
            "title": rng.choice(TITLES), "company": company.pk, "amount": amount, "contacts": contacts,
            "source": rng.choice(DealSource.values), "competitors": rng.choice(COMPETITORS),
            "expected_close_on": (day + timedelta(days=rng.randint(30, 120))).date(),
            "visibility": "team",
        })  # fmt: skip
    counts["deals"] += 1
    if target in open_stages:
        path = open_stages[1 : open_stages.index(target) + 1]
    else:  # closed after a few open stages
        path = [*open_stages[1 : rng.randint(2, len(open_stages))], target]
    for stage in path:
        day = min(day + timedelta(days=rng.randint(3, 20), hours=rng.randint(0, 6)), now - timedelta(hours=1))
        reason = rng.choice(LOST_REASONS) if stage == lost else ""
        with clock(day):
            services.move_deal(actor=rep, deal=deal, stage=stage, lost_reason=reason)
        counts["moves"] += 1
    counts["won"] += deal.stage == won
    counts["lost"] += deal.stage == lost
    if deal.stage.kind == "open":
        step = rng.choice(NEXT_STEPS)
        due = (now + timedelta(days=rng.randint(-5, 14))).date() if step else None
        services.update_deal(actor=rep, deal=deal, data={"next_step": step, "next_step_due": due})
        if rng.random() < 0.6:
            _activity(rep, deal, people, day, rng)


def _activity(rep, deal, people, day, rng) -> None:
    from kizuna.timeline import services as timeline

    with clock(day):
        timeline.create_activity(actor=rep, data={
            "kind": "meeting", "subject": f"{deal.title} 打合せ", "occurred_at": day, "visibility": "team",
            "body": rng.choice(["提案内容を説明。前向きに検討いただける。", "見積の前提条件を確認。",
                                "決裁者同席で要件を再確認。"]),
            "people": [p.pk for p in people[:1]], "companies": [deal.company_id],
            "links": [{"type": "deal", "id": deal.pk}],
        })  # fmt: skip
    services.note_activity([deal.pk], day)
