"""The private ICS feed: a secret URL per user (stored hashed, audited, revocable, regenerable), the user's own
tasks as all-day events and activities in Asia/Tokyo time, stable UIDs, nothing the user may not see."""

from datetime import datetime, timedelta

from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from kizuna.core import sharing
from kizuna.core.models import AuditEvent
from kizuna.notifications import services
from kizuna.notifications.models import CalendarFeed
from kizuna.timeline import services as timeline


def feed_of(raw: str):
    return Client().get(f"/calendar/feed/{raw}.ics")


def events(response) -> dict:
    cal = Calendar.from_ical(response.content)
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def test_the_feed_holds_my_tasks_and_activities(cast):
    today = timezone.localdate()
    task = timeline.create_follow_up(actor=cast.owner, data={"title": "見積送付", "due_date": today})
    at = timezone.make_aware(datetime(today.year, today.month, today.day, 10, 0))
    activity = timeline.create_activity(actor=cast.owner, data={"kind": "visit", "subject": "工場見学",
                                                                "body": "090-1234-5678 に電話", "occurred_at": at,
                                                                "duration_minutes": 90})  # fmt: skip
    secret = timeline.create_activity(actor=cast.owner, data={"subject": "M&A 打診", "occurred_at": at,
                                                              "visibility": "private"})  # fmt: skip
    sharing.set_access(actor=cast.owner, obj=secret, data={"sensitive": True})
    timeline.create_follow_up(actor=cast.teammate, data={"title": "同僚の宿題", "due_date": today})
    _feed, raw = services.create_feed(actor=cast.owner)
    response = feed_of(raw)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    found = events(response)
    host = "testserver"
    todo = found[f"kizuna-task-{task.pk}@{host}"]
    assert todo.decoded("DTSTART") == today and todo.decoded("DTEND") == today + timedelta(days=1)
    assert "VALUE=DATE" in todo.to_ical().decode() and str(todo["SUMMARY"]) == "☐ 見積送付"
    visit = found[f"kizuna-activity-{activity.pk}@{host}"]
    assert "TZID=Asia/Tokyo" in visit.to_ical().decode()
    assert visit.decoded("DTSTART").hour == 10 and visit.decoded("DTEND") - visit.decoded("DTSTART") == timedelta(
        minutes=90)  # fmt: skip
    assert str(visit["SUMMARY"]) == "訪問: 工場見学" and "1234-5678" not in response.content.decode()  # no body
    assert str(found[f"kizuna-activity-{secret.pk}@{host}"]["SUMMARY"]) == "メモ（機密扱い）"
    assert "M&A" not in response.content.decode() and "同僚の宿題" not in response.content.decode()
    assert "BEGIN:VTIMEZONE" in response.content.decode()
    assert set(events(feed_of(raw))) == set(found)  # stable UIDs


def test_the_token_is_stored_hashed_audited_regenerated_and_revoked(cast):
    feed, raw = services.create_feed(actor=cast.owner)
    assert raw not in feed.token_hash and len(feed.token_hash) == 64
    assert feed_of(raw).status_code == 200
    _again, raw2 = services.create_feed(actor=cast.owner)
    assert feed_of(raw).status_code == 404 and feed_of(raw2).status_code == 200
    assert services.revoke_feed(actor=cast.owner) is True
    assert feed_of(raw2).status_code == 404 and not CalendarFeed.objects.exists()
    actions = list(AuditEvent.objects.filter(action__startswith="calendar_feed.").order_by("id")
                   .values_list("action", "actor_id"))  # fmt: skip
    assert actions == [("calendar_feed.create", cast.owner.pk), ("calendar_feed.regenerate", cast.owner.pk),
                       ("calendar_feed.revoke", cast.owner.pk)]  # fmt: skip


def test_bad_tokens_and_inactive_users_get_404(cast):
    _feed, raw = services.create_feed(actor=cast.outsider)
    for bad in ("x", "kzcal_" + "a" * 43, raw[:-1], raw + "a", "kzcal_" * 30):
        assert feed_of(bad).status_code == 404
    cast.outsider.is_active = False
    cast.outsider.save()
    assert feed_of(raw).status_code == 404


def test_an_outsiders_feed_shows_nothing_private_of_others(cast):
    today = timezone.localdate()
    timeline.create_follow_up(actor=cast.owner, data={"title": "鍵穴の宿題", "due_date": today,
                                                      "visibility": "private"})  # fmt: skip
    timeline.create_follow_up(
        actor=cast.owner,
        data={"title": "班内の宿題", "due_date": today, "assignee": cast.outsider.pk, "visibility": "private"},
    )
    _feed, raw = services.create_feed(actor=cast.outsider)
    body = feed_of(raw).content.decode()
    assert "鍵穴" not in body and "班内" not in body  # assigned to them, but private to the owner: not theirs to see


def test_the_settings_page_issues_the_url_once_and_revokes_it(cast):
    client = Client()
    client.force_login(cast.owner)
    page = client.post("/notifications/settings/feed/", {"action": "create"}).content.decode()
    assert "/calendar/feed/kzcal_" in page and "今回だけ" in page
    url = page.split('<code id="feed-url">')[1].split("</code>")[0]
    assert Client().get(url.replace("http://testserver", "")).status_code == 200
    again = client.get("/notifications/settings/").content.decode()
    assert "kzcal_" not in again and "発行済み" in again
    client.post("/notifications/settings/feed/", {"action": "revoke"})
    assert Client().get(url.replace("http://testserver", "")).status_code == 404
