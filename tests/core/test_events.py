"""Domain events: every service write leaves one typed event in the outbox, in its own transaction, and the worker
hands it to every consumer at least once after the commit."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from kizuna.contacts import services as contacts
from kizuna.contacts.models import Person
from kizuna.contacts.services.bulk import bulk_create_people
from kizuna.core import audit, clock, events
from kizuna.core.models import AuditEvent
from tests.factories import relayed_events


def run_worker():
    call_command("db_worker", "--batch", "--no-startup-delay", stdout=io.StringIO(), stderr=io.StringIO())


@pytest.fixture
def seen(monkeypatch):
    """A consumer that records what it is handed."""
    got = []
    monkeypatch.setattr(events, "_CONSUMERS", {})
    events.register_consumer("test", lambda event: got.append((event.type, event.object_id, event.changes)))
    return got


def person(actor, **extra):
    return contacts.create_person(actor=actor, data={"family_name": "山田", "given_name": "花子", **extra})


def test_each_write_leaves_one_typed_event_with_its_actor_beside_its_audit_row(cast):
    p = person(cast.owner)
    contacts.update_person(actor=cast.owner, person=p, data={"given_name": "華子"})
    contacts.delete_person(actor=cast.owner, person=p)
    contacts.restore_person(actor=cast.owner, person=p)
    rows = list(relayed_events().filter(object_type="person", object_id=str(p.pk)))
    assert [r.type for r in rows] == ["person.created", "person.updated", "person.deleted", "person.restored"]
    assert rows[1].changes["given_name"] == ["花子", "華子"]
    assert {r.actor_id for r in rows} == {cast.owner.pk} and rows[0].actor_name == "owner"
    audited = AuditEvent.objects.filter(object_type="contacts.person", object_id=str(p.pk)).order_by("id")
    assert [a.action for a in audited] == ["create", "update", "delete", "restore"]  # each event beside its audit row


def test_a_rolled_back_write_leaves_no_event(cast):
    with pytest.raises(RuntimeError), transaction.atomic():
        person(cast.owner)
        raise RuntimeError
    assert not relayed_events().exists()


def test_reads_and_sign_ins_are_not_events(cast):
    p = person(cast.owner)
    before = relayed_events().count()
    audit.record(actor=cast.owner, action="view", obj=p)
    audit.record(actor=cast.owner, action="export", object_type="contacts.person", label="people.csv")
    audit.record(actor=cast.owner, action="login", object_type="accounts.user", label="owner")
    assert relayed_events().count() == before


def test_a_bulk_load_is_one_event_not_one_per_row(cast):
    bulk_create_people(actor=cast.admin, people=[Person(family_name=f"佐藤{i}", given_name="健") for i in range(50)])
    (event,) = relayed_events().filter(type="person.created")
    assert event.data["bulk"] is True and event.data["count"] == 50 and event.object_id == ""


@pytest.mark.django_db(transaction=True)  # real commits, and the real worker closes connections when it is done
def test_events_are_dispatched_after_the_commit_by_the_worker(cast, seen):
    with transaction.atomic():
        p = person(cast.owner)
        contacts.update_person(actor=cast.owner, person=p, data={"given_name": "華子"})
        assert seen == []  # nothing is handed out before the commit
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.filter(task_path__endswith="dispatch_events").count() == 1  # one per transaction
    run_worker()
    assert [t for t, *_ in seen] == ["person.created", "person.updated"]
    assert not relayed_events().filter(dispatched_at__isnull=True).exists()
    run_worker()
    assert len(seen) == 2  # handed out once


@pytest.mark.django_db(transaction=True)
def test_writers_wake_the_worker_once_per_dispatch_delay_and_no_event_waits_for_the_sweep(cast, seen, settings,
                                                                                         monkeypatch):  # fmt: skip
    from django_tasks_db.models import DBTaskResult

    settings.KIZUNA_EVENTS_DISPATCH_DELAY = 0.2
    monkeypatch.setitem(events._next_dispatch, "at", 0.0)
    clock_now = [1000.0]
    monkeypatch.setattr(events.time, "monotonic", lambda: clock_now[0])
    dispatches = DBTaskResult.objects.filter(task_path__endswith="dispatch_events")
    p = person(cast.owner)  # its own transaction: queues a dispatch that starts 0.2 s from now
    first = dispatches.get()
    assert first.run_after > timezone.now()
    contacts.update_person(actor=cast.owner, person=p, data={"given_name": "華子"})
    assert dispatches.count() == 1  # committed before the queued dispatch starts: that dispatch claims it
    clock_now[0] += 0.25
    contacts.update_person(actor=cast.owner, person=Person.objects.get(pk=p.pk), data={"given_name": "花子"})
    assert dispatches.count() == 2  # the first dispatch may have started: this write needs its own
    dispatches.update(run_after=timezone.now())
    run_worker()
    assert [t for t, *_ in seen] == ["person.created", "person.updated", "person.updated"]


def test_a_failing_consumer_is_retried_with_backoff_and_the_others_do_not_run_twice(cast, monkeypatch):
    monkeypatch.setattr(events, "_CONSUMERS", {})
    calls = {"good": 0, "bad": 0}

    def good(event):
        calls["good"] += 1

    def bad(event):
        calls["bad"] += 1
        if calls["bad"] == 1:
            raise ConnectionError("receiver down")

    events.register_consumer("good", good)
    events.register_consumer("bad", bad)
    person(cast.owner)
    assert events.dispatch_pending() == 1
    event = relayed_events().get()
    assert event.dispatched_at is None and event.done == ["good"] and event.attempts == 1
    assert "receiver down" in event.last_error and event.next_attempt_at > timezone.now()
    assert events.dispatch_pending() == 0  # not due yet
    relayed_events().update(next_attempt_at=timezone.now())
    assert events.dispatch_pending() == 1
    event.refresh_from_db()
    assert event.dispatched_at is not None and calls == {"good": 1, "bad": 2}


def test_the_clock_sweeps_events_whose_dispatch_was_never_enqueued(cast, seen):
    person(cast.owner)  # the test transaction never commits, so no dispatch task was enqueued
    assert seen == []
    call_command("clock", "--once", "--force", stdout=io.StringIO())
    assert [t for t, *_ in seen] == ["person.created"]


def test_periodic_jobs_wait_for_their_interval(db, monkeypatch):
    runs = []
    monkeypatch.setattr(clock, "_JOBS", {})
    clock.register_periodic("test.job", lambda: runs.append(1), every=timedelta(hours=1))
    now = timezone.now()
    assert clock.run_due(now=now) == {"test.job": "ok"}
    assert clock.run_due(now=now + timedelta(minutes=5)) == {}
    assert clock.run_due(now=now + timedelta(hours=2)) == {"test.job": "ok"}
    assert len(runs) == 2


def test_automated_writes_carry_their_depth_and_origin(cast):
    with events.caused_by("rule:7", depth=2):
        p = person(cast.owner)
    event = relayed_events().get(object_id=str(p.pk))
    assert (event.depth, event.origin) == (2, "rule:7")
    assert events.current_origin() == events.Origin()


def test_app_events_and_record_events_are_listed(cast):
    events.register_event_type("test.thing_happened", "テスト")
    types = events.event_types()
    assert {"person.created", "company.merged", "activity.updated", "test.thing_happened"} <= set(types)
    assert "activity.merged" not in types
    p = person(cast.owner)
    event = events.emit("test.thing_happened", actor=cast.owner, obj=p, data={"stage": "提案"})
    body = events.payload(event)
    assert body["type"] == "test.thing_happened" and body["object"] == {"type": "person", "id": str(p.pk)}


def test_purge_keeps_undispatched_and_recent_events(cast):
    person(cast.owner)
    person(cast.owner, given_name="次郎")
    old, recent = relayed_events().all()
    relayed_events().filter(pk=old.pk).update(dispatched_at=timezone.now() - timedelta(days=40))
    assert events.purge_dispatched(older_than=timedelta(days=30)) == 1
    assert list(relayed_events().all()) == [recent]
