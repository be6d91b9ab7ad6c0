from decimal import Decimal

import pytest

from cadre.models import Unit, UnitCategory
from scoring.models import IndicatorValue, UnitResult
from scoring.services.compute import results_compute
from scoring.services.points import unit_points


@pytest.fixture
def make_units(db):
    def make(count, category_code="ZJ", start=1):
        category, _ = UnitCategory.objects.get_or_create(
            code=category_code, defaults={"name": category_code}
        )
        return [
            Unit.objects.create(
                code=f"{category_code}{number:02d}", name=f"单位{number}", category=category
            )
            for number in range(start, start + count)
        ]

    return make


@pytest.fixture
def put():
    """Store values: put(indicator, {unit: value}, period="Q1")."""

    def store(indicator, figures, period="Q1"):
        IndicatorValue.objects.bulk_create(
            IndicatorValue(indicator=indicator, unit=unit, period=period, value=Decimal(str(v)))
            for unit, v in figures.items()
        )

    return store


@pytest.fixture
def compute(cycle):
    """Compute the cycle and return {(unit code, period): UnitResult}."""

    def run(**options):
        results_compute(cycle=cycle, **options)
        return {
            (result.unit.code, result.period): result
            for result in UnitResult.objects.filter(cycle=cycle).select_related("unit")
        }

    return run


def result_of(cycle, unit, period="Q1") -> UnitResult:
    """The stored result of the unit for the period, as a unit's page reads it."""
    return UnitResult.objects.select_related("cycle").get(cycle=cycle, unit=unit, period=period)


def stored_points(result) -> dict[str, Decimal]:
    """Indicator code → points of a stored result, as its unit's page reads them."""
    return unit_points(cycle=result.cycle, unit=result.unit).get(result.period, {})


def points(result, code):
    return stored_points(result)[code]
