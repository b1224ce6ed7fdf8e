"""Careers: a person moves companies (人事異動・転職), holds concurrent posts, and the history stays."""

import datetime

import pytest

from kizuna.contacts import services
from kizuna.contacts.models import Employment
from kizuna.core.exceptions import ValidationFailed
from kizuna.core.models import AuditEvent
from tests import factories


@pytest.fixture
def companies(cast):
    return factories.company(cast.owner, "株式会社山田製作所"), factories.company(cast.owner, "㈱佐藤精機")


def test_job_change_moves_the_current_company_and_keeps_the_past(cast, companies):
    yamada, sato = companies
    person = factories.person(cast.owner)
    first = services.add_employment(
        actor=cast.owner, person=person, data={"company": yamada.pk, "department": "購買部", "start_date": "2018/4/1"}
    )
    assert person.company == yamada
    services.update_employment(actor=cast.owner, employment=first, data={"end_date": "令和6年3月31日"})
    services.add_employment(
        actor=cast.owner, person=person, data={"company": sato.pk, "title": "課長", "start_date": "2024-04-01"}
    )
    person.refresh_from_db()
    assert person.company == sato
    assert list(Employment.objects.filter(company=yamada).past()) == [first]
    assert Employment.objects.filter(company=sato).current().get().title == "課長"
    first.refresh_from_db()
    assert first.end_date == datetime.date(2024, 3, 31)
    actions = list(AuditEvent.objects.for_object(person).values_list("action", flat=True))
    assert actions.count("employment.add") == 2 and "employment.update" in actions


def test_concurrent_posts_keep_the_primary_one_as_current_company(cast, companies):
    yamada, sato = companies
    person = factories.person(cast.owner)
    services.add_employment(actor=cast.owner, person=person, data={"company": yamada.pk, "is_primary": True})
    services.add_employment(actor=cast.owner, person=person, data={"company": sato.pk, "is_primary": False})
    person.refresh_from_db()
    assert person.company == yamada
    assert person.employments.current().count() == 2


def test_deleting_the_only_post_clears_the_current_company(cast, companies):
    person = factories.person(cast.owner)
    job = services.add_employment(actor=cast.owner, person=person, data={"company": companies[0].pk})
    services.delete_employment(actor=cast.owner, employment=job, expected_version=1)
    person.refresh_from_db()
    assert person.company is None


def test_end_before_start_is_rejected(cast, companies):
    person = factories.person(cast.owner)
    with pytest.raises(ValidationFailed) as exc:
        services.add_employment(
            actor=cast.owner, person=person,
            data={"company": companies[0].pk, "start_date": "2024/4/1", "end_date": "2023/4/1"},
        )  # fmt: skip
    assert "end_date" in exc.value.field_errors


def test_an_invisible_company_cannot_be_linked(cast):
    hidden = factories.company(cast.outsider, "株式会社秘密", visibility="private")
    person = factories.person(cast.owner)
    with pytest.raises(ValidationFailed) as exc:
        services.add_employment(actor=cast.owner, person=person, data={"company": hidden.pk})
    assert "company" in exc.value.field_errors


def test_a_career_without_a_start_date_reads_as_such_not_as_a_question_mark(cast, companies):
    from django.test import Client

    person = factories.person(cast.owner, "佐藤", "一郎", company=companies[0].pk)  # no start date, as imports have
    client = Client()
    client.force_login(cast.owner)
    html = client.get(person.get_absolute_url()).content.decode()
    assert "開始日不明 〜 現在" in html and "? 〜" not in html
