"""消去 end to end: personal data gone everywhere (person row, contact points, careers, attachments, search,
activities' text, the audit log), anonymized aggregates kept, the audit chain still verifies."""

import io
import json
from collections import Counter

import pytest
from django.core.management import call_command
from django.db.models.functions import TruncMonth

from kizuna.contacts.models import ContactPoint, Employment, Merge, Person
from kizuna.contacts.search import search_records
from kizuna.contacts.services.merge import merge_records
from kizuna.core.models import AuditEvent, SearchDocument
from kizuna.privacy import services
from kizuna.privacy.models import PrivacyRecord, PrivacyRequest, ThirdPartyProvision
from kizuna.timeline.models import Activity, Attachment, FollowUp, Insight, Relationship
from kizuna.timeline.search import search_activities

from .conftest import client_for

SECRETS = (
    "田中 太郎",
    "田中太郎",
    "太郎",
    "タナカ",
    "たなか",
    "taro.tanaka",
    "090-1234-5678",
    "09012345678",
    "1980-04-01",
    "千代田1-1",
    "ゴルフ",
    "CRM-000123",
)


def aggregates():
    """Activities per company, kind and month: what reports count."""
    rows = Activity.companies.through.objects.annotate(month=TruncMonth("activity__occurred_at")).values_list(
        "company_id", "activity__kind", "month"
    )
    return Counter(rows)


def audit_text(event) -> str:
    return event.object_label + json.dumps(event.changes, ensure_ascii=False)


def test_erasure_end_to_end(cast, api, world, django_capture_on_commit_callbacks):
    tanaka = world.tanaka
    before = aggregates()
    people_at_company = Person.objects.filter(company=world.company).count()
    company_activities = Activity.objects.filter(companies=world.company).count()
    assert search_records(cast.admin, "田中", type="person")[0] == 1
    assert any(s in audit_text(e) for e in AuditEvent.objects.for_object(tanaka) for s in SECRETS)
    file_path = world.media / world.attachment.path
    assert file_path.exists()

    with django_capture_on_commit_callbacks(execute=True):  # the file goes once the erasure is committed
        response = api(cast.admin).post(f"/api/v1/people/{tanaka.pk}/erase", {"confirm": str(tanaka.pk)})
    assert response.status_code == 200, response.content
    assert response.json()["label"] == f"削除済みの個人 #{tanaka.pk}"

    # the person row: a placeholder, nothing personal, out of lists and search
    row = Person.objects.get(pk=tanaka.pk)
    assert row.display_name == f"削除済みの個人 #{tanaka.pk}"
    assert (row.family_name_kana, row.given_name_kana, row.birthday) == ("", "", None)
    assert (row.notes, row.external_id) == ("", "")
    assert (row.postcode, row.prefecture, row.city, row.street) == ("", "", "", "")
    assert row.deleted_at is not None and not row.tags.exists()
    assert row.company_id == world.company.pk  # the company stays for counts
    assert not ContactPoint.objects.filter(person_id=tanaka.pk).exists()
    job = Employment.objects.get(person_id=tanaka.pk)
    assert (job.department, job.title, job.company_id) == ("", "", world.company.pk)
    assert not Attachment.objects.filter(person_id=tanaka.pk).exists() and not file_path.exists()
    assert not Insight.objects.filter(person_id=tanaka.pk).exists()
    assert not Relationship.objects.filter(to_person_id=tanaka.pk).exists()
    assert FollowUp.objects.get(pk=world.follow_up.pk).person_id is None
    assert "田中" not in FollowUp.objects.get(pk=world.follow_up.pk).title
    assert not SearchDocument.objects.filter(object_type="person", object_id=tanaka.pk).exists()
    assert search_records(cast.admin, "田中", type="person")[0] == 0
    assert search_records(cast.admin, "090-1234", type="person")[0] == 0
    assert search_activities(cast.admin, "田中") == []

    # the activity stays (counts per company, kind and month are unchanged), without the person or their name
    visit = Activity.objects.get(pk=world.visit.pk)
    assert list(visit.people.values_list("pk", flat=True)) == [world.suzuki.pk]
    assert "田中" not in visit.subject + visit.body and "仕様に厳しい" in visit.body
    assert f"削除済みの個人 #{tanaka.pk}" in visit.body
    assert aggregates() == before
    assert Person.objects.filter(company=world.company).count() == people_at_company
    assert Activity.objects.filter(companies=world.company).count() == company_activities == 2

    # the audit log: no name, no old value left, and the chain still verifies
    for event in AuditEvent.objects.all():
        text = audit_text(event)
        assert not any(s in text for s in SECRETS), (event.action, event.object_type, text)
    for event in AuditEvent.objects.filter(object_type="timeline.insight", object_id=str(world.insight.pk)):
        assert "納期には寛容" not in audit_text(event)  # the insight about them is gone, from its history too
    own = AuditEvent.objects.for_object(row).exclude(action__startswith="privacy.erase")
    assert own.exists() and all(e.redacted_at for e in own)
    out = io.StringIO()
    call_command("audit", "verify", "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["broken"] == [] and report["redacted"] >= own.count()

    # kept: the provision record (the law asks for it), the request log; audited
    assert ThirdPartyProvision.objects.get(pk=world.provision.pk).people.get().pk == tanaka.pk
    assert PrivacyRequest.objects.filter(person_id=tanaka.pk, kind="erasure", handled_by=cast.admin).exists()
    assert PrivacyRecord.objects.get(person_id=tanaka.pk).erased_at is not None
    erase_event = AuditEvent.objects.filter(action="privacy.erase").get()
    assert erase_event.object_id == str(tanaka.pk) and erase_event.actor == cast.admin
    assert erase_event.changes["contact_points"] == [None, 2]

    # the other people are untouched
    suzuki = Person.objects.get(pk=world.suzuki.pk)
    assert suzuki.display_name == "鈴木 花子" and search_records(cast.admin, "鈴木", type="person")[0] == 1
    # and the erased person is gone for good
    assert api(cast.admin).get(f"/api/v1/people/{tanaka.pk}").status_code == 404
    assert api(cast.admin).post(f"/api/v1/people/{tanaka.pk}/erase", {"confirm": str(tanaka.pk)}).status_code == 404


def test_erasure_needs_the_typed_id_and_loses_nothing_otherwise(cast, api, world):
    tanaka = world.tanaka
    response = api(cast.admin).post(f"/api/v1/people/{tanaka.pk}/erase", {"confirm": "田中"})
    assert response.status_code == 422 and "confirm" in response.json()["error"]["fields"]
    assert api(cast.admin).post(f"/api/v1/people/{tanaka.pk}/erase", {}).status_code == 422
    assert Person.objects.get(pk=tanaka.pk).family_name == "田中"
    assert ContactPoint.objects.filter(person_id=tanaka.pk).count() == 2
    assert not AuditEvent.objects.filter(action="privacy.erase").exists()
    page = client_for(cast.admin).post(f"/privacy/people/{tanaka.pk}/erase/", {"confirm": "99999"})
    assert page.status_code == 422 and "確認のため" in page.content.decode()
    assert Person.objects.get(pk=tanaka.pk).family_name == "田中"


def test_erasure_from_the_page(cast, world):
    tanaka = world.tanaka
    client = client_for(cast.admin)
    page = client.get(f"/privacy/people/{tanaka.pk}/erase/").content.decode()
    assert "取り消せません" in page and str(tanaka.pk) in page
    response = client.post(f"/privacy/people/{tanaka.pk}/erase/", {"confirm": str(tanaka.pk), "note": "本人から電話"})
    assert response.status_code == 302 and response["Location"] == "/privacy/requests/"
    log = client.get("/privacy/requests/").content.decode()
    assert f"削除済みの個人 #{tanaka.pk}" in log and "田中 太郎" not in log


@pytest.mark.parametrize("who,status", [("manager", 403), ("owner", 403), ("readonly", 403), ("outsider", 403)])
def test_only_admins_erase(cast, api, world, who, status):
    response = api(getattr(cast, who)).post(
        f"/api/v1/people/{world.tanaka.pk}/erase", {"confirm": str(world.tanaka.pk)}
    )
    assert response.status_code == status
    assert Person.objects.get(pk=world.tanaka.pk).family_name == "田中"


def test_erasure_covers_records_merged_into_the_person(cast, world):
    from tests import factories

    twin = factories.person(cast.owner, "田中", "太郎", emails=["t.tanaka@old.example.jp"], visibility="public")
    merge_records(actor=cast.admin, kind="person", survivor=world.tanaka, others=[twin])
    services.erase(actor=cast.admin, person=Person.objects.get(pk=world.tanaka.pk), confirm=world.tanaka.pk)
    merged = Person.objects.get(pk=twin.pk)
    assert merged.display_name == f"削除済みの個人 #{twin.pk}"
    assert not ContactPoint.objects.filter(person_id__in=[twin.pk, world.tanaka.pk]).exists()
    assert Merge.objects.get(survivor_id=world.tanaka.pk).undo == {}
    for event in AuditEvent.objects.all():
        assert "old.example.jp" not in audit_text(event) and "太郎" not in audit_text(event)
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)
    assert "改ざんは見つかりませんでした" in out.getvalue()


def test_erasure_clears_the_values_kept_unread(cast):
    from tests import factories

    person = factories.person(cast.admin, "田中", "太郎", phones=[{"value": "電話は秘書経由 内線なし"}])
    assert Person.objects.get(pk=person.pk).unparsed_values  # kept as entered, marked 要確認
    services.erase(actor=cast.admin, person=person, confirm=person.pk)
    assert Person.objects.get(pk=person.pk).unparsed_values == []
