"""Generic record operations shared by every domain service: access, versions, field changes, soft delete."""

from django.db import transaction
from django.utils import timezone

from . import audit
from .exceptions import NotFound, PermissionDenied, StaleVersion
from .permissions import can_write_record
from .schemas import fits_bigint


def get_for_user(model, user, pk, *, for_write: bool = False, deleted: bool = False):
    """The one access helper: hidden and unknown records both raise NotFound (404)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound() from None
    if not fits_bigint(pk):  # beyond a bigint no row exists (and SQLite would raise OverflowError)
        raise NotFound()
    obj = model.objects.visible_to(user, deleted=deleted).filter(pk=pk).first()
    if obj is None:
        raise NotFound()
    if for_write and not can_write_record(user, obj):
        raise PermissionDenied()
    return obj


def check_version(obj, expected_version) -> None:
    """Optimistic concurrency: refuse a write based on an old read."""
    if expected_version is not None and int(expected_version) != obj.version:
        raise StaleVersion(current=obj)


def lock(obj):
    """Re-read the row under a write lock so two writers cannot both pass the version check."""
    return type(obj).objects.select_for_update().get(pk=obj.pk)


def snapshot(obj, fields) -> dict:
    """{field: value}; a `custom.<key>` name reads that key of the record's custom values (kizuna.customfields)."""
    return {f: (obj.custom or {}).get(f[7:]) if f.startswith("custom.") else getattr(obj, f) for f in fields}


def touch(obj, actor) -> None:
    obj.version += 1
    obj.updated_at = timezone.now()
    obj.updated_by = actor if getattr(actor, "pk", None) else None


def require_write(actor, obj, action: str = "edit") -> None:
    if not can_write_record(actor, obj, action):
        raise PermissionDenied()


def get_child(related, pk):
    """A live sub-record (a career entry, a site) of a record the caller already reached: else NotFound."""
    child = related.alive().filter(pk=pk).first()
    if child is None:
        raise NotFound()
    return child


def apply_changes(
    *, actor, obj, data: dict, fields, expected_version=None, action="update", audit_on=None, label=""
) -> dict:
    """Set `data` on `obj` (already validated), bump the version, save and audit. Returns the diff.
    `audit_on` files the audit row under another record (a career change belongs in the person's history)."""
    require_write(actor, obj)
    with transaction.atomic():
        current = lock(obj)
        check_version(current, expected_version)
        before = snapshot(current, fields)
        for key, value in data.items():
            setattr(obj, key, value)
        obj.version = current.version
        changes = audit.diff(before, snapshot(obj, fields))
        if not changes:
            return {}
        touch(obj, actor)
        obj.save()
        audit.record(actor=actor, action=action, obj=audit_on or obj, changes=changes, label=label)
    return changes


def record_related_changes(*, actor, obj, changes: dict, version_bumped: bool) -> None:
    """Audit changes to a record's related rows (tags, contact points); they move its version too."""
    if not changes:
        return
    if not version_bumped:
        touch(obj, actor)
        obj.save(update_fields=["version", "updated_at", "updated_by"])
    audit.record(actor=actor, action="update", obj=obj, changes=changes)


def soft_delete(*, actor, obj, expected_version=None) -> None:
    require_write(actor, obj, "delete")
    with transaction.atomic():
        current = lock(obj)
        check_version(current, expected_version)
        obj.version = current.version
        obj.deleted_at = timezone.now()
        obj.deleted_by = actor
        touch(obj, actor)
        obj.save(update_fields=["deleted_at", "deleted_by", "version", "updated_at", "updated_by"])
        audit.record(actor=actor, action="delete", obj=obj)


def restore(*, actor, obj) -> None:
    require_write(actor, obj, "delete")  # undoing a delete needs the right to delete
    with transaction.atomic():
        obj.deleted_at = None
        obj.deleted_by = None
        touch(obj, actor)
        obj.save(update_fields=["deleted_at", "deleted_by", "version", "updated_at", "updated_by"])
        audit.record(actor=actor, action="restore", obj=obj)
