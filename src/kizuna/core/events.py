"""Domain events: every service write emits a typed event after its transaction commits.

Services do not call anything new, and writers write nothing more than they did: the audit row that every write
already writes in its transaction (`audit.record()`) is the record event's outbox. After the commit the worker task
`dispatch_events` (queued at most every `KIZUNA_EVENTS_DISPATCH_DELAY` seconds per process) relays the new audit
rows into `OutboxEvent` rows (`relay()`: a cursor over the audit log, whose ids are in commit order) and hands
each event to every consumer registered with `register_consumer()` (automation, webhooks, notifications), at
least once and, for each record, in commit order; a consumer that fails is retried with backoff without the others
running again. Apps emit their own events (`deal.stage_changed`, `ticket.sla_breached`) with `emit()`, which
writes the outbox row in the caller's transaction; such an event may reach consumers before the record events of
its own transaction. Nothing is lost if a process dies between the commit and the delivery: the audit row and the
outbox row are there, and `kizuna clock` sweeps what was not dispatched.

Event types are `<object type>.<verb>` for record writes (person.created, company.updated, task.deleted,
person.restored, person.merged) and whatever an app registers with `register_event_type()`.
"""

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _l

from . import context
from .bulkinsert import insert_many_without_id
from .models import OutboxEvent

log = logging.getLogger(__name__)

# --- what events there are ---------------------------------------------------------------------------------------
RECORD_VERBS = {
    "created": _l("作成"),
    "updated": _l("更新"),
    "deleted": _l("削除"),
    "restored": _l("復元"),
    "merged": _l("統合"),
}
_AUDIT_VERBS = {"create": "created", "update": "updated", "delete": "deleted", "restore": "restored",
                "merge": "merged", "merged_into": "deleted", "bulk.create": "created"}  # fmt: skip
# Audit actions that change nothing a subscriber could act on: reads, exports, sign-ins, the log's own rows.
_NOT_EVENTS = frozenset({"view", "reveal", "export", "brief.view", "privacy.disclosure.view", "search.throttled",
                         "audit.redact", "handover.summary", "privacy.disclose", "dedup.train"})  # fmt: skip
_APP_TYPES: dict[str, object] = {}


def register_event_type(key: str, label) -> None:
    """An app's own event (`deal.stage_changed`), offered to automation triggers and webhook subscriptions."""
    _APP_TYPES[key] = label


def event_types() -> dict:
    """{event type: label} for every registered object type's record events and every app event."""
    from .permissions import OBJECT_TYPES

    out = {}
    for key, label in OBJECT_TYPES.items():
        for verb, verb_label in RECORD_VERBS.items():
            if verb != "merged" or key in ("person", "company"):
                out[f"{key}.{verb}"] = f"{label}: {verb_label}"
    return out | dict(_APP_TYPES)


# --- writing events ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Origin:
    """An automated change in progress: the events it causes carry its depth and source (loop protection)."""

    depth: int = 0
    source: str = ""


_origin = threading.local()


def current_origin() -> Origin:
    return getattr(_origin, "value", None) or Origin()


class caused_by:
    """`with events.caused_by("rule:12", depth=event.depth + 1):` marks the writes inside as automated."""

    def __init__(self, source: str, *, depth: int):
        self.origin = Origin(depth=depth, source=source)

    def __enter__(self):
        self.previous = getattr(_origin, "value", None)
        _origin.value = self.origin
        return self.origin

    def __exit__(self, *exc):
        _origin.value = self.previous
        return False


def _kind(obj) -> str:
    return getattr(obj, "permission_type", "") or obj._meta.model_name


def _event(event_type: str, *, actor, obj=None, object_type: str = "", object_id="", changes=None, data=None,
           audit_id=None) -> OutboxEvent:  # fmt: skip
    """An unsaved outbox row, stamped with the request and the automated origin in progress."""
    ctx, origin = context.current(), current_origin()
    return OutboxEvent(
        type=event_type,
        object_type=_kind(obj) if obj is not None else object_type,
        object_id=str(obj.pk) if obj is not None else str(object_id or ""),
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=getattr(actor, "username", "") or "system",
        changes=changes or {},
        data=data or {},
        request_id=ctx.request_id,
        channel=ctx.channel,
        depth=origin.depth,
        origin=origin.source,
        audit_id=audit_id,
    )


def emit(event_type: str, *, actor, obj=None, object_type: str = "", object_id="", changes=None, data=None,
         audit_id=None) -> OutboxEvent:  # fmt: skip
    """Write one event to the outbox inside the caller's transaction; it is dispatched after the commit."""
    event = _event(event_type, actor=actor, obj=obj, object_type=object_type, object_id=object_id,
                   changes=changes, data=data, audit_id=audit_id)  # fmt: skip
    event.save()
    _dispatch_after_commit()
    return event


def _record_kind(action: str, object_type: str, object_id: str) -> str | None:
    """The object type of a record event for an audit row (`person`), or None when the row is no change to a domain
    record: reads and exports, sign-ins, and the system's own rows (users, tokens, roles, import jobs)."""
    if action in _NOT_EVENTS:
        return None
    if not object_id:  # no record: only a bulk load (one event naming the type and how many) is an event
        return object_type.rsplit(".", 1)[-1] if action == "bulk.create" else None
    model = _domain_models().get(object_type)
    return (model.permission_type or model._meta.model_name) if model is not None else None


_DOMAIN_MODELS: dict[str, type] = {}


def _domain_models() -> dict[str, type]:
    """{audit object type ("contacts.person"): model} for the models whose rows are domain records."""
    if not _DOMAIN_MODELS:
        from django.apps import apps

        _DOMAIN_MODELS.update({m._meta.label_lower: m for m in apps.get_models() if hasattr(m, "permission_type")})
    return _DOMAIN_MODELS


def _relayed_event(row) -> OutboxEvent | None:
    """The record event of one committed audit row, or None."""
    kind = _record_kind(row.action, row.object_type, row.object_id)
    if kind is None:
        return None
    if not row.object_id:
        verb, data = "created", {"bulk": True, **row.changes}
    else:
        verb = _AUDIT_VERBS.get(row.action, "updated")
        data = {} if row.action in _AUDIT_VERBS else {"action": row.action}
        if row.action == "merged_into":
            data = {"merged_into": row.changes.get("merged_into", [None, None])[1]}
    return OutboxEvent(
        type=f"{kind}.{verb}", object_type=kind, object_id=row.object_id, actor_id=row.actor_id,
        actor_name=row.actor_name, changes=row.changes if row.object_id else {}, data=data, occurred_at=row.at,
        request_id=row.request_id, channel=row.channel, depth=row.depth, origin=row.origin, audit_id=row.pk,
    )  # fmt: skip


def from_audit(audit_row) -> None:
    """Called by `audit.record` for every (not yet saved) audit row: stamps the automated origin in progress on it
    and, when the row is a record event, wakes the worker after the commit. The writer writes nothing else: the
    worker's relay makes the event from the committed audit row."""
    origin = current_origin()
    audit_row.origin, audit_row.depth = origin.source, origin.depth
    if _record_kind(audit_row.action, audit_row.object_type, audit_row.object_id) is not None:
        _dispatch_after_commit()


def from_audit_many(audit_rows) -> None:
    """`from_audit` for an import batch."""
    for row in audit_rows:
        from_audit(row)


RELAY = "records"
RELAY_BATCH = 1000


def relay(*, limit: int = 100_000) -> int:
    """Make the record events of the audit rows committed since the last relay; returns how many were made.

    Audit rows are appended one transaction at a time under the chain's lock (held until the commit), so a row with
    a higher id never becomes visible before a lower one: reading past a cursor in id order misses nothing, and each
    record's events come out in its commit order. The cursor moves in the same transaction as the events it made,
    and only if no other relay moved it first, so a row never becomes two events."""
    from .models import AuditEvent, EventRelay

    made = read = 0
    while read < limit:
        with transaction.atomic():
            cursor = EventRelay.objects.filter(name=RELAY)
            if connection.vendor == "postgresql":
                cursor = cursor.select_for_update()
            position = cursor.values_list("position", flat=True).first()
            if position is None:
                EventRelay.objects.get_or_create(name=RELAY)
                position = 0
            rows = list(AuditEvent.objects.filter(pk__gt=position).order_by("pk")[:RELAY_BATCH])
            if not rows:
                break
            out = [e for row in rows if (e := _relayed_event(row)) is not None]
            if not EventRelay.objects.filter(name=RELAY, position=position).update(position=rows[-1].pk):
                break  # another relay got there first; its transaction made these events
            if out:
                insert_many_without_id(OutboxEvent, out)
        made += len(out)
        read += len(rows)
    return made


def relay_backlog() -> int:
    """How many audit rows were committed since the relay last read the log (each may still become an event)."""
    from .models import AuditEvent, EventRelay

    position = EventRelay.objects.filter(name=RELAY).values_list("position", flat=True).first() or 0
    return AuditEvent.objects.filter(pk__gt=position).count()


# When this process last queued a dispatch, and when that dispatch will start.
_next_dispatch = {"at": 0.0}


def _dispatch_after_commit() -> None:
    """Wake the worker after the commit, at most once per `KIZUNA_EVENTS_DISPATCH_DELAY` seconds per process.

    A dispatch task runs after its `run_after` and then claims every committed event, so a transaction that commits
    while an earlier dispatch from this process is still waiting to start needs no task of its own. Queueing one task
    per transaction (one more INSERT and COMMIT per write) cost writers 15% of their throughput.
    """
    conn = transaction.get_connection()
    if any(getattr(entry[1], "kizuna_dispatch", False) for entry in conn.run_on_commit):
        return

    def wake():
        from .tasks import dispatch_events, enqueue

        delay = settings.KIZUNA_EVENTS_DISPATCH_DELAY
        now = time.monotonic()
        if delay and now < _next_dispatch["at"]:
            return  # committed before the queued dispatch starts: that dispatch will claim it
        _next_dispatch["at"] = now + delay
        try:
            enqueue(dispatch_events, run_after=timezone.now() + timedelta(seconds=delay))
        except Exception:  # the clock sweeps the outbox; a failed enqueue only delays delivery
            _next_dispatch["at"] = 0.0
            log.exception("could not enqueue event dispatch")

    wake.kizuna_dispatch = True
    transaction.on_commit(wake)


# --- delivering events -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Consumer:
    name: str
    handle: Callable[[OutboxEvent], None]


_CONSUMERS: dict[str, Consumer] = {}
BATCH = 200
MAX_ATTEMPTS = 12  # about a day of backoff; then the event stays undispatched with its error for an admin


def register_consumer(name: str, handle: Callable[[OutboxEvent], None]) -> None:
    """`handle(event)` runs in its own savepoint after the event's commit; it must tolerate seeing an event twice."""
    _CONSUMERS[name] = Consumer(name, handle)


def consumers() -> list[Consumer]:
    return list(_CONSUMERS.values())


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 6 * 3600))


def _claim(limit: int) -> list[OutboxEvent]:
    qs = OutboxEvent.objects.filter(dispatched_at__isnull=True, next_attempt_at__lte=timezone.now(),
                                    attempts__lt=MAX_ATTEMPTS).order_by("id")  # fmt: skip
    if connection.vendor == "postgresql":
        qs = qs.select_for_update(skip_locked=True)  # two workers never hand the same event out at once
    return list(qs[:limit])


def dispatch_pending(*, limit: int = 10_000) -> int:
    """Relay the audit rows committed since the last run, then hand pending events to the consumers; returns how
    many were handled. Each batch is one transaction."""
    relay()
    handled = 0
    while handled < limit:
        with transaction.atomic():
            batch = _claim(min(BATCH, limit - handled))
            if not batch:
                break
            for event in batch:
                _deliver(event)
            handled += len(batch)
    return handled


def _deliver(event: OutboxEvent) -> None:
    errors = []
    for consumer in consumers():
        if consumer.name in event.done:
            continue
        try:
            with transaction.atomic():
                consumer.handle(event)
            event.done = [*event.done, consumer.name]
        except Exception as exc:  # one consumer's failure neither blocks the others nor loses the event
            log.exception("event consumer %s failed on %s", consumer.name, event.event_id)
            errors.append(f"{consumer.name}: {exc!r}"[:500])
    now = timezone.now()
    if errors:
        event.attempts += 1
        event.last_error = "\n".join(errors)
        event.next_attempt_at = now + backoff(event.attempts)
    else:
        event.dispatched_at = now
        event.last_error = ""
    event.save(update_fields=["done", "attempts", "last_error", "next_attempt_at", "dispatched_at"])


def purge_dispatched(*, older_than: timedelta) -> int:
    """Dispatched events are kept for a while (webhook redelivery, rule history) and then removed."""
    cutoff = timezone.now() - older_than
    return OutboxEvent.objects.filter(dispatched_at__lt=cutoff).delete()[0]


def payload(event: OutboxEvent) -> dict:
    """The event as consumers and subscribers see it (before any per-reader masking)."""
    return {
        "id": str(event.event_id),
        "type": event.type,
        "occurred_at": event.occurred_at.isoformat(),
        "actor": {"id": event.actor_id, "name": event.actor_name},
        "object": {"type": event.object_type, "id": event.object_id},
        "changes": event.changes,
        "data": event.data,
        "depth": event.depth,
    }


def erase_person_events(actor, ids, scrub) -> dict:
    """消去: a person's own events lose their values; events of other records that name them are scrubbed."""
    own = OutboxEvent.objects.filter(object_type="person", object_id__in=[str(i) for i in ids])
    count = own.update(changes={}, data={})
    for event in OutboxEvent.objects.exclude(pk__in=own.values("pk")).filter(changes__isnull=False).iterator():
        changes, data = scrub(event.changes), scrub(event.data)
        if changes != event.changes or data != event.data:
            OutboxEvent.objects.filter(pk=event.pk).update(changes=changes, data=data)
    return {"events": count}
