"""Writing many rows' different values at once: one parameterised UPDATE run with executemany, which SQLite runs
as a prepared statement and psycopg pipelines. Django's bulk_update builds a CASE expression per field and row,
which costs seconds per thousand rows; the SLA recompute and the worker write tens of thousands."""

from django.db import connection


def update_rows(model, objs, fields: list[str]) -> int:
    """UPDATE model SET field = value, … WHERE pk = obj.pk for each object, values as the model would save them."""
    if not objs:
        return 0
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    sets = ", ".join(f"{quote(field.column)} = %s" for field in columns)
    sql = f"UPDATE {quote(meta.db_table)} SET {sets} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608 (model names)
    params = [
        [field.get_db_prep_save(getattr(obj, field.attname), connection) for field in columns] + [obj.pk]
        for obj in objs
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
    return len(params)
