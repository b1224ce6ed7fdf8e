"""Optimistic concurrency, soft delete and restore, and the audit rows every write leaves."""

import pytest

from kizuna.contacts import services
from kizuna.contacts.models import Company
from kizuna.core.exceptions import PermissionDenied, StaleVersion, ValidationFailed
from kizuna.core.models import AuditEvent
from tests import factories


def test_two_writers_one_gets_a_stale_version_error(cast):
    company = factories.company(cast.owner)
    first = Company.objects.get(pk=company.pk)
    second = Company.objects.get(pk=company.pk)
    services.update_company(actor=cast.owner, company=first, data={"industry": "製造業"}, expected_version=1)
    with pytest.raises(StaleVersion):
        services.update_company(actor=cast.teammate, company=second, data={"industry": "卸売業"}, expected_version=1)
    company.refresh_from_db()
    assert company.industry == "製造業"
    assert company.version == 2


def test_update_records_who_changed_what_from_what(cast):
    company = factories.company(cast.owner, industry="製造業")
    services.update_company(actor=cast.teammate, company=company, data={"industry": "卸売業"}, expected_version=1)
    event = AuditEvent.objects.for_object(company).filter(action="update").get()
    assert event.actor == cast.teammate
    assert event.changes == {"industry": ["製造業", "卸売業"]}


def test_create_writes_an_audit_row_with_the_snapshot(cast):
    company = factories.company(cast.owner, name="㈱髙橋精機", corporate_number="7000012050002")
    event = AuditEvent.objects.for_object(company).get(action="create")
    assert event.changes["name"] == [None, "㈱髙橋精機"]
    assert event.actor_name == "owner"
    assert event.hash and len(event.hash) == 64


def test_unchanged_save_does_not_bump_the_version(cast):
    company = factories.company(cast.owner, industry="製造業")
    services.update_company(actor=cast.owner, company=company, data={"industry": "製造業"}, expected_version=1)
    company.refresh_from_db()
    assert company.version == 1


def test_soft_delete_and_restore_keep_the_record(cast):
    company = factories.company(cast.owner)
    services.delete_company(actor=cast.owner, company=company, expected_version=1)
    company.refresh_from_db()
    assert company.deleted_at is not None and company.deleted_by == cast.owner
    services.restore_company(actor=cast.owner, company=company)
    company.refresh_from_db()
    assert company.deleted_at is None
    actions = list(AuditEvent.objects.for_object(company).order_by("id").values_list("action", flat=True))
    assert actions == ["create", "delete", "restore"]


def test_read_only_user_cannot_write(cast):
    with pytest.raises(PermissionDenied):
        factories.company(cast.readonly)
    company = factories.company(cast.owner)
    with pytest.raises(PermissionDenied):
        services.update_company(actor=cast.readonly, company=company, data={"industry": "x"})
    with pytest.raises(PermissionDenied):
        services.delete_company(actor=cast.readonly, company=company)


def test_outsider_cannot_change_another_teams_record(cast):
    company = factories.company(cast.owner, visibility="public")
    with pytest.raises(PermissionDenied):
        services.update_company(actor=cast.outsider, company=company, data={"industry": "x"})


def test_bad_input_lists_every_field_error_and_writes_nothing(cast):
    with pytest.raises(ValidationFailed) as exc:
        factories.company(cast.owner, name="", corporate_number="1234567890123", prefecture="東京府", postcode="12")
    assert set(exc.value.field_errors) == {"name", "corporate_number", "prefecture", "postcode"}
    assert Company.objects.count() == 0
    assert not AuditEvent.objects.filter(action="create").exists()


def test_members_cannot_hand_records_to_other_owners(cast):
    with pytest.raises(ValidationFailed) as exc:
        factories.company(cast.owner, owner=cast.outsider.pk)
    assert "owner" in exc.value.field_errors
    company = factories.company(cast.manager, owner=cast.teammate.pk)
    assert company.owner == cast.teammate and company.team == cast.team_a


def test_audit_log_is_append_only(cast):
    company = factories.company(cast.owner)
    event = AuditEvent.objects.for_object(company).first()
    event.action = "tampered"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.all().delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.all().update(action="x")
