"""/api/v1/reports/daily: draft, submit, get by id and date, ETag/If-Match on update, comment, confirm, the feed."""

import pytest

from kizuna.notifications.models import Notification

from .report_helpers import DAY, owners_day

BASE = "/api/v1/reports/daily"


@pytest.fixture
def day(cast):
    return owners_day(cast)


def test_draft_submit_and_read_back(cast, api, day):
    owner = api(cast.owner)
    draft = owner.get(f"{BASE}/draft?date={DAY.isoformat()}")
    assert draft.status_code == 200 and draft.json()["status"] == "new"
    titles = [i["title"] for i in draft.json()["items"] if i["kind"] == "activity"]
    assert titles == ["山田製作所 訪問", "納期確認の電話"]
    made = owner.post(f"{BASE}/submit", {"date": DAY.isoformat(), "impressions": "手応えあり"})
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["status"] == "submitted" and body["impressions"] == "手応えあり" and made["ETag"]
    assert owner.post(f"{BASE}/submit", {"date": DAY.isoformat()}).status_code == 409
    by_date = api(cast.manager).get(f"{BASE}/by-date?date={DAY.isoformat()}&user={cast.owner.pk}")
    assert by_date.status_code == 200 and by_date.json()["id"] == body["id"]
    assert api(cast.outsider).get(f"{BASE}/{body['id']}").status_code == 404
    assert api(cast.outsider).get(f"{BASE}/by-date?date={DAY.isoformat()}&user={cast.owner.pk}").status_code == 404


def test_update_needs_the_current_etag(cast, api, day):
    owner = api(cast.owner)
    made = owner.post(f"{BASE}/submit", {"date": DAY.isoformat()})
    url = f"{BASE}/{made.json()['id']}"
    assert owner.patch(url, {"plan": "見積"}).status_code == 428
    assert owner.patch(url, {"plan": "見積"}, headers={"If-Match": '"1-99"'}).status_code == 412
    ok = owner.patch(url, {"plan": "見積"}, headers={"If-Match": made["ETag"]})
    assert ok.status_code == 200 and ok.json()["plan"] == "見積" and ok["ETag"] != made["ETag"]
    teammate = api(cast.teammate).patch(url, {"plan": "x"}, headers={"If-Match": ok["ETag"]})
    assert teammate.status_code == 403


def test_comment_and_confirm(cast, api, day):
    made = api(cast.owner).post(f"{BASE}/submit", {"date": DAY.isoformat()}).json()
    url = f"{BASE}/{made['id']}"
    assert api(cast.teammate).post(f"{url}/confirm").status_code == 403
    assert api(cast.outsider).post(f"{url}/confirm").status_code == 404
    bad = api(cast.manager).post(f"{url}/comments", {"body": ""})
    assert bad.status_code == 422 and "コメント" in str(bad.json()["error"]["fields"])
    assert api(cast.manager).post(f"{url}/comments", {"body": "同行します"}).status_code == 201
    confirmed = api(cast.manager).post(f"{url}/confirm")
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    assert [c["body"] for c in confirmed.json()["comments"]] == ["同行します"]
    assert Notification.objects.filter(user=cast.owner, kind="daily_report").count() == 2


def test_feed_lists_what_the_reader_may_read(cast, api, day):
    api(cast.owner).post(f"{BASE}/submit", {"date": DAY.isoformat()})
    api(cast.outsider).post(f"{BASE}/submit", {"date": DAY.isoformat()})
    mine = {r["author"]["username"] for r in api(cast.manager).get(BASE).json()["items"]}
    assert mine == {"owner"}
    assert {r["author"]["username"] for r in api(cast.admin).get(BASE).json()["items"]} == {"owner", "outsider"}
    assert api(cast.manager).get(f"{BASE}?status=bogus").status_code == 422
    assert api(None).get(BASE).status_code == 401
    assert api(cast.readonly).post(f"{BASE}/submit", {"date": DAY.isoformat()}).status_code == 403
