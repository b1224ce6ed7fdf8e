"""The bell, the list page, marking read."""

from django.test import Client

from kizuna.core.notices import Notice, notify
from kizuna.notifications.models import Notification
from kizuna.timeline import services as timeline


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_bell_is_on_every_page_and_its_count_comes_by_htmx(cast):
    client = logged_in(cast.owner)
    page = client.get("/").content.decode()
    assert 'hx-get="/notifications/bell/"' in page and 'hx-trigger="load, every 60s"' in page
    assert "<script>" not in page.split("<body")[1]  # CSP: no inline script
    assert 'class="bell-badge"' not in client.get("/notifications/bell/").content.decode()
    notify([cast.owner], Notice(kind="mention", title="言及"))
    notify([cast.owner], Notice(kind="rule", title="ルール"))
    assert 'data-unread="2"' in client.get("/notifications/bell/").content.decode()
    assert Client().get("/notifications/bell/").status_code == 302  # to the login page
    assert client.post("/notifications/bell/").status_code == 405


def test_list_mark_one_read_by_htmx_open_and_mark_all(cast):
    activity = timeline.create_activity(actor=cast.owner, data={"body": "メモ"})
    notify([cast.teammate], Notice(kind="mention", title="言及されました", url=activity.get_absolute_url(),
                                   obj=activity))  # fmt: skip
    notify([cast.teammate], Notice(kind="rule", title="ルールの通知"))
    first, second = Notification.objects.filter(user=cast.teammate).order_by("id")
    client = logged_in(cast.teammate)
    page = client.get("/notifications/").content.decode()
    assert "言及されました" in page and "ルールの通知" in page and "未読 2 件" in page
    row = client.post(f"/notifications/{second.pk}/read/", headers={"HX-Request": "true"})
    assert row.status_code == 200 and "既読にする" not in row.content.decode()
    opened = client.post(f"/notifications/{first.pk}/read/", {"open": "1"})
    assert opened.status_code == 302 and opened["Location"] == activity.get_absolute_url()
    assert Notification.objects.filter(user=cast.teammate, read_at__isnull=True).count() == 0
    assert logged_in(cast.owner).post(f"/notifications/{first.pk}/read/").status_code == 404
    notify([cast.teammate], Notice(kind="rule", title="もう一つ"))
    assert client.post("/notifications/read-all/").status_code == 302
    assert "未読 0 件" in client.get("/notifications/").content.decode()
    assert "もう一つ" not in client.get("/notifications/?status=unread").content.decode()


def test_a_stored_link_to_another_site_is_not_followed(cast):
    notify([cast.owner], Notice(kind="rule", title="外部", url="https://evil.example/"))
    notice = Notification.objects.get(user=cast.owner)
    response = logged_in(cast.owner).post(f"/notifications/{notice.pk}/read/", {"open": "1"})
    assert response["Location"] == "/notifications/"
