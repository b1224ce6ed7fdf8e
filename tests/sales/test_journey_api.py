"""/api/v1/journey and /api/v1/segments: stage, history and LTV of a company or person, setting the stage by hand,
the funnel per month-end, and saved segments."""

from kizuna.core import events
from kizuna.core.models import AuditEvent
from kizuna.sales.services import deals
from tests.factories import company

API = "/api/v1"


def test_stage_history_and_ltv_of_a_company_and_setting_it_by_hand(cast, api):
    acme = company(cast.owner, "株式会社山田製作所", visibility="public")
    deal = deals.create_deal(actor=cast.owner, data={"title": "検査治具", "company": acme.pk, "amount": 2_000_000})
    deals.move_deal(actor=cast.owner, deal=deal, stage="受注")
    events.dispatch_pending()  # the journey consumer: a won deal puts the company at 購入
    body = api(cast.outsider).get(f"{API}/journey/companies/{acme.pk}").json()
    assert body["stage"] == "purchase" and body["history"][0]["cause"] == "auto" and not body["manual"]
    assert body["ltv"]["total"] == 0  # the deal is 営業1部's: the outsider sees the company, not its deal
    owner = api(cast.owner)
    ltv = owner.get(f"{API}/journey/companies/{acme.pk}").json()["ltv"]
    assert ltv["total"] == 2_000_000 and ltv["orders"] == 1 and ltv["by_year"][0]["total"] == 2_000_000
    bad = owner.request("put", f"{API}/journey/companies/{acme.pk}/stage", {"stage": "lost"})
    assert bad.status_code == 422 and "ライフサイクル" in bad.json()["error"]["message"]
    put = owner.request("put", f"{API}/journey/companies/{acme.pk}/stage", {"stage": "repeat", "reason": "年間契約"})
    assert put.status_code == 200, put.content
    assert put.json()["stage"] == "repeat" and put.json()["manual"] and put.json()["history"][0]["reason"] == "年間契約"
    assert AuditEvent.objects.filter(action="lifecycle.set", object_id=str(acme.pk)).exists()
    assert api(cast.readonly).request("put", f"{API}/journey/companies/{acme.pk}/stage",
                                      {"stage": "interest"}).status_code == 403  # fmt: skip
    assert api(cast.owner).get(f"{API}/journey/teams/{acme.pk}").status_code == 404
    funnel = owner.get(f"{API}/journey/funnel?months=2").json()
    assert len(funnel) == 2 and funnel[-1]["counts"]["repeat"] == 1
    assert owner.get(f"{API}/journey/funnel?type=deal").status_code == 422


def test_segments_are_saved_listed_read_and_deleted_by_their_author(cast, api):
    owner = api(cast.owner)
    bad = owner.post(f"{API}/segments", {"name": "高LTV", "object_type": "company", "filters": {"ltv_min": "たくさん"}})
    assert bad.status_code == 422 and bad.json()["error"]["fields"]["ltv_min"] == ["数値で入力してください。"]
    made = owner.post(f"{API}/segments", {"name": "高LTV", "object_type": "company",
                                           "filters": {"ltv_min": "1,000,000", "lifecycle": ["purchase"]}})  # fmt: skip
    assert made.status_code == 201, made.content
    segment = made.json()
    assert segment["filters"] == {"ltv_min": 1_000_000, "lifecycle": ["purchase"]} and not segment["shared"]
    assert [s["id"] for s in owner.get(f"{API}/segments?object_type=company").json()] == [segment["id"]]
    assert owner.get(f"{API}/segments?object_type=person").json() == []
    assert api(cast.teammate).get(f"{API}/segments/{segment['id']}").status_code == 404  # not shared
    assert owner.get(f"{API}/companies?segment={segment['id']}").status_code == 200
    assert owner.delete(f"{API}/segments/{segment['id']}").status_code == 204
    assert owner.get(f"{API}/segments/{segment['id']}").status_code == 404
