"""Points are kept to ten places instead of four: the earned points of a result get the
places, and the stored points matrices are rescaled (their results stay as computed; the next
computation of a cycle carries the new places)."""

import numpy as np
from django.db import migrations, models

TEN_THOUSANDTHS_TO_POINT_UNITS = 10**6


def _matrices_rescale(apps, rescale):
    CategoryPoints = apps.get_model("scoring", "CategoryPoints")
    for matrix in CategoryPoints.objects.iterator():
        data = bytes(matrix.points)
        cells = len(matrix.unit_ids) * len(matrix.indicator_codes)
        if not cells:
            continue
        width = len(data) // cells
        points = np.frombuffer(data, dtype=f"<i{width}").astype("<i8")
        matrix.points = rescale(points).astype("<i8").tobytes()
        matrix.save(update_fields=["points"])


def to_ten_places(apps, schema_editor):
    _matrices_rescale(apps, lambda points: points * TEN_THOUSANDTHS_TO_POINT_UNITS)


def to_four_places(apps, schema_editor):
    """Half away from zero, as the scoring service rounds."""
    half = TEN_THOUSANDTHS_TO_POINT_UNITS // 2
    _matrices_rescale(
        apps,
        lambda points: np.sign(points) * ((np.abs(points) + half) // TEN_THOUSANDTHS_TO_POINT_UNITS),
    )


class Migration(migrations.Migration):
    dependencies = [("scoring", "0014_import_template_time")]

    operations = [
        migrations.AlterField(
            model_name="unitresult",
            name="earned",
            field=models.DecimalField(decimal_places=10, max_digits=20, verbose_name="得分"),
        ),
        migrations.RunPython(to_ten_places, to_four_places),
    ]
