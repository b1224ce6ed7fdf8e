"""Keyset pagination: stable under inserts, no OFFSET and no COUNT(*) over the table.

A cursor is the (sort value, id) of the last row shown, signed so that a tampered cursor is
refused instead of probing the database.
"""

from dataclasses import dataclass
from datetime import datetime

from django.core import signing
from django.db.models import Q
from django.utils.dateparse import parse_datetime

from .exceptions import ValidationFailed

_SALT = "kizuna.pagination"


@dataclass
class Page:
    items: list
    next_cursor: str | None


def _encode(sort: str, value, pk) -> str:
    if isinstance(value, datetime):
        value = {"dt": value.isoformat()}
    return signing.dumps([sort, value, pk], salt=_SALT, compress=True)


def _decode(cursor: str, sort: str):
    try:
        cursor_sort, value, pk = signing.loads(cursor, salt=_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        raise ValidationFailed(
            "ページ位置（cursor）が不正です。", field_errors={"cursor": ["不正な値です。"]}
        ) from None
    if cursor_sort != sort:
        raise ValidationFailed(
            "並び順が変わったため、最初のページから表示してください。",
            field_errors={"cursor": ["並び順と一致しません。"]},
        )
    if isinstance(value, dict) and "dt" in value:
        value = parse_datetime(value["dt"])
    return value, pk


def paginate(queryset, *, sort: str, cursor: str | None = None, limit: int = 25) -> Page:
    """`sort` is a field name, '-' for descending; ties are broken by id in the same direction."""
    field = sort.lstrip("-")
    descending = sort.startswith("-")
    if cursor:
        value, pk = _decode(cursor, sort)
        op = "lt" if descending else "gt"
        queryset = queryset.filter(Q(**{f"{field}__{op}": value}) | Q(**{field: value, f"pk__{op}": pk}))
    order = [sort, "-pk" if descending else "pk"]
    rows = list(queryset.order_by(*order)[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = _encode(sort, getattr(last, field), last.pk)
    return Page(items=rows, next_cursor=next_cursor)
