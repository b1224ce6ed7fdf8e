"""開示・消去: what rule runs kept about a person is disclosed, and erased with the person."""

from kizuna.automation.models import RuleRun
from kizuna.contacts import services as contacts
from kizuna.core import personal_data
from kizuna.privacy.services.erasure import erase
from tests import factories
from tests.automation.conftest import drain


def test_rule_runs_are_disclosed_and_erased(cast, rule):
    rule(conditions=[{"field": "lifecycle_stage", "op": "changed_to", "value": "customer"}], actions=[
        {"action": "timeline.create_task", "params": {"title": "{{ name }} さんにお礼", "days": 1}}])  # fmt: skip
    person = factories.person(cast.owner, "消去", "希望")
    contacts.update_person(actor=cast.owner, person=person, data={"lifecycle_stage": "customer"})
    drain()
    sections = personal_data.disclose([person.pk])
    assert "消去 希望 さんにお礼" in str(sections["automation_runs"])
    erase(actor=cast.admin, person=person, confirm=str(person.pk))
    run = RuleRun.objects.get()
    assert "消去" not in run.object_label and "消去" not in str(run.results)
