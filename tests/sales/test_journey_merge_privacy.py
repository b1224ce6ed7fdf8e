"""The customer journey and quotes across merges and 開示・消去: a merged record takes the furthest stage, a quote
addressed to a merged person names the survivor, a person's stage is disclosed and erased."""

from kizuna.contacts.services.merge import merge_records
from kizuna.core import events
from kizuna.privacy.services import disclosure, erasure
from kizuna.sales.models import Lifecycle, LifecycleChange
from kizuna.sales.services import journey, quotes
from tests.factories import company, person

from .quote_helpers import deal, issuer


def test_a_merged_company_takes_the_furthest_stage_and_a_quote_follows_its_person(cast):
    issuer()
    survivor = company(cast.owner, "株式会社田中工業", visibility="public")
    other = company(cast.owner, "田中工業（株）", visibility="public")
    journey.set_stage(actor=cast.owner, obj=other, stage="purchase", reason="既存取引")
    merge_records(actor=cast.admin, kind="company", survivor=survivor, others=[other])
    events.dispatch_pending()  # the journey consumer sees company.merged
    assert journey.stage_of(survivor) == "purchase"
    assert LifecycleChange.objects.filter(object_type="company", object_id=survivor.pk, reason="merge").exists()

    jig = deal(cast.owner)
    yamada, dup = person(cast.owner, "山田", "太郎"), person(cast.owner, "山田", "太郎")
    quote = quotes.create_quote(
        actor=cast.owner, deal=jig, data={"customer_person": dup.pk, "lines": [{"name": "治具", "unit_price": 1}]}
    )
    assert quote.customer_person == dup
    merge_records(actor=cast.admin, kind="person", survivor=yamada, others=[dup])
    quote.refresh_from_db()
    assert quote.customer_person == yamada


def test_a_persons_stage_is_disclosed_and_erased(cast):
    tanaka = person(cast.owner, "田中", "一郎")
    journey.set_stage(actor=cast.owner, obj=tanaka, stage="interest", reason="展示会で名刺交換")
    data = disclosure.disclosure_data(tanaka)
    assert data["sales_journey"][0]["stage"] == "興味・関心" and data["sales_journey"][0]["set_by_hand"]
    assert data["sales_journey_changes"][0]["reason"] == "展示会で名刺交換"
    erasure.erase(actor=cast.admin, person=tanaka, confirm=tanaka.pk)
    assert not Lifecycle.objects.filter(person=tanaka).exists()
    assert not LifecycleChange.objects.filter(object_type="person", object_id=tanaka.pk).exists()
