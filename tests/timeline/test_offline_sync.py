"""What the offline queue relies on: a line sent again with its Idempotency-Key is saved once (API and the capture
page), it keeps the time it was written, and the installable app's manifest and service worker are served."""

from datetime import timedelta

from django.test import Client
from django.utils import timezone

from kizuna.timeline.models import Activity, FollowUp
from tests import factories
from tests.conftest import ApiClient


def test_a_line_sent_twice_with_its_key_is_saved_once_at_the_time_it_was_written(cast):
    factories.company(cast.owner, "株式会社北斗精機")
    written = timezone.now() - timedelta(days=2)
    body = {"text": "#北斗精機 訪問。ライン増設 !明日 見積", "preview": False, "captured_at": written.isoformat()}
    api = ApiClient(cast.owner)
    first = api.post("/api/v1/capture", body, headers={"Idempotency-Key": "line-1"})
    again = api.post("/api/v1/capture", body, headers={"Idempotency-Key": "line-1"})
    assert first.status_code == again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    activity = Activity.objects.get()
    assert abs(activity.occurred_at - written) < timedelta(seconds=1)
    assert FollowUp.objects.get().due_date == timezone.localdate(written) + timedelta(days=1)  # 明日 of that day


def test_a_line_from_the_future_is_refused_with_a_reason(cast):
    body = {"text": "訪問。", "preview": False, "captured_at": (timezone.now() + timedelta(days=3)).isoformat()}
    answer = ApiClient(cast.owner).post("/api/v1/capture", body)
    assert answer.status_code == 422 and "端末の時計" in answer.json()["error"]["message"]
    assert not Activity.objects.exists()


def test_the_capture_page_saves_a_queued_line_once_per_key(cast):
    client = Client()
    client.force_login(cast.owner)
    data = {"text": "訪問。仕様の確認", "save": "1", "captured_at": (timezone.now() - timedelta(hours=3)).isoformat()}
    headers = {"HX-Request": "true", "Idempotency-Key": "line-2:"}
    first = client.post("/timeline/capture/", data, headers=headers)
    again = client.post("/timeline/capture/", data, headers=headers)
    assert first.status_code == again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert "capture-saved" in again.content.decode()
    assert Activity.objects.count() == 1
    assert Activity.objects.get().occurred_at < timezone.now() - timedelta(hours=2)


def test_the_manifest_and_the_service_worker_are_served_from_the_root(client):
    manifest = client.get("/manifest.webmanifest")
    data = manifest.json()
    assert manifest["Content-Type"] == "application/manifest+json" and data["display"] == "standalone"
    assert {icon["src"] for icon in data["icons"]} >= {"/static/img/pwa/icon-192.png", "/static/img/pwa/icon-512.png"}
    worker = client.get("/sw.js")
    text = worker.content.decode()
    assert worker["Content-Type"].startswith("text/javascript") and worker["Cache-Control"] == "no-cache"
    assert '"/static/js/offline.js"' in text and '"/timeline/cards/new/"' in text and 'request.method !== "GET"' in text
