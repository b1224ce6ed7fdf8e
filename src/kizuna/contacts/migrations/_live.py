"""For data migrations that run the live index writer (app code, which reads every column of today's models):
it can only run once the tables have every column those models have. An installation upgrading from before
0008 (custom values) runs 0004/0006 on tables without the column: they leave the reindex to 0008, which runs it
once the tables are current. (A module whose name starts with _ is not a migration.)"""

PENDING: set[str] = set()


def tables_current(schema_editor) -> bool:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for table in ("contacts_person", "contacts_company"):
            columns = {c.name for c in connection.introspection.get_table_description(cursor, table)}
            if "custom" not in columns:
                return False
    return True
