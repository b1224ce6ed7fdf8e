"""Writing audit rows. Services call `record()` inside their own transaction: no signals, so CLI,
import and job writes are logged exactly like web writes."""

from datetime import date, datetime
from decimal import Decimal

from django.db import connection, models, transaction

from . import context
from .models import AuditEvent

_PG_LOCK_KEY = 0x4B5A4E41  # serializes hash-chain appends across connections on PostgreSQL


def jsonable(value):
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
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])
        last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
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
            prev_hash=last or "",
        )
        event.hash = event.compute_hash()
        event.save()
    return event


def verify_chain() -> list[int]:
    """Ids of audit rows whose hash or link does not match: evidence of tampering."""
    broken, prev = [], ""
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        if event.prev_hash != prev or event.compute_hash() != event.hash:
            broken.append(event.id)
        prev = event.hash
    return broken
