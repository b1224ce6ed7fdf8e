"""Deal services: create, edit, move (time in stage, won/lost), people and line items, with their audit rows and
events; bad input gets a specific error and changes nothing."""

from datetime import timedelta

import pytest

from kizuna.core.exceptions import NotFound, PermissionDenied, StaleVersion, ValidationFailed
from kizuna.core.models import AuditEvent
from kizuna.core.records import get_for_user
from kizuna.sales.models import Deal, DealStageChange, Pipeline, Stage
from kizuna.sales.money import parse_yen
from kizuna.sales.services import deals as services
from tests.factories import company, person, relayed_events


def stage(name):
    return Stage.objects.get(pipeline__is_default=True, name=name)


@pytest.fixture
def acme(cast):
    return company(cast.owner, "株式会社山田製作所")


def make(cast, acme, **data):
    return services.create_deal(actor=cast.owner, data={"title": "検査治具更新", "company": acme.pk, **data})


def test_create_starts_in_first_open_stage_with_audit_and_event(cast, acme):
    deal = make(cast, acme, amount="300万", expected_close_on="2026-12-25")
    assert deal.stage.name == "リード" and deal.amount == 3_000_000 and deal.team == cast.team_a
    assert deal.effective_probability == 10
    row = AuditEvent.objects.for_object(deal).get()
    assert row.action == "create" and row.changes["amount"] == [None, 3_000_000]
    assert relayed_events().filter(type="deal.created", object_id=str(deal.pk)).exists()
    assert DealStageChange.objects.filter(deal=deal, from_stage=None).count() == 1


def test_bad_input_is_refused_with_every_reason(cast, acme):
    with pytest.raises(ValidationFailed) as exc:
        services.create_deal(actor=cast.owner, data={"title": "", "company": acme.pk, "amount": "たくさん",
                                                     "probability": 150, "source": "tv", "tax_rate": "5"})  # fmt: skip
    assert set(exc.value.field_errors) == {"title", "amount", "probability", "source", "tax_rate"}
    assert not Deal.objects.exists()


def test_readonly_cannot_create_and_outsider_cannot_see_team_deal(cast, acme):
    with pytest.raises(PermissionDenied):
        services.create_deal(actor=cast.readonly, data={"title": "x", "company": acme.pk})
    deal = make(cast, acme)
    with pytest.raises(NotFound):
        get_for_user(Deal, cast.outsider, deal.pk)
    assert get_for_user(Deal, cast.teammate, deal.pk) == deal


def test_move_records_time_in_stage_and_probability_follows_stage(cast, acme):
    deal = make(cast, acme)
    Deal.objects.filter(pk=deal.pk).update(stage_entered_at=deal.stage_entered_at - timedelta(days=3))
    deal.refresh_from_db()
    changes = services.move_deal(actor=cast.owner, deal=deal, stage=stage("提案"), version=deal.version)
    assert changes["stage"] == [f"リード (#{stage('リード').pk})", f"提案 (#{stage('提案').pk})"]
    move = DealStageChange.objects.filter(deal=deal).last()
    assert move.from_stage.name == "リード" and move.seconds_in_from_stage >= 3 * 86400
    assert deal.effective_probability == 40
    event = relayed_events().get(type="deal.stage_changed")
    assert event.data["from_stage_name"] == "リード" and event.data["to_stage_name"] == "提案"


def test_override_probability_then_win_sets_won_on_and_clears_override(cast, acme):
    deal = make(cast, acme, probability=70)
    assert deal.effective_probability == 70
    services.move_deal(actor=cast.owner, deal=deal, stage="受注")
    deal.refresh_from_db()
    assert deal.won_on is not None and deal.closed_at is not None and deal.effective_probability == 100
    assert relayed_events().filter(type="deal.won", object_id=str(deal.pk)).exists()


def test_lost_needs_a_reason_and_reopening_clears_it(cast, acme):
    deal = make(cast, acme)
    with pytest.raises(ValidationFailed) as exc:
        services.move_deal(actor=cast.owner, deal=deal, stage=stage("失注"))
    assert "lost_reason" in exc.value.field_errors
    deal.refresh_from_db()
    assert deal.stage.name == "リード"
    services.move_deal(actor=cast.owner, deal=deal, stage=stage("失注"), lost_reason="価格で競合に負けた")
    deal.refresh_from_db()
    assert deal.lost_reason == "価格で競合に負けた" and deal.won_on is None and deal.closed_at
    assert relayed_events().get(type="deal.lost").data["lost_reason"] == "価格で競合に負けた"
    services.move_deal(actor=cast.owner, deal=deal, stage=stage("交渉"))
    deal.refresh_from_db()
    assert deal.lost_reason == "" and deal.closed_at is None


def test_stale_version_is_refused(cast, acme):
    deal = make(cast, acme)
    services.update_deal(actor=cast.owner, deal=deal, data={"next_step": "見積送付"}, version=deal.version)
    stale = Deal.objects.get(pk=deal.pk)
    stale.version -= 1
    with pytest.raises(StaleVersion):
        services.update_deal(actor=cast.teammate, deal=stale, data={"amount": 5}, version=stale.version)
    with pytest.raises(StaleVersion):
        services.move_deal(actor=cast.teammate, deal=stale, stage=stage("提案"), version=stale.version)


def test_stage_of_another_pipeline_is_refused(cast, acme):
    other = Pipeline.objects.create(name="保守", team=cast.team_b)
    foreign = Stage.objects.create(pipeline=other, name="更新提案", order=0, probability=50)
    deal = make(cast, acme)
    with pytest.raises(ValidationFailed):
        services.move_deal(actor=cast.owner, deal=deal, stage=foreign.pk)


def test_team_pipeline_is_the_default_for_its_team(cast, acme):
    own = Pipeline.objects.create(name="営業1部の流れ", team=cast.team_a)
    Stage.objects.create(pipeline=own, name="初回訪問", order=0, probability=15)
    assert services.default_pipeline_for(cast.team_a) == own
    assert services.default_pipeline_for(cast.team_b).is_default
    deal = make(cast, acme)
    assert deal.pipeline == own and deal.stage.name == "初回訪問"


def test_contacts_with_roles_and_lines_sum_to_amount(cast, acme):
    tanaka, sato = person(cast.owner, "田中", "太郎"), person(cast.owner, "佐藤", "花子")
    deal = make(cast, acme, amount=1)
    services.set_deal_contacts(actor=cast.owner, deal=deal, contacts=[
        {"person": tanaka.pk, "role": "decision_maker"}, {"person": sato.pk, "role": "contact"}])  # fmt: skip
    assert {c.person_id: c.role for c in deal.contacts.all()} == {tanaka.pk: "decision_maker", sato.pk: "contact"}
    with pytest.raises(ValidationFailed):
        services.set_deal_contacts(actor=cast.owner, deal=deal, contacts=[{"person": tanaka.pk, "role": "boss"}])
    services.set_deal_lines(actor=cast.owner, deal=deal, lines=[
        {"name": "検査治具", "quantity": "2", "unit_price": "120万"},
        {"name": "据付調整", "quantity": 1, "unit_price": 300000, "discount": 50000}])  # fmt: skip
    deal.refresh_from_db()
    assert deal.amount == 2_650_000
    assert AuditEvent.objects.for_object(deal).filter(changes__has_key="deal_lines").exists()
    services.update_deal(actor=cast.owner, deal=deal, data={"amount": 9}, version=deal.version)
    deal.refresh_from_db()
    assert deal.amount == 2_650_000  # the lines decide


@pytest.mark.parametrize(
    ("text", "yen"),
    [
        ("300万", 3_000_000),
        ("１．２億", 120_000_000),
        ("¥3,000,000", 3_000_000),
        ("5000円", 5000),
        ("12", 12),
        ("abc", None),
        ("-5", None),
        ("1.5", None),
    ],
)
def test_parse_yen(text, yen):
    assert parse_yen(text) == yen
