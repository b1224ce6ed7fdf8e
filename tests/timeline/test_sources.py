"""One timeline from every source: activities, tasks done, and whatever an app registers — merged newest first
under one cursor, with the same filters and visibility; activities link to records of other apps."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from kizuna.contacts import services as contacts
from kizuna.core.exceptions import ValidationFailed
from kizuna.core.models import AuditEvent
from kizuna.timeline import queries, services, sources
from kizuna.timeline.models import FollowUp
from tests.conftest import ApiClient

T0 = timezone.now().replace(microsecond=0) - timedelta(days=30)


@pytest.fixture
def subject(cast):
    return contacts.create_person(
        actor=cast.owner, data={"family_name": "時田", "given_name": "流", "visibility": "public"}
    )


def activity(actor, person, hours, **extra):
    data = {"people": [person.pk], "body": f"活動{hours}", "occurred_at": T0 + timedelta(hours=hours)}
    return services.create_activity(actor=actor, data=data | extra)


def done_task(actor, person, hours, **extra):
    task = services.create_follow_up(actor=actor, data={"title": f"約束{hours}", "person": person.pk, **extra})
    services.complete_follow_up(actor=actor, follow_up=task)
    FollowUp.objects.filter(pk=task.pk).update(done_at=T0 + timedelta(hours=hours))  # when it was really done
    return task


def every_page(user, filters, limit):
    seen, cursor = [], None
    while True:
        page = sources.merged(user, filters, cursor=cursor, limit=limit)
        seen += [(e.source, e.title) for e in page.items]
        if not page.next_cursor:
            return seen
        cursor = page.next_cursor


def test_activities_and_tasks_done_interleave_newest_first_and_every_entry_appears_once(cast, subject):
    for h in (1, 3, 3, 5, 8, 9, 12):
        activity(cast.owner, subject, h)
    for h in (2, 3, 3, 10, 13):
        done_task(cast.owner, subject, h)
    expected = sources.merged(cast.owner, sources.Filters(person=subject), limit=100).items
    assert [e.occurred_at for e in expected] == sorted((e.occurred_at for e in expected), reverse=True)
    assert len(expected) == 12 and expected[0].title == "約束13" and expected[-1].title == "活動1"
    for limit in (1, 2, 3, 5):  # ties at the same minute included: no entry lost or shown twice at a page edge
        assert every_page(cast.owner, sources.Filters(person=subject), limit) == [(e.source, e.title) for e in expected]


def test_the_kind_filter_picks_sources_and_activity_kinds(cast, subject):
    activity(cast.owner, subject, 1, kind="visit")
    activity(cast.owner, subject, 2, kind="call")
    done_task(cast.owner, subject, 3)

    def only(*kinds):
        return [e.title for e in sources.merged(cast.owner, sources.Filters(person=subject, kinds=kinds)).items]

    assert only("task_done") == ["約束3"]
    assert only("visit") == ["活動1"]
    assert only("visit", "task_done") == ["約束3", "活動1"]
    with pytest.raises(ValidationFailed):
        sources.merged(cast.owner, sources.Filters(person=subject, kinds=("nothing",)))


def test_each_source_keeps_its_own_visibility(cast, subject):
    activity(cast.owner, subject, 1, visibility="private")
    done_task(cast.owner, subject, 2, visibility="private")
    activity(cast.owner, subject, 3, visibility="public")
    assert [e.title for e in sources.merged(cast.outsider, sources.Filters(person=subject)).items] == ["活動3"]
    assert len(sources.merged(cast.owner, sources.Filters(person=subject)).items) == 3


def test_an_apps_own_source_joins_the_timeline(cast, subject, monkeypatch):
    monkeypatch.setattr(sources, "_SOURCES", dict(sources._SOURCES))

    def deal_entries(user, filters, before, limit):
        rows = [sources.Entry("deal", 1, T0 + timedelta(hours=4), "商談", "受注: 金型更新")]
        return [r for r in rows if before is None or sources.Position(r.occurred_at, r.source, r.pk) < before][:limit]

    sources.register_source("deal", "商談", deal_entries)
    activity(cast.owner, subject, 1)
    activity(cast.owner, subject, 6)
    assert every_page(cast.owner, sources.Filters(person=subject), 1) == [
        ("activity", "活動6"), ("deal", "受注: 金型更新"), ("activity", "活動1")]  # fmt: skip
    assert ("deal", "商談") in sources.kind_choices()


def test_the_timeline_page_and_its_filter_show_other_sources(cast, subject):
    activity(cast.owner, subject, 1)
    done_task(cast.owner, subject, 2)
    client = Client()
    client.force_login(cast.owner)
    page = client.get(subject.get_absolute_url()).content.decode()
    assert "約束2" in page and "活動1" in page and "タスク完了" in page
    filtered = client.get(f"/timeline/person/{subject.pk}/entries/?kind=task_done").content.decode()
    assert "約束2" in filtered and "活動1" not in filtered
    assert client.get(f"/timeline/person/{subject.pk}/entries/?cursor=forged").status_code == 422


@pytest.fixture
def linkable(monkeypatch):
    """Tasks stand in for another app's records (a deal) that activities may link to."""
    monkeypatch.setattr(sources, "_LINKABLE", {"task": FollowUp})


def test_activities_link_to_any_registered_record(cast, subject, linkable):
    task = services.create_follow_up(actor=cast.owner, data={"title": "見積", "visibility": "public"})
    note = services.create_activity(
        actor=cast.owner, data={"body": "見積の件で電話", "links": [{"type": "task", "id": task.pk}]}
    )
    assert list(queries.activities_linked_to(cast.owner, task)) == [note]
    assert [e.title for e in sources.merged(cast.owner, sources.Filters(linked=task)).items] == ["見積の件で電話"]
    row = AuditEvent.objects.filter(object_type="timeline.activity", object_id=str(note.pk), action="create").get()
    assert row.changes["links"] == [None, [f"task #{task.pk}"]]  # by type and id: no name in the history
    services.update_activity(actor=cast.owner, activity=note, data={"links": []})
    assert not queries.activities_linked_to(cast.owner, task).exists()


def test_a_link_to_an_unknown_type_or_a_hidden_record_is_refused(cast, linkable):
    hidden = services.create_follow_up(actor=cast.outsider, data={"title": "他部署", "visibility": "private"})
    for links in ([{"type": "task", "id": hidden.pk}], [{"type": "spaceship", "id": 1}], [{"type": "task", "id": "x"}]):
        with pytest.raises(ValidationFailed) as refused:
            services.create_activity(actor=cast.owner, data={"body": "メモ", "links": links})
        assert "links" in refused.value.field_errors


def test_the_api_takes_and_returns_links(cast, linkable):
    task = services.create_follow_up(actor=cast.owner, data={"title": "見積", "visibility": "public"})
    api = ApiClient(cast.owner)
    created = api.post("/api/v1/activities", {"body": "訪問メモ", "links": [{"type": "task", "id": task.pk}]})
    assert created.status_code == 201, created.content
    assert created.json()["links"] == [{"type": "task", "id": task.pk}]
    refused = api.post("/api/v1/activities", {"body": "訪問メモ", "links": [{"type": "task", "id": 10**9}]})
    assert refused.status_code == 422
