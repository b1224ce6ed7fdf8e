"""Every type's validation through the person and company services: typed, normalized, Japanese errors by
field path, required fields, audit rows as custom.<key>."""

from datetime import date

import pytest

from kizuna.contacts import services
from kizuna.core.exceptions import ValidationFailed
from kizuna.core.models import AuditEvent
from kizuna.customfields import services as field_services
from tests import factories

from .conftest import make_field


def test_every_type_is_stored_as_its_json_type(cast, fields):
    person = factories.person(cast.owner, custom={
        "memo": "  仕様に厳しい ", "history": "一行目\n二行目", "size": "１，２００", "amount": "１２０,０００円",
        "since": "令和6年4月1日", "rank": "A", "areas": ["技術", "営業", "技術"], "contact": str(cast.teammate.pk),
        "site": "example.co.jp/資料", "vip": "on",
    })  # fmt: skip
    person.refresh_from_db()
    assert person.custom == {
        "memo": "仕様に厳しい", "history": "一行目\n二行目", "size": 1200, "amount": 120000, "since": "2024-04-01",
        "rank": "A", "areas": ["営業", "技術"], "contact": cast.teammate.pk, "site": "https://example.co.jp/資料",
        "vip": True,
    }  # fmt: skip


def test_api_typed_values_and_dates_are_accepted(cast, fields):
    person = factories.person(cast.owner, custom={"size": 12.5, "amount": 3000, "since": "R6.4.1", "vip": False})
    assert person.custom == {"size": 12.5, "amount": 3000, "since": "2024-04-01"}  # a checkbox that is off: no key
    other = factories.person(cast.owner, "佐藤", custom={"since": date(2024, 4, 1), "contact": cast.owner.username})
    assert other.custom == {"since": "2024-04-01", "contact": cast.owner.pk}


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("size", "たくさん", "数値で入力してください"),
        ("size", True, "数値で入力してください"),
        ("amount", "1200.5", "円単位の整数"),
        ("since", "2024/13/40", "日付の形式が正しくありません"),
        ("rank", "Z", "選択肢にありません"),
        ("areas", ["営業", "経理"], "選択肢にありません"),
        ("areas", 3, "選択肢の一覧"),
        ("contact", "nobody", "見つかりません"),
        ("site", "ht tp://そうではない", "URL の形式"),
        ("vip", "maybe", "はい／いいえ"),
        ("memo", "x" * 501, "500文字以内"),
        ("memo", 5, "文字列で入力してください"),
        ("nosuch", "x", "この項目はありません"),
    ],
)
def test_bad_values_are_refused_with_a_japanese_message_by_path(cast, fields, key, value, message):
    with pytest.raises(ValidationFailed) as info:
        factories.person(cast.owner, custom={key: value})
    assert message in " ".join(info.value.field_errors[f"custom.{key}"])


def test_errors_of_several_fields_come_together_with_the_record_fields(cast, fields):
    with pytest.raises(ValidationFailed) as info:
        services.create_person(actor=cast.owner, data={"family_name": "", "custom": {"size": "x", "rank": "Z"}})
    assert {"family_name", "custom.size", "custom.rank"} <= set(info.value.field_errors)


def test_custom_must_be_an_object(cast, fields):
    with pytest.raises(ValidationFailed) as info:
        factories.person(cast.owner, custom=["A"])
    assert "custom" in info.value.field_errors


def test_required_field_on_create_and_when_cleared(cast, fields):
    make_field(cast.admin, "region", "choice", choices=["東", "西"], required=True, label_ja="地域")
    with pytest.raises(ValidationFailed) as info:
        factories.person(cast.owner)
    assert info.value.field_errors == {"custom.region": ["地域を入力してください。"]}
    person = factories.person(cast.owner, custom={"region": "東"})
    services.update_person(actor=cast.owner, person=person, data={"notes": "変更"})  # not given: fine
    with pytest.raises(ValidationFailed):
        services.update_person(actor=cast.owner, person=person, data={"custom": {"region": ""}})


def test_update_changes_only_the_keys_given_and_audits_them_by_path(cast, fields):
    person = factories.person(cast.owner, custom={"rank": "A", "memo": "初回"})
    changes = services.update_person(actor=cast.owner, person=person, data={"custom": {"rank": "B", "memo": ""}})
    assert changes == {"custom.rank": ["A", "B"], "custom.memo": ["初回", None]}
    person.refresh_from_db()
    assert person.custom == {"rank": "B"}
    row = AuditEvent.objects.filter(action="update", object_id=str(person.pk)).latest("id")
    assert row.changes == {"custom.rank": ["A", "B"], "custom.memo": ["初回", None]}
    created = AuditEvent.objects.filter(action="create", object_id=str(person.pk)).get()
    assert created.changes["custom.rank"] == [None, "A"]


def test_an_update_does_not_overwrite_keys_another_writer_saved(cast, fields):
    person = factories.person(cast.owner, custom={"rank": "A"})
    stale = type(person).objects.get(pk=person.pk)
    services.update_person(actor=cast.owner, person=person, data={"custom": {"memo": "先に保存"}})
    services.update_person(actor=cast.owner, person=stale, data={"custom": {"rank": "C"}})
    stale.refresh_from_db()
    assert stale.custom == {"rank": "C", "memo": "先に保存"}


def test_stale_version_is_still_a_conflict(cast, fields):
    from kizuna.core.exceptions import StaleVersion

    person = factories.person(cast.owner, custom={"rank": "A"})
    with pytest.raises(StaleVersion):
        services.update_person(actor=cast.owner, person=person, data={"custom": {"rank": "B"}}, expected_version=99)


def test_companies_have_their_own_fields(cast, fields):
    field_services.create_field(actor=cast.admin, data={"object_type": "company", "key": "tier", "type": "choice",
                                                        "label_ja": "階層", "choices": ["1次", "2次"]})  # fmt: skip
    company = factories.company(cast.owner, custom={"tier": "1次"})
    assert company.custom == {"tier": "1次"}
    with pytest.raises(ValidationFailed) as info:
        factories.company(cast.owner, name="株式会社別", custom={"rank": "A"})  # a person's field
    assert "custom.rank" in info.value.field_errors
    changes = services.update_company(actor=cast.owner, company=company, data={"custom": {"tier": "2次"}})
    assert changes == {"custom.tier": ["1次", "2次"]}


def test_a_merge_keeps_every_custom_value_and_its_undo_restores_them(cast, fields):
    from kizuna.contacts.services.merge import merge_records, undo_merge

    survivor = factories.person(cast.owner, custom={"rank": "A"})
    other = factories.person(cast.owner, custom={"rank": "C", "memo": "相手だけの値"})
    merge = merge_records(actor=cast.owner, kind="person", survivor=survivor, others=[other])
    survivor.refresh_from_db()
    assert survivor.custom == {"rank": "A", "memo": "相手だけの値"}
    row = AuditEvent.objects.filter(action="merge", object_id=str(survivor.pk)).get()
    assert row.changes["custom.memo"] == [None, "相手だけの値"]
    undo_merge(actor=cast.owner, merge=merge)
    survivor.refresh_from_db()
    assert survivor.custom == {"rank": "A"}
