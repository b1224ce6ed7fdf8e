"""What a subscriber receives: the event, and the record it is about as the subscription's owner sees it.

The record is read through `Model.objects.visible_to(owner)` and shown through `core.visibility.viewer_for(owner)`
(masked values stay masked, related records the owner may not see are named by their placeholder) in the shape of
the app's API schema where one is registered (people and companies), else its plain fields. An event about a
record the owner may not see is not delivered at all: not even its id and time leave the system.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace

from django.apps import apps
from django.db import models

from kizuna.core import events
from kizuna.core.permissions import has_perm
from kizuna.core.visibility import has_visibility, viewer_for

HIDDEN = object()  # the owner may not see the record: nothing is sent


@dataclass(frozen=True)
class Representation:
    schema: object = None  # a ninja Schema whose from_orm gets {"request": <owner>} as context
    prepare: object = None  # queryset → queryset (select_related / prefetch_related)


_REPRESENTATIONS: dict[str, Representation] = {}
# Fields never sent: bookkeeping and the columns search and matching keep for themselves.
_SKIP = {"deleted_by", "created_by", "updated_by", "shared_with", "shared_with_teams", "search_text", "sensitive"}


def register(object_type: str, *, schema=None, prepare=None) -> None:
    """How records of `object_type` appear in a payload (an app may register its API schema)."""
    _REPRESENTATIONS[object_type] = Representation(schema, prepare)


def model_for(object_type: str):
    for model in apps.get_models():
        if getattr(model, "permission_type", None) == object_type and has_visibility(model):
            return model
    return None


def _load(model, owner, pk, prepare):
    for deleted in (False, True):
        qs = model.objects.visible_to(owner, deleted=deleted).filter(pk=pk)
        obj = (prepare(qs) if prepare else qs).first()
        if obj is not None:
            return obj
    return None


def _plain(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _fields(obj, viewer) -> dict:
    out = {"id": obj.pk}
    for field in obj._meta.concrete_fields:
        if field.name in _SKIP or field.name.endswith("_normalized") or field.name.startswith("norm"):
            continue
        if isinstance(field, models.ForeignKey):
            pk = getattr(obj, field.attname)
            target = field.related_model
            if pk is not None and has_visibility(target) and not viewer.sees_id(target, pk):
                out[field.name] = None  # hidden = missing
            else:
                out[field.name] = pk
            continue
        out[field.name] = _plain(getattr(obj, field.attname))
    return out


def record(owner, object_type: str, object_id: str):
    """The record as `owner` sees it (a dict), None when there is no record to show, HIDDEN when hidden."""
    model = model_for(object_type)
    if model is None or not object_id:
        return None
    try:
        pk = int(object_id)
    except ValueError:
        return HIDDEN
    rep = _REPRESENTATIONS.get(object_type, Representation())
    obj = _load(model, owner, pk, rep.prepare)
    if obj is None:
        return HIDDEN
    if obj.deleted_at is not None:  # in the bin: its id only (masking reads live records)
        return {"id": obj.pk, "deleted": True}, obj
    viewer = viewer_for(owner)
    viewer.present(obj)
    if rep.schema is not None:
        request = SimpleNamespace(user=owner)
        data = rep.schema.from_orm(obj, context={"request": request}).model_dump(mode="json")
    else:
        data = _fields(obj, viewer)
    data["deleted"] = obj.deleted_at is not None
    return data, obj


def build(owner, event):
    """The JSON body for `owner`, or HIDDEN when the owner may not see what the event is about."""
    body = events.payload(event)
    if event.object_type and not has_perm(owner, event.object_type, "view"):
        return HIDDEN
    found = record(owner, event.object_type, event.object_id)
    if found is HIDDEN:
        return HIDDEN
    body["record"] = None
    if found is not None:
        data, obj = found
        body["record"] = data
        changes = event.changes or {}
        body["changes"] = {} if data.get("deleted") else viewer_for(owner).history(obj, changes, with_ids=True)
    return body
