"""The number of queries of results_compute does not grow with the number of units."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cadre.models import Official, Unit
from scoring.models import UnitResult
from scoring.services.compute import results_compute
from scoring.services.refresh import results_refresh_for_changes

pytestmark = pytest.mark.django_db


def test_query_count_is_the_same_for_more_units(cycle, make_units, make_indicator, put):
    indicator = make_indicator("A", 100, frequency="annual")
    counts = []
    for start, size in [(1, 2), (3, 40)]:
        units = make_units(size, "ZJ", start) + make_units(size, "JJ", start)
        put(indicator, dict.fromkeys(units, "50"), "Y")
        Official.objects.bulk_create(
            Official(code=f"O-{unit.code}", name="干部", unit=unit) for unit in units
        )
        with CaptureQueriesContext(connection) as queries:
            results_compute(cycle=cycle)
        counts.append(len(queries))
    assert UnitResult.objects.filter(period="Y").count() == 84
    assert counts[0] == counts[1]


def test_refreshing_after_changes_of_many_units_is_one_recompute(
    cycle, make_units, make_indicator, put
):
    """An import touching every unit recomputes once, whatever the number of units."""
    indicator = make_indicator("A", 100)
    counts = []
    for start, size in [(1, 2), (3, 40)]:
        units = make_units(size, "ZJ", start) + make_units(size, "JJ", start)
        put(indicator, dict.fromkeys(units, "50"), "Q2")
        # As an import hands them over: units loaded without their category.
        loaded = Unit.objects.only("pk", "category_id").filter(pk__in=[u.pk for u in units])
        with CaptureQueriesContext(connection) as queries:
            results_refresh_for_changes(cycle=cycle, changes=[(unit, "Q2") for unit in loaded])
        counts.append(len(queries))
    assert UnitResult.objects.filter(period="Q2").count() == 84
    assert counts[0] == counts[1]
