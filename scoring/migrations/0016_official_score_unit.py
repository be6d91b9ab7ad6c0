import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def units_fill(apps, schema_editor):
    # Scores computed before this field linked to the official's unit of the time, which is
    # their current unit unless they moved since: the best record there is.
    official_score = apps.get_model("scoring", "OfficialScore")
    official = apps.get_model("cadre", "Official")
    official_score.objects.update(
        unit_id=Subquery(official.objects.filter(pk=OuterRef("official_id")).values("unit_id"))
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cadre", "0003_constraint_messages"),
        ("scoring", "0015_points_to_ten_places"),
    ]

    operations = [
        migrations.AddField(
            model_name="officialscore",
            name="unit",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="official_scores",
                to="cadre.unit",
                verbose_name="单位",
            ),
        ),
        migrations.RunPython(units_fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="officialscore",
            name="unit",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="official_scores",
                to="cadre.unit",
                verbose_name="单位",
            ),
        ),
        migrations.AlterModelOptions(
            name="officialscore",
            options={
                "ordering": ["cycle", "unit__code", "-score"],
                "verbose_name": "干部个人得分",
                "verbose_name_plural": "干部个人得分",
            },
        ),
    ]
