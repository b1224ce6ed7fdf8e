"""The duplicate pages: the warning before saving, the review queue, side-by-side merge, undo."""

import pytest
from django.test import Client

from kizuna.contacts.dedup import service as dedup
from kizuna.contacts.models import Merge, Person
from tests import factories


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def existing(cast):
    company = factories.company(cast.owner, "株式会社山田製作所")
    return factories.person(cast.owner, "髙橋", "一郎", company=company.pk, phones=["090-1234-5678"])


FORM = {"family_name": "高橋", "given_name": "一郎", "phone_0": "09012345678", "lifecycle_stage": "lead",
        "visibility": "team"}  # fmt: skip


def test_create_form_warns_before_saving_and_can_continue(cast, existing):
    client = client_for(cast.owner)
    response = client.post("/people/new/", FORM)
    html = response.content.decode()
    assert response.status_code == 200
    assert "この相手はすでに登録されていませんか" in html and "同じ携帯電話" in html
    assert f"/people/{existing.pk}/" in html and 'name="confirm_duplicates"' in html
    assert Person.objects.count() == 1
    response = client.post("/people/new/", FORM | {"confirm_duplicates": "1"})
    assert response.status_code == 302 and Person.objects.count() == 2


def test_create_form_with_company_links_the_career(cast, existing):
    company = existing.company
    response = client_for(cast.owner).post("/people/new/", {
        "family_name": "鈴木", "given_name": "花子", "company": f"{company.name} #{company.pk}", "department": "購買部",
        "title": "課長", "lifecycle_stage": "lead", "visibility": "team",
    })  # fmt: skip
    assert response.status_code == 302
    person = Person.objects.get(family_name="鈴木")
    assert person.company == company and person.employments.get().title == "課長"


def test_company_form_warns_about_the_same_company_in_another_spelling(cast, existing):
    response = client_for(cast.owner).post("/companies/new/", {"name": "山田製作所㈱", "visibility": "team"})
    assert "この相手はすでに登録されていませんか" in response.content.decode()


def test_queue_review_merge_and_undo(cast, existing):
    twin = factories.person(cast.owner, "高橋", "一郎", phones=["09012345678"], emails=["ichiro@example.jp"])
    dedup.run_scan(dedup.PERSON)
    client = client_for(cast.owner)
    html = client.get("/duplicates/person/").content.decode()
    assert "髙橋 一郎（株式会社山田製作所）" in html and f"ids={existing.pk},{twin.pk}" in html
    review = client.get(f"/duplicates/person/review/?ids={existing.pk},{twin.pk}").content.decode()
    assert 'name="choice_family_name"' in review and "ichiro@example.jp" in review
    response = client.post("/duplicates/person/merge/", {
        "ids": f"{existing.pk},{twin.pk}", "survivor": existing.pk, "choice_family_name": twin.pk,
    })  # fmt: skip
    assert response.status_code == 302 and response.url == f"/people/{existing.pk}/"
    existing.refresh_from_db()
    assert existing.family_name == "高橋"
    detail = client.get(f"/people/{existing.pk}/").content.decode()
    assert "統合" in detail  # the history shows the merge
    merge = Merge.objects.get()
    history = client.get("/duplicates/merges/").content.decode()  # names, not ids, on the merge history
    assert f">{existing}</a>" in history and f"<td>{twin}</td>" in history
    assert client.post(f"/duplicates/merges/{merge.pk}/undo/").status_code == 302
    assert Person.objects.alive().count() == 2
    assert client_for(cast.outsider).post(f"/duplicates/merges/{merge.pk}/undo/").status_code == 404


def test_queue_hides_groups_with_records_the_user_cannot_see(cast, existing):
    factories.person(cast.owner, "高橋", "一郎", phones=["09012345678"], visibility="private")
    dedup.run_scan(dedup.PERSON)
    assert "髙橋" in client_for(cast.owner).get("/duplicates/person/").content.decode()
    assert "髙橋" not in client_for(cast.teammate).get("/duplicates/person/").content.decode()


def test_members_cannot_start_a_scan_but_managers_can(cast, existing):
    assert client_for(cast.owner).post("/duplicates/person/scan/").status_code == 403
    manager = client_for(cast.manager)
    assert manager.post("/duplicates/person/scan/").status_code == 302
    assert "重複チェック中" in manager.get("/duplicates/person/").content.decode()
    assert "every 2s" in manager.get("/duplicates/scan/status/").content.decode()  # still queued: keeps polling


def test_a_decision_goes_on_to_the_next_pair_of_the_queue(cast, existing):
    twin = factories.person(cast.owner, "高橋", "一郎", phones=["09012345678"])
    other = [factories.person(cast.owner, family, "花子", phones=["08023456789"]) for family in ("齋藤", "斉藤")]
    dedup.run_scan(dedup.PERSON)
    client = client_for(cast.owner)
    first, second = f"{existing.pk},{twin.pk}", ",".join(str(p.pk) for p in other)
    html = client.get(f"/duplicates/person/review/?ids={first}").content.decode()
    pair, after = (first, second) if f'name="next" value="{second}"' in html else (second, first)
    html = client.get(f"/duplicates/person/review/?ids={pair}").content.decode()
    assert f'name="next" value="{after}"' in html and 'data-key="s"' in html and "contacts/keyqueue" in html
    assert client.post("/duplicates/person/dismiss/", {"ids": pair, "next": "1,x"}).url == "/duplicates/person/"
    response = client.post("/duplicates/person/dismiss/", {"ids": pair, "next": after})
    assert response.url == f"/duplicates/person/review/?ids={after}"
    response = client.post("/duplicates/person/dismiss/", {"ids": after, "next": pair})  # decided already
    assert response.url == "/duplicates/person/"
