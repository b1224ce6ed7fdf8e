"""Writing audit rows. Services call `record()` inside their own transaction: no signals, so CLI,
import and job writes are logged exactly like web writes."""

from datetime import date, datetime
from decimal import Decimal

from django.db import connection, models, transaction
from django.utils import timezone

from . import context
from . import events as domain_events
from .bulkinsert import insert_many
from .models import AuditEvent

_PG_LOCK_KEY = 0x4B5A4E41  # serializes hash-chain appends across connections on PostgreSQL
# Reads written to the audit log that are no change to the record: the audit log shows them, a record's
# 変更履歴 does not.
READ_ACTIONS = ("brief.view", "privacy.disclosure.view", "search.throttled")


_PLAIN = (str, int, float, bool, type(None))


def jsonable(value):
    if type(value) in _PLAIN:  # most values of a snapshot: answered before the isinstance checks
        return value
    if isinstance(value, models.Model):
        return f"{value} (#{value.pk})"  # readable in the history, still identifies the row
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple, set)):
        return [jsonable(v) for v in value]
    return value


def _blank(value):
    return None if value in ("", [], None) else value


def diff(before: dict, after: dict) -> dict:
    """{field: [old, new]} for the fields whose value changed ("" and None count as the same: empty)."""
    changes = {}
    for key in after:
        old, new = _blank(jsonable(before.get(key))), _blank(jsonable(after.get(key)))
        if old != new:
            changes[key] = [old, new]
    return changes


def record(*, actor, action: str, obj=None, changes: dict | None = None, label: str = "", object_type: str = ""):
    ctx = context.current()
    with transaction.atomic(savepoint=False):  # the caller's write and its audit row stand or fall together
        event = AuditEvent(
            actor=actor if getattr(actor, "pk", None) else None,
            actor_name=getattr(actor, "username", "") or "system",
            action=action,
            object_type=obj._meta.label_lower if obj is not None else object_type,
            object_id=str(obj.pk) if obj is not None else "",
            object_label=(label or (str(obj) if obj is not None else ""))[:300],
            changes={k: jsonable(v) for k, v in (changes or {}).items()},
            request_id=ctx.request_id,
            ip=ctx.ip,
            channel=ctx.channel,
        )
        # This row is also the write's domain event, relayed after the commit: stamp its automated origin.
        domain_events.from_audit(event)
        _chain([event])
        event.save()
    return event


def _chain(rows: list[AuditEvent]) -> None:
    """Link unsaved rows, in order, to the end of the hash chain. The chain's lock is taken here and held until the
    transaction ends, so appends happen one at a time (SQLite writers are serial already)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])
    last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first() or ""
    for event in rows:
        event.prev_hash = last
        event.payload_digest = event.compute_payload_digest()
        event.hash = last = event.compute_hash()


def record_many(*, actor, events) -> int:
    """`record()` for many rows at once (an import batch): [(action, obj, changes[, label])], chained in order with one
    read of the last hash and one insert. Each row is the one `record()` would write, so a record's history
    reads the same whichever way it was written."""
    ctx = context.current()
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    name = getattr(actor, "username", "") or "system"
    rows = []
    for action, obj, changes, *label in events:
        rows.append(AuditEvent(
            actor_id=actor_id, actor_name=name, action=action, object_type=obj._meta.label_lower,
            object_id=str(obj.pk), object_label=(label[0] if label and label[0] else str(obj))[:300],
            changes={k: jsonable(v) for k, v in (changes or {}).items()},
            request_id=ctx.request_id, ip=ctx.ip, channel=ctx.channel,
        ))  # fmt: skip
    with transaction.atomic(savepoint=False):
        domain_events.from_audit_many(rows)  # as in record()
        _chain(rows)
        insert_many(AuditEvent, rows, batch_size=500)
    return len(rows)


REDACT_ACTION = "audit.redact"


def redact(*, actor, events, label, scrub, reason: str, object_type: str = "") -> list[int]:
    """Replace the payload (label and changes) of `events` for an erasure: `label(event)` and `scrub(event)` give
    the new label and changes. The digest, the hash and the chain stay as they were, `redacted_at` marks the row,
    and one more audit row names every redacted id, so `verify_chain` can tell a redaction from tampering.
    Call it inside the erasing service's transaction."""
    now = timezone.now()
    ids = []
    with transaction.atomic():
        for event in events.order_by("id").iterator(chunk_size=500):
            new_label, new_changes = label(event)[:300], scrub(event)
            if event.is_redacted and new_label == event.object_label and new_changes == event.changes:
                continue
            # The model refuses updates on purpose; this is the one sanctioned rewrite of a row's payload.
            models.QuerySet.update(AuditEvent.objects.filter(pk=event.pk),
                                   object_label=new_label, changes=new_changes, redacted_at=now)  # fmt: skip
            ids.append(event.pk)
        record(actor=actor, action=REDACT_ACTION, object_type=object_type, label=reason,
               changes={"events": [None, ids]}, obj=None)  # fmt: skip
    return ids


def _redaction_ids() -> set[int]:
    allowed: set[int] = set()
    for changes in AuditEvent.objects.filter(action=REDACT_ACTION).values_list("changes", flat=True):
        allowed.update(int(i) for i in ((changes or {}).get("events") or [None, []])[1] or [])
    return allowed


def verify_chain() -> list[int]:
    """Ids of audit rows whose hash, link or payload does not match: evidence of tampering. A redacted row's
    payload is not checked against its digest, but it must be named by a later redaction row."""
    broken, prev = [], ""
    redactions = _redaction_ids()
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        ok = event.prev_hash == prev and event.compute_hash() == event.hash
        if event.is_redacted:
            ok = ok and event.id in redactions
        else:
            ok = ok and event.compute_payload_digest() == event.payload_digest
        if not ok:
            broken.append(event.id)
        prev = event.hash
    return broken
