"""Rules run from the real task worker after the commit, and from `kizuna clock`."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from kizuna.automation.models import RuleRun
from kizuna.contacts import services as contacts
from kizuna.contacts.models import Person
from tests import factories


def run_worker():
    call_command("db_worker", "--batch", "--no-startup-delay", stdout=io.StringIO(), stderr=io.StringIO())


def test_the_worker_runs_rules_after_the_commit(cast, rule, django_capture_on_commit_callbacks):
    rule(conditions=[{"field": "lifecycle_stage", "op": "changed_to", "value": "customer"}],
         actions=[{"action": "record.add_tag", "params": {"tag": "VIP"}}])  # fmt: skip
    if connection.vendor == "postgresql":
        pytest.skip("db_worker inside a test transaction loses its connection on PostgreSQL (as in test_events)")
    with django_capture_on_commit_callbacks(execute=True):
        person = factories.person(cast.owner, "山田", "花子")
        contacts.update_person(actor=cast.owner, person=person, data={"lifecycle_stage": "customer"})
    assert not RuleRun.objects.exists()
    run_worker()
    assert list(person.tags.values_list("name", flat=True)) == ["VIP"]
    assert RuleRun.objects.get().status == "ok"


def test_kizuna_clock_runs_time_based_rules(cast, rule):
    person = factories.person(cast.owner, "静", "香")
    Person.objects.filter(pk=person.pk).update(created_at=timezone.now() - timedelta(days=100))
    rule(trigger="time.person.no_contact", days=90, actions=[{"action": "record.add_tag", "params": {"tag": "要連絡"}}])
    call_command("clock", "--once", "--force", stdout=io.StringIO())
    call_command("clock", "--once", "--force", stdout=io.StringIO())
    assert list(person.tags.values_list("name", flat=True)) == ["要連絡"]
    assert RuleRun.objects.count() == 1
