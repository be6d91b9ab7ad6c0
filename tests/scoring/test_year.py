"""The annual roll-up: weighted quarters plus annual-only indicators."""

from decimal import Decimal

import pytest

from scoring.models import Adjustment, UnitResult
from scoring.services.compute import results_compute
from scoring.services.refresh import results_refresh_for_changes
from tests.scoring.conftest import points

pytestmark = pytest.mark.django_db


def test_year_weighs_quarters_and_adds_annual_indicators(
    cycle, make_units, make_indicator, put, compute
):
    cycle.weight_q1, cycle.weight_q2, cycle.weight_q3, cycle.weight_q4 = (
        Decimal("0.1"),
        Decimal("0.2"),
        Decimal("0.3"),
        Decimal("0.4"),
    )
    cycle.save()
    (unit,) = make_units(1)
    quarterly = make_indicator("Q", 50)
    annual = make_indicator("Y", 50, frequency="annual")
    for period, value in zip(["Q1", "Q2", "Q3", "Q4"], ["10", "20", "30", "40"], strict=True):
        put(quarterly, {unit: value}, period)
    put(annual, {unit: "45"}, "Y")
    Adjustment.objects.create(
        cycle=cycle, unit=unit, period="Y", points="2.5", reason="专项任务", approved_by="区委"
    )
    results = compute()
    # quarters count the quarterly indicator only: 10 / 50 × 1000
    assert results[unit.code, "Q1"].applicable_max == Decimal(50)
    assert results[unit.code, "Q1"].total == Decimal("200.00")
    year = results[unit.code, "Y"]
    # 0.1 × 10 + 0.2 × 20 + 0.3 × 30 + 0.4 × 40 = 30
    assert points(year, "Q") == Decimal(30)
    assert year.applicable_max == Decimal(100)
    assert year.total == Decimal("752.50")  # (30 + 45) / 100 × 1000 + 2.5
    assert year.missing == []


def test_missing_quarter_is_missing_for_the_year(make_units, make_indicator, put, compute):
    (unit,) = make_units(1)
    quarterly = make_indicator("Q", 100)
    for period in ["Q1", "Q2", "Q3"]:
        put(quarterly, {unit: "100"}, period)
    other = make_indicator("O", 100)
    put(other, {unit: "100"}, "Q4")
    results = compute()
    assert results[unit.code, "Q4"].missing == ["Q"]
    assert sorted(results[unit.code, "Y"].missing) == ["O", "Q"]
    assert results[unit.code, "Y"].total == Decimal("500.00")  # (75 + 25) / 200 × 1000


def test_quarter_nobody_reported_for_has_no_results(make_units, make_indicator, put, compute):
    (unit,) = make_units(1)
    put(make_indicator("Q", 100), {unit: "100"}, "Q1")
    assert sorted(period for _, period in compute()) == ["Q1", "Y"]


def test_veto_in_one_quarter_vetoes_the_year(make_units, make_indicator, put, compute):
    (unit,) = make_units(1)
    reported = make_indicator("A", 100)
    for period in ["Q1", "Q2", "Q3", "Q4"]:
        put(reported, {unit: "100"}, period)
    veto = make_indicator("V", 0, "veto")
    put(veto, {unit: "1"}, "Q3")
    results = compute()
    assert results[unit.code, "Q3"].vetoed
    assert not results[unit.code, "Q2"].vetoed
    assert results[unit.code, "Y"].vetoed


def test_recompute_for_change_touches_only_the_category_period_and_year(
    cycle, make_units, make_indicator, put
):
    (town,) = make_units(1)
    (department,) = make_units(1, "JJ")
    indicator = make_indicator("A", 100)
    put(indicator, {town: "50", department: "50"}, "Q2")
    put(indicator, {town: "60", department: "60"}, "Q3")
    results_compute(cycle=cycle)
    indicator.values.filter(unit=town, period="Q3").update(value=Decimal(80))
    UnitResult.objects.filter(cycle=cycle).update(total=Decimal(1))
    results_refresh_for_changes(cycle=cycle, changes=[(town, "Q3")])
    totals = {
        (unit_code, period): total
        for unit_code, period, total in UnitResult.objects.values_list(
            "unit__code", "period", "total"
        )
    }
    assert totals["ZJ01", "Q3"] == Decimal("800.00")
    assert totals["ZJ01", "Y"] == Decimal("325.00")  # (50 + 80) × 0.25 × 10
    assert totals["ZJ01", "Q2"] == Decimal(1)  # another period: untouched
    assert totals["JJ01", "Q3"] == Decimal(1)  # another category: untouched
    assert totals["JJ01", "Y"] == Decimal(1)
