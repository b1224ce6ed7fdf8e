"""A small hand-made sales dataset whose forecast, funnel and win rate are worked out by hand in the tests."""

from datetime import date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from kizuna.sales.models import Deal, DealStageChange, Pipeline
from tests import factories

TZ = ZoneInfo("Asia/Tokyo")


def at(y, m, d):
    return datetime(y, m, d, 10, 0, tzinfo=TZ)


def stages():
    pipeline = Pipeline.objects.get(is_default=True)
    return pipeline, {s.name: s for s in pipeline.stages.all()}


def deal(owner, title, stage, amount, *, company, created=None, **extra):
    pipeline, by_name = stages()
    values = {"visibility": "team", "created_at": created or at(2026, 4, 1), **extra}
    return Deal.objects.create(title=title, company=company, pipeline=pipeline, stage=by_name[stage], amount=amount,
                               owner=owner, team=owner.team, **values)  # fmt: skip


def move(d, *names, when=None):
    _pipeline, by_name = stages()
    previous = None
    for name in names:
        DealStageChange.objects.create(deal=d, from_stage=by_name.get(previous), to_stage=by_name[name],
                                       at=when or at(2026, 4, 2))  # fmt: skip
        previous = name


def build(cast):
    """Deals of the owner (1–6), the teammate's private one (7) and the other team's won one (8)."""
    acme = factories.company(cast.owner, "株式会社山田製作所")
    other = factories.company(cast.outsider, "株式会社大阪精機", visibility="team")
    d1 = deal(cast.owner, "受注A", "受注", 1_000_000, company=acme, won_on=date(2026, 4, 15), closed_at=at(2026, 4, 15))
    move(d1, "リード", "提案", "受注")
    d2 = deal(cast.owner, "受注B", "受注", 2_000_000, company=acme, won_on=date(2027, 2, 10), closed_at=at(2027, 2, 10))
    d3 = deal(cast.owner, "提案中", "提案", 500_000, company=acme, expected_close_on=date(2026, 5, 20),
              next_step="見積作成", last_activity_at=at(2026, 12, 1))  # fmt: skip
    move(d3, "リード", "ヒアリング", "提案")
    d4 = deal(cast.owner, "交渉中", "交渉", 1_000_000, company=acme, probability=90,
              expected_close_on=date(2026, 12, 1))  # fmt: skip
    d5 = deal(cast.owner, "来期", "見積提出", 300_000, company=acme, expected_close_on=date(2027, 4, 5),
              next_step="価格回答")  # fmt: skip
    d6 = deal(cast.owner, "失注A", "失注", 400_000, company=acme, lost_reason="価格", closed_at=at(2026, 6, 10))
    move(d6, "リード", "ヒアリング", "失注")
    d7 = deal(cast.teammate, "非公開", "リード", 100_000, company=acme, visibility="private",
              expected_close_on=date(2026, 4, 30))  # fmt: skip
    d8 = deal(cast.outsider, "他部署受注", "受注", 5_000_000, company=other, won_on=date(2026, 5, 1),
              closed_at=at(2026, 5, 1))  # fmt: skip
    return SimpleNamespace(acme=acme, deals=[d1, d2, d3, d4, d5, d6, d7, d8])
