"""The demo deals: every stage has deals, the stage history spreads over the last three months."""

import random
from datetime import timedelta

from django.db.models import Max, Min
from django.utils import timezone

from kizuna.sales import demo_deals
from kizuna.sales.models import Deal, DealStageChange, Stage
from tests import factories


def test_demo_deals_fill_every_stage_over_three_months(cast):
    for n in range(8):
        factories.company(cast.owner, f"デモ工業{n}", visibility="team")
        factories.company(cast.teammate, f"見本精機{n}", visibility="team")
    summary = demo_deals.load([cast.owner, cast.teammate, cast.readonly], random.Random(7))
    assert summary.startswith("deals 16")
    stages = Stage.objects.filter(pipeline__is_default=True)
    assert set(Deal.objects.values_list("stage__name", flat=True)) == set(stages.values_list("name", flat=True))
    span = DealStageChange.objects.aggregate(first=Min("at"), last=Max("at"))
    assert span["first"] < timezone.now() - timedelta(days=19) and span["last"] < timezone.now()
    assert DealStageChange.objects.filter(seconds_in_from_stage__gt=3 * 86400).exists()
    lost = Deal.objects.filter(stage__kind="lost")
    assert lost.exists() and not lost.filter(lost_reason="").exists()
    assert Deal.objects.filter(stage__kind="won", won_on__isnull=False).count() == Deal.objects.filter(
        stage__kind="won").count()  # fmt: skip
