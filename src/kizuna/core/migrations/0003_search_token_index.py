"""The token index behind core/search.py: FTS5 on SQLite, GIN over to_tsvector('simple', tokens) on PostgreSQL."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        # rowid = SearchDocument.id; tokens are plain ASCII words, so the default tokenizer keeps them whole.
        schema_editor.execute("CREATE VIRTUAL TABLE core_search_fts USING fts5(tokens, detail=none)")
    elif schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX core_searchdoc_tokens_gin ON core_searchdocument "
            "USING gin (to_tsvector('simple', tokens))"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS core_search_fts")
    elif schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS core_searchdoc_tokens_gin")


class Migration(migrations.Migration):
    dependencies = [("core", "0002_search_index")]
    operations = [migrations.RunPython(create, drop)]
