"""Which record types have custom fields. An app gives a model a `custom = models.JSONField(default=dict,
blank=True)` column and registers it from its AppConfig.ready():

    from kizuna.customfields import registry
    registry.register(Deal, reindex=lambda: search.reindex("deal"))

`reindex()` (optional) rebuilds the type's search documents; it runs in the worker when the set of text fields
that search reads changes (a field added, removed, restored or given other read roles)."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ObjectType:
    key: str  # the model's permission_type: "person", "company", "deal"
    model: type
    reindex: Callable | None = None

    @property
    def label(self) -> str:
        from kizuna.core.permissions import OBJECT_TYPES

        return str(OBJECT_TYPES.get(self.key, self.key))


_TYPES: dict[str, ObjectType] = {}


def register(model, *, reindex: Callable | None = None) -> None:
    key = model.permission_type
    model._meta.get_field("custom")  # fails early when the model has no custom column
    _TYPES[key] = ObjectType(key, model, reindex)


def object_types() -> dict[str, ObjectType]:
    return dict(_TYPES)


def get(key: str) -> ObjectType | None:
    return _TYPES.get(key)


def for_model(model) -> ObjectType | None:
    entry = _TYPES.get(getattr(model, "permission_type", ""))
    return entry if entry is not None and entry.model is model._meta.concrete_model else None
