import django.db.models.expressions
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("talent", "0009_status_change_undoes_arrival"),
    ]

    operations = [
        # Added blank first: the changes made so far keep no time rather than the migration's.
        migrations.AddField(
            model_name="talentstatuschange",
            name="recorded_at",
            field=models.DateTimeField(editable=False, null=True, verbose_name="记录时间"),
        ),
        migrations.AlterField(
            model_name="talentstatuschange",
            name="recorded_at",
            field=models.DateTimeField(
                default=django.utils.timezone.now,
                editable=False,
                null=True,
                verbose_name="记录时间",
            ),
        ),
        migrations.AlterModelOptions(
            name="talentstatuschange",
            options={
                "ordering": [
                    "talent",
                    django.db.models.expressions.OrderBy(
                        django.db.models.expressions.F("recorded_at"), nulls_first=True
                    ),
                    "date",
                    "pk",
                ],
                "verbose_name": "人才状态变更",
                "verbose_name_plural": "人才状态变更",
            },
        ),
    ]
