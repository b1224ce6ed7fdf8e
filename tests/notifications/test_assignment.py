"""Assignments: a record's owner changed to someone else, a task given to someone (from domain events)."""

from kizuna.contacts import services as contacts
from kizuna.notifications.models import Notification
from kizuna.timeline import services as timeline
from tests.factories import company, person

from .conftest import titles


def test_a_new_owner_is_told_with_a_link(cast, dispatch):
    p = person(cast.manager)
    contacts.update_person(actor=cast.manager, person=p, data={"owner": cast.owner.pk})
    dispatch()
    notice = Notification.objects.get(user=cast.owner, kind="assignment")
    assert "manager" in notice.title and "田中 太郎" in notice.title and notice.url == p.get_absolute_url()
    assert not Notification.objects.filter(user=cast.manager).exists()


def test_taking_a_record_yourself_or_changing_something_else_tells_no_one(cast, dispatch):
    c = company(cast.owner)
    contacts.update_company(actor=cast.owner, company=c, data={"notes": "メモ"})
    dispatch()
    assert not Notification.objects.exists()


def test_a_task_given_to_someone_at_creation_or_later(cast, dispatch):
    task = timeline.create_follow_up(actor=cast.owner, data={"title": "見積送付", "assignee": cast.teammate.pk})
    mine = timeline.create_follow_up(actor=cast.owner, data={"title": "自分の宿題"})
    timeline.update_follow_up(actor=cast.owner, follow_up=mine, data={"assignee": cast.manager.pk})
    dispatch()
    assert titles(cast.teammate, "assignment") == ["田中 一郎さんがタスク「見積送付」をあなたの担当にしました"]
    assert titles(cast.manager, "assignment") == ["田中 一郎さんがタスク「自分の宿題」をあなたの担当にしました"]
    assert Notification.objects.get(user=cast.teammate).url == "/timeline/tasks/"
    assert task.pk


def test_a_private_task_given_to_an_outsider_is_not_named(cast, dispatch):
    timeline.create_follow_up(actor=cast.owner, data={"title": "鍵穴の宿題", "assignee": cast.outsider.pk,
                                                      "visibility": "private"})  # fmt: skip
    dispatch()
    notice = Notification.objects.get(user=cast.outsider)
    assert "鍵穴" not in notice.title and notice.url == ""


def test_a_bulk_import_event_is_no_assignment(cast, dispatch):
    from kizuna.contacts.models import Person
    from kizuna.contacts.services.bulk import bulk_create_people

    bulk_create_people(actor=cast.admin, people=[Person(family_name="佐藤", given_name="健", owner=cast.owner)])
    dispatch()
    assert not Notification.objects.exists()


def test_a_handover_is_one_notice_not_one_per_record(cast, dispatch):
    c = company(cast.owner)
    person(cast.owner, company=c.pk)
    person(cast.owner, "佐藤", "花子", company=c.pk)
    timeline.create_follow_up(actor=cast.owner, data={"title": "見積", "company": c.pk})
    timeline.hand_over(actor=cast.manager, from_user=cast.owner, to_user=cast.teammate)
    dispatch()
    assert titles(cast.teammate, "assignment") == ["managerさんから担当の引き継ぎがありました"]
