"""Delivery to a real HTTP receiver on 127.0.0.1: signatures, retries with backoff, per-subscriber masking,
auto-disable with a notice, redelivery, at-least-once."""

import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from kizuna.contacts import services as contacts
from kizuna.core import events, notices
from kizuna.core.models import AuditEvent
from kizuna.webhooks import services
from kizuna.webhooks.models import Attempt, Delivery, Subscription
from tests.factories import relayed_events


def subscribe(cast, receiver, *, owner=None, types=("person.created", "person.updated"), name="受注連携"):
    owner = owner or cast.admin
    return services.create_subscription(
        actor=cast.admin, data={"name": name, "url": receiver.url, "event_types": list(types), "owner": owner.pk}
    )


def person(actor, **extra):
    data = {"family_name": "山田", "given_name": "花子", "visibility": "team",
            "phones": [{"value": "090-1234-5678", "label": "mobile"}], **extra}  # fmt: skip
    return contacts.create_person(actor=actor, data=data)


def due_now():
    Delivery.objects.filter(status="pending").update(next_attempt_at=timezone.now())


def test_a_write_reaches_the_receiver_signed_the_standard_webhooks_way(cast, receiver):
    _, secret = subscribe(cast, receiver)
    p = person(cast.owner)
    events.dispatch_pending()
    assert services.send_due() == 1
    (req,) = receiver.requests
    assert req.path == "/hooks/kizuna"
    body = Webhook(secret).verify(req.body, req.headers)  # raises unless the signature and timestamp are right
    assert body["type"] == "person.created" and body["object"] == {"type": "person", "id": str(p.pk)}
    assert body["record"]["family_name"] == "山田" and body["record"]["phones"][0]["value"] == "090-1234-5678"
    event = relayed_events().get(type="person.created")
    assert req.headers["webhook-id"] == f"msg_{event.event_id.hex}" and body["id"] == str(event.event_id)
    with pytest.raises(WebhookVerificationError):  # another secret does not verify it
        Webhook(services.signing.new_secret()).verify(req.body, req.headers)
    tampered = req.body.replace("山田".encode(), "川田".encode())
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(tampered, req.headers)
    delivery = Delivery.objects.get()
    assert delivery.status == "succeeded" and delivery.response_code == 200
    (attempt,) = delivery.attempt_log.all()
    assert attempt.response_code == 200 and '"ok"' in attempt.response_snippet and attempt.address == "127.0.0.1"
    assert delivery.request_body.encode() == req.body


def test_the_event_consumer_is_fast_idempotent_and_only_for_subscribed_types(cast, receiver):
    subscribe(cast, receiver, types=("company.created",))
    other, _ = subscribe(cast, receiver, types=("person.created",), name="人だけ")
    person(cast.owner)
    event = relayed_events().get(type="person.created")
    assert services.handle_event(event) == 1
    assert services.handle_event(event) == 0  # the same event twice: still one delivery
    assert list(Delivery.objects.values_list("subscription", flat=True)) == [other.pk]
    assert receiver.requests == []  # the consumer sends nothing itself


def test_a_500_is_retried_with_backoff_until_the_receiver_answers_200(cast, receiver):
    receiver.statuses = [500, 500]
    sub, secret = subscribe(cast, receiver)
    person(cast.owner)
    events.dispatch_pending()
    before = timezone.now()
    assert services.send_due() == 1
    delivery = Delivery.objects.get()
    assert delivery.status == "pending" and delivery.attempts == 1 and delivery.response_code == 500
    first_wait = delivery.next_attempt_at - before
    assert timedelta(seconds=4) < first_wait < timedelta(seconds=7)  # 5 s after the first failure
    assert services.send_due() == 0  # not due yet
    due_now()
    assert services.send_due() == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and delivery.next_attempt_at - timezone.now() > timedelta(seconds=8)  # 10 s
    due_now()
    assert services.send_due() == 1
    delivery.refresh_from_db()
    assert delivery.status == "succeeded" and delivery.attempts == 3
    assert [a.response_code for a in delivery.attempt_log.order_by("id")] == [500, 500, 200]
    assert "receiver says no" in delivery.attempt_log.order_by("id").first().response_snippet
    ids = {r.headers["webhook-id"] for r in receiver.requests}
    assert len(receiver.requests) == 3 and len(ids) == 1  # the same webhook-id each time: one message
    for req in receiver.requests:
        Webhook(secret).verify(req.body, req.headers)
    sub.refresh_from_db()
    assert sub.consecutive_failures == 0 and sub.failing_since is None and sub.is_active


def test_backoff_doubles_and_gives_up_after_24_hours():
    waits = [services.backoff(n).total_seconds() for n in range(1, 16)]
    assert waits[:4] == [5, 10, 20, 40] and max(waits) == 6 * 3600
    total, n = 0, 0
    while total + services.backoff(n + 1).total_seconds() <= 24 * 3600:
        n += 1
        total += services.backoff(n).total_seconds()
    assert 14 <= n + 1 <= 20  # about 16 attempts in a day


def test_each_subscriber_gets_the_record_as_they_may_see_it(cast, receiver):
    """The admin reads the mobile number; the read-only user sees it masked; the outsider (another team) cannot
    see the team record at all and is sent nothing."""
    _, admin_secret = subscribe(cast, receiver, owner=cast.admin, name="管理者")
    _, ro_secret = subscribe(cast, receiver, owner=cast.readonly, name="閲覧のみ")
    subscribe(cast, receiver, owner=cast.outsider, name="他チーム")
    p = person(cast.owner)
    contacts.update_person(actor=cast.owner, person=p, data={"phones": [{"value": "090-9999-0000",
                                                                         "label": "mobile"}]})  # fmt: skip
    events.dispatch_pending()
    assert services.send_due() == 4  # created + updated, for two subscribers
    by_name = {}
    for req in receiver.requests:
        secret = admin_secret if "9999-0000" in req.body.decode() or "1234-5678" in req.body.decode() else ro_secret
        body = Webhook(secret).verify(req.body, req.headers)
        by_name.setdefault(secret, []).append(body)
    admin_bodies, ro_bodies = by_name[admin_secret], by_name[ro_secret]
    assert {b["type"] for b in ro_bodies} == {"person.created", "person.updated"}
    for body in ro_bodies:
        text = json.dumps(body, ensure_ascii=False)
        assert "1234-5678" in text or "0000" in text  # the last digits stay readable...
        assert "090-1234" not in text and "090-9999" not in text  # ...the rest is masked, changes included
    update = next(b for b in admin_bodies if b["type"] == "person.updated")
    assert "090-9999-0000" in json.dumps(update["changes"], ensure_ascii=False)
    outsider_sub = Subscription.objects.get(name="他チーム")
    assert not outsider_sub.deliveries.exists()


def test_a_private_company_is_not_named_to_a_subscriber_who_cannot_see_it(cast, receiver):
    secret_co = contacts.create_company(actor=cast.owner, data={"name": "株式会社鍵穴精機", "visibility": "private"})
    _, secret = subscribe(cast, receiver, owner=cast.teammate)
    person(cast.owner, company=secret_co.pk)
    events.dispatch_pending()
    services.send_due()
    (req,) = receiver.requests
    body = Webhook(secret).verify(req.body, req.headers)
    assert body["record"]["company"] is None
    assert "鍵穴" not in req.body.decode()


def test_redirects_are_not_followed(cast, receiver):
    receiver.statuses = [302]
    subscribe(cast, receiver)
    person(cast.owner)
    events.dispatch_pending()
    services.send_due()
    assert len(receiver.requests) == 1
    attempt = Attempt.objects.get()
    assert attempt.response_code == 302 and Delivery.objects.get().status == "pending"


def test_a_slow_receiver_times_out(cast, receiver, monkeypatch):
    from kizuna.webhooks import sender

    monkeypatch.setattr(sender, "TOTAL_TIMEOUT", 0.5)
    receiver.delay = 2
    subscribe(cast, receiver)
    person(cast.owner)
    events.dispatch_pending()
    services.send_due()
    attempt = Attempt.objects.get()
    assert attempt.response_code is None and attempt.error == "timeout" and attempt.duration_ms < 1500


def test_failing_for_24_hours_disables_the_subscription_and_tells_its_owner(cast, receiver, monkeypatch):
    told = []
    monkeypatch.setattr(notices, "_deliverer", lambda users, notice: told.append((users, notice)))
    receiver.statuses = [500] * 100
    sub, _ = subscribe(cast, receiver, owner=cast.manager)
    person(cast.owner)
    events.dispatch_pending()
    services.send_due()
    sub.refresh_from_db()
    assert sub.is_active and sub.consecutive_failures == 1
    Subscription.objects.filter(pk=sub.pk).update(failing_since=timezone.now() - timedelta(hours=24, minutes=1))
    due_now()
    services.send_due()
    sub.refresh_from_db()
    assert not sub.is_active and sub.disabled_at and "24時間" in sub.disabled_reason
    ((users, notice),) = told
    assert users == [cast.manager] and notice.kind == "webhook_disabled" and sub.name in notice.title
    assert AuditEvent.objects.filter(action="webhook.disable", actor__isnull=True).exists()
    due_now()
    assert services.send_due() == 0  # nothing more goes to a disabled subscription
    person(cast.owner, given_name="次郎")
    events.dispatch_pending()
    assert Delivery.objects.count() == 1  # and it gets no new deliveries


def test_a_delivery_out_of_retries_with_no_success_disables_too(cast, receiver, monkeypatch):
    monkeypatch.setattr(notices, "_deliverer", lambda users, notice: None)
    receiver.statuses = [500] * 100
    sub, _ = subscribe(cast, receiver)
    person(cast.owner)
    events.dispatch_pending()
    Delivery.objects.update(retry_until=timezone.now() + timedelta(seconds=2))
    services.send_due()
    delivery = Delivery.objects.get()
    assert delivery.status == "failed"
    sub.refresh_from_db()
    assert not sub.is_active


def test_redeliver_sends_the_same_message_again_and_is_audited(cast, receiver):
    _, secret = subscribe(cast, receiver)
    person(cast.owner)
    events.dispatch_pending()
    services.send_due()
    delivery = Delivery.objects.get()
    services.redeliver(actor=cast.admin, delivery=delivery)
    assert services.send_due() == 1
    first, second = receiver.requests
    assert first.body == second.body and first.headers["webhook-id"] == second.headers["webhook-id"]
    Webhook(secret).verify(second.body, second.headers)
    assert [a.manual for a in delivery.attempt_log.order_by("id")] == [False, True]
    row = AuditEvent.objects.get(action="webhook.redeliver")
    assert row.actor == cast.admin and row.changes["delivery"] == [None, delivery.pk]


def test_a_rotated_secret_signs_beside_the_old_one_for_a_day(cast, receiver):
    sub, old = subscribe(cast, receiver)
    new = services.rotate_secret(actor=cast.admin, subscription=sub)
    assert new != old and new.startswith("whsec_")
    person(cast.owner)
    events.dispatch_pending()
    services.send_due()
    (req,) = receiver.requests
    assert len(req.headers["webhook-signature"].split(" ")) == 2
    Webhook(new).verify(req.body, req.headers)
    Webhook(old).verify(req.body, req.headers)
    row = AuditEvent.objects.get(action="webhook.rotate_secret")
    assert old not in json.dumps(row.changes) and new not in json.dumps(row.changes)


def test_a_crash_between_the_claim_and_the_log_is_sent_again_after_the_lease(cast, receiver, monkeypatch):
    """At least once: the claim moves the next attempt a lease ahead; nothing logged → tried again."""
    subscribe(cast, receiver)
    person(cast.owner)
    events.dispatch_pending()
    monkeypatch.setattr(services, "attempt", lambda d: (_ for _ in ()).throw(RuntimeError("worker died")))
    with pytest.raises(RuntimeError):
        services.send_due()
    monkeypatch.undo()
    assert services.send_due() == 0  # leased
    Delivery.objects.update(next_attempt_at=timezone.now())  # the lease ran out
    assert services.send_due() == 1 and Delivery.objects.get().status == "succeeded"


def test_the_worker_delivers_after_the_commit(cast, receiver, django_capture_on_commit_callbacks, run_worker):
    _, secret = subscribe(cast, receiver)
    with django_capture_on_commit_callbacks(execute=True):
        person(cast.owner)
    for _ in range(3):  # dispatch, then the sender it enqueued
        run_worker()
    assert len(receiver.requests) == 1
    Webhook(secret).verify(receiver.requests[0].body, receiver.requests[0].headers)


def test_the_clock_wakes_the_sender_for_due_retries(cast, receiver, django_capture_on_commit_callbacks, run_worker):
    subscribe(cast, receiver)
    person(cast.owner)
    events.dispatch_pending()
    transaction.get_connection().run_on_commit.clear()  # as if that commit's enqueue had been lost
    with django_capture_on_commit_callbacks(execute=True):
        call_command("clock", "--once", "--force", stdout=io.StringIO())
    run_worker()
    assert len(receiver.requests) == 1


def test_other_records_are_sent_as_their_fields_with_hidden_links_left_out(cast, receiver):
    from kizuna.timeline import services as timeline

    hidden = contacts.create_person(actor=cast.owner, data={"family_name": "鍵穴", "given_name": "秘子",
                                                            "visibility": "private"})  # fmt: skip
    _, secret = subscribe(cast, receiver, owner=cast.teammate, types=("task.created",))
    timeline.create_follow_up(actor=cast.owner, data={"title": "見積送付", "person": hidden.pk, "visibility": "team"})
    events.dispatch_pending()
    services.send_due()
    (req,) = receiver.requests
    body = Webhook(secret).verify(req.body, req.headers)
    assert body["record"]["title"] == "見積送付" and body["record"]["person"] is None
    assert "鍵穴" not in req.body.decode()


def test_one_waiting_sender_serves_every_new_delivery(cast, receiver, django_capture_on_commit_callbacks):
    """A sender task that is queued and not yet started will send what later transactions add: no second one."""
    from django_tasks_db.models import DBTaskResult

    subscribe(cast, receiver)
    for i in range(3):
        person(cast.owner, given_name=f"{i}")
        with django_capture_on_commit_callbacks(execute=True):
            events.dispatch_pending()
        transaction.get_connection().run_on_commit.clear()  # as each commit would
    assert Delivery.objects.count() == 3
    assert DBTaskResult.objects.filter(task_path="kizuna.webhooks.tasks.send_webhooks").count() == 1
