"""The one visibility queryset: who sees which record, by role, team, owner and sharing."""

import pytest

from kizuna.contacts.models import Company, Person
from kizuna.core.exceptions import NotFound, PermissionDenied
from kizuna.core.records import get_for_user
from tests import factories


def visible_names(user):
    return set(Person.objects.visible_to(user).values_list("family_name", flat=True))


@pytest.fixture
def records(cast):
    return {
        "public": factories.person(cast.owner, "公開", visibility="public"),
        "team": factories.person(cast.owner, "チーム", visibility="team"),
        "private": factories.person(cast.owner, "非公開", visibility="private"),
        "other_team": factories.person(cast.outsider, "他部署", visibility="team"),
        "other_private": factories.person(cast.outsider, "他部署非公開", visibility="private"),
    }


def test_member_sees_public_own_team_and_own_private(cast, records):
    assert visible_names(cast.owner) == {"公開", "チーム", "非公開"}


def test_teammate_does_not_see_a_colleagues_private_record(cast, records):
    assert visible_names(cast.teammate) == {"公開", "チーム"}


def test_manager_sees_the_whole_team_including_private(cast, records):
    assert visible_names(cast.manager) == {"公開", "チーム", "非公開"}


def test_outsider_sees_only_public_and_own(cast, records):
    assert visible_names(cast.outsider) == {"公開", "他部署", "他部署非公開"}


def test_admin_sees_everything(cast, records):
    assert visible_names(cast.admin) == {"公開", "チーム", "非公開", "他部署", "他部署非公開"}


def test_sharing_a_private_record_with_a_user(cast, records):
    records["private"].shared_with.add(cast.outsider)
    assert "非公開" in visible_names(cast.outsider)
    assert "非公開" not in visible_names(cast.teammate)


def test_anonymous_and_inactive_users_see_nothing(cast, records):
    from django.contrib.auth.models import AnonymousUser

    assert visible_names(AnonymousUser()) == set()
    cast.owner.is_active = False
    assert visible_names(cast.owner) == set()


def test_hidden_and_unknown_ids_raise_the_same_not_found(cast, records):
    hidden = records["private"].pk
    with pytest.raises(NotFound):
        get_for_user(Person, cast.outsider, hidden)
    with pytest.raises(NotFound):
        get_for_user(Person, cast.outsider, 999_999)
    with pytest.raises(NotFound):
        get_for_user(Person, cast.outsider, "1 OR 1=1")


def test_read_only_user_can_read_but_not_write(cast, records):
    record = get_for_user(Person, cast.readonly, records["team"].pk)
    assert record.pk == records["team"].pk
    with pytest.raises(PermissionDenied):
        get_for_user(Person, cast.readonly, records["team"].pk, for_write=True)


def test_public_record_of_another_team_is_read_only_for_members(cast, records):
    assert get_for_user(Person, cast.outsider, records["public"].pk)
    with pytest.raises(PermissionDenied):
        get_for_user(Person, cast.outsider, records["public"].pk, for_write=True)


def test_deleted_records_are_hidden_from_normal_reads(cast):
    from kizuna.contacts import services

    company = factories.company(cast.owner)
    services.delete_company(actor=cast.owner, company=company)
    assert not Company.objects.visible_to(cast.owner).filter(pk=company.pk).exists()
    assert Company.objects.visible_to(cast.owner, deleted=True).filter(pk=company.pk).exists()
    with pytest.raises(NotFound):
        get_for_user(Company, cast.owner, company.pk)
