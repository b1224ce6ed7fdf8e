"""A person's mobile numbers and personal e-mails move from the person's search document to a document of
their own, searched only for readers who may see them unmasked: rebuild the people's documents once."""

from django.db import migrations


def reindex_people(apps, schema_editor):
    """Done by 0008, which rebuilds every person's document in the format of the current code."""


class Migration(migrations.Migration):
    dependencies = [("contacts", "0003_sharing"), ("core", "0004_audit_payload_digest")]

    operations = [migrations.RunPython(reindex_people, migrations.RunPython.noop)]
