"""Record events are relayed from the audit log instead of written by each writer. The relay starts after the last
audit row: every earlier row already has its outbox event, written by the writer as before."""

from django.db import migrations, models


def start_after_the_last_audit_row(apps, schema_editor):
    AuditEvent = apps.get_model("core", "AuditEvent")
    EventRelay = apps.get_model("core", "EventRelay")
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    EventRelay.objects.update_or_create(name="records", defaults={"position": last})


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0008_outbox_type_unindexed"),
    ]

    operations = [
        migrations.CreateModel(
            name="EventRelay",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=40, unique=True)),
                ("position", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.AddField(
            model_name="auditevent",
            name="depth",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="origin",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.RunPython(start_after_the_last_audit_row, migrations.RunPython.noop),
    ]
