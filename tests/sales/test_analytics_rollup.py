"""The deal rollup: the dashboards read from it give exactly the numbers of the visible-set SQL path, it stays
consistent through every kind of deal write, it serves only readers who see every deal it sums, and the command
rebuilds and checks it."""

from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F

from kizuna.sales.models import Deal, DealRollup, Pipeline
from kizuna.sales.services import dashboards, pipelines, rollup
from kizuna.sales.services import deals as deal_services
from kizuna.sales.services import forecast as fc
from tests.sales.analytics_data import build

MONTH = fc.month_period(date(2026, 5, 1))
FY = fc.fiscal_year(2026, 4)


@pytest.fixture
def data(cast):
    return build(cast)


def _both_ways(viewer, subject) -> tuple[dict, dict]:
    served = dashboards.dashboard(viewer, subject, month=MONTH, fy=FY)
    with rollup.bypassed():
        plain = dashboards.dashboard(viewer, subject, month=MONTH, fy=FY)
    return served, plain


def test_served_dashboards_equal_the_visible_set_path(cast, data):
    checked = 0
    for viewer, kind, extra in ((cast.admin, "company", {}), (cast.admin, "team", {"team_id": cast.team_a.pk}),
                                (cast.manager, "team", {}), (cast.owner, "rep", {}),
                                (cast.outsider, "rep", {})):  # fmt: skip
        subject = fc.resolve_subject(viewer, kind, **extra)
        assert rollup.serves(viewer, subject), (viewer, kind)
        served, plain = _both_ways(viewer, subject)
        assert served == plain, (viewer.username, kind)
        checked += served["forecast"]["total"]["committed"] > 0
    assert checked == 5  # every case had won deals to sum
    team = _both_ways(cast.manager, fc.resolve_subject(cast.manager, "team"))[0]
    assert team["forecast"]["total"]["weighted"] == 1_110_000  # worked out by hand in test_forecast
    assert team["analysis"]["outcomes"]["win_rate"] is not None


def test_rollup_serves_only_readers_who_see_all_it_sums(cast, data):
    rep = fc.resolve_subject(cast.manager, "rep", user_id=cast.owner.pk)
    assert not rollup.serves(cast.manager, rep)  # the rep may own deals in other teams: the SQL path
    assert not rollup.serves(cast.teammate, fc.Subject("team", team=cast.team_a))  # members see part of a team
    assert not rollup.serves(cast.manager, fc.Subject("team", team=cast.team_b))
    assert not rollup.serves(cast.owner, fc.Subject("company"))
    served, plain = _both_ways(cast.manager, rep)
    assert served == plain


def test_rollup_stays_consistent_through_every_write(cast, data):
    assert rollup.check() == []
    actor = cast.owner
    values = {
        "title": "新規 射出成形機",
        "company": data.acme.pk,
        "amount": 2_000_000,
        "expected_close_on": "2026-09-30",
    }
    deal = deal_services.create_deal(actor=actor, data=values)
    assert rollup.check() == []
    deal_services.update_deal(actor=actor, deal=deal, data={"amount": 3_500_000, "probability": 55,
                                                            "expected_close_on": "2026-10-15"})  # fmt: skip
    deal_services.move_deal(actor=actor, deal=deal, stage="提案")
    assert rollup.check() == []
    deal_services.set_deal_lines(actor=actor, deal=deal, lines=[{"name": "金型", "quantity": 2, "unit_price": 900_000}])
    deal_services.move_deal(actor=actor, deal=deal, stage="受注")
    assert rollup.check() == []
    deal_services.move_deal(actor=actor, deal=deal, stage="交渉")  # reopened
    deal_services.move_deal(actor=actor, deal=deal, stage="失注", lost_reason="納期")
    deal_services.update_deal(actor=cast.manager, deal=deal, data={"owner": cast.teammate.pk})
    assert rollup.check() == []
    deal_services.delete_deal(actor=actor, deal=deal)
    assert rollup.check() == []
    deal_services.restore_deal(actor=cast.manager, deal=deal)
    assert rollup.check() == []
    pipeline = Pipeline.objects.get(is_default=True)
    stages = [{"id": s.pk, "name": s.name, "probability": s.probability, "kind": s.kind}
              for s in pipeline.stages.order_by("order")]  # fmt: skip
    stages[1], stages[2] = stages[2], stages[1]  # ヒアリング after 提案: the funnel's furthest stage moves
    pipelines.update_pipeline(actor=cast.admin, pipeline=pipeline, data={"stages": stages})
    assert rollup.check() == []
    data.deals[0].delete()  # a hard delete takes the deal and its stage history out
    assert rollup.check() == []
    moved = [d.pk for d in data.deals[1:4]]
    with rollup.tracking(moved):  # a queryset update bypasses the signals: tracking() carries it
        Deal.objects.filter(pk__in=moved).update(team=cast.team_b, amount=F("amount") * 2)
    assert rollup.check() == []
    Deal.objects.filter(pk=data.deals[4].pk).update(amount=1)  # without it the rollup is behind, and check() says so
    assert len(rollup.check()) >= 1


def test_command_checks_and_rebuilds(cast, data, capsys):
    call_command("sales_rollup", "--check")
    assert "一致しています" in capsys.readouterr().out
    DealRollup.objects.filter(basis="won").update(amount=F("amount") + 1)
    with pytest.raises(CommandError, match="差があります"):
        call_command("sales_rollup", "--check")
    call_command("sales_rollup")
    assert rollup.check() == []
