"""設定 → Webhook pages: administrators only; the secret is shown once; the delivery log and redelivery."""

from django.test import Client

from kizuna.contacts import services as contacts
from kizuna.core import events
from kizuna.core.models import AuditEvent
from kizuna.webhooks import services
from kizuna.webhooks.models import Delivery, Subscription


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_admin_creates_a_subscription_and_sees_the_secret_once(cast, receiver):
    client = logged_in(cast.admin)
    assert "Webhook はまだありません" in client.get("/settings/webhooks/").content.decode()
    form = client.get("/settings/webhooks/new/").content.decode()
    assert 'value="person.created"' in form and "人: 作成" in form
    response = client.post("/settings/webhooks/new/", {"name": "基幹連携", "url": receiver.url,
                                                       "event_types": ["person.created"], "owner": cast.readonly.pk,
                                                       "is_active": "on"})  # fmt: skip
    assert response.status_code == 200
    sub = Subscription.objects.get()
    page = response.content.decode()
    assert sub.secret in page and "今回だけ" in page
    assert sub.secret not in client.get(f"/settings/webhooks/{sub.pk}/").content.decode()
    assert sub.owner == cast.readonly and AuditEvent.objects.filter(action="webhook.create").exists()


def test_an_internal_url_is_refused_with_the_reason_on_the_form(cast, settings):
    settings.KIZUNA_WEBHOOK_ALLOWED_HOSTS = []
    response = logged_in(cast.admin).post("/settings/webhooks/new/", {
        "name": "内部", "url": "http://169.254.169.254/latest/", "event_types": ["person.created"],
        "owner": cast.admin.pk})  # fmt: skip
    assert response.status_code == 422 and "内部のアドレス" in response.content.decode()
    assert not Subscription.objects.exists()


def test_edit_rotate_log_redeliver_delete(cast, receiver):
    sub, secret = services.create_subscription(actor=cast.admin, data={
        "name": "基幹連携", "url": receiver.url, "event_types": ["person.created"]})  # fmt: skip
    client = logged_in(cast.admin)
    saved = client.post(f"/settings/webhooks/{sub.pk}/", {
        "name": "基幹連携2", "url": receiver.url, "event_types": ["person.created", "company.created"],
        "owner": cast.admin.pk, "is_active": "on", "version": sub.version})  # fmt: skip
    assert saved.status_code == 302
    sub.refresh_from_db()
    assert sub.name == "基幹連携2" and sub.event_types == ["person.created", "company.created"]
    stale = client.post(f"/settings/webhooks/{sub.pk}/", {
        "name": "古い", "url": receiver.url, "event_types": ["person.created"], "owner": cast.admin.pk,
        "version": 1})  # fmt: skip
    assert stale.status_code == 422 and "他のユーザーによって更新" in stale.content.decode()
    rotated = client.post(f"/settings/webhooks/{sub.pk}/rotate/")
    sub.refresh_from_db()
    assert sub.secret != secret and sub.secret in rotated.content.decode()
    receiver.statuses = [503]
    contacts.create_person(actor=cast.owner, data={"family_name": "山田", "given_name": "花子"})
    events.dispatch_pending()
    services.send_due()
    delivery = Delivery.objects.get()
    detail = client.get(f"/settings/webhooks/{sub.pk}/").content.decode()
    assert "person.created" in detail and "503" in detail and "送信待ち" in detail
    log = client.get(f"/settings/webhooks/{sub.pk}/deliveries/{delivery.pk}/").content.decode()
    assert "receiver says no" in log and delivery.message_id in log and "山田" in log
    assert client.get(f"/settings/webhooks/{sub.pk}/deliveries/{delivery.pk}/redeliver/").status_code == 405
    redo = client.post(f"/settings/webhooks/{sub.pk}/deliveries/{delivery.pk}/redeliver/")
    assert redo.status_code == 302
    services.send_due()
    delivery.refresh_from_db()
    assert delivery.status == "succeeded"
    assert "手動" in client.get(f"/settings/webhooks/{sub.pk}/deliveries/{delivery.pk}/").content.decode()
    assert client.post(f"/settings/webhooks/{sub.pk}/delete/").status_code == 302
    assert not Subscription.objects.exists()


def test_only_administrators(cast, receiver):
    sub, _ = services.create_subscription(actor=cast.admin, data={
        "name": "基幹連携", "url": receiver.url, "event_types": ["person.created"]})  # fmt: skip
    urls = ["/settings/webhooks/", "/settings/webhooks/new/", f"/settings/webhooks/{sub.pk}/"]
    for url in urls:
        assert Client().get(url).status_code == 302  # to the login page
        for user in (cast.manager, cast.owner, cast.readonly, cast.outsider):
            assert logged_in(user).get(url).status_code == 403
    for url in (f"/settings/webhooks/{sub.pk}/rotate/", f"/settings/webhooks/{sub.pk}/delete/"):
        assert logged_in(cast.manager).post(url).status_code == 403
    assert logged_in(cast.admin).get("/settings/webhooks/999999/").status_code == 404
    sub.refresh_from_db()
    assert Subscription.objects.count() == 1
