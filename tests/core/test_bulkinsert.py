"""Bulk inserts for large loads: instances built without Model.__init__ equal the constructor's, and the rows
written (executemany on SQLite, COPY on PostgreSQL) read back as the ORM would have stored them."""

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kizuna.contacts.models import Person
from kizuna.core.bulkinsert import insert_many, instance

pytestmark = pytest.mark.django_db

_AWKWARD = "髙橋\t(株)\\n 改行\nあり \\ 'quote' \"dq\" ①"


def _values(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in Person._meta.concrete_fields}


def test_instance_equals_the_constructor():
    user = get_user_model().objects.create(username="loader")
    stamp = timezone.now()
    given = {"family_name": "髙橋", "given_name": "健", "notes": _AWKWARD, "created_at": stamp, "updated_at": stamp}
    built, made = instance(Person, owner=user, **given), Person(owner=user, **given)
    assert _values(built) == _values(made)
    assert built.owner is user and built._state.adding and built._state.db == made._state.db
    assert built.custom == {} and built.custom is not instance(Person, family_name="x").custom  # fresh defaults


def test_inserted_rows_read_back_as_stored():
    user = get_user_model().objects.create(username="loader")
    people = [
        instance(Person, family_name=f"田中{i}", notes=_AWKWARD, birthday=date(1980, 4, 1) if i else None,
                 unparsed_values=[{"kind": "phone", "value": "03-\t1234"}] if i else [], owner=user,
                 custom={"k": _AWKWARD} if i else {})
        for i in range(3)
    ]  # fmt: skip
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        insert_many(Person, people)
    assert any(f'"{Person._meta.db_table}"' in q["sql"] for q in queries.captured_queries)  # counted either way
    for person in people:
        stored = Person.objects.get(pk=person.pk)
        assert _values(stored) == _values(person)
