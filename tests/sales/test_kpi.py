"""Funnel conversion, win rate, deal size, cycle, lost reasons, 停滞案件 and the activity KPIs (現場同席 included)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from kizuna.accounts import services as account_services
from kizuna.core.exceptions import ValidationFailed
from kizuna.core.models import AuditEvent
from kizuna.sales.models import KpiDefinition, Target
from kizuna.sales.services import forecast as fc
from kizuna.sales.services import kpi
from kizuna.sales.services.targets import save_kpi_definition, set_targets
from kizuna.timeline.services.activities import create_activity
from tests.conftest import make_user
from tests.sales.analytics_data import at, build, deal

FY = fc.parse_period("2026", 4)


@pytest.fixture
def data(cast):
    return build(cast)


def owner(cast):
    return fc.resolve_subject(cast.owner, "rep")


def test_funnel_counts_the_furthest_stage_reached(cast, data):
    rows = kpi.funnel(cast.owner, owner(cast), FY)
    assert [(r["stage"], r["reached"]) for r in rows] == [
        ("リード", 6), ("ヒアリング", 6), ("提案", 5), ("見積提出", 4), ("交渉", 3), ("受注", 2),
    ]  # fmt: skip
    assert [r["conversion"] for r in rows] == [None, 100.0, 83.3, 80.0, 75.0, 66.7]


def test_win_rate_deal_size_cycle_and_lost_reasons(cast, data):
    out = kpi.outcomes(cast.owner, owner(cast), FY)
    assert (out["won_count"], out["lost_count"], out["win_rate"]) == (2, 1, 66.7)
    assert out["average_deal"] == 1_500_000
    assert out["cycle_days"] == 164.5  # (14 + 315) / 2
    assert kpi.lost_reasons(cast.owner, owner(cast), FY) == [
        {"reason": "価格", "value": "価格", "count": 1, "amount": 400_000}
    ]


def test_stale_deals(cast, data):
    now = timezone.now()
    fresh = deal(cast.owner, "動いている", "提案", 1, company=data.acme, next_step="訪問", created=now,
                 last_activity_at=now)  # fmt: skip
    data.deals[2].last_activity_at = now - timedelta(days=15)  # 提案中: last touched 15 days ago
    data.deals[2].save()
    summary = kpi.stale_summary(cast.owner, owner(cast))
    titles = {d.title for d in summary["deals"]}
    assert summary["days"] == 14
    assert fresh.title not in titles
    assert titles == {"提案中", "交渉中", "来期"}  # 交渉中 has no next step; the others untouched since April
    assert summary["count"] == 3 and summary["amount"] == 1_800_000
    recent = deal(cast.owner, "手つかず", "リード", 5, company=data.acme, created=now - timedelta(days=3))
    assert recent.title in {d.title for d in kpi.stale_summary(cast.owner, owner(cast))["deals"]}  # no next step


def test_activity_kpis_and_site_visits(cast, data):
    tech_team = account_services.get_or_create_team(actor=None, name="技術部")
    engineer = make_user("engineer", "member", tech_team)
    site = KpiDefinition.objects.get(key="site_visits")
    with pytest.raises(ValidationFailed):  # 現場同席 needs a technical team or role
        save_kpi_definition(actor=cast.admin, definition=site, data={"min_participants": 2})
    save_kpi_definition(actor=cast.admin, definition=site, data={"technical_team": tech_team.pk})
    assert AuditEvent.objects.filter(action="kpi.update").exists()
    when = at(2026, 5, 12)
    alone = create_activity(actor=cast.owner, data={"kind": "visit", "subject": "単独訪問", "occurred_at": when})
    joint = create_activity(actor=cast.owner, data={"kind": "visit", "subject": "技術同行", "occurred_at": when,
                                                    "our_participants": [cast.owner.pk, engineer.pk]})  # fmt: skip
    create_activity(actor=cast.owner, data={"kind": "visit", "subject": "二人とも営業", "occurred_at": when,
                                            "our_participants": [cast.owner.pk, cast.teammate.pk]})  # fmt: skip
    create_activity(actor=cast.owner, data={"kind": "call", "subject": "電話", "occurred_at": when})
    set_targets(actor=cast.manager, items=[{"user": cast.owner.pk, "month": "2026-05", "metric": "visits", "value": 6}])
    may = fc.parse_period("2026-05", 4)
    counts = {r["key"]: r for r in kpi.kpi_counts(cast.owner, owner(cast), may)}
    assert counts["visits"]["actual"] == 3 and counts["visits"]["target"] == 6
    assert counts["visits"]["attainment"] == 50.0
    assert counts["site_visits"]["actual"] == 1
    site_records = kpi.kpi_records(cast.owner, KpiDefinition.objects.get(key="site_visits"), owner(cast), may)
    assert list(site_records.values_list("pk", flat=True)) == [joint.pk]
    assert alone.pk not in set(site_records.values_list("pk", flat=True))
    team = kpi.kpi_counts(cast.manager, fc.resolve_subject(cast.manager, "team"), may, by_rep=True)
    visits = next(r for r in team if r["key"] == "visits")
    assert visits["actual"] == 3  # the joint visit of two reps is one visit for the team
    assert visits["reps"] == {cast.owner.pk: 3, cast.teammate.pk: 1}


def test_deal_kpis(cast, data):
    counts = {r["key"]: r for r in kpi.kpi_counts(cast.owner, owner(cast), FY)}
    assert counts["new_deals"]["actual"] == 6  # created in April 2026
    assert counts["proposals"]["actual"] == 2  # d1 and d3 moved into 提案
    months = {m["month"]: m["actual"] for m in counts["proposals"]["months"]}
    assert months["2026-04"] == 2


def test_target_input_is_checked_and_permissioned(cast):
    with pytest.raises(ValidationFailed) as exc:
        set_targets(actor=cast.admin, items=[{"user": cast.owner.pk, "month": "2026/13", "value": "たくさん"},
                                             {"month": "2026-04", "value": 1, "metric": "nope"}])  # fmt: skip
    errors = exc.value.field_errors
    assert set(errors) == {"items.0.month", "items.0.value", "items.1.user", "items.1.metric"}
    assert Target.objects.count() == 0  # nothing half-saved
    from kizuna.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        set_targets(actor=cast.owner, items=[{"user": cast.owner.pk, "month": "2026-04", "value": 1}])
    with pytest.raises(PermissionDenied):  # a manager of team A does not plan team B
        set_targets(actor=cast.manager, items=[{"user": cast.outsider.pk, "month": "2026-04", "value": 1}])
    set_targets(actor=cast.manager, items=[{"user": cast.owner.pk, "month": "2026-04", "value": 7}])
    set_targets(actor=cast.manager, items=[{"user": cast.owner.pk, "month": "2026-04", "value": None}])
    assert Target.objects.count() == 0
    actions = AuditEvent.objects.filter(action__startswith="target.").order_by("id").values_list("action", flat=True)
    assert list(actions) == ["target.set", "target.delete"]
