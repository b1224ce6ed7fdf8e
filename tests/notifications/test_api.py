"""/api/v1/notifications: my notices only; list, unread count, mark read, mark all read."""

from kizuna.core.notices import Notice, notify
from kizuna.notifications.models import Notification


def _notices(user, n):
    for i in range(n):
        notify([user], Notice(kind="mention", title=f"通知{i}"))
    return list(Notification.objects.filter(user=user).order_by("id"))


def test_list_is_newest_first_paged_and_counts_unread(cast, api):
    rows = _notices(cast.owner, 3)
    _notices(cast.teammate, 1)
    client = api(cast.owner)
    body = client.get("/api/v1/notifications?limit=2").json()
    assert [i["title"] for i in body["items"]] == ["通知2", "通知1"] and body["unread"] == 3
    assert body["items"][0]["kind_label"] == "メンション"
    more = client.get(f"/api/v1/notifications?limit=2&before={body['next_before']}").json()
    assert [i["title"] for i in more["items"]] == ["通知0"] and more["next_before"] is None
    assert client.get("/api/v1/notifications/unread-count").json() == {"unread": 3}
    read = client.post(f"/api/v1/notifications/{rows[0].pk}/read")
    assert read.status_code == 200 and read.json()["read_at"]
    assert [i["title"] for i in client.get("/api/v1/notifications?unread=true").json()["items"]] == ["通知2", "通知1"]
    assert client.post("/api/v1/notifications/read-all").json() == {"marked": 2}
    assert client.get("/api/v1/notifications/unread-count").json() == {"unread": 0}
    assert api(cast.teammate).get("/api/v1/notifications/unread-count").json() == {"unread": 1}


def test_the_negative_set(cast, api):
    [theirs] = _notices(cast.teammate, 1)
    assert api(None).get("/api/v1/notifications").status_code == 401
    assert api(None).post(f"/api/v1/notifications/{theirs.pk}/read").status_code == 401
    for user in (cast.owner, cast.admin, cast.outsider):  # someone else's notice: as if it did not exist
        response = api(user).post(f"/api/v1/notifications/{theirs.pk}/read")
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert api(cast.teammate, scopes=("read",)).post(f"/api/v1/notifications/{theirs.pk}/read").status_code == 403
    assert api(cast.teammate).get(f"/api/v1/notifications/{theirs.pk}/read").status_code == 405
    assert api(cast.teammate).delete("/api/v1/notifications/read-all").status_code == 405
    assert api(cast.teammate).post("/api/v1/notifications/99999999999999999999/read").status_code in (404, 422)
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_read_only_users_manage_their_own_bell(cast, api):
    [mine] = _notices(cast.readonly, 1)
    assert api(cast.readonly).post(f"/api/v1/notifications/{mine.pk}/read").status_code == 200
