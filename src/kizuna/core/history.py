"""A record's history as people read it, for every app's detail pages.

The audit log (core.audit) holds each change as {field: [old, new]}. This module names the actions and fields
in the reader's language, shows values without row ids, records the reader may not see by their placeholder
and sensitive values masked (core.visibility). Apps register from their AppConfig.ready():
- `register_action_labels({"deal.stage": _l("ステージを変更")})`: how an audit action reads;
- `register_field_labels({...})`: history keys that are not a model field (or read better otherwise);
- `register_choice_fields(model)`: a model whose fields' choices name values filed under another record;
- `register_key_choices(name, choices)`: the choices of a history key that is not a model field (rows that kept
  the Japanese label instead of the value read in the reader's language too);
- `register_related_ids(model_name, ids)`: `ids(pk)` → the pks whose history is this record's too (merged ones);
- `register_page_masker(model, mask)`: `mask(obj, changes)` for values the page itself shows masked;
- `register_field_labeler(label)`: `label(model, name)` → a label for keys defined at run time (custom.<key>), or None.
"""

import re
from collections.abc import Callable

from django.core.exceptions import FieldDoesNotExist
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from .audit import READ_ACTIONS
from .models import AuditEvent
from .permissions import can_write_record, read_only_reason
from .visibility import viewer_for

_ACTION_LABELS: dict[str, str] = {
    "create": _l("作成"), "update": _l("更新"), "delete": _l("削除"), "restore": _l("復元"),
    "share": _l("共有・機密扱いを変更"), "view": _l("閲覧（機密扱い）"), "reveal": _l("機微項目を一時表示"),
}  # fmt: skip
_FIELD_LABELS: dict[str, str] = {"shared_with": _l("共有先"), "shared_with_teams": _l("共有先チーム")}
_MODEL_FIELD_LABELS: dict[tuple, str] = {}
_CHOICE_MODELS: list = []
_KEY_CHOICES: dict[str, list] = {}
_RELATED_IDS: dict[str, Callable[[int], list[int]]] = {}
_PAGE_MASKERS: dict[type, Callable] = {}
_FIELD_LABELERS: list[Callable] = []
_ROW_ID = re.compile(r" \(#\d+\)$")  # how the audit log names a linked record: people read the name only
LIMIT = 50


def register_action_labels(labels: dict) -> None:
    _ACTION_LABELS.update(labels)


def register_field_labels(labels: dict, *, model=None) -> None:
    """{field name: label} for every model's history, or with `model` for that model's only (first: a deal's
    "title" is its name, while the contacts' "title" is a person's 役職)."""
    if model is None:
        _FIELD_LABELS.update(labels)
    else:
        _MODEL_FIELD_LABELS.update({(model, name): label for name, label in labels.items()})


def register_choice_fields(model) -> None:
    if model not in _CHOICE_MODELS:
        _CHOICE_MODELS.append(model)


def register_key_choices(name: str, choices) -> None:
    """`choices`: (value, lazy label) pairs, e.g. a TextChoices' `.choices`."""
    _KEY_CHOICES[name] = list(choices)


def register_related_ids(model_name: str, ids: Callable[[int], list[int]]) -> None:
    _RELATED_IDS[model_name] = ids


def register_page_masker(model, mask: Callable) -> None:
    _PAGE_MASKERS[model] = mask


def register_field_labeler(label: Callable) -> None:
    if label not in _FIELD_LABELERS:
        _FIELD_LABELERS.append(label)


def action_label(action: str) -> str:
    return str(_ACTION_LABELS.get(action, action))


def field_label(model, name: str) -> str:
    if (model, name) in _MODEL_FIELD_LABELS:
        return _MODEL_FIELD_LABELS[(model, name)]
    if name in _FIELD_LABELS:
        return _FIELD_LABELS[name]
    for labeler in _FIELD_LABELERS:
        if (label := labeler(model, name)) is not None:
            return label
    try:
        return model._meta.get_field(name).verbose_name
    except FieldDoesNotExist:
        return name


def _choice_labels(model, name: str) -> dict:
    if name in _KEY_CHOICES:
        with translation.override("ja"):  # older rows hold the Japanese label itself
            labels = {str(label): label for _value, label in _KEY_CHOICES[name]}
        return labels | {str(value): label for value, label in _KEY_CHOICES[name]}
    for candidate in (model, *_CHOICE_MODELS):
        try:
            field = candidate._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        return {str(key): label for key, label in field.flatchoices} if field.choices else {}
    return {}


def readable(model, name: str, value):
    """A value of the history as people read it: names without row ids, はい/いいえ, choices by their label."""
    if isinstance(value, list):
        return "、".join(str(readable(model, name, v)) for v in value)
    if isinstance(value, bool):
        return _("はい") if value else _("いいえ")
    if isinstance(value, str):
        value = _ROW_ID.sub("", value)
        return _choice_labels(model, name).get(value, value)
    return value


def history(obj, user) -> list[dict]:
    """The record's audit rows (and those of records merged into it), newest first, as `user` may read them."""
    model = type(obj)
    viewer = viewer_for(user)
    related = _RELATED_IDS.get(obj._meta.model_name)
    ids = [str(i) for i in (related(obj.pk) if related else [obj.pk])]
    events = AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id__in=ids)
    mask = _PAGE_MASKERS.get(model)
    rows = []
    for event in events.exclude(action__in=READ_ACTIONS)[:LIMIT]:
        if mask is not None:
            event.changes = mask(obj, event.changes)
        event.changes = viewer.history(obj, event.changes, with_ids=False)
        changes = [
            (field_label(model, name), readable(model, name, old), readable(model, name, new))
            for name, (old, new) in event.changes.items()
        ]
        rows.append({"event": event, "action": action_label(event.action), "changes": changes})
    return rows


def record_context(request, obj) -> dict:
    """What every detail page shows beside the record: may the reader edit it, and its history."""
    return {
        "can_edit": can_write_record(request.user, obj),
        "history": history(obj, request.user),
        "read_only_reason": read_only_reason(request.user, obj),
    }
