"""Forecast arithmetic on a hand-made dataset: committed, weighted and best case by month, fiscal quarter and fiscal
year, with an April and a January fiscal year start; who may see whose numbers."""

from datetime import date

import pytest

from kizuna.core.exceptions import NotFound, PermissionDenied, ValidationFailed
from kizuna.sales.models import SalesSettings
from kizuna.sales.services import forecast as fc
from kizuna.sales.services.targets import set_targets, update_settings
from tests.sales.analytics_data import build


@pytest.fixture
def data(cast):
    return build(cast)


def run(viewer, kind="rep", period="2026", **ids):
    start = SalesSettings.current().fiscal_year_start_month
    return fc.forecast(viewer, fc.resolve_subject(viewer, kind, **ids), fc.parse_period(period, start))


def test_fiscal_year_from_april(cast, data):
    f = run(cast.owner)
    assert (f.period.start, f.period.end) == (date(2026, 4, 1), date(2027, 4, 1))
    t = f.total
    assert (t.committed, t.pipeline, t.weighted, t.best_case) == (3_000_000, 1_500_000, 1_100_000, 4_500_000)
    by_month = {r.key: (r.committed, r.pipeline, r.weighted) for r in f.months}
    assert len(f.months) == 12
    assert by_month["2026-04"] == (1_000_000, 0, 0)
    assert by_month["2026-05"] == (0, 500_000, 200_000)  # 提案 40%
    assert by_month["2026-12"] == (0, 1_000_000, 900_000)  # the deal's own 90% over 交渉's 80%
    assert by_month["2027-02"] == (2_000_000, 0, 0)
    quarters = {r.key: (r.committed, r.pipeline, r.weighted, r.best_case) for r in f.quarters}
    assert quarters == {
        "2026-Q1": (1_000_000, 500_000, 200_000, 1_500_000),
        "2026-Q2": (0, 0, 0, 0),
        "2026-Q3": (0, 1_000_000, 900_000, 1_000_000),
        "2026-Q4": (2_000_000, 0, 0, 2_000_000),
    }


def test_fiscal_year_from_january(cast, data):
    update_settings(actor=cast.admin, data={"fiscal_year_start_month": 1})
    f2026, f2027 = run(cast.owner, period="2026"), run(cast.owner, period="2027")
    assert (f2026.period.start, f2026.period.end) == (date(2026, 1, 1), date(2027, 1, 1))
    assert (f2026.total.committed, f2026.total.pipeline, f2026.total.weighted) == (1_000_000, 1_500_000, 1_100_000)
    assert (f2027.total.committed, f2027.total.pipeline, f2027.total.weighted) == (2_000_000, 300_000, 180_000)
    q = {r.key: (r.committed, r.pipeline) for r in f2027.quarters}
    assert q["2027-Q1"] == (2_000_000, 0) and q["2027-Q2"] == (0, 300_000)
    one_quarter = run(cast.owner, period="2027-Q2")
    assert [r.key for r in one_quarter.months] == ["2027-04", "2027-05", "2027-06"]
    assert one_quarter.total.weighted == 180_000


def test_targets_gap_attainment_and_coverage(cast, data):
    set_targets(actor=cast.manager, items=[
        {"user": cast.owner.pk, "month": "2026-04", "metric": "revenue", "value": 2_000_000},
        {"user": cast.owner.pk, "month": "2026-05", "value": "1,000,000"},
    ])  # fmt: skip
    f = run(cast.owner, period="2026-Q1")
    assert f.total.target == 3_000_000
    assert f.total.gap == 2_000_000  # 3M target − 1M won
    assert f.total.attainment == 33.3
    assert f.total.coverage == 0.25  # 500k open against the 2M still missing
    team = run(cast.manager, "team", period="2026-Q1")
    assert team.total.target == 3_000_000  # no team row: the members' targets add up
    set_targets(actor=cast.admin, items=[{"team": cast.team_a.pk, "month": "2026-04", "value": 5_000_000}])
    assert run(cast.manager, "team", period="2026-04").total.target == 5_000_000  # the team's own row wins


def test_visibility_decides_the_numbers(cast, data):
    team = run(cast.manager, "team")  # the manager also sees the teammate's private deal
    assert (team.total.committed, team.total.pipeline) == (3_000_000, 1_600_000)
    assert run(cast.teammate).total.pipeline == 100_000
    assert run(cast.outsider).total.committed == 5_000_000
    company = run(cast.admin, "company")
    assert (company.total.committed, company.total.pipeline) == (8_000_000, 1_600_000)
    with pytest.raises(NotFound):
        run(cast.outsider, "team", team_id=cast.team_a.pk)  # another team's numbers do not exist for them
    with pytest.raises(NotFound):
        run(cast.outsider, "rep", user_id=cast.owner.pk)
    with pytest.raises(PermissionDenied):
        run(cast.owner, "team")  # a rep's own team: the manager's view
    with pytest.raises(PermissionDenied):
        run(cast.manager, "company")
    assert run(cast.manager, "rep", user_id=cast.owner.pk).total.committed == 3_000_000


def test_breakdown_per_rep(cast, data):
    f = fc.forecast(cast.manager, fc.resolve_subject(cast.manager, "team"), fc.parse_period("2026", 4), breakdown=True)
    rows = {r["name"]: (r["committed"], r["pipeline"]) for r in f.breakdown}
    assert rows["田中 一郎"] == (3_000_000, 1_500_000)
    assert rows["teammate"] == (0, 100_000)
    assert sum(r["committed"] for r in f.breakdown) == f.total.committed


def test_bad_period_is_a_clear_error(cast):
    with pytest.raises(ValidationFailed) as exc:
        fc.parse_period("2026-13", 4)
    assert "2026-Q1" in exc.value.summary
    assert fc.parse_period("2026-Q4", 4).start == date(2027, 1, 1)
