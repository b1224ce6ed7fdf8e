"""A run's batch path does set-based work: the statements for updating existing people do not grow with how many
people a batch updates (no query per person for their owner, team or career), and the batch's writes still carry
their audit rows (the chain verifies) and one domain event per record, in file order."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kizuna.contacts import services as contacts
from kizuna.contacts.models import Person
from kizuna.core import audit
from kizuna.core.models import AuditEvent
from kizuna.imports import services
from tests.factories import relayed_events

HEADER = "顧客ID,氏名,会社名,部署,役職,メールアドレス,メモ\r\n"


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


@pytest.fixture
def people(cast):
    company = contacts.create_company(actor=cast.owner, data={"name": "株式会社山田製作所"})
    data = {"family_name": "既存", "company": company.pk, "department": "購買部", "title": "課長"}
    return [
        contacts.create_person(actor=cast.owner, data=data | {
            "given_name": f"{i}号", "external_id": f"E-{i:03d}", "emails": [{"value": f"e{i}@example.jp"}]})
        for i in range(12)
    ]  # fmt: skip


def _run_updates(actor, count: int, tag: str) -> int:
    """Statements of a run updating `count` people (a new post at another company and a メモ each)."""
    text = HEADER + "".join(f"E-{i:03d},既存 {i}号,鈴木工業株式会社,資材部,部長,,{tag}\r\n" for i in range(count))
    job = services.upload(actor=actor, file=SimpleUploadedFile("u.csv", text.encode("cp932")), filename="u.csv")
    with CaptureQueriesContext(connection) as captured:
        summary = services.run(job.pk)
    assert (summary.updated, summary.errors) == (count, [])
    return len(captured.captured_queries)


def test_updating_more_people_takes_no_more_statements(cast, people):
    few = _run_updates(cast.owner, 3, "一回目")
    many = _run_updates(cast.owner, 12, "二回目")
    assert many <= few + 2, (few, many)  # the same statements for the batch, whatever its size
    moved = Person.objects.get(external_id="E-011")
    assert moved.company.name == "鈴木工業株式会社" and moved.notes.endswith("二回目")


def test_a_batch_writes_audit_rows_and_one_event_per_person_in_file_order(cast):
    text = HEADER + "".join(f"N-{i:03d},新規 {i}号,株式会社新規,,,n{i}@example.jp,\r\n" for i in range(5))
    job = services.upload(actor=cast.owner, file=SimpleUploadedFile("n.csv", text.encode("cp932")), filename="n.csv")
    services.run(job.pk)
    new = Person.objects.filter(external_id__startswith="N-").order_by("external_id")
    created = list(new.values_list("pk", flat=True))
    events = relayed_events().filter(type="person.created", object_id__in=[str(pk) for pk in created])
    assert [int(e.object_id) for e in events.order_by("id")] == created
    rows = AuditEvent.objects.filter(action="create", object_type="contacts.person",
                                     object_id__in=[str(pk) for pk in created])  # fmt: skip
    assert {int(r.object_id) for r in rows} == set(created)
    assert [int(r.object_id) for r in rows.order_by("id")] == created  # the chain in file order, like the events
    assert audit.verify_chain() == []
