from django.db import migrations

# A Japanese B2B manufacturer's sales process; teams may add their own pipelines in 設定.
STAGES = [
    ("リード", 10, "open"),
    ("ヒアリング", 20, "open"),
    ("提案", 40, "open"),
    ("見積提出", 60, "open"),
    ("交渉", 80, "open"),
    ("受注", 100, "won"),
    ("失注", 0, "lost"),
]


def create_default(apps, schema_editor):
    Pipeline = apps.get_model("sales", "Pipeline")
    Stage = apps.get_model("sales", "Stage")
    if Pipeline.objects.filter(is_default=True).exists():
        return
    pipeline = Pipeline.objects.create(name="標準（製造業B2B）", is_default=True)
    Stage.objects.bulk_create(
        Stage(pipeline=pipeline, name=name, order=i, probability=p, kind=kind)
        for i, (name, p, kind) in enumerate(STAGES)
    )


class Migration(migrations.Migration):
    dependencies = [("sales", "0001_initial")]
    operations = [migrations.RunPython(create_default, migrations.RunPython.noop)]
