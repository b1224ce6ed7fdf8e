"""What a person's or company's timeline is made of.

Activities are one source; other apps register theirs (a deal's stage changes, a ticket's messages) with
`register_source()`, and their rows appear in the same timeline with the same paging, filters and visibility:
each source returns its newest entries before a position, already filtered by `visible_to(user)`, and the timeline
merges them newest first under one signed keyset cursor (time, source, id) — no OFFSET, no source read in full.

Activities link to people and companies, and to any record an app registers with `register_linkable()` (a deal, a
ticket): `services.create_activity(data={"links": [{"type": "deal", "id": 5}]})`, and
`activities_linked_to(user, obj)` lists them for the record's own page.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.core import signing
from django.db.models import Q
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from kizuna.core.exceptions import ValidationFailed
from kizuna.core.pagination import Page


@dataclass
class Entry:
    source: str  # the registered key: "activity", "task_done", "deal", ...
    pk: int
    occurred_at: datetime
    label: str  # the tag shown beside it (訪問, タスク完了, 商談)
    title: str
    url: str = ""
    body: str = ""
    meta: list[str] = field(default_factory=list)  # small print: who, where
    obj: object = None


@dataclass(frozen=True)
class Filters:
    """What the reader asked for; `kinds` are activity kinds and source keys (empty: everything)."""

    person: object = None
    company: object = None
    linked: object = None  # a record of another app (a deal): the activities linked to it
    kinds: tuple = ()
    by_user: int | None = None
    since: object = None  # date
    until: object = None  # date


@dataclass(frozen=True)
class Source:
    key: str
    label: object
    entries: Callable  # (user, filters: Filters, before: Position | None, limit: int) -> list[Entry], newest first
    kinds: tuple = ()  # the filter values that select this source (its key, and for activities their kinds)


@dataclass(frozen=True, order=True)
class Position:
    occurred_at: datetime
    source: str
    pk: int


_SOURCES: dict[str, Source] = {}
_LINKABLE: dict[str, object] = {}
_SALT = "kizuna.timeline.sources"


def register_source(key: str, label, entries: Callable, *, kinds: tuple = ()) -> None:
    _SOURCES[key] = Source(key, label, entries, kinds or (key,))


def sources() -> list[Source]:
    return list(_SOURCES.values())


def kind_choices() -> list[tuple[str, object]]:
    """The timeline's filter: activity kinds first, then each other source."""
    return [(key, source.label) for key, source in _SOURCES.items() if key != "activity"]


def register_linkable(object_type: str, model) -> None:
    """A record type activities may link to (its model has `objects.visible_to(user)`)."""
    _LINKABLE[object_type] = model


def linkable_model(object_type: str):
    return _LINKABLE.get(object_type)


def before_q(position: "Position | None", key: str, time_field: str, pk_field: str = "pk") -> Q:
    """The rows of source `key` that come after `position` in the timeline (newest first: older, or as old and
    later in (source, id) order)."""
    if position is None:
        return Q()
    older = Q(**{f"{time_field}__lt": position.occurred_at})
    same_time = Q(**{time_field: position.occurred_at})
    if key < position.source:
        return older | same_time
    if key == position.source:
        return older | (same_time & Q(**{f"{pk_field}__lt": position.pk}))
    return older


def encode(position: Position) -> str:
    return signing.dumps([position.occurred_at.isoformat(), position.source, position.pk], salt=_SALT, compress=True)


def decode(cursor: str) -> Position:
    try:
        when, source, pk = signing.loads(cursor, salt=_SALT)
        occurred_at = parse_datetime(when)
        if occurred_at is None or source not in _SOURCES or not isinstance(pk, int):
            raise ValueError
    except (signing.BadSignature, ValueError, TypeError):
        raise ValidationFailed(
            _("ページ位置（cursor）が不正です。"), field_errors={"cursor": [_("不正な値です。")]}
        ) from None
    return Position(occurred_at, source, pk)


def _key(entry: Entry) -> Position:
    return Position(entry.occurred_at, entry.source, entry.pk)


def merged(user, filters: Filters, *, cursor: str | None = None, limit: int = 25) -> Page:
    """One page of the timeline from every source the filter selects, newest first."""
    if not 1 <= limit <= 100:
        raise ValidationFailed(field_errors={"limit": [_("limit は 1〜100 で指定してください。")]})
    position = decode(cursor) if cursor else None
    wanted = set(filters.kinds)
    unknown = wanted - {k for s in sources() for k in s.kinds}
    if unknown:
        message = _("不明な種類: %(kinds)s") % {"kinds": ", ".join(sorted(unknown))}
        raise ValidationFailed(field_errors={"kind": [message]})
    rows: list[Entry] = []
    for source in sources():
        if wanted and not wanted & set(source.kinds):
            continue
        rows.extend(source.entries(user, filters, position, limit + 1))
    rows.sort(key=_key, reverse=True)
    page = rows[:limit]
    next_cursor = encode(_key(page[-1])) if len(rows) > limit else None
    return Page(items=page, next_cursor=next_cursor)
