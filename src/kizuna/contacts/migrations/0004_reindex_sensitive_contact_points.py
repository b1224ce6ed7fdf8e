"""A person's mobile numbers and personal e-mails move from the person's search document to a document of
their own, searched only for readers who may see them unmasked: rebuild the people's documents once."""

from django.db import migrations


def reindex_people(apps, schema_editor):
    from kizuna.contacts.migrations import _live
    from kizuna.contacts.models import Person
    from kizuna.contacts.search import reindex

    if Person.objects.exists():  # the live models: the index writer is app code
        if _live.tables_current(schema_editor):
            reindex("person")
        else:  # an older database: 0008 reindexes once its tables have today's columns
            _live.PENDING.add("person")


class Migration(migrations.Migration):
    dependencies = [("contacts", "0003_sharing"), ("core", "0004_audit_payload_digest")]

    operations = [migrations.RunPython(reindex_people, migrations.RunPython.noop)]
