"""The deal rollup behind the forecast and dashboards (services/rollup.py), built from the deals already there; an
index on stage changes by stage and time for the 提案件数-style KPIs (deals moved into a stage in a month)."""

from django.db import migrations, models


def build(apps, schema_editor):
    from kizuna.sales.services import rollup

    names = ("Deal", "DealStageChange", "Stage", "DealRollup")
    rollup.rebuild(tuple(apps.get_model("sales", name) for name in names))


class Migration(migrations.Migration):
    dependencies = [
        ("sales", "0006_analytics_deal_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="DealRollup",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "basis",
                    models.CharField(
                        choices=[("won", "Won"), ("open", "Open"), ("lost", "Lost"), ("created", "Created")],
                        max_length=8,
                    ),
                ),
                ("team_id", models.BigIntegerField(default=0)),
                ("owner_id", models.BigIntegerField(default=0)),
                ("pipeline_id", models.BigIntegerField(default=0)),
                ("stage_id", models.BigIntegerField(default=0)),
                ("month", models.IntegerField(default=0)),
                ("reason", models.CharField(blank=True, default="", max_length=300)),
                ("n", models.BigIntegerField(default=0)),
                ("amount", models.BigIntegerField(default=0)),
                ("amount_at_stage_probability", models.BigIntegerField(default=0)),
                ("weighted_own", models.BigIntegerField(default=0)),
                ("cycle_ms", models.BigIntegerField(default=0)),
                ("cycle_n", models.BigIntegerField(default=0)),
            ],
            options={
                "indexes": [
                    models.Index(fields=["basis", "owner_id", "month"], name="deal_rollup_owner_idx"),
                    models.Index(fields=["basis", "month"], name="deal_rollup_month_idx"),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("basis", "team_id", "owner_id", "pipeline_id", "stage_id", "month", "reason"),
                        name="deal_rollup_key",
                    )
                ],
            },
        ),
        migrations.RunPython(build, migrations.RunPython.noop),
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS sales_stagechange_to_at_idx ON sales_dealstagechange (to_stage_id, at)",
            "DROP INDEX IF EXISTS sales_stagechange_to_at_idx",
        ),
    ]
