"""Adding, changing, removing, restoring and purging custom field definitions: administrators only, each one
audited. Removing hides a field and keeps its values; purging (of a removed field) deletes the values from every
record in batches, in the worker, and then the definition (its key can be used again)."""

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.core import audit
from kizuna.core.exceptions import PermissionDenied, ValidationFailed
from kizuna.core.permissions import is_admin
from kizuna.core.services import Errors, text
from kizuna.core.tasks import enqueue

from . import access, registry
from .filters import KEY_RE, NUMERIC, SORTABLE, sort_index_sql, sqlite_index_sql
from .models import CHOICE_TYPES, TEXT_TYPES, CustomField, FieldType

EDITABLE = ["label_ja", "label_en", "help_text", "required", "position", "choices", "filterable", "read_roles",
            "edit_roles"]  # fmt: skip
SNAPSHOT = ["object_type", "key", "type", *EDITABLE]
PURGE_BATCH = 1000


def _require_admin(actor) -> None:
    if not is_admin(actor):
        raise PermissionDenied(_("カスタム項目を管理できるのは管理者だけです。"))


def _roles(data: dict, name: str, errors: Errors) -> list[str]:
    from kizuna.accounts.models import Role

    roles = data.get(name) or []
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        errors.add(name, _("ロールのキーの一覧で指定してください。"))
        return []
    known = set(Role.objects.values_list("key", flat=True))
    if unknown := [r for r in roles if r not in known]:
        errors.add(name, _("ロール「%(roles)s」はありません。") % {"roles": "、".join(unknown)})
    return sorted(set(roles))


def _choices(data: dict, errors: Errors) -> list[str]:
    raw = data.get("choices") or []
    if isinstance(raw, str):
        raw = raw.splitlines()
    if not isinstance(raw, list):
        errors.add("choices", _("選択肢を一覧で指定してください。"))
        return []
    out = []
    for item in raw:
        item = str(item).strip()
        if len(item) > 100:
            errors.add("choices", _("選択肢は100文字以内です。"))
        elif item and item not in out:
            out.append(item)
    return out


def _clean(data: dict, *, current: CustomField | None) -> dict:
    errors = Errors()
    out: dict = {}
    if current is None:
        object_type = str(data.get("object_type") or "")
        if registry.get(object_type) is None:
            errors.add("object_type", _("カスタム項目を付けられる対象は %(types)s です。")
                       % {"types": ", ".join(registry.object_types())})  # fmt: skip
        key = str(data.get("key") or "").strip()
        if not KEY_RE.match(key):
            errors.add("key", _("キーは半角英小文字で始まる英小文字・数字・_ の40文字以内です（例: rank）。"))
        elif CustomField.objects.filter(object_type=object_type, key=key).exists():
            errors.add("key", _("このキーはすでに使われています（削除した項目は、値を消去するまで残ります）。"))
        if data.get("type") not in FieldType.values:
            errors.add("type", _("種類は %(types)s のいずれかです。") % {"types": ", ".join(FieldType.values)})
        out |= {"object_type": object_type, "key": key, "type": data.get("type")}
    elif {"object_type", "key", "type"} & {k for k in data if data[k] not in (None, getattr(current, k))}:
        errors.add("key", _("対象・キー・種類はあとから変えられません。"))
    if current is None or "label_ja" in data:
        out["label_ja"] = text(data, "label_ja", 100, errors, required=True, label=_("表示名（日本語）"))
    for key, limit in (("label_en", 100), ("help_text", 300)):
        if key in data:
            out[key] = text(data, key, limit, errors)
    for key in ("required", "filterable"):
        if key in data:
            out[key] = bool(data[key])
    if "position" in data:
        position = data.get("position")
        if not isinstance(position, int) and not str(position or "0").isdecimal():
            errors.add("position", _("表示順は0以上の整数です。"))
        else:
            out["position"] = min(int(position or 0), 100000)
    for key in ("read_roles", "edit_roles"):
        if key in data:
            out[key] = _roles(data, key, errors)
    kind = out.get("type") or (current.type if current else None)
    if "choices" in data or (current is None and kind in CHOICE_TYPES):
        out["choices"] = _choices(data, errors) if kind in CHOICE_TYPES else []
        if kind in CHOICE_TYPES and not out["choices"]:
            errors.add("choices", _("選択肢を1つ以上入力してください。"))
    errors.raise_if_any()
    return out


def _sync_index(field: CustomField) -> None:
    """While a field is filterable and not removed: on SQLite an expression index on its value (PostgreSQL
    filters through the GIN index over the whole column that the model's migration creates); on both, when it can
    be sorted by, an index on its sort expression and id. SQLite builds them at once; PostgreSQL in the worker,
    CONCURRENTLY, so that writes to a big table are not blocked while the index is built."""
    args = (field.object_type, field.key, field.type, field.filterable and not field.is_removed)
    if connection.vendor == "sqlite":
        apply_indexes(*args)
    else:
        from .tasks import sync_indexes

        transaction.on_commit(lambda: enqueue(sync_indexes, *args))


def apply_indexes(object_type: str, key: str, kind: str, wanted: bool) -> None:
    entry = registry.get(object_type)
    if entry is None:
        return
    sort_sql = sort_index_sql(entry.model, key, numeric=kind in NUMERIC, create=wanted and kind in SORTABLE,
                              vendor=connection.vendor)  # fmt: skip
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(sqlite_index_sql(entry.model, key, create=wanted))
            cursor.execute(sort_sql)
        elif connection.in_atomic_block:  # (tests) rows written in this transaction must be checked first
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(sort_sql)
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            cursor.execute(sort_sql.replace(" INDEX ", " INDEX CONCURRENTLY ", 1))


def _reindex_later(field: CustomField, *, before: dict | None = None) -> None:
    """Search reads the text fields every role may read; when that set changes, the type is reindexed."""
    if field.type not in TEXT_TYPES:
        return
    if before is not None and before.get("read_roles") == field.read_roles and "removed" not in before:
        return
    from .tasks import reindex

    transaction.on_commit(lambda: enqueue(reindex, field.object_type))


def _audit(actor, action: str, field: CustomField, changes: dict) -> None:
    audit.record(actor=actor, action=action, obj=None, object_type="customfields.customfield",
                 label=f"{field.object_type}.{field.key} {field.label_ja}"[:300],
                 changes={"id": [None, field.pk]} | changes)  # fmt: skip


def create_field(*, actor, data: dict) -> CustomField:
    _require_admin(actor)
    values = _clean(data, current=None)
    with transaction.atomic():
        field = CustomField.objects.create(**values, created_by=actor if getattr(actor, "pk", None) else None)
        _sync_index(field)
        _audit(actor, "customfield.create", field, audit.diff({}, {k: getattr(field, k) for k in SNAPSHOT}))
        _reindex_later(field)
    access.changed()
    return field


def _locked(field: CustomField, expected_version) -> CustomField:
    current = CustomField.objects.select_for_update().get(pk=field.pk)
    if expected_version is not None and int(expected_version) != current.version:
        from kizuna.core.exceptions import StaleVersion

        raise StaleVersion()
    return current


def update_field(*, actor, field: CustomField, data: dict, expected_version=None) -> dict:
    _require_admin(actor)
    values = _clean(data, current=field)
    with transaction.atomic():
        current = _locked(field, expected_version)
        before = {k: getattr(current, k) for k in SNAPSHOT}
        for key, value in values.items():
            setattr(field, key, value)
        changes = audit.diff(before, {k: getattr(field, k) for k in SNAPSHOT})
        if not changes:
            return {}
        field.version = current.version + 1
        field.updated_at = timezone.now()
        field.save()
        _sync_index(field)
        _audit(actor, "customfield.update", field, changes)
        _reindex_later(field, before=before)
    access.changed()
    return changes


def remove_field(*, actor, field: CustomField) -> None:
    """Hide the field everywhere; its values stay on the records until the field is purged (or restored)."""
    _require_admin(actor)
    with transaction.atomic():
        current = _locked(field, None)
        if current.removed_at is not None:
            return
        field.removed_at, field.removed_by = timezone.now(), actor if getattr(actor, "pk", None) else None
        field.version = current.version + 1
        field.save(update_fields=["removed_at", "removed_by", "version"])
        _sync_index(field)
        _audit(actor, "customfield.remove", field, {"removed": [False, True]})
        _reindex_later(field, before={"removed": True})
    access.changed()


def restore_field(*, actor, field: CustomField) -> None:
    _require_admin(actor)
    with transaction.atomic():
        current = _locked(field, None)
        if current.removed_at is None:
            return
        if current.purge_started_at is not None:
            raise ValidationFailed(field_errors={"field": [_("値の消去を始めた項目は元に戻せません。")]})
        field.removed_at, field.removed_by = None, None
        field.version = current.version + 1
        field.save(update_fields=["removed_at", "removed_by", "version"])
        _sync_index(field)
        _audit(actor, "customfield.restore", field, {"removed": [True, False]})
        _reindex_later(field, before={"removed": False})
    access.changed()


def purge_field(*, actor, field: CustomField) -> None:
    """Delete a removed field's values from every record (in the worker, in batches), then the definition."""
    _require_admin(actor)
    if field.removed_at is None:
        raise ValidationFailed(
            field_errors={"field": [_("値を消去できるのは削除した項目だけです。先に削除してください。")]}
        )
    with transaction.atomic():
        current = _locked(field, None)
        if current.purge_started_at is not None:
            return
        field.purge_started_at = timezone.now()
        field.save(update_fields=["purge_started_at"])
        entry = registry.get(field.object_type)
        holding = entry.model.objects.filter(custom__has_key=field.key).count() if entry else 0
        _audit(actor, "customfield.purge", field, {"records": [None, holding]})
        from .tasks import purge

        transaction.on_commit(lambda: enqueue(purge, field.pk))
    access.changed()


def purge_values(field_id: int, *, batch: int = PURGE_BATCH) -> int:
    """The worker's part of a purge: remove the key from every record holding it, `batch` rows per transaction
    (the records' versions are not moved: the value was already hidden), then drop the definition."""
    field = CustomField.objects.filter(pk=field_id, purge_started_at__isnull=False).first()
    if field is None:
        return 0
    entry = registry.get(field.object_type)
    done = 0
    while entry is not None:
        with transaction.atomic():
            rows = list(entry.model.objects.filter(custom__has_key=field.key).select_for_update()
                        .order_by("pk").only("pk", "custom")[:batch])  # fmt: skip
            for row in rows:
                row.custom.pop(field.key, None)
            entry.model.objects.bulk_update(rows, ["custom"])
        done += len(rows)
        if len(rows) < batch:
            break
    with transaction.atomic():
        _audit(None, "customfield.purge", field, {"purged": [None, done]})
        field.delete()
    access.changed()
    return done
