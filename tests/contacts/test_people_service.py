"""Person writes: names as entered, normalized search columns, contact points, honorifics, external ids."""

import pytest

from kizuna.contacts import services
from kizuna.core.exceptions import ValidationFailed
from kizuna.core.models import AuditEvent
from tests import factories


def test_person_is_stored_as_entered_with_normalized_columns(cast):
    person = factories.person(
        cast.owner, "髙橋", "一郎", family_name_kana="ﾀｶﾊｼ", given_name_kana="イチロウ",
        emails=[{"value": "Ｉｃｈｉｒｏ@Example.CO.JP"}],
        phones=[{"value": "０９０（１２３４）５６７８"}, {"value": "03-1234-5678 内線123"}],
    )  # fmt: skip
    assert person.family_name == "髙橋"
    assert person.name_search == "高橋一郎"
    assert person.kana_search == "たかはしいちろう"
    points = {p.kind + p.label: p for p in person.contact_points.all()}
    assert points["emailwork"].normalized == "ichiro@example.co.jp"
    assert points["phonemobile"].e164 == "+819012345678"
    assert points["phoneoffice"].normalized == "0312345678"
    assert points["phoneoffice"].extension == "123"


def test_honorifics_are_never_part_of_a_name(cast):
    person = factories.person(cast.owner, "山田", "花子様")
    assert person.given_name == "花子"


def test_values_that_are_no_address_or_number_are_kept_unparsed_not_refused(cast):
    person = factories.person(cast.owner, emails=[{"value": "not-an-email"}], phones=[{"value": "12"}])
    assert not person.contact_points.exists()
    assert [(e["kind"], e["value"], e["reason"]) for e in person.unparsed_values] == [
        ("email", "not-an-email", "not_an_email"), ("phone", "12", "not_a_phone"),
    ]  # fmt: skip


def test_a_wrong_contact_label_is_still_reported_per_field(cast):
    with pytest.raises(ValidationFailed) as exc:
        factories.person(cast.owner, emails=[{"value": "a@example.jp", "label": "mobile"}],
                         phones=[{"value": "03-1234-5678", "label": "personal"}])  # fmt: skip
    assert set(exc.value.field_errors) == {"emails", "phones"}


def test_external_id_is_unique(cast):
    factories.person(cast.owner, external_id="CRM-001")
    with pytest.raises(ValidationFailed) as exc:
        factories.person(cast.owner, "佐藤", external_id="CRM-001")
    assert "external_id" in exc.value.field_errors


def test_editing_contact_points_is_in_the_history(cast):
    person = factories.person(cast.owner, emails=["a@example.jp"])
    services.update_person(
        actor=cast.owner, person=person, data={"emails": ["b@example.jp"], "tags": ["キーマン"]}, expected_version=1
    )
    person.refresh_from_db()
    assert person.version == 2
    event = AuditEvent.objects.for_object(person).filter(action="update").latest("id")
    assert event.changes["emails"] == [["a@example.jp"], ["b@example.jp"]]
    assert event.changes["tags"] == [[], ["キーマン"]]


def test_wareki_birthday_is_parsed(cast):
    person = factories.person(cast.owner, birthday="昭和55年4月1日")
    assert person.birthday.isoformat() == "1980-04-01"
