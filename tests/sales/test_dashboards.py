"""Dashboard pages and API: each number's drill-down lists exactly the records behind it, CSV for Excel, who sees
which dashboard, targets and the monthly review through the pages and /api/v1."""

import csv
import io

import pytest
from django.test import Client

from kizuna.core.models import AuditEvent
from kizuna.sales.models import MonthlyReview, Target
from kizuna.timeline.models import FollowUp
from tests.sales.analytics_data import build


@pytest.fixture
def data(cast):
    return build(cast)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_team_dashboard_numbers_drill_down_to_their_deals(cast, data, api):
    body = api(cast.manager).get("/api/v1/dashboards/team?month=2026-05").json()
    assert body["scope"] == "team" and body["fiscal_year"] == "2026"
    total = body["forecast"]["total"]
    assert (total["committed"], total["pipeline"], total["weighted"]) == (3_000_000, 1_600_000, 1_110_000)
    client = logged_in(cast.manager)
    for metric, expected in (("committed", total["committed"]), ("pipeline", total["pipeline"]),
                             ("best_case", total["best_case"])):  # fmt: skip
        records = api(cast.manager).get(f"/api/v1/dashboards/records?{total[metric + '_drill']}").json()
        assert sum(r["amount"] for r in records["items"]) == expected, metric
    weighted = api(cast.manager).get(f"/api/v1/dashboards/records?{total['weighted_drill']}").json()
    assert sum(r["weighted"] for r in weighted["items"]) == total["weighted"]
    stale = body["stale"]
    listed = api(cast.manager).get(f"/api/v1/dashboards/records?{stale['drill']}").json()["items"]
    assert len(listed) == stale["count"]
    page = client.get(f"/sales/dashboards/records/?{total['committed_drill']}")
    assert page.status_code == 200
    assert "受注A" in page.text and "受注B" in page.text and "提案中" not in page.text
    kpi_row = next(k for k in body["kpis"] if k["key"] == "new_deals")
    assert kpi_row["drill"].startswith("metric=kpi%3Anew_deals")


def test_csv_export_is_excel_ready_and_audited(cast, data):
    client = logged_in(cast.owner)
    response = client.get("/sales/dashboards/records/?metric=best_case&scope=rep&period=2026&format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:5] == ["ID", "案件名", "会社", "ステージ", "金額（税抜・円）"]
    assert sorted(r[1] for r in rows[1:]) == sorted(["受注A", "受注B", "提案中", "交渉中"])
    assert sum(int(r[4]) for r in rows[1:]) == 4_500_000
    assert AuditEvent.objects.filter(action="export", object_type="sales.deal").count() == 1


def test_who_sees_which_dashboard(cast, data):
    assert logged_in(cast.owner).get("/sales/dashboards/").status_code == 200
    assert logged_in(cast.owner).get("/sales/dashboards/team/").status_code == 403
    assert logged_in(cast.manager).get("/sales/dashboards/team/").status_code == 200
    assert logged_in(cast.outsider).get(f"/sales/dashboards/team/?team={cast.team_a.pk}").status_code == 404
    assert logged_in(cast.outsider).get(f"/sales/dashboards/?user={cast.owner.pk}").status_code == 404
    assert logged_in(cast.manager).get("/sales/dashboards/company/").status_code == 403
    page = logged_in(cast.admin).get("/sales/dashboards/company/")
    assert page.status_code == 200 and "営業2部" in page.text
    # A rep's drill-down of the other team's numbers is 404, not a list of zero rows
    other = f"/sales/dashboards/records/?metric=committed&scope=team&team={cast.team_b.pk}&period=2026"
    assert logged_in(cast.owner).get(other).status_code == 404
    bad = logged_in(cast.owner).get("/sales/dashboards/records/?metric=committed&period=2026-13")
    assert bad.status_code == 422 and "2026-Q1" in bad.text


def test_targets_page_saves_a_grid(cast):
    client = logged_in(cast.manager)
    page = client.get("/sales/targets/?fy=2026")
    assert page.status_code == 200 and f"t-user-{cast.owner.pk}-2026-04" in page.text
    response = client.post("/sales/targets/", {"fy": "2026", "metric": "revenue", "team": cast.team_a.pk,
                                                f"t-user-{cast.owner.pk}-2026-04": "1,200,000",
                                                f"t-team-{cast.team_a.pk}-2026-05": "9000000"})  # fmt: skip
    assert response.status_code == 302
    assert set(Target.objects.values_list("month__month", "value")) == {(4, 1_200_000), (5, 9_000_000)}
    bad = client.post("/sales/targets/", {"fy": "2026", "metric": "revenue", "team": cast.team_a.pk,
                                          f"t-user-{cast.owner.pk}-2026-04": "百万"})  # fmt: skip
    assert bad.status_code == 200 and "目標値は整数で入力してください" in bad.text
    assert Target.objects.get(user=cast.owner).value == 1_200_000  # kept
    assert logged_in(cast.owner).get("/sales/targets/").status_code == 200  # reads, without inputs
    assert f"t-user-{cast.owner.pk}-2026-04" not in logged_in(cast.owner).get("/sales/targets/?fy=2026").text


def test_monthly_review_keeps_plan_result_and_creates_tasks(cast, data, api):
    api(cast.manager).request("put", "/api/v1/targets", data={"items": [
        {"user": cast.owner.pk, "month": "2026-04", "metric": "revenue", "value": 2_000_000}]})  # fmt: skip
    client = logged_in(cast.manager)
    url = f"/sales/reviews/?scope=rep&user={cast.owner.pk}&month=2026-04"
    page = client.get(url)
    assert page.status_code == 200 and "1,000,000" in page.text
    response = client.post("/sales/reviews/", {
        "scope": "rep", "user": cast.owner.pk, "month": "2026-04", "gaps": "大型案件が来月にずれた",
        "actions": "山田製作所に再提案", "task-0-title": "再提案の資料を作る", "task-0-due": "2026/5/8",
    })  # fmt: skip
    assert response.status_code == 302
    review = MonthlyReview.objects.get(user=cast.owner)
    revenue = review.snapshot["rows"][0]
    assert (revenue["plan"], revenue["result"], revenue["gap"]) == (2_000_000, 1_000_000, 1_000_000)
    task = FollowUp.objects.get(title="再提案の資料を作る")
    assert task.assignee == cast.owner and str(task.due_date) == "2026-05-08"
    assert list(review.tasks.all()) == [task]
    assert AuditEvent.objects.filter(action="review.save").exists()
    body = api(cast.owner).get("/api/v1/reviews?scope=rep&month=2026-04").json()
    assert body["saved"]["gaps"] == "大型案件が来月にずれた" and body["saved"]["tasks"][0]["title"] == task.title
    assert api(cast.outsider).get(f"/api/v1/reviews?scope=rep&user={cast.owner.pk}&month=2026-04").status_code == 404


def test_settings_tab_for_admins(cast):
    assert logged_in(cast.manager).get("/sales/settings/analytics/").status_code == 403
    client = logged_in(cast.admin)
    assert client.get("/sales/settings/analytics/").status_code == 200
    bad = client.post("/sales/settings/analytics/", {"form": "settings", "fiscal_year_start_month": "13",
                                                     "stale_days": "14"})  # fmt: skip
    assert "期首月は1〜12で指定してください" in bad.text
    client.post("/sales/settings/analytics/", {"form": "settings", "fiscal_year_start_month": "1", "stale_days": "30"})
    body = client.get("/api/v1/sales-settings").json()
    assert (body["fiscal_year_start_month"], body["stale_days"]) == (1, 30)


def test_team_dashboard_query_budget_does_not_grow_with_rows(cast, data):
    """Every figure is a grouped query: more deals, reps and activities do not add queries (no N+1)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kizuna.sales.services import dashboards
    from kizuna.sales.services import forecast as fc
    from tests.conftest import make_user
    from tests.sales.analytics_data import deal

    subject = fc.resolve_subject(cast.manager, "team")
    with CaptureQueriesContext(connection) as before:
        dashboards.dashboard(cast.manager, subject)
    for i in range(3):
        rep = make_user(f"rep{i}", "member", cast.team_a)
        deal(rep, f"追加{i}", "提案", 100_000, company=data.acme, expected_close_on=data.deals[2].expected_close_on)
    with CaptureQueriesContext(connection) as after:
        dashboards.dashboard(cast.manager, subject)
    assert len(after) == len(before) <= 45


def test_demo_targets_give_every_rep_a_plan(cast):
    import random

    from kizuna.sales import demo_targets

    summary = demo_targets.load([cast.admin, cast.manager, cast.owner, cast.teammate, cast.readonly], random.Random(1))
    assert summary == "targets 72"  # manager, owner, teammate × 12 months × revenue and visits
    assert Target.objects.filter(user=cast.owner, metric="revenue").count() == 12
    assert not Target.objects.filter(user=cast.readonly).exists()
