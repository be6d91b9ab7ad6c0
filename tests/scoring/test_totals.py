"""Unit totals: normalisation, bonus cap, adjustments, veto, missing values and rounding."""

from decimal import Decimal

import pytest

from scoring.models import Adjustment, Grade
from tests.scoring.conftest import stored_points

pytestmark = pytest.mark.django_db


def test_total_normalises_adds_capped_bonus_and_adjustments(
    cycle, make_units, make_indicator, put, compute
):
    (unit,) = make_units(1)
    first, second = make_indicator("A", 60), make_indicator("B", 40)
    bonus_one = make_indicator("B1", 40, "bonus")
    bonus_two = make_indicator("B2", 30, "bonus")
    put(first, {unit: "51"})
    put(second, {unit: "34.05"})
    put(bonus_one, {unit: "45"})  # capped at its maximum 40
    put(bonus_two, {unit: "20"})  # 40 + 20 = 60, capped per unit at 50
    Adjustment.objects.create(
        cycle=cycle, unit=unit, period="Q1", points="-3", reason="政策调整", approved_by="区委"
    )
    Adjustment.objects.create(
        cycle=cycle, unit=unit, period="Q2", points="9", reason="其他季度", approved_by="区委"
    )
    result = compute()[unit.code, "Q1"]
    assert result.earned == Decimal("85.05")
    assert result.applicable_max == Decimal(100)
    assert result.bonus == Decimal(50)
    assert result.adjustment == Decimal(-3)
    assert result.total == Decimal("897.50")  # 850.50 + 50 − 3


def test_half_cent_rounds_up(make_units, make_indicator, put, compute):
    (unit,) = make_units(1)
    indicator = make_indicator("A", 8)
    put(indicator, {unit: "7.561"})  # 7.561 / 8 × 1000 = 945.125
    assert compute()[unit.code, "Q1"].total == Decimal("945.13")


def test_points_are_carried_unrounded_to_the_total(make_units, make_indicator, put, compute):
    """DOMAIN.md rounds the total only: 83.3338 + 10 × 2/3 = 90.000466…, so 900.00. Points
    rounded to four places first (6.6667) would have made it 900.005 and 900.01."""
    (unit,) = make_units(1)
    direct = make_indicator("A", 90)
    completion = make_indicator("C", 10, "completion", target=Decimal(3))
    put(direct, {unit: "83.3338"})
    put(completion, {unit: "2"})
    result = compute()[unit.code, "Q1"]
    assert result.total == Decimal("900.00")
    assert result.earned == Decimal("90.0004666667")


def test_missing_values_score_zero_and_are_listed_but_bonus_and_veto_are_optional(
    make_units, make_indicator, put, compute
):
    units = make_units(2)
    reported, forgotten = make_indicator("A", 50), make_indicator("B", 50)
    make_indicator("BON", 10, "bonus")
    make_indicator("VET", 0, "veto")
    put(reported, dict.fromkeys(units, "50"))
    put(forgotten, {units[0]: "50"})
    results = compute()
    assert results["ZJ01", "Q1"].missing == []
    assert results["ZJ02", "Q1"].missing == ["B"]
    assert results["ZJ02", "Q1"].total == Decimal("500.00")
    assert stored_points(results["ZJ02", "Q1"])["B"] == Decimal("0.0000")


def test_veto_caps_the_grade_at_fair(make_units, make_indicator, put, compute):
    units = make_units(10)
    direct = make_indicator("A", 100)
    veto = make_indicator("V", 0, "veto")
    put(direct, dict.fromkeys(units, "100"))
    put(veto, {units[0]: "1", units[1]: "0"})
    results = compute()
    assert results["ZJ01", "Q1"].vetoed
    assert not results["ZJ02", "Q1"].vetoed
    assert results["ZJ01", "Q1"].total == Decimal("1000.00")
    assert results["ZJ01", "Q1"].grade == Grade.FAIR
    assert "V" not in stored_points(results["ZJ01", "Q1"])


def test_area_subtotals(make_indicator, make_units, put, compute):
    (unit,) = make_units(1)
    area = make_indicator("A1", 100, method="")
    first = make_indicator("A1.1", 60, parent=area)
    second = make_indicator("A1.2", 40, parent=area)
    other = make_indicator("A2", 100)
    put(first, {unit: "50"})
    put(second, {unit: "30.5"})
    put(other, {unit: "10"})
    result = compute()[unit.code, "Q1"]
    assert {area: Decimal(points) for area, points in result.area_points.items()} == {
        "A1": Decimal("80.5"),
        "A2": Decimal("10"),
    }
    assert stored_points(result) == {
        "A1.1": Decimal("50.0000"),
        "A1.2": Decimal("30.5000"),
        "A2": Decimal("10.0000"),
    }


def test_empty_cycle_and_empty_category_store_nothing(make_units, make_indicator, compute):
    assert compute() == {}
    make_indicator("A", 100)
    assert compute() == {}  # no units
