"""What a user sees of a record — nothing, a masked copy or all of it — and how a related record is named.

Every way out (pages, API, exports, PDFs, search hits, charts, history lines) asks here, so that a record the
user may not see never leaks through something that merely points at it (an activity's people, a task's
company, a person's employer, a company's parent, a history row), and a sensitive value the user may not read
never leaves masked or not. `visible_to` (core.models) stays the one filter for lists; this module answers the
same question for single related records, batched per request.

    viewer = viewer_for(request.user)
    viewer.prime_related(tasks, "person", "company")   # one query per model for a whole page
    viewer.name(task.company)                           # "株式会社山田製作所" or "非公開の会社"
    viewer.present(person)                              # masked in place unless the user may read it all
"""

import re
from collections import defaultdict
from collections.abc import Callable, Iterable

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext_lazy as _l

from .permissions import can_view_sensitive

HIDDEN, MASKED, VISIBLE = "hidden", "masked", "visible"

PLACEHOLDERS = {"person": _l("非公開の人物"), "company": _l("非公開の会社")}
DEFAULT_PLACEHOLDER = _l("非公開の記録")

# model → mask(user, obj): replaces the sensitive values of `obj` in place (apps register their own);
# model → mask_changes(changes): the same for a history row of such a record.
_MASKERS: dict[type, Callable] = {}
_HISTORY_MASKERS: dict[type, Callable] = {}
# History keys that name records without being a field of the record the row is filed under → their model.
_HISTORY_FIELDS: dict[str, object] = {}
SAME_KIND = "same kind"  # the key names records of the row's own model ("merged")
# filter(user, model, changes) → changes: history keys a reader may not see at all (custom fields by role).
_HISTORY_FILTERS: list[Callable] = []


def register_masker(model, mask: Callable, *, history: Callable | None = None) -> None:
    """`mask(user, obj)` masks `obj` in place for a reader who may not see its sensitive values;
    `history(changes)` masks a history row's {field: [old, new]} the same way."""
    _MASKERS[model] = mask
    if history is not None:
        _HISTORY_MASKERS[model] = history


def register_history_field(name: str, model) -> None:
    """A history key that names records of `model` (or of the row's own model: SAME_KIND) when it is not a
    model field of the record the row is filed under (a career's "company" is filed under the person)."""
    _HISTORY_FIELDS[name] = model


def register_history_filter(keep: Callable) -> None:
    """`keep(user, model, changes)` returns the history row without the keys `user` may not read."""
    if keep not in _HISTORY_FILTERS:
        _HISTORY_FILTERS.append(keep)


def has_visibility(model) -> bool:
    return hasattr(model, "objects") and hasattr(model.objects, "visible_to") and hasattr(model, "permission_type")


def placeholder(model_or_obj) -> str:
    return str(PLACEHOLDERS.get(getattr(model_or_obj, "permission_type", ""), DEFAULT_PLACEHOLDER))


class Viewer:
    """One user's view of records, remembered for the request: each model's visible ids are read in one query
    per batch (`prime`), so naming the related records of a whole page costs a query per model."""

    def __init__(self, user):
        self.user = user
        self._visible: dict[type, set[int]] = defaultdict(set)
        self._checked: dict[type, set[int]] = defaultdict(set)

    # --- batching --------------------------------------------------------------------------------------
    def prime(self, model, ids: Iterable) -> None:
        model = model._meta.concrete_model
        todo = {int(i) for i in ids if i is not None} - self._checked[model]
        if not todo or not has_visibility(model):
            return
        seen = model.objects.visible_to(self.user).filter(pk__in=todo).values_list("pk", flat=True)
        self._visible[model].update(seen)
        self._checked[model].update(todo)

    def prime_related(self, objs: Iterable, *paths: str) -> None:
        """Check at once the records that `objs` point at through each of `paths` (a foreign key or a
        prefetched many-to-many name)."""
        objs = list(objs)
        for path in paths:
            by_model: dict[type, set[int]] = defaultdict(set)
            for obj in objs:
                for model, pk in _targets(obj, path):
                    by_model[model].add(pk)
            for model, ids in by_model.items():
                self.prime(model, ids)

    # --- single records ----------------------------------------------------------------------------------
    def sees(self, obj) -> bool:
        if obj is None:
            return False
        model = type(obj)._meta.concrete_model
        if not has_visibility(model):
            parent = getattr(obj, "access_parent", None)  # a site, a career entry: as its record
            return True if parent is None or parent is obj else self.sees(parent)
        self.prime(model, [obj.pk])
        return obj.pk in self._visible[model]

    def sees_id(self, model, pk) -> bool:
        if pk is None:
            return False
        model = model._meta.concrete_model
        self.prime(model, [pk])
        return int(pk) in self._visible[model]

    def sight(self, obj) -> str:
        """HIDDEN, MASKED (visible with its sensitive values replaced) or VISIBLE."""
        if not self.sees(obj):
            return HIDDEN
        if type(obj)._meta.concrete_model in _MASKERS and not can_view_sensitive(self.user, obj):
            return MASKED
        return VISIBLE

    def present(self, obj):
        """`obj` as this user may read it: None when hidden, masked in place when masked."""
        sight = self.sight(obj)
        if sight == HIDDEN:
            return None
        if sight == MASKED:
            _MASKERS[type(obj)._meta.concrete_model](self.user, obj)
        return obj

    def present_all(self, objs: Iterable) -> list:
        """The visible ones of `objs`, each masked as this user must see it."""
        objs = list(objs)
        if objs:
            self.prime(type(objs[0]), [o.pk for o in objs])
        return [shown for shown in map(self.present, objs) if shown is not None]

    def name(self, obj, *, empty: str = "") -> str:
        """How a related record is written for this user: its name, or "非公開の人物" when hidden."""
        if obj is None:
            return empty
        return str(obj) if self.sees(obj) else placeholder(obj)

    def ref(self, obj, label: Callable = str) -> dict | None:
        """An API reference {"id", "label"}: None for a record the user may not see (hidden = missing)."""
        return {"id": obj.pk, "label": label(obj)} if obj is not None and self.sees(obj) else None

    # --- history ---------------------------------------------------------------------------------------
    def history(self, obj, changes: dict, *, with_ids: bool = True) -> dict:
        """A history row of `obj` as this user may read it: names of hidden records replaced, and the
        sensitive values masked where `obj` is masked for them."""
        model = type(obj)._meta.concrete_model
        for keep in _HISTORY_FILTERS:
            changes = keep(self.user, model, changes)
        changes = self.history_changes(model, changes, with_ids=with_ids)
        if model in _HISTORY_MASKERS and self.sight(obj) == MASKED:
            changes = _HISTORY_MASKERS[model](changes)
        return changes

    def history_changes(self, model, changes: dict, *, with_ids: bool = True) -> dict:
        """A history row's {field: [old, new]} with every value naming a record the user may not see replaced
        by its placeholder. Audit rows write related records as "名前 (#id)" (core.audit.jsonable); without
        `with_ids` the visible ones lose the "(#id)" too, for pages people read."""
        out = {}
        for field, pair in changes.items():
            target = _history_target(model, field)
            if target is None or not isinstance(pair, list):
                out[field] = pair
                continue
            self.prime(target, [pk for value in _flat(pair) if (pk := _ref_id(value)) is not None])
            out[field] = [self._history_value(target, value, with_ids) for value in pair]
        return out

    def _history_value(self, model, value, with_ids: bool):
        if isinstance(value, list):
            return [self._history_value(model, v, with_ids) for v in value]
        pk = _ref_id(value)
        if pk is None:
            return value
        if not self.sees_id(model, pk):
            return placeholder(model)
        return value if with_ids else _REF.sub(r"\1", value)


def viewer_for(user) -> Viewer:
    """The user's Viewer, kept on the user object (one per request, like the role row)."""
    viewer = user.__dict__.get("_viewer") if user is not None else None
    if viewer is None:
        viewer = Viewer(user)
        if user is not None:
            user.__dict__["_viewer"] = viewer
    return viewer


def sight(user, obj) -> str:
    return viewer_for(user).sight(obj)


# --- helpers -----------------------------------------------------------------------------------------------
_REF = re.compile(r"^(.*) \(#(\d+)\)$", re.S)


def _ref_id(value) -> int | None:
    match = _REF.match(value) if isinstance(value, str) else None
    return int(match.group(2)) if match else None


def _flat(values):
    for value in values:
        if isinstance(value, list):
            yield from _flat(value)
        else:
            yield value


def _history_target(model, field: str):
    try:
        related = getattr(model._meta.get_field(field), "related_model", None)
    except FieldDoesNotExist:
        related = None
    if related is not None and has_visibility(related):
        return related
    registered = _HISTORY_FIELDS.get(field)
    return model if registered == SAME_KIND else registered


def _targets(obj, path: str) -> list[tuple[type, int]]:
    """(model, pk) of what `obj.<path>` points at; a foreign key is read from its id column (no query)."""
    field = next((f for f in obj._meta.get_fields() if f.name == path), None)
    if isinstance(field, models.ForeignKey):
        pk = getattr(obj, field.attname)
        return [] if pk is None else [(field.related_model, pk)]
    value = getattr(obj, path, None)
    if isinstance(value, models.Model):
        return [(type(value), value.pk)]
    if hasattr(value, "all"):  # a many-to-many or reverse manager (prefetched by the caller)
        return [(type(v), v.pk) for v in value.all()]
    return []
