"""People and companies get one JSON column for their custom field values (kizuna.customfields).

PostgreSQL: one GIN index per table over the whole column (jsonb_path_ops serves `custom @> {...}`, the equality
and multi-choice filters). SQLite gets an expression index per filterable field instead, created and dropped by
the customfields services when a field is marked filterable."""

from django.db import migrations, models

_GIN = [("contacts_person", "person_custom_gin"), ("contacts_company", "company_custom_gin")]


def _gin(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table, name in _GIN:
            schema_editor.execute(
                f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ("custom" jsonb_path_ops)'
            )


def _drop_gin(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for _table, name in _GIN:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("contacts", "0008_company_keys_head_office")]

    operations = [
        migrations.AddField(
            model_name="company",
            name="custom",
            field=models.JSONField(blank=True, default=dict, editable=False, verbose_name="カスタム項目"),
        ),
        migrations.AddField(
            model_name="person",
            name="custom",
            field=models.JSONField(blank=True, default=dict, editable=False, verbose_name="カスタム項目"),
        ),
        migrations.RunPython(_gin, _drop_gin, elidable=False),
    ]
