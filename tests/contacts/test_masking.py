"""Field masking: a masked value looks the same in every channel — page, list, API, search, export — and
revealing it is an explicit, audited act."""

import csv
import io

import pytest
from django.test import Client

from kizuna.accounts import roles
from kizuna.contacts.exports import export
from kizuna.contacts.masking import mask_person
from kizuna.contacts.models import Person
from kizuna.contacts.search import search_records
from kizuna.core.masking import mask_email, mask_phone
from kizuna.core.models import AuditEvent
from tests import factories
from tests.conftest import make_user


@pytest.fixture
def tanaka(cast):
    """A public record of 営業1部: the outsider (営業2部) may read it but not its private details."""
    return factories.person(
        cast.owner, "田中", "太郎", visibility="public", birthday="1980/4/1", postcode="100-0001",
        prefecture="東京都", city="千代田区", street="千代田1-1",
        phones=[{"value": "090-1234-5678", "label": "mobile"}, {"value": "03-1111-2222", "label": "office"}],
        emails=[{"value": "taro@home.example.jp", "label": "personal"}, {"value": "tanaka@corp.example.jp"}],
    )  # fmt: skip


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def test_mask_shapes():
    assert mask_phone("090-1234-5678") == "090-****-5678" and mask_phone("09012345678") == "090****5678"
    assert mask_email("taro@home.example.jp") == "t****@home.example.jp"


def test_every_channel_masks_the_same_values(cast, tanaka):
    page = client_for(cast.outsider).get(f"/people/{tanaka.pk}/").content.decode()
    assert "090-****-5678" in page and "t****@home.example.jp" in page and "1980" not in page
    assert "03-1111-2222" in page and "tanaka@corp.example.jp" in page  # work details stay readable
    assert "千代田1-1" not in page
    listing = client_for(cast.outsider).get("/people/").content.decode()
    assert "090-****-5678" in listing and "090-1234-5678" not in listing
    from tests.conftest import ApiClient

    history = ApiClient(cast.outsider).get(f"/api/v1/people/{tanaka.pk}/history").json()
    assert "1980" not in str(history) and "090-****-5678" in str(history)
    body = ApiClient(cast.outsider).get(f"/api/v1/people/{tanaka.pk}").json()
    assert {p["value"] for p in body["phones"]} == {"090-****-5678", "03-1111-2222"} and body["birthday"] is None
    _, results, _ = search_records(cast.outsider, "1234", type="person")
    assert results == []  # a masked number is not searchable, or it could be read back digit by digit
    rows = list(csv.reader(io.StringIO(export(actor=cast.outsider, kind="person").content.decode("utf-8-sig"))))
    row = next(r for r in rows if r[1] == "田中")
    assert "090-****-5678" in row[9] and row[16] == "****" and "千代田1-1" not in row


def test_the_owner_and_managers_see_everything(cast, tanaka):
    for user in (cast.owner, cast.teammate, cast.manager, cast.admin):
        assert "090-1234-5678" in client_for(user).get(f"/people/{tanaka.pk}/").content.decode()


def test_reveal_is_a_permission_and_audited(cast, tanaka):
    """A member of another team sees the values masked and may not reveal them; a role granted "reveal" (a
    contact-center desk, say) may, for ten minutes, and each reveal is in the audit log."""
    client = client_for(cast.outsider)
    page = client.get(f"/people/{tanaka.pk}/").content.decode()
    assert "表示する（記録されます）" not in page
    assert client.post(f"/people/{tanaka.pk}/reveal/").status_code == 403
    assert "090-1234-5678" not in client.get(f"/people/{tanaka.pk}/").content.decode()
    assert not AuditEvent.objects.filter(action="reveal").exists()
    roles.create_role(actor=None, data={"key": "desk", "name": "窓口", "scope": "standard",
                                        "permissions": {"person": ["view", "reveal"]}})  # fmt: skip
    desk = make_user("desk", "desk", cast.team_b)
    client = client_for(desk)
    assert "表示する（記録されます）" in client.get(f"/people/{tanaka.pk}/").content.decode()
    assert client.post(f"/people/{tanaka.pk}/reveal/").status_code == 302
    assert "090-1234-5678" in client.get(f"/people/{tanaka.pk}/").content.decode()
    assert AuditEvent.objects.filter(action="reveal", actor=desk, object_id=str(tanaka.pk)).count() == 1


def test_reveal_is_a_post_named_in_the_history_and_ends_with_the_permission(cast, tanaka):
    desk_role = roles.create_role(actor=None, data={"key": "desk", "name": "窓口", "scope": "standard",
                                                    "permissions": {"person": ["view", "reveal"]}})  # fmt: skip
    client = client_for(make_user("desk", "desk", cast.team_b))
    assert client.get(f"/people/{tanaka.pk}/reveal/").status_code == 405  # a link or an <img> cannot reveal
    assert not AuditEvent.objects.filter(action="reveal").exists()
    forged = Client(enforce_csrf_checks=True)
    forged.force_login(make_user("desk2", "desk", cast.team_b))
    assert forged.post(f"/people/{tanaka.pk}/reveal/").status_code == 403  # no CSRF token: another site's form
    assert not AuditEvent.objects.filter(action="reveal").exists()
    client.post(f"/people/{tanaka.pk}/reveal/")
    page = client.get(f"/people/{tanaka.pk}/").content.decode()
    assert "090-1234-5678" in page and "機微項目を一時表示" in page  # who revealed it shows in the history
    roles.update_role(actor=cast.admin, role=desk_role, data={"permissions": {"person": ["view"]}})
    assert "090-1234-5678" not in client.get(f"/people/{tanaka.pk}/").content.decode()  # within the ten minutes


def test_a_masked_copy_can_never_be_saved(cast, tanaka):
    person = Person.objects.prefetch_related("contact_points").get(pk=tanaka.pk)
    mask_person(cast.outsider, person)
    with pytest.raises(RuntimeError):
        person.save()
    with pytest.raises(RuntimeError):
        person.contact_points.all()[0].save()


def test_search_matches_a_masked_value_only_for_readers_who_see_it(cast, tanaka):
    """Probing 090-1, 090-12, ... finds nothing for a reader who sees the mobile masked (and nothing about the
    personal e-mail), while the work number stays searchable; the owner's team finds all of them."""
    probes = ["090-1", "090-12", "090-123", "0901234", "12345678", "home.example", "taro@home"]
    for user in (cast.outsider, cast.readonly):
        for probe in probes:
            _, found, _ = search_records(user, probe, type="person")
            assert tanaka.pk not in [r.id for r in found], (user, probe)
            listing = client_for(user).get("/people/", {"q": probe}).content.decode()
            assert "田中 太郎" not in listing, (user, probe)
        _, found, _ = search_records(user, "03-1111", type="person")
        assert [r.id for r in found] == [tanaka.pk]
    for user in (cast.owner, cast.teammate, cast.admin):
        _, found, _ = search_records(user, "0901234", type="person")
        assert [r.id for r in found] == [tanaka.pk] and "<mark>" in found[0].highlight
        assert tanaka.pk in [p["id"] for p in client_for(user).get("/api/v1/people", {"q": "home.example"}).json()[
            "items"]]  # fmt: skip


@pytest.mark.parametrize("window", [5_000, 1])
def test_masked_values_stay_unsearchable_past_the_count_cap(cast, tanaka, monkeypatch, window):
    """Past the cap the search reads each rank tier newest first (and, on PostgreSQL, walks the newest documents
    before the GIN index): the same rule holds on that path."""
    from kizuna.contacts import search as contacts_search
    from kizuna.core import search as index

    monkeypatch.setattr(contacts_search, "COUNT_CAP", 0)
    monkeypatch.setattr(index, "WALK_WINDOW", window)
    for user in (cast.outsider, cast.readonly):
        for probe in ["090-1", "0901234", "home.example", "taro@home"]:
            total, found, _ = search_records(user, probe, type="person")
            assert tanaka.pk not in [r.id for r in found] and total == 0, (user, probe)
        assert [r.id for r in search_records(user, "03-1111", type="person")[1]] == [tanaka.pk]
    for user in (cast.owner, cast.teammate, cast.admin):
        total, found, _ = search_records(user, "0901234", type="person")
        assert [r.id for r in found] == [tanaka.pk] and total.is_estimate
