"""Fast multi-row INSERTs for large loads (demo data, imports).

`bulk_create` spends most of its time compiling SQL per object. Here ids are reserved up front
(a sequence range on PostgreSQL; under SQLite's write lock, max(id)+1…) and rows go to
`executemany` (SQLite) or one COPY (PostgreSQL, psycopg 3) with values prepared the way the ORM would store them.
"""

import time
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection, models
from django.db.models.base import ModelState

_PASSTHROUGH = (models.CharField, models.TextField, models.IntegerField, models.BooleanField, models.BigAutoField)
_INSTANCE_PLANS: dict = {}


def _instance_plan(model) -> tuple:
    """(static defaults by attname, [(attname, default callable)], relation names → field) of `model`."""
    plan = _INSTANCE_PLANS.get(model)
    if plan is None:
        static, dynamic, relations = {}, [], {}
        for f in model._meta.concrete_fields:
            if f.has_default() and callable(f.default):
                dynamic.append((f.attname, f.default))
            else:
                static[f.attname] = f.get_default()
            if f.is_relation:
                relations[f.name] = f
        plan = _INSTANCE_PLANS[model] = (static, dynamic, relations)
    return plan


def instance(model, **values):
    """An unsaved `model(**values)` for large loads, built without `Model.__init__` (which resolves every field's
    default and sends two signals per object). The same defaults apply; a relation given as an object
    (`owner=user`) is set through its descriptor, as the model's own constructor sets it. Unlike the constructor
    it does not check the names given. Only for models without pre_init/post_init receivers."""
    static, dynamic, relations = _instance_plan(model)
    obj = model.__new__(model)
    state = obj.__dict__
    state.update(static)
    for attname, default in dynamic:
        if attname not in values:
            state[attname] = default()
    obj._state = ModelState()
    for name, value in values.items():
        if name in relations:
            setattr(obj, name, value)
        else:
            state[name] = value
    return obj


def _reserve_ids(model, count: int) -> list[int]:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')  # noqa: S608 - table name from model meta
        start = cursor.fetchone()[0] + 1
        return list(range(start, start + count))


def _sqlite_datetime(value):
    """What Django's SQLite backend stores for an aware datetime (naive UTC text), without its checks per value."""
    return str(value.astimezone(UTC).replace(tzinfo=None))


def _preparer(field):
    if isinstance(field, _PASSTHROUGH) and not field.is_relation:
        return None
    if field.is_relation:
        return None  # attname holds the raw id
    if (connection.vendor == "sqlite" and settings.USE_TZ and type(field) is models.DateTimeField
            and connection.timezone_name == "UTC"):  # fmt: skip
        return lambda value: (
            _sqlite_datetime(value)
            if isinstance(value, datetime) and value.tzinfo is not None
            else _prepare(field, value)
        )  # naive: Django's warning and default time zone
    if connection.vendor == "postgresql" and settings.USE_TZ and type(field) is models.DateTimeField:
        # psycopg takes an aware datetime as it is: what Django's checks per value would hand it
        return lambda value: (
            value if isinstance(value, datetime) and value.tzinfo is not None else _prepare(field, value)
        )
    prepare = field.get_db_prep_save
    return lambda value: None if value is None else prepare(value, connection)


def _prepare(field, value):
    return None if value is None else field.get_db_prep_save(value, connection)


def insert_many(model, objs: list, batch_size: int = 5000) -> list:
    """INSERT `objs` (unsaved instances with defaults applied) and set their `pk`. Must run in a transaction."""
    if not objs:
        return objs
    for obj, pk in zip(objs, _reserve_ids(model, len(objs)), strict=True):
        obj.pk = pk
    fields = model._meta.concrete_fields
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    plan = [(f.attname, _preparer(f)) for f in fields]
    with connection.cursor() as cursor:
        for start in range(0, len(objs), batch_size):
            rows = [
                [prep(getattr(obj, attname)) if prep else getattr(obj, attname) for attname, prep in plan]
                for obj in objs[start : start + batch_size]
            ]
            _write(cursor, table, columns, rows)
    for obj in objs:
        obj._state.adding = False
    return objs


def insert_rows(model, columns: list[str], rows: list[tuple], batch_size: int = 5000) -> list[int]:
    """INSERT plain value tuples (already in database form) for `columns`; returns the reserved ids.
    Skips building model instances, which dominates the cost of very large loads."""
    if not rows:
        return []
    ids = _reserve_ids(model, len(rows))
    quoted = ", ".join(connection.ops.quote_name(model._meta.get_field(c).column) for c in ["id", *columns])
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch_size):
            batch = zip(ids[start : start + batch_size], rows[start : start + batch_size], strict=True)
            _write(cursor, table, quoted, [(pk, *row) for pk, row in batch])
    return ids


def _write(cursor, table: str, columns: str, rows: list) -> None:
    """The rows into `table`: PostgreSQL's COPY through psycopg 3 (one stream instead of a statement per row),
    else one `executemany`. A COPY is logged like a statement where queries are logged (DEBUG, query counts)."""
    raw = getattr(cursor, "cursor", None)
    if connection.vendor == "postgresql" and len(rows) > 1 and hasattr(raw, "copy"):
        sql = f"COPY {table} ({columns}) FROM STDIN"
        started = time.monotonic()
        with raw.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
        if connection.queries_logged:
            connection.queries_log.append({"sql": f"{sql} -- {len(rows)} rows",
                                           "time": f"{time.monotonic() - started:.3f}"})  # fmt: skip
        return
    marks = ", ".join(["%s"] * len(rows[0]))
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 - names from model meta
    if len(rows) == 1:
        cursor.execute(sql, rows[0])
    else:
        cursor.executemany(sql, rows)


_INSERT_WITHOUT_ID: dict[tuple[str, str], tuple[str, str, list]] = {}


def _without_id_plan(model) -> tuple[str, str, list]:
    key = (connection.vendor, model._meta.label)
    if key not in _INSERT_WITHOUT_ID:
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        table = connection.ops.quote_name(model._meta.db_table)
        _INSERT_WITHOUT_ID[key] = (table, columns, [(f.attname, _preparer(f)) for f in fields])
    return _INSERT_WITHOUT_ID[key]


def insert_without_id(model, obj) -> None:
    """One INSERT of an unsaved instance in one round trip, the database choosing its id (left unset on `obj`):
    for rows written beside every change (outbox events), where `save()` costs more than the insert itself."""
    insert_many_without_id(model, [obj])


def insert_many_without_id(model, objs: list, batch_size: int = 2000) -> None:
    """`insert_without_id` for many instances, in their order (ids ascend with it), one `executemany` per
    `batch_size`: the outbox rows of an import batch, whose ids nobody reads back. `bulk_create` compiles SQL
    per object and costs several times the insert."""
    if not objs:
        return
    table, columns, plan = _without_id_plan(model)
    with connection.cursor() as cursor:
        for start in range(0, len(objs), batch_size):
            rows = [[prep(getattr(obj, a)) if prep else getattr(obj, a) for a, prep in plan]
                    for obj in objs[start : start + batch_size]]  # fmt: skip
            _write(cursor, table, columns, rows)
