"""Every write of the webhooks app (subscriptions, deliveries, attempts), audited; and the delivery worker.

Who may manage subscriptions: administrators only. A subscription sends records out of the system for as long as
it is switched on, chooses whose view of the records is sent (its owner) and may be allowed onto internal hosts,
so it is treated like the role matrix and the user list, not like a record a manager's team owns. Managers (and
everyone else) get 403; a subscription's owner is told when it is switched off.

Delivery: the event consumer (`handle_event`, no HTTP) writes one Delivery per matching active subscription with
the body fixed; the `send_webhooks` task (enqueued after the commit) claims due deliveries, checks the address
again, POSTs and logs the attempt. A failed attempt is retried with exponential backoff (5 s, 10 s, 20 s, ... at
most 6 h apart) for 24 hours; a crash between the claim and the log retries after a lease (at least once).
A subscription is switched off, and its owner notified, when every attempt has failed for 24 hours: a delivery
has run out of retries with no success of the subscription since it began, or the subscription has had no success
since its first failure 24 hours ago.
"""

import json
import logging
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.core import audit, events, notices
from kizuna.core.exceptions import NotFound, PermissionDenied, StaleVersion
from kizuna.core.permissions import is_admin
from kizuna.core.services import Errors, text
from kizuna.core.tasks import enqueue

from . import payloads, sender, signing, ssrf
from .models import Attempt, Delivery, Subscription

log = logging.getLogger(__name__)

RETRY_FOR = timedelta(hours=24)
LEASE = timedelta(seconds=60)  # a claimed delivery whose attempt was never logged is tried again after this
ROTATION_GRACE = timedelta(hours=24)  # the previous secret keeps signing this long after a rotation
MAX_EVENT_TYPES = 200


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: 5 s, 10 s, 20 s, ..., at most 6 hours."""
    return timedelta(seconds=min(5 * 2 ** (attempts - 1), 6 * 3600))


def require_admin(actor) -> None:
    if not is_admin(actor):
        raise PermissionDenied(_("Webhook を管理できるのは管理者だけです。"))


# --- subscriptions ------------------------------------------------------------------------------------------------
def _clean(actor, data: dict, errors: Errors, *, current: Subscription | None = None) -> dict:
    out = {}
    if "name" in data or current is None:
        out["name"] = text(data, "name", 100, errors, required=True, label=_("名前"))
    if "url" in data or current is None:
        url = text(data, "url", 2000, errors, required=True, label="URL")
        if url:
            try:
                ssrf.check(url, resolve_now=False)
            except ssrf.Refused as exc:
                errors.add("url", exc.message)
        out["url"] = url
    if "event_types" in data or current is None:
        chosen = data.get("event_types") or []
        if isinstance(chosen, str):
            chosen = [chosen]
        known = events.event_types()
        chosen = list(dict.fromkeys(str(t) for t in chosen))
        unknown = [t for t in chosen if t not in known]
        if not chosen:
            errors.add("event_types", _("イベントを1つ以上選んでください。"))
        elif unknown:
            errors.add("event_types", _("不明なイベントです: %(types)s") % {"types": ", ".join(unknown[:5])})
        elif len(chosen) > MAX_EVENT_TYPES:
            errors.add("event_types", _("イベントが多すぎます。"))
        out["event_types"] = chosen
    if "owner" in data or current is None:
        owner = data.get("owner") or (None if current else actor)
        if owner is not None and not hasattr(owner, "pk"):
            owner = get_user_model().objects.filter(pk=owner, is_active=True).first() if str(owner).isdigit() else None
        if owner is None or not owner.is_active:
            errors.add("owner", _("受信者（有効なユーザー）を選んでください。"))
        out["owner"] = owner
    if "is_active" in data and data["is_active"] is not None:
        out["is_active"] = bool(data["is_active"])
    return out


def _snapshot(sub: Subscription) -> dict:
    return {"name": sub.name, "url": sub.url, "event_types": sub.event_types, "owner": sub.owner,
            "is_active": sub.is_active}  # fmt: skip


@transaction.atomic
def create_subscription(*, actor, data: dict) -> tuple[Subscription, str]:
    """A new subscription and its secret (shown to the admin once; stored to sign with)."""
    require_admin(actor)
    errors = Errors()
    values = _clean(actor, data, errors)
    errors.raise_if_any()
    secret = signing.new_secret()
    sub = Subscription.objects.create(**values, secret=secret, created_by=actor)
    audit.record(actor=actor, action="webhook.create", obj=sub, changes=audit.diff({}, _snapshot(sub)))
    return sub, secret


@transaction.atomic
def update_subscription(*, actor, subscription: Subscription, data: dict, version: int | None = None) -> Subscription:
    require_admin(actor)
    sub = Subscription.objects.select_for_update().get(pk=subscription.pk)
    if version is not None and version != sub.version:
        raise StaleVersion(current=sub)
    errors = Errors()
    values = _clean(actor, data, errors, current=sub)
    errors.raise_if_any()
    before = _snapshot(sub)
    for key, value in values.items():
        setattr(sub, key, value)
    if values.get("is_active") and not before["is_active"]:  # switched on again: a fresh start
        sub.disabled_at, sub.disabled_reason, sub.failing_since, sub.consecutive_failures = None, "", None, 0
    sub.version += 1
    sub.updated_at = timezone.now()
    sub.save()
    if changes := audit.diff(before, _snapshot(sub)):
        audit.record(actor=actor, action="webhook.update", obj=sub, changes=changes)
    if values.get("is_active") and not before["is_active"]:
        _send_after_commit()
    subscription.__dict__.update(sub.__dict__)
    return sub


@transaction.atomic
def delete_subscription(*, actor, subscription: Subscription) -> None:
    """Removes the subscription and its delivery log (the audit log keeps what it was)."""
    require_admin(actor)
    audit.record(actor=actor, action="webhook.delete", obj=subscription,
                 changes=audit.diff(_snapshot(subscription), {}))  # fmt: skip
    subscription.delete()


@transaction.atomic
def rotate_secret(*, actor, subscription: Subscription) -> str:
    """A new secret; the old one keeps signing (a second signature) for 24 hours so receivers can switch."""
    require_admin(actor)
    sub = Subscription.objects.select_for_update().get(pk=subscription.pk)
    secret = signing.new_secret()
    sub.previous_secret, sub.previous_until = sub.secret, timezone.now() + ROTATION_GRACE
    sub.secret = secret
    sub.version += 1
    sub.updated_at = timezone.now()
    sub.save()
    audit.record(actor=actor, action="webhook.rotate_secret", obj=sub,
                 changes={"secret": ["********", "******** (new)"]})  # fmt: skip
    subscription.__dict__.update(sub.__dict__)
    return secret


def get_subscription(actor, pk) -> Subscription:
    require_admin(actor)
    sub = Subscription.objects.select_related("owner").filter(pk=pk).first() if _fits(pk) else None
    if sub is None:
        raise NotFound()
    return sub


def get_delivery(actor, subscription: Subscription, pk) -> Delivery:
    found = subscription.deliveries.filter(pk=pk).first() if _fits(pk) else None
    if found is None:
        raise NotFound()
    return found


def _fits(pk) -> bool:
    try:
        return 0 < int(pk) < 2**63
    except (TypeError, ValueError):
        return False


@transaction.atomic
def redeliver(*, actor, delivery: Delivery) -> Delivery:
    """Send a delivery again now (the same body and webhook-id), with a fresh 24 hours of retries."""
    require_admin(actor)
    sub = delivery.subscription
    if not sub.is_active:
        errors = Errors()
        errors.add("subscription", _("無効になっている Webhook です。先に有効にしてください。"))
        errors.raise_if_any()
    now = timezone.now()
    Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.PENDING, next_attempt_at=now,
                                                   retry_until=now + RETRY_FOR, manual=True)  # fmt: skip
    delivery.refresh_from_db()
    audit.record(actor=actor, action="webhook.redeliver", obj=sub,
                 changes={"delivery": [None, delivery.pk], "event": [None, delivery.event_type]})  # fmt: skip
    _send_after_commit()
    return delivery


# --- the event consumer -------------------------------------------------------------------------------------------
def handle_event(event) -> int:
    """One Delivery per active subscription of the event's type whose owner may see the record; no HTTP here.
    Seeing the same event twice writes nothing new (one delivery per subscription and webhook-id)."""
    subs = [s for s in Subscription.objects.filter(is_active=True, owner__is_active=True).select_related("owner")
            if event.type in s.event_types]  # fmt: skip
    made = 0
    for sub in subs:
        made += _deliver(sub, event, trigger="")
    if made:
        _send_after_commit()
    return made


def _deliver(sub: Subscription, event, *, trigger: str, message_id: str | None = None) -> int:
    body = payloads.build(sub.owner, event)
    if body is payloads.HIDDEN:
        return 0
    now = timezone.now()
    message_id = message_id or f"msg_{event.event_id.hex}"
    _, created = Delivery.objects.get_or_create(
        subscription=sub, message_id=message_id,
        defaults={"event_id": event.event_id, "event_type": event.type, "trigger": trigger,
                  "request_body": json.dumps(body, ensure_ascii=False, separators=(",", ":")),
                  "next_attempt_at": now, "retry_until": now + RETRY_FOR},
    )  # fmt: skip
    return int(created)


def send_now(*, actor, subscription: Subscription, event, trigger: str = "action") -> Delivery | None:
    """A rule's "call a webhook": this event to this subscription, whatever types it subscribes to."""
    if event is None:
        return None
    with transaction.atomic():
        made = _deliver(subscription, event, trigger=trigger, message_id=f"msg_{event.event_id.hex}_{trigger}")
        delivery = subscription.deliveries.filter(message_id=f"msg_{event.event_id.hex}_{trigger}").first()
        if made:
            _send_after_commit()
    return delivery


# --- sending ------------------------------------------------------------------------------------------------------
def _send_after_commit(run_after=None) -> None:
    """Enqueue the sender after the commit (once per transaction for "now")."""
    conn = transaction.get_connection()
    if run_after is None and any(getattr(e[1], "kizuna_webhooks", False) for e in conn.run_on_commit):
        return

    def wake():
        from .tasks import send_webhooks

        if run_after is None and _sender_waiting(send_webhooks):
            return  # a sender not yet started will find this delivery too
        try:
            enqueue(send_webhooks, run_after=run_after)
        except Exception:  # the clock's retry job enqueues again; a lost enqueue only delays
            log.exception("could not enqueue webhook sending")

    wake.kizuna_webhooks = run_after is None
    transaction.on_commit(wake)


def _sender_waiting(task) -> bool:
    """Whether a sender task is queued, due and not yet claimed by a worker (the database backend only)."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if not isinstance(task.get_backend(), DatabaseBackend):
        return False
    return DBTaskResult.objects.ready().filter(task_path=task.module_path).exists()


def _due():
    return Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=timezone.now(),
                                   subscription__is_active=True)  # fmt: skip


def enqueue_if_due() -> bool:
    """The clock's job: wake the sender when a retry has come due."""
    if _due().exists():
        _send_after_commit()
        return True
    return False


def _claim() -> Delivery | None:
    """Take the next due delivery: moving its next attempt one lease ahead is the claim (one UPDATE, no lock
    held during the request); whoever's UPDATE matched it sends it."""
    for delivery in _due().order_by("next_attempt_at", "id")[:5]:
        taken = Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.PENDING,
                                        next_attempt_at=delivery.next_attempt_at)  # fmt: skip
        if taken.update(next_attempt_at=timezone.now() + LEASE):
            return delivery
    return None


def send_due(*, limit: int = 500) -> int:
    """Send due deliveries, one request at a time; returns how many were tried."""
    tried = 0
    while tried < limit:
        delivery = _claim()
        if delivery is None:
            break
        attempt(delivery)
        tried += 1
    return tried


def attempt(delivery: Delivery) -> Attempt:
    """One request of `delivery` (outside any transaction), then its log row and what follows from it."""
    sub = Subscription.objects.get(pk=delivery.subscription_id)
    now = timezone.now()
    body = delivery.request_body.encode()
    address = ""
    try:
        target = ssrf.check(sub.url)  # again, now: the address may have changed since it was saved
    except ssrf.Refused as exc:
        result = sender.Result(None, "", 0, exc.message[:500])
    else:
        address = target.address
        keys = [sub.secret] + ([sub.previous_secret] if sub.previous_until and sub.previous_until > now else [])
        headers = signing.headers(message_id=delivery.message_id, body=body, at=now, secrets_=keys)
        result = sender.post(target, body, headers)
    return _log(delivery.pk, result, address)


@transaction.atomic
def _log(delivery_pk: int, result: sender.Result, address: str) -> Attempt:
    delivery = Delivery.objects.select_for_update().select_related("subscription").get(pk=delivery_pk)
    sub = Subscription.objects.select_for_update().get(pk=delivery.subscription_id)
    now = timezone.now()
    row = Attempt.objects.create(delivery=delivery, at=now, manual=delivery.manual, address=address,
                                 response_code=result.status, response_snippet=result.snippet[:1000],
                                 duration_ms=result.duration_ms, error=result.error[:500])  # fmt: skip
    delivery.attempts += 1
    delivery.response_code, delivery.error, delivery.manual = result.status, result.error[:500], False
    if result.ok:
        delivery.status, delivery.delivered_at = Delivery.Status.SUCCEEDED, now
        sub.consecutive_failures, sub.failing_since, sub.last_success_at = 0, None, now
    else:
        if not result.error:
            delivery.error = _("HTTP %(code)s が返されました。") % {"code": result.status}
        retry_at = now + backoff(delivery.attempts)
        if retry_at > delivery.retry_until:
            delivery.status = Delivery.Status.FAILED
        else:
            delivery.next_attempt_at = retry_at
            _send_after_commit(run_after=retry_at)
        sub.consecutive_failures += 1
        sub.failing_since = sub.failing_since or now
    delivery.save()
    sub.save(update_fields=["consecutive_failures", "failing_since", "last_success_at"])
    if not result.ok and sub.is_active and _failed_for_a_day(sub, delivery, now):
        disable(sub, reason=_("24時間のあいだ送信がすべて失敗しました（%(n)d 回連続）。") % {
            "n": sub.consecutive_failures})  # fmt: skip
    return row


def _failed_for_a_day(sub: Subscription, delivery: Delivery, now) -> bool:
    if sub.failing_since and sub.failing_since <= now - RETRY_FOR:
        return True
    if delivery.status == Delivery.Status.FAILED:
        first = delivery.attempt_log.order_by("at").values_list("at", flat=True).first()
        return sub.last_success_at is None or (first is not None and sub.last_success_at < first)
    return False


def disable(sub: Subscription, *, reason: str) -> None:
    """Switch a failing subscription off (by the system), log it and tell its owner."""
    now = timezone.now()
    Subscription.objects.filter(pk=sub.pk).update(is_active=False, disabled_at=now, disabled_reason=reason[:300])
    sub.is_active, sub.disabled_at, sub.disabled_reason = False, now, reason[:300]
    audit.record(actor=None, action="webhook.disable", obj=sub, changes={"is_active": [True, False],
                                                                        "reason": [None, reason]})  # fmt: skip
    owner = type(sub).objects.select_related("owner").get(pk=sub.pk).owner
    notices.notify(
        [owner],
        notices.Notice(
            kind="webhook_disabled",
            title=_("Webhook「%(name)s」を停止しました") % {"name": sub.name},
            body=reason,
            url=sub.get_absolute_url(),
            data={"subscription": sub.pk, "url": sub.url},
        ),
    )


def purge_deliveries(*, older_than: timedelta) -> int:
    """Finished deliveries are kept as long as dispatched events, then removed with their attempts."""
    cutoff = timezone.now() - older_than
    return Delivery.objects.filter(~Q(status=Delivery.Status.PENDING), created_at__lt=cutoff).delete()[0]
