"""Search documents gain names (ranking), private text (a person's sensitive contact points, which had a document
of their own) and per-type tokens in recency order: rebuild the people's and companies' documents once."""

from django.db import migrations


def rebuild(apps, schema_editor):
    from kizuna.contacts.models import Company, Person
    from kizuna.contacts.search import reindex
    from kizuna.core import search

    # the live models: the index writer is app code, and the tables are current
    search.clear(["person", "person.sensitive", "company"])
    if Company.objects.exists():
        reindex("company")
    if Person.objects.exists():
        reindex("person")


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0009_custom_values"),  # the live models read today's columns
        ("core", "0007_search_names_private_text_recency"),
        ("customfields", "0001_custom_field_definitions"),  # which custom fields are searchable
    ]

    operations = [migrations.RunPython(rebuild, migrations.RunPython.noop)]
