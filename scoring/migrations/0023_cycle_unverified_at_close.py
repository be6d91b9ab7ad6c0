from django.db import migrations, models


def locked_cycles_count(apps, schema_editor):
    """Cycles closed or published before the count was kept get it now: nothing has changed
    their values since they were closed."""
    Cycle = apps.get_model("scoring", "Cycle")
    IndicatorValue = apps.get_model("scoring", "IndicatorValue")
    for cycle in Cycle.objects.filter(state__in=["closed", "published"]):
        cycle.unverified_at_close = IndicatorValue.objects.filter(
            indicator__cycle=cycle, verified_at__isnull=True
        ).count()
        cycle.save(update_fields=["unverified_at_close"])


class Migration(migrations.Migration):
    dependencies = [
        ("scoring", "0022_codes_half_width"),
    ]

    operations = [
        migrations.AddField(
            model_name="cycle",
            name="unverified_at_close",
            field=models.PositiveIntegerField(
                blank=True, editable=False, null=True, verbose_name="关闭时未审核的数据条数"
            ),
        ),
        migrations.RunPython(locked_cycles_count, migrations.RunPython.noop),
    ]
