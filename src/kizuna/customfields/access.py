"""Who reads and edits which custom field, and the values a reader gets of a record.

A field's `read_roles` / `edit_roles` list role keys; an empty list means every role. Administrators read and
edit every field. Editing also needs the right to read the field and to edit the record (checked by the record's
own service). A reader who may not read a field gets no trace of it: not on pages, in the API, exports, search
or history (history_filter below, registered with core.visibility)."""

import itertools

from kizuna.core.permissions import is_active_user, is_admin

from .models import CustomField
from .registry import for_model

_generation = itertools.count(1)
GENERATION = [next(_generation)]  # bumped by the services whenever a definition changes


def changed() -> None:
    GENERATION[0] = next(_generation)


def definitions(object_type: str, *, user=None, with_removed: bool = False) -> list[CustomField]:
    """The type's fields in order, read once per user object (one request) unless a definition changed."""
    cache = user.__dict__.setdefault("_custom_fields", {}) if user is not None else {}
    key = (object_type, with_removed, GENERATION[0])
    if key not in cache:
        qs = CustomField.objects.filter(object_type=object_type)
        cache[key] = list(qs if with_removed else qs.active())
    return cache[key]


def _role(user) -> str:
    return getattr(user, "role", "") or ""


def can_read(user, field: CustomField) -> bool:
    if user is None:  # the system itself (jobs, automation): every field
        return True
    if not is_active_user(user):
        return False
    return is_admin(user) or not field.read_roles or _role(user) in field.read_roles


def can_edit(user, field: CustomField) -> bool:
    if not can_read(user, field):
        return False
    return user is None or is_admin(user) or not field.edit_roles or _role(user) in field.edit_roles


def readable(user, object_type: str) -> list[CustomField]:
    return [f for f in definitions(object_type, user=user) if can_read(user, f)]


def editable(user, object_type: str) -> list[CustomField]:
    return [f for f in definitions(object_type, user=user) if can_edit(user, f)]


def values_for(user, obj) -> dict:
    """{key: value} of the active fields `user` may read (removed fields' kept values are not shown)."""
    stored = getattr(obj, "custom", None) or {}
    return {f.key: stored[f.key] for f in readable(user, obj.permission_type) if f.key in stored}


def _field_of(model, name: str) -> CustomField | None:
    if not name.startswith("custom."):
        return None
    entry = for_model(model)
    if entry is None:
        return None
    key = name.removeprefix("custom.")
    return next((f for f in definitions(entry.key, with_removed=True) if f.key == key), None)


def history_label(model, name: str) -> str | None:
    """core.history: custom.<key> reads as the field's label."""
    field = _field_of(model, name)
    return field.label if field is not None else None


def history_filter(user, model, changes: dict) -> dict:
    """core.visibility: a history row without the custom fields `user` may not read (nor removed ones)."""
    if not any(name.startswith("custom.") for name in changes) or for_model(model) is None:
        return changes
    object_type = for_model(model).key
    readable_keys = {f.path for f in readable(user, object_type)}
    return {k: v for k, v in changes.items() if not k.startswith("custom.") or k in readable_keys}


def searchable(object_type: str) -> list[CustomField]:
    """The text fields search reads: those every role may read (a field kept from some roles is not indexed,
    so that no search can find a record by a value its reader may not see)."""
    from .models import TEXT_TYPES

    return [f for f in definitions(object_type) if f.type in TEXT_TYPES and not f.read_roles]


def search_texts(obj, fields: list[CustomField] | None = None) -> list[str]:
    """The values of `obj`'s searchable text fields, normalized for the search document."""
    from kizuna.core import japanese

    stored = getattr(obj, "custom", None) or {}
    if not stored:
        return []
    fields = searchable(obj.permission_type) if fields is None else fields
    return [japanese.search_text(str(stored[f.key])) for f in fields if stored.get(f.key)]


def rows(user, obj) -> list[dict]:
    """What a detail page lists: every field `user` may read, with its value as shown (empty when unset)."""
    from django.contrib.auth import get_user_model

    from .models import FieldType
    from .values import display

    stored = getattr(obj, "custom", None) or {}
    fields = readable(user, obj.permission_type)
    user_ids = [stored[f.key] for f in fields if f.type == FieldType.USER and isinstance(stored.get(f.key), int)]
    users = get_user_model().objects.in_bulk(user_ids) if user_ids else {}
    return [{"key": f.key, "label": f.label, "value": display(f, stored.get(f.key), users=users),
             "long": f.type == FieldType.LONG_TEXT} for f in fields]  # fmt: skip
