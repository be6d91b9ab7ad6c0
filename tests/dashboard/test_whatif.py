"""The what-if sandbox runs the real scoring service and changes nothing real."""

from decimal import Decimal

import pytest

from scoring.models import Indicator, IndicatorValue, UnitResult
from scoring.services.compute import results_compute

pytestmark = pytest.mark.django_db


@pytest.fixture
def computed(stored_year, town_units):
    """Real values for every unit, and results computed by the service from them."""
    UnitResult.objects.all().delete()
    for index, unit in enumerate(town_units):
        for indicator in Indicator.objects.filter(method="direct"):
            for period in ("Q1", "Q2", "Q3", "Q4"):
                IndicatorValue.objects.create(
                    indicator=indicator, unit=unit, period=period, value=Decimal(240 - index * 10)
                )
    results_compute(cycle=stored_year)
    return stored_year


def test_a_changed_value_moves_the_unit_in_the_sandbox_only(leader_client, computed, town_units):
    last = town_units[-1]
    before = list(UnitResult.objects.order_by("pk").values_list("pk", "total", "rank", "grade"))
    response = leader_client.get(
        "/dashboard/whatif/?cycle=2025&period=Q2&category=ZJ&run=1"
        "&weight_q1=0.25&weight_q2=0.25&weight_q3=0.25&weight_q4=0.25"
        f"&unit={last.code}&value_indicator=A1.1&value_period=Q2&value=250"
    )
    rows = {row.unit: row for row in response.context["rows"]}
    assert rows[last].sandbox.total > rows[last].real.total
    assert rows[last].rank_change > 0
    assert (
        list(UnitResult.objects.order_by("pk").values_list("pk", "total", "rank", "grade"))
        == before
    )
    assert IndicatorValue.objects.get(unit=last, indicator__code="A1.1", period="Q2").value == 190
