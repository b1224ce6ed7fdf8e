"""Filtering and sorting records by custom field values, for contacts/filters.py (UI lists, API lists and
exports share it). Parameters are named by the field path:

    custom.<key>=<value>        equals (text, long text, URL: contains; multi-choice: holds the choice)
    custom.<key>.min=<value>    at least (number, money, date)
    custom.<key>.max=<value>    at most
    sort=custom.<key> | -custom.<key>

Only fields marked filterable can be filtered or sorted by (they are the indexed ones: GIN jsonb_path_ops on
PostgreSQL; on SQLite an expression index on json_extract(custom, '$.<key>') per filterable field)."""

import json
import re

from django.db import connection
from django.db.models import BooleanField, F, FloatField, Func, TextField, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from kizuna.core.exceptions import ValidationFailed

from . import access, values
from .models import CustomField, FieldType

KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
PREFIX = "custom."
SORTABLE = (FieldType.TEXT, FieldType.NUMBER, FieldType.MONEY, FieldType.DATE, FieldType.CHOICE, FieldType.URL)
NUMERIC = (FieldType.NUMBER, FieldType.MONEY)
_LOW = "-1000000000000000"  # an empty number sorts as this (below any value the fields accept), as SQL text


class CustomValue(Func):
    """The stored value of custom.<key> in SQL: json_extract(custom, '$.key') on SQLite (the expression the
    per-field index is built on), custom ->> 'key' on PostgreSQL; numeric fields as double precision."""

    def __init__(self, key: str, *, numeric: bool = False):
        if not KEY_RE.match(key):
            raise ValueError(f"not a custom field key: {key!r}")
        self.key, self.numeric = key, numeric
        super().__init__(F("custom"), output_field=FloatField() if numeric else TextField())

    def as_sqlite(self, compiler, connection, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        return f"json_extract({column}, '$.{self.key}')", params

    def as_postgresql(self, compiler, connection, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        sql = f"({column} ->> '{self.key}')"
        return (f"{sql}::double precision" if self.numeric else sql), params

    def as_sql(self, compiler, connection, **extra):
        raise NotImplementedError("custom fields run on SQLite and PostgreSQL")


class SortValue(Func):
    """What a list sorts by: the value, an empty one as -1e15 (numbers) or '' (text), so that every row has a
    value to page by. The literal is written into the SQL, so the expression index of sort_index_sql matches."""

    def __init__(self, key: str, *, numeric: bool):
        if not KEY_RE.match(key):
            raise ValueError(f"not a custom field key: {key!r}")
        self.key, self.numeric = key, numeric
        super().__init__(F("custom"), output_field=FloatField() if numeric else TextField())

    def as_sqlite(self, compiler, connection, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        return f"coalesce(json_extract({column}, '$.{self.key}'), {_LOW if self.numeric else "''"})", params

    def as_postgresql(self, compiler, connection, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        value = f"({column} ->> '{self.key}')"
        if self.numeric:
            return f"coalesce({value}::double precision, {_LOW})", params
        return f"coalesce({value}, '')", params


class _Holds(Func):
    """SQLite: the multi-choice custom.<key> holds `choice` (json_each over the stored array)."""

    output_field = BooleanField()

    def __init__(self, key: str, choice: str):
        if not KEY_RE.match(key):
            raise ValueError(f"not a custom field key: {key!r}")
        self.key = key
        super().__init__(F("custom"), Value(choice))

    def as_sqlite(self, compiler, connection, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        choice, choice_params = compiler.compile(self.source_expressions[1])
        sql = f"EXISTS (SELECT 1 FROM json_each({column}, '$.{self.key}') WHERE value = {choice})"  # noqa: S608 (a slug key)
        return sql, (*params, *choice_params)


def index_name(model, key: str) -> str:
    return f"cf_{model._meta.db_table}_{key}"[:63]


def sqlite_index_sql(model, key: str, *, create: bool) -> str:
    """The expression index a filterable field gets on SQLite (created and dropped by the services)."""
    name = index_name(model, key)
    if not create:
        return f'DROP INDEX IF EXISTS "{name}"'
    return f"""CREATE INDEX IF NOT EXISTS "{name}" ON "{model._meta.db_table}" (json_extract("custom", '$.{key}'))"""


def sort_index_sql(model, key: str, *, numeric: bool, create: bool, vendor: str) -> str:
    """The index a filterable, sortable field gets on both databases: the sort expression (SortValue), then id."""
    name = f"cfs_{model._meta.db_table}_{key}"[:63]
    if not create:
        return f'DROP INDEX IF EXISTS "{name}"'
    if vendor == "sqlite":
        expr = f"""coalesce(json_extract("custom", '$.{key}'), {_LOW if numeric else "''"})"""
    elif numeric:
        expr = f"""(coalesce(("custom" ->> '{key}')::double precision, {_LOW}))"""
    else:
        expr = f"""(coalesce(("custom" ->> '{key}'), ''))"""
    return f'CREATE INDEX IF NOT EXISTS "{name}" ON "{model._meta.db_table}" ({expr}, "id")'


def params_from(query) -> dict:
    """The custom.* parameters of a query dict (request.GET), empty values left out."""
    return {k[len(PREFIX) :]: v for k, v in query.items() if k.startswith(PREFIX) and str(v).strip()}


def _field(user, object_type: str, key: str) -> CustomField:
    field = next((f for f in access.readable(user, object_type) if f.key == key), None)
    path = PREFIX + key
    if field is None:
        raise ValidationFailed(field_errors={path: [_("この項目はありません。")]})
    if not field.filterable:
        raise ValidationFailed(field_errors={path: [_("この項目では絞り込み・並べ替えができません。")]})
    return field


def _convert(field: CustomField, value, path: str):
    try:
        return values.convert(field, value)
    except values.Invalid as exc:
        raise ValidationFailed(field_errors={path: [str(exc)]}) from None


def _condition(qs, field: CustomField, op: str, raw, path: str):
    key = field.key
    if op in ("min", "max"):
        if field.type not in (*NUMERIC, FieldType.DATE):
            raise ValidationFailed(field_errors={path: [_("範囲で絞り込めるのは数値・金額・日付だけです。")]})
        value = _convert(field, raw, path)
        expr = CustomValue(key, numeric=field.type in NUMERIC)
        alias = f"cf_{key}_{op}"
        return qs.alias(**{alias: expr}).filter(**{f"{alias}__{'gte' if op == 'min' else 'lte'}": value})
    if field.type == FieldType.MULTI_CHOICE:
        choice = _convert(field, [raw], path)[0]
        if connection.vendor == "postgresql":
            return qs.filter(custom__contains={key: [choice]})
        return qs.filter(_Holds(key, choice))
    if field.type in (FieldType.TEXT, FieldType.LONG_TEXT, FieldType.URL):
        text = str(raw).strip()
        func = "instr" if connection.vendor == "sqlite" else "strpos"  # case-sensitive on both databases
        alias = f"cf_{key}_has"
        found = Func(CustomValue(key), Value(text), function=func, output_field=FloatField())
        return qs.alias(**{alias: found}).filter(**{f"{alias}__gt": 0})
    value = _convert(field, raw, path)
    if connection.vendor == "postgresql":  # served by the GIN (jsonb_path_ops) index
        return qs.filter(custom__contains={key: value})
    if isinstance(value, bool):
        value = int(value)  # json_extract gives 1 / 0
    alias = f"cf_{key}_eq"
    expr = CustomValue(key, numeric=isinstance(value, (int, float)))
    return qs.alias(**{alias: expr}).filter(**{alias: value})


def apply(qs, *, user, object_type: str, params: dict | None):
    """`params`: {"<key>": value, "<key>.min": value, "<key>.max": value} (params_from)."""
    for name, raw in (params or {}).items():
        key, _sep, op = name.partition(".")
        path = PREFIX + name
        if op not in ("", "min", "max"):
            raise ValidationFailed(field_errors={path: [_("この項目はありません。")]})
        field = _field(user, object_type, key)
        if field.type == FieldType.CHECKBOX and str(raw).strip().lower() in ("false", "0", "いいえ", "off"):
            expr = CustomValue(key, numeric=connection.vendor == "sqlite")
            alias = f"cf_{key}_on"
            if connection.vendor == "postgresql":
                qs = qs.exclude(custom__contains={key: True})
            else:
                qs = qs.alias(**{alias: Coalesce(expr, Value(0.0), output_field=FloatField())}).filter(**{alias: 0})
            continue
        qs = _condition(qs, field, op, raw, path)
    return qs


def is_custom_sort(sort: str) -> bool:
    return sort.lstrip("-").startswith(PREFIX)


def sort(qs, *, user, object_type: str, sort: str):
    """(queryset annotated with the sort value, the sort for core.pagination) for sort=[-]custom.<key>."""
    descending = sort.startswith("-")
    field = _field(user, object_type, sort.lstrip("-")[len(PREFIX) :])
    if field.type not in SORTABLE:
        raise ValidationFailed(field_errors={"sort": [_("この項目では並べ替えができません。")]})
    qs = qs.annotate(cf_sort=SortValue(field.key, numeric=field.type in NUMERIC))
    return qs, ("-cf_sort" if descending else "cf_sort")


def json_value(value) -> str:
    return json.dumps(value, ensure_ascii=False)
