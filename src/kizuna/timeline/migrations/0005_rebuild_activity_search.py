"""Activity search documents move to per-type tokens in recency order: rebuild them once."""

from django.db import migrations


def rebuild(apps, schema_editor):
    from kizuna.core import search
    from kizuna.timeline.models import Activity
    from kizuna.timeline.search import reindex

    search.clear(["activity"])  # the live models: the index writer is app code, and the tables are current
    if Activity.objects.exists():
        reindex()


class Migration(migrations.Migration):
    dependencies = [("timeline", "0004_activity_links"), ("core", "0007_search_names_private_text_recency")]

    operations = [migrations.RunPython(rebuild, migrations.RunPython.noop)]
