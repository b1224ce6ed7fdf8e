import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("sales", "0007_analytics_rollup")]

    operations = [
        migrations.CreateModel(
            name="CapturedDeal",
            fields=[
                ("deal", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True,
                                              related_name="capture_origin", serialize=False,
                                              to="sales.deal")),  # fmt: skip
                ("version", models.PositiveIntegerField()),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
        ),
    ]
