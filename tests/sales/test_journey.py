"""Customer journey: stages advance on deal events (through the outbox consumer), are set by hand with an audit row,
are counted per month; LTV per company; saved segments in the lists, the API, exports and automation conditions."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from kizuna.automation.fields import catalog, value_of
from kizuna.core import events
from kizuna.core.exceptions import PermissionDenied, ValidationFailed
from kizuna.core.models import AuditEvent
from kizuna.sales.models import Lifecycle, LifecycleChange
from kizuna.sales.services import deals, journey, segments
from tests.factories import company, person


@pytest.fixture
def acme(cast):
    return company(cast.owner, "株式会社山田製作所", visibility="public")


def won_deal(cast, acme, amount, contacts=()):
    deal = deals.create_deal(actor=cast.owner, data={"title": "検査治具", "company": acme.pk, "amount": amount})
    if contacts:
        deals.set_deal_contacts(actor=cast.owner, deal=deal, contacts=[{"person": p.pk, "role": "decision_maker"}
                                                                       for p in contacts])  # fmt: skip
        deal.refresh_from_db()
    events.dispatch_pending()
    deals.move_deal(actor=cast.owner, deal=deal, stage="受注")
    events.dispatch_pending()
    return deal


def test_stages_advance_on_deal_events_and_never_back(cast, acme):
    tanaka = person(cast.owner, "田中", "太郎")
    assert journey.stage_of(acme) == "awareness"
    deal = deals.create_deal(actor=cast.owner, data={"title": "検査治具", "company": acme.pk, "amount": 1_000_000})
    deals.set_deal_contacts(actor=cast.owner, deal=deal, contacts=[{"person": tanaka.pk, "role": "decision_maker"}])
    events.dispatch_pending()
    assert journey.stage_of(acme) == "consideration" and journey.stage_of(tanaka) == "consideration"
    deal.refresh_from_db()
    deals.move_deal(actor=cast.owner, deal=deal, stage="受注")
    events.dispatch_pending()
    assert journey.stage_of(acme) == "purchase" and journey.stage_of(tanaka) == "purchase"
    won_deal(cast, acme, 2_000_000)
    assert journey.stage_of(acme) == "repeat"
    events.dispatch_pending()  # delivered again: nothing moves twice
    steps = list(LifecycleChange.objects.filter(object_type="company", object_id=acme.pk).values_list(
        "from_stage", "to_stage"))  # fmt: skip
    assert steps == [("awareness", "consideration"), ("consideration", "purchase"), ("purchase", "repeat")]
    assert AuditEvent.objects.for_object(acme).filter(action="lifecycle.advance").count() == 3


def test_set_by_hand_is_audited_checked_and_validated(cast, acme):
    assert journey.set_stage(actor=cast.owner, obj=acme, stage="interest", reason="展示会で来場")
    row = AuditEvent.objects.for_object(acme).get(action="lifecycle.set")
    assert row.changes == {"journey_stage": ["awareness", "interest"]} and row.actor == cast.owner
    assert Lifecycle.objects.get(company=acme).manual
    with pytest.raises(PermissionDenied):
        journey.set_stage(actor=cast.outsider, obj=acme, stage="purchase")
    with pytest.raises(ValidationFailed):
        journey.set_stage(actor=cast.owner, obj=acme, stage="vip")
    page = Client()
    page.force_login(cast.owner)
    sent = page.post(f"/sales/journey/company/{acme.pk}/stage/", {"stage": "consideration"})
    assert sent.status_code == 302 and journey.stage_of(acme) == "consideration"
    assert "興味・関心" in page.get(acme.get_absolute_url()).content.decode()  # the panel's history
    page.cookies["django_language"] = "en"
    english = page.get(acme.get_absolute_url()).content.decode()  # the record's history names stages in English
    assert "<del>Interest</del> → <ins>Consideration</ins>" in english and "興味・関心" not in english


def test_funnel_counts_per_month_and_ltv(cast, acme):
    other = company(cast.owner, "株式会社鈴木工業", visibility="public")
    LifecycleChange.objects.create(object_type="company", object_id=other.pk, from_stage="awareness",
                                   to_stage="interest", at=timezone.now() - timedelta(days=70))  # fmt: skip
    won_deal(cast, acme, 1_000_000)
    won_deal(cast, acme, 3_000_000)
    rows = journey.funnel(cast.manager, "company", months=4)
    assert rows[-1]["counts"]["repeat"] == 1 and rows[-1]["counts"]["interest"] == 1
    assert rows[0]["counts"]["repeat"] == 0
    ltv = journey.ltv(cast.manager, acme)
    assert (ltv.total, ltv.orders, ltv.average) == (4_000_000, 2, 2_000_000) and ltv.by_year[0][1:] == (2, 4_000_000)
    assert journey.ltv(cast.outsider, acme).total == 0  # the outsider sees none of the team's deals
    client = Client()
    client.force_login(cast.manager)
    assert "継続・リピート" in client.get("/sales/journey/").content.decode()
    assert "¥4,000,000" in client.get(acme.get_absolute_url()).content.decode()
    assert client.get("/sales/journey/?months=99").status_code == 422


def test_segments_in_lists_api_exports_and_automation(cast, api, acme):
    small = company(cast.owner, "株式会社小口商店", visibility="public")
    won_deal(cast, acme, 5_000_000)
    won_deal(cast, small, 100_000)
    segment = segments.create_segment(actor=cast.manager, data={
        "name": "大口顧客", "object_type": "company", "shared": True,
        "filters": {"lifecycle": ["purchase", "repeat"], "ltv_min": "1,000,000"}})  # fmt: skip
    with pytest.raises(ValidationFailed):
        segments.create_segment(
            actor=cast.owner,
            data={"name": "x", "object_type": "company", "filters": {"lifecycle": ["vip"], "ltv_min": "たくさん"}},
        )
    client = Client()
    client.force_login(cast.owner)
    listed = client.get(f"/companies/?segment={segment.pk}").content.decode()
    assert "株式会社山田製作所" in listed and "株式会社小口商店" not in listed
    rows = api(cast.owner).get(f"/api/v1/companies?segment={segment.pk}").json()["items"]
    assert [r["id"] for r in rows] == [acme.pk]
    exported = client.get(f"/export/company/?segment={segment.pk}&format=csv").content.decode("utf-8-sig")
    assert "山田製作所" in exported and "小口商店" not in exported
    assert api(cast.owner).get("/api/v1/companies?segment=999999").status_code == 422
    assert ("segments", "セグメント（全員に公開のもの）") in catalog("company")
    assert value_of(acme, "segments") == ["大口顧客"] and value_of(small, "segments") == []
    assert value_of(acme, "lifecycle") == "purchase" and value_of(acme, "ltv") == 5_000_000
