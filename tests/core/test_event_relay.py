"""The event relay: writers write only their audit row; the worker makes each record event from it, once, in
commit order, and misses none while writers commit concurrently."""

import threading

import pytest
from django.db import connection, transaction

from kizuna.contacts import services as contacts
from kizuna.contacts.models import Person
from kizuna.core import events
from kizuna.core.models import AuditEvent, EventRelay, OutboxEvent


def person(actor, given="花子"):
    return contacts.create_person(actor=actor, data={"family_name": "山田", "given_name": given})


def test_a_write_adds_no_outbox_row_and_the_relay_makes_its_event_from_the_audit_row(cast):
    before = OutboxEvent.objects.count()
    p = person(cast.owner)
    assert OutboxEvent.objects.count() == before  # the writer wrote its audit row and nothing else
    assert events.relay() >= 1
    row = AuditEvent.objects.get(object_type="contacts.person", object_id=str(p.pk), action="create")
    event = OutboxEvent.objects.get(object_id=str(p.pk))
    assert (event.type, event.audit_id, event.actor_id, event.occurred_at) == (
        "person.created",
        row.pk,
        cast.owner.pk,
        row.at,
    )
    assert EventRelay.objects.get(name=events.RELAY).position == AuditEvent.objects.order_by("-id").first().pk


def test_relaying_again_makes_nothing_twice(cast):
    p = person(cast.owner)
    contacts.update_person(actor=cast.owner, person=p, data={"given_name": "華子"})
    events.relay()
    assert events.relay() == 0
    assert list(OutboxEvent.objects.filter(object_id=str(p.pk)).values_list("type", flat=True)) == [
        "person.created",
        "person.updated",
    ]


def test_a_relay_that_finds_its_cursor_moved_makes_nothing(cast, monkeypatch):
    person(cast.owner)
    real = AuditEvent.objects.filter

    def moved_meanwhile(*args, **kwargs):  # another relay commits between this relay's read and its update
        EventRelay.objects.filter(name=events.RELAY).update(position=10**12)
        return real(*args, **kwargs)

    monkeypatch.setattr(AuditEvent.objects, "filter", moved_meanwhile)
    assert events.relay() == 0
    assert not OutboxEvent.objects.exists()


def test_a_lost_cursor_starts_from_the_beginning_rather_than_skip_anything(cast):
    p = person(cast.owner)
    EventRelay.objects.all().delete()
    events.relay()
    assert OutboxEvent.objects.filter(type="person.created", object_id=str(p.pk)).count() == 1


def test_the_automated_origin_travels_on_the_audit_row(cast):
    with events.caused_by("rule:3", depth=1):
        p = person(cast.owner)
    row = AuditEvent.objects.get(object_id=str(p.pk), object_type="contacts.person")
    assert (row.origin, row.depth) == ("rule:3", 1)
    assert row.hash == row.compute_hash()  # the chain covers the change, not its cause: old rows still verify


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers: SQLite runs one at a time")
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_and_relays_leave_each_audit_row_one_event(cast):
    """Writers commit in parallel while two relays run: every record write becomes exactly one event."""
    stop = threading.Event()
    errors = []

    def writer(n):
        try:
            for i in range(12):
                person(cast.owner, given=f"並行{n}-{i}")
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    def relayer():
        try:
            while not stop.is_set():
                events.relay()
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    relays = [threading.Thread(target=relayer) for _ in range(2)]
    writers = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for t in relays + writers:
        t.start()
    for t in writers:
        t.join()
    stop.set()
    for t in relays:
        t.join()
    events.relay()
    assert errors == []
    created = set(Person.objects.filter(given_name__startswith="並行").values_list("pk", flat=True))
    made = list(OutboxEvent.objects.filter(type="person.created").values_list("object_id", "audit_id"))
    assert len(created) == 72 and sorted(int(o) for o, _ in made) == sorted(created)  # none missed, none twice
    audit_ids = [a for _, a in made]
    assert len(set(audit_ids)) == len(audit_ids) and audit_ids == sorted(audit_ids)  # in commit order


def test_an_event_relayed_in_a_rolled_back_transaction_is_made_again(cast):
    p = person(cast.owner)
    with pytest.raises(RuntimeError), transaction.atomic():
        events.relay()
        raise RuntimeError
    events.relay()
    assert OutboxEvent.objects.filter(object_id=str(p.pk)).count() == 1
