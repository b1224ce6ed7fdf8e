"""Activities in the header search: found from two characters, never by someone who may not see them."""

import io

from django.core.management import call_command
from django.test import Client

from kizuna.core.models import SearchDocument
from kizuna.timeline import services
from kizuna.timeline.search import search_activities
from tests import factories


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def test_activities_are_found_and_marked(cast):
    tanaka = factories.person(cast.owner, "田中", "太郎")
    services.create_activity(
        actor=cast.owner, data={"body": "工場見学。\n仕様には厳しいが納期には寛容", "people": [tanaka]}
    )
    html = client_for(cast.teammate).get("/search/quick/?q=寛容").content.decode()
    assert "活動" in html and "<mark>寛容</mark>" in html
    assert [r.type for r in search_activities(cast.teammate, "ｼﾖｳ")] == []  # a reading is not an activity's text
    assert len(search_activities(cast.teammate, "納期")) == 1


def test_private_and_deleted_activities_stay_out(cast):
    secret = services.create_activity(actor=cast.owner, data={"body": "値引きの本音", "visibility": "private"})
    assert search_activities(cast.owner, "値引") and not search_activities(cast.teammate, "値引")
    assert "値引きの本音" not in client_for(cast.outsider).get("/search/quick/?q=値引").content.decode()
    services.delete_activity(actor=cast.owner, activity=secret)
    assert not search_activities(cast.owner, "値引")


def test_edits_reindex_and_reindex_command_rebuilds(cast):
    activity = services.create_activity(actor=cast.owner, data={"body": "見積を送付"})
    services.update_activity(actor=cast.owner, activity=activity, data={"body": "図面を受領"})
    assert not search_activities(cast.owner, "見積") and search_activities(cast.owner, "図面")
    SearchDocument.objects.filter(object_type="activity").delete()
    call_command("reindex", "--type", "activity", stdout=io.StringIO())
    assert search_activities(cast.owner, "図面")
