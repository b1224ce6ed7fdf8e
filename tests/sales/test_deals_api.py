"""/api/v1/deals and /api/v1/pipelines: create, read with ETag, PATCH with If-Match (412 stale, 428 missing), move,
people and lines, filters and totals, the negative set; pipelines for administrators."""

import pytest

from kizuna.core.models import AuditEvent
from kizuna.sales.models import Deal, Pipeline, Stage
from tests import factories

URL = "/api/v1/deals"


@pytest.fixture
def acme(cast):
    return factories.company(cast.owner, "株式会社山田製作所")


def stage(name):
    return Stage.objects.get(pipeline__is_default=True, name=name)


def test_create_read_patch_with_etag(cast, api, acme):
    client = api(cast.owner)
    tanaka = factories.person(cast.owner, "田中")
    created = client.post(URL, {"title": "検査治具更新", "company": acme.pk, "amount": "300万", "source": "trade_show",
                                "contacts": [{"person": tanaka.pk, "role": "decision_maker"}]})  # fmt: skip
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["amount"] == 3_000_000 and body["stage"]["name"] == "リード" and body["effective_probability"] == 10
    assert body["company"] == {"id": acme.pk, "label": "株式会社山田製作所"}
    assert body["contacts"][0]["role_label"] == "決裁者"
    url = f"{URL}/{body['id']}"
    etag = client.get(url)["ETag"]
    assert client.patch(url, {"next_step": "見積送付"}).status_code == 428
    changed = client.patch(url, {"next_step": "見積送付", "probability": 35}, headers={"If-Match": etag})
    assert changed.status_code == 200 and changed.json()["effective_probability"] == 35
    assert changed["ETag"] != etag
    stale = client.patch(url, {"next_step": "別の手"}, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert Deal.objects.get().next_step == "見積送付"
    history = client.get(f"{url}/history").json()
    assert [h["action"] for h in history] == ["update", "create"]


def test_bad_input_is_422_with_field_errors(cast, api, acme):
    response = api(cast.owner).post(URL, {"title": "x", "company": acme.pk, "amount": "三百", "probability": 101})
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) >= {"amount", "probability"}
    assert not Deal.objects.exists()


def test_move_and_lost_reason(cast, api, acme):
    client = api(cast.owner)
    deal = client.post(URL, {"title": "案件", "company": acme.pk}).json()
    lost = client.post(f"{URL}/{deal['id']}/move", {"stage": stage("失注").pk})
    assert lost.status_code == 422 and "lost_reason" in lost.json()["error"]["fields"]
    moved = client.post(f"{URL}/{deal['id']}/move", {"stage": stage("失注").pk, "lost_reason": "予算凍結"})
    assert moved.status_code == 200 and moved.json()["lost_reason"] == "予算凍結"
    assert [c["to_stage"] for c in moved.json()["stage_changes"]] == ["リード", "失注"]
    stale = client.post(f"{URL}/{deal['id']}/move", {"stage": stage("提案").pk}, headers={"If-Match": '"1-1"'})
    assert stale.status_code == 412


def test_lines_make_the_amount(cast, api, acme):
    client = api(cast.owner)
    deal = client.post(URL, {"title": "案件", "company": acme.pk}).json()
    url = f"{URL}/{deal['id']}"
    response = client.request("put", f"{url}/lines", {"lines": [{"name": "治具", "quantity": "3", "unit_price": 1000}]},
                              headers={"If-Match": client.get(url)["ETag"]})  # fmt: skip
    assert response.status_code == 200 and response.json()["amount"] == 3000
    assert response.json()["lines"][0]["quantity"] == "3"


def test_list_filters(cast, api, acme):
    client = api(cast.owner)
    other = factories.company(cast.owner, "ベータ工業")
    for title, company, amount in (("A", acme, 100), ("B", acme, 300), ("C", other, 200)):
        client.post(URL, {"title": title, "company": company.pk, "amount": amount, "expected_close_on": "2026-12-10"})
    titles = lambda q: [d["title"] for d in client.get(URL + q).json()["items"]]  # noqa: E731
    assert titles(f"?company={acme.pk}&sort=amount") == ["B", "A"]
    assert titles("?close_month=2026-12&sort=title") == ["A", "B", "C"]
    assert titles("?close_month=2027-01") == []
    assert titles("?stalled=true&sort=title") == ["A", "B", "C"]  # no next step yet
    assert client.get(URL + "?sort=nope").status_code == 422
    assert client.get(URL + "?close_month=12月").status_code == 422


def test_negative_set(cast, api, acme):
    deal = api(cast.owner).post(URL, {"title": "案件", "company": acme.pk}).json()
    url = f"{URL}/{deal['id']}"
    assert api(None).get(url).status_code == 401
    assert api(cast.outsider).get(url).status_code == 404
    etag = api(cast.owner).get(url)["ETag"]
    assert api(cast.readonly).patch(url, {"title": "x"}, headers={"If-Match": etag}).status_code == 403
    assert api(cast.owner).request("put", url, {}).status_code == 405
    assert api(cast.readonly).post(URL, {"title": "x", "company": acme.pk}).status_code == 403


def test_pipelines_admin_only_and_stage_with_deals_cannot_go(cast, api, acme):
    stages = [{"name": "案内", "probability": 30}, {"name": "受注", "probability": 100, "kind": "won"},
              {"name": "失注", "probability": 0, "kind": "lost"}]  # fmt: skip
    body = {"name": "保守", "team": cast.team_a.pk, "stages": stages}
    assert api(cast.manager).post("/api/v1/pipelines", body).status_code == 403
    created = api(cast.admin).post("/api/v1/pipelines", body)
    assert created.status_code == 201, created.content
    pipeline = created.json()
    assert [s["name"] for s in pipeline["stages"]] == ["案内", "受注", "失注"]
    assert AuditEvent.objects.filter(object_type="sales.pipeline", action="create").exists()
    deal = api(cast.owner).post(URL, {"title": "更新", "company": acme.pk}).json()
    assert deal["pipeline_id"] == pipeline["id"]  # the team's own pipeline
    url = f"/api/v1/pipelines/{pipeline['id']}"
    etag = api(cast.admin).get(url)["ETag"]
    kept = [{k: s[k] for k in ("id", "name", "probability", "kind")} for s in pipeline["stages"] if s["name"] != "案内"]
    kept.append({"name": "新", "probability": 10})
    refused = api(cast.admin).patch(url, {"stages": kept}, headers={"If-Match": etag})
    assert refused.status_code == 422 and "案内" in refused.json()["error"]["fields"]["stages"][0]
    bad = api(cast.admin).patch(url, {"stages": stages[:1]}, headers={"If-Match": etag})
    assert bad.status_code == 422
    renamed = api(cast.admin).patch(url, {"name": "保守更新"}, headers={"If-Match": etag})
    assert renamed.status_code == 200 and renamed.json()["name"] == "保守更新"
    assert api(cast.admin).delete(url, headers={"If-Match": renamed["ETag"]}).status_code == 422  # it has a deal
    listed = api(cast.readonly).get("/api/v1/pipelines").json()
    assert {p["name"] for p in listed} == {"標準（製造業B2B）", "保守更新"}
    assert Pipeline.objects.count() == 2
