"""A removed deal no longer advances the journey: undoing the capture line that created a deal (or deleting a deal)
takes its company and people back to what their remaining deals and the last stage set by hand support."""

from datetime import date

from kizuna.core import events
from kizuna.sales.models import Deal, LifecycleChange
from kizuna.sales.services import deals, journey
from kizuna.timeline import services as timeline
from tests.factories import company, person


def test_undoing_a_captured_deal_takes_the_journey_back(cast):
    acme = company(cast.owner, "株式会社山田製作所")
    tanaka = person(cast.owner, "田中", "太郎", company=acme)
    journey.set_stage(actor=cast.owner, obj=acme, stage="interest", reason="展示会で名刺交換")
    saved = timeline.save_capture(cast.owner, "@田中 #山田製作所 $検査治具更新 300万", today=date(2026, 12, 7))
    deal = Deal.objects.get(pk=saved.marks[0].links[0]["id"])
    assert list(deal.contacts.values_list("person_id", flat=True)) == [tanaka.pk]
    events.dispatch_pending()
    assert journey.stage_of(acme) == "consideration" and journey.stage_of(tanaka) == "consideration"

    timeline.undo_capture(actor=cast.owner, activity=saved.activity)
    assert Deal.objects.get(pk=deal.pk).deleted_at is not None
    events.dispatch_pending()
    assert journey.stage_of(acme) == "interest"  # the stage set by hand, not below it
    assert journey.stage_of(tanaka) == "awareness"
    last = LifecycleChange.objects.filter(object_type="company", object_id=acme.pk).latest("id")
    assert (last.from_stage, last.to_stage, last.cause) == ("consideration", "interest", "auto")

    deals.restore_deal(actor=cast.owner, deal=Deal.objects.get(pk=deal.pk))
    events.dispatch_pending()
    assert journey.stage_of(acme) == "consideration"  # restored: it proves the stage again


def test_a_removed_won_deal_leaves_what_the_others_prove_and_hand_set_stages_alone(cast):
    acme, beta = company(cast.owner, "株式会社山田製作所"), company(cast.owner, "ベータ工業株式会社")
    won = []
    for co in (acme, acme, beta):
        deal = deals.create_deal(actor=cast.owner, data={"title": "検査治具", "company": co.pk, "amount": 1_000_000})
        deals.move_deal(actor=cast.owner, deal=deal, stage="受注")
        won.append(deal)
    events.dispatch_pending()
    assert journey.stage_of(acme) == "repeat" and journey.stage_of(beta) == "purchase"
    journey.set_stage(actor=cast.owner, obj=beta, stage="repeat", reason="他部門からも継続発注")
    for deal in (won[1], won[2]):
        deals.delete_deal(actor=cast.owner, deal=Deal.objects.get(pk=deal.pk))
    events.dispatch_pending()
    events.dispatch_pending()  # delivered twice: nothing moves again
    assert journey.stage_of(acme) == "purchase"  # one won deal is left
    assert journey.stage_of(beta) == "repeat"  # last set by hand: left as it is
    back = LifecycleChange.objects.filter(object_type="company", object_id=acme.pk, from_stage="repeat")
    assert list(back.values_list("to_stage", flat=True)) == ["purchase"]
