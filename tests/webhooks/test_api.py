"""/api/v1/webhooks: administrators with an admin-scoped token manage subscriptions, read the delivery log,
redeliver and rotate the secret; every change is audited; everyone else is refused."""

import pytest
from standardwebhooks.webhooks import Webhook

from kizuna.contacts import services as contacts
from kizuna.core import events
from kizuna.core.models import AuditEvent
from kizuna.webhooks import services
from kizuna.webhooks.models import Subscription
from tests.conftest import ApiClient

API = "/api/v1/webhooks"


def admin_client(cast):
    return ApiClient(cast.admin, scopes=("read", "write", "admin"))


def body(receiver, **extra):
    return {"name": "基幹連携", "url": receiver.url, "event_types": ["person.created"], **extra}


def test_create_update_rotate_delete_with_audit(cast, receiver):
    client = admin_client(cast)
    created = client.post(API, body(receiver, owner=cast.readonly.pk))
    assert created.status_code == 201, created.content
    data = created.json()
    secret = data["secret"]
    assert secret.startswith("whsec_") and data["owner"]["username"] == "readonly" and data["is_active"]
    sub_id = data["id"]
    shown = client.get(f"{API}/{sub_id}")
    assert shown.status_code == 200 and "secret" not in shown.json()  # shown once
    assert all("secret" not in s for s in client.get(API).json())
    etag = shown.headers["ETag"]
    patched = client.patch(f"{API}/{sub_id}", {"event_types": ["person.created", "person.updated"]},
                           headers={"If-Match": etag})  # fmt: skip
    assert patched.status_code == 200 and patched.json()["event_types"] == ["person.created", "person.updated"]
    assert client.patch(f"{API}/{sub_id}", {"name": "x"}, headers={"If-Match": etag}).status_code == 412
    assert client.patch(f"{API}/{sub_id}", {"name": "x"}).status_code == 428
    rotated = client.post(f"{API}/{sub_id}/rotate-secret")
    assert rotated.status_code == 200 and rotated.json()["secret"] not in (secret, "")
    assert client.delete(f"{API}/{sub_id}").status_code == 204
    assert not Subscription.objects.exists()
    actions = list(AuditEvent.objects.filter(action__startswith="webhook.").order_by("id")
                   .values_list("action", flat=True))  # fmt: skip
    assert actions == ["webhook.create", "webhook.update", "webhook.rotate_secret", "webhook.delete"]
    logged = " ".join(str(r.changes) for r in AuditEvent.objects.filter(action__startswith="webhook."))
    assert secret not in logged and rotated.json()["secret"] not in logged


@pytest.mark.parametrize("bad", [
    {"url": "http://10.0.0.1/"}, {"url": "http://169.254.169.254/"}, {"url": "ftp://example.com/"},
    {"event_types": []}, {"event_types": ["person.exploded"]}, {"owner": 999999}, {"name": ""},
    {"secret": "whsec_Zm9v"}, {"is_active": "maybe"},
])  # fmt: skip
def test_bad_input_is_a_422_that_says_which_field(cast, receiver, settings, bad):
    settings.KIZUNA_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    response = admin_client(cast).post(API, body(receiver, **bad))
    assert response.status_code == 422, response.content
    assert response.json()["error"]["fields"]
    assert not Subscription.objects.exists()


def test_deliveries_and_redelivery(cast, receiver):
    client = admin_client(cast)
    created = client.post(API, body(receiver)).json()
    receiver.statuses = [500]
    contacts.create_person(actor=cast.owner, data={"family_name": "山田", "given_name": "花子"})
    events.dispatch_pending()
    services.send_due()
    log = client.get(f"{API}/{created['id']}/deliveries")
    assert log.status_code == 200
    (delivery,) = log.json()
    assert delivery["status"] == "pending" and delivery["response_code"] == 500 and delivery["attempts"] == 1
    assert delivery["attempt_log"][0]["response_snippet"] == "receiver says no"
    assert delivery["attempt_log"][0]["duration_ms"] >= 0 and '"person.created"' in delivery["request_body"]
    redone = client.post(f"{API}/{created['id']}/deliveries/{delivery['id']}/redeliver")
    assert redone.status_code == 202
    services.send_due()
    (delivery,) = client.get(f"{API}/{created['id']}/deliveries?status=succeeded").json()
    assert [a["response_code"] for a in delivery["attempt_log"]] == [200, 500]
    assert [a["manual"] for a in delivery["attempt_log"]] == [True, False]
    Webhook(created["secret"]).verify(receiver.requests[-1].body, receiver.requests[-1].headers)
    assert client.get(f"{API}/{created['id']}/deliveries?status=nonsense").status_code == 422
    assert client.get(f"{API}/{created['id']}/deliveries?limit=0").status_code == 422
    assert client.post(f"{API}/{created['id']}/deliveries/999999/redeliver").status_code == 404
    assert AuditEvent.objects.filter(action="webhook.redeliver", actor=cast.admin).count() == 1


def test_event_types_are_listed(cast):
    types = {t["type"] for t in admin_client(cast).get(f"{API}/event-types").json()}
    assert {"person.created", "company.merged", "activity.deleted"} <= types


def test_the_negative_set(cast, receiver):
    sub, _ = services.create_subscription(actor=cast.admin, data=body(receiver))
    paths = [("get", API, None), ("post", API, body(receiver)), ("get", f"{API}/{sub.pk}", None),
             ("patch", f"{API}/{sub.pk}", {"name": "x"}), ("delete", f"{API}/{sub.pk}", None),
             ("post", f"{API}/{sub.pk}/rotate-secret", {}), ("get", f"{API}/{sub.pk}/deliveries", None),
             ("get", f"{API}/event-types", None)]  # fmt: skip
    for method, path, data in paths:
        kw = {} if data is None else {"data": data}
        assert ApiClient().request(method, path, **kw).status_code == 401, (method, path)
        for user in (cast.readonly, cast.outsider, cast.manager, cast.owner):
            assert ApiClient(user).request(method, path, **kw).status_code == 403, (method, path, user)
        assert ApiClient(cast.admin).request(method, path, **kw).status_code == 403  # no admin scope
    client = admin_client(cast)
    assert client.get(f"{API}/999999").status_code == 404
    assert client.get(f"{API}/{2**70}").status_code in (404, 422)
    assert client.request("put", f"{API}/{sub.pk}", {}).status_code == 405
    assert client.get(f"{API}/{sub.pk}/rotate-secret").status_code == 405
    assert Subscription.objects.count() == 1


def test_lists_have_a_query_budget(cast, receiver, django_assert_max_num_queries):
    """No N+1: the subscription list, the delivery log (with every attempt) and the log page stay within budget."""
    client = admin_client(cast)
    for i in range(3):
        client.post(API, body(receiver, name=f"連携{i}"))
    sub = Subscription.objects.first()
    receiver.statuses = [500] * 10
    for i in range(10):
        contacts.create_person(actor=cast.owner, data={"family_name": "山田", "given_name": f"{i}"})
    events.dispatch_pending()
    services.send_due()
    assert sub.deliveries.count() == 10
    with django_assert_max_num_queries(8):
        assert len(client.get(API).json()) == 3
    with django_assert_max_num_queries(8):
        assert len(client.get(f"{API}/{sub.pk}/deliveries").json()) == 10
    from django.test import Client

    page = Client()
    page.force_login(cast.admin)
    with django_assert_max_num_queries(12):
        assert page.get(f"/settings/webhooks/{sub.pk}/").status_code == 200
