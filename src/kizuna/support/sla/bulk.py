"""Writing many rows' different values at once. PostgreSQL: one `UPDATE … FROM (VALUES …)` per 1,000 rows (one
statement, one plan, the rows joined by primary key); SQLite: one parameterised UPDATE run with executemany (a
prepared statement, no round trips). Django's bulk_update builds a CASE expression per field and row, which costs
seconds per thousand rows; the SLA recompute and the worker write tens of thousands."""

from django.db import connection

CHUNK = 1000


def update_rows(model, objs, fields: list[str]) -> int:
    """UPDATE model SET field = value, … WHERE pk = obj.pk for each object, values as the model would save them."""
    if not objs:
        return 0
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    rows = [[field.get_db_prep_save(getattr(obj, field.attname), connection) for field in columns] + [obj.pk]
            for obj in objs]  # fmt: skip
    quote = connection.ops.quote_name
    table, pk = quote(meta.db_table), quote(meta.pk.column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            casts = [f"%s::{field.db_type(connection)}" for field in columns] + [f"%s::{meta.pk.db_type(connection)}"]
            names = [f"c{i}" for i in range(len(columns))]
            sets = ", ".join(f"{quote(field.column)} = v.{name}" for field, name in zip(columns, names, strict=True))
            row_sql = "(" + ", ".join(casts) + ")"
            for start in range(0, len(rows), CHUNK):
                chunk = rows[start : start + CHUNK]
                values = ", ".join([row_sql] * len(chunk))
                sql = (f"UPDATE {table} AS t SET {sets} FROM (VALUES {values}) AS v({', '.join(names)}, pk) "  # noqa: S608
                       f"WHERE t.{pk} = v.pk")  # fmt: skip
                cursor.execute(sql, [value for row in chunk for value in row])
        else:
            sets = ", ".join(f"{quote(field.column)} = %s" for field in columns)
            cursor.executemany(f"UPDATE {table} SET {sets} WHERE {pk} = %s", rows)  # noqa: S608 (model names)
    return len(rows)
