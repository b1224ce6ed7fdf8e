"""Migrations 0005/0006: contact points stored before the 要確認 rules get them — an off-plan phone its E.164 form
and the mark, text that is no number the mark, an IDN e-mail its folded Unicode and punycode forms — and the
person is found by either spelling of the domain afterwards."""

import importlib

from django.apps import apps

from kizuna.contacts.models import ContactPoint, Person
from kizuna.contacts.search import reindex, search_records

recheck = importlib.import_module("kizuna.contacts.migrations.0006_recheck_contact_points").recheck


def test_old_contact_points_are_read_again(cast):
    """Rows as the code before 0005 stored them (no review mark, no punycode), then the data migration's function
    (run on the current models: migrating the whole schema back and forth costs more than the rule is worth)."""
    person = Person.objects.create(
        family_name="北村", name_search="北村", owner_id=cast.owner.pk, team_id=cast.owner.team_id
    )
    points = ContactPoint.objects
    points.create(person=person, kind="phone", label="office", value="076-1112-5095", normalized="07611125095",
                  extension="253")  # fmt: skip
    points.create(person=person, kind="phone", label="office", value="03-1234-5678", normalized="0312345678",
                  e164="+81312345678")  # fmt: skip
    points.create(person=person, kind="phone", label="other", value="先方確認中", normalized="")
    points.create(person=person, kind="email", label="work", value="Kitamura@XN--EFVPJ.example.co.jp",
                  normalized="kitamura@xn--efvpj.example.co.jp")  # fmt: skip
    recheck(apps, None)
    reindex("person")  # what the later migration 0010 does for every person

    got = {p.value: p for p in ContactPoint.objects.filter(person_id=person.pk)}
    off_plan = got["076-1112-5095"]
    assert (off_plan.e164, off_plan.extension, off_plan.needs_review, off_plan.review_reason) == (
        "+817611125095", "253", True, "not_in_plan",
    )  # fmt: skip
    assert (got["03-1234-5678"].needs_review, got["03-1234-5678"].review_reason) == (False, "")
    assert (got["先方確認中"].needs_review, got["先方確認中"].review_reason) == (True, "not_a_phone")
    email = got["Kitamura@XN--EFVPJ.example.co.jp"]
    assert (email.normalized, email.punycode) == ("kitamura@新星.example.co.jp", "kitamura@xn--efvpj.example.co.jp")
    for query in ("新星.example", "xn--efvpj"):
        assert [r.id for r in search_records(cast.owner, query, type="person")[1]] == [person.pk]
