"""Each scoring method on hand-computed cases (points stored with four places)."""

from decimal import Decimal

import pytest

from cadre.models import UnitCategory
from scoring.models import RaterGroup, Vote
from tests.scoring.conftest import points, stored_points

pytestmark = pytest.mark.django_db


def test_direct_points_are_the_value(make_units, make_indicator, put, compute):
    (unit,) = make_units(1)
    direct = make_indicator("D", 25)
    put(direct, {unit: "23"})
    result = compute()[unit.code, "Q1"]
    assert points(result, "D") == Decimal("23")
    assert result.total == Decimal("920.00")


@pytest.mark.parametrize(
    ("params", "value", "expected"),
    [
        ({}, "92", "23.0000"),  # 92/100 × 25
        ({"cap": Decimal("1.2")}, "130", "30.0000"),  # capped at 1.2 × 25
        ({}, "130", "25.0000"),  # default cap 1
        ({"floor": Decimal("0.5")}, "40", "0"),  # 0.40 below the floor
        ({"floor": Decimal("0.5")}, "50", "12.5000"),  # at the floor scores
        ({"lower_is_better": True}, "125", "20.0000"),  # 100/125 × 25
        ({"lower_is_better": True}, "0", "25.0000"),  # v = 0 gives the cap
        ({"lower_is_better": True, "cap": Decimal("1.1")}, "50", "27.5000"),
    ],
)
def test_completion_ratio(make_units, make_indicator, put, compute, params, value, expected):
    (unit,) = make_units(1)
    indicator = make_indicator("C", 25, "completion", target=Decimal(100), **params)
    put(indicator, {unit: value})
    assert points(compute()[unit.code, "Q1"], "C") == Decimal(expected)


def test_completion_keeps_the_exact_product(make_units, make_indicator, put, compute):
    """82.4601 / 90 × 15 is exactly 13.74335. Dividing first with a finite number of digits
    (0.916223333… × 15 = 13.743349999…) would lose the last half, a cent on a unit's year
    total (seen on the demo district)."""
    (unit,) = make_units(1)
    indicator = make_indicator("C", 15, "completion", target=Decimal(90))
    put(indicator, {unit: "82.4601"})
    assert points(compute()[unit.code, "Q1"], "C") == Decimal("13.74335")


def test_rank_with_step_shares_places_on_ties(make_units, make_indicator, put, compute):
    units = make_units(5)
    indicator = make_indicator("R", 10, "rank", step=Decimal(3), min_share=Decimal("0.2"))
    put(indicator, dict(zip(units[:4], ["10", "8", "8", "5"], strict=True)))
    results = compute()
    got = [points(results[unit.code, "Q1"], "R") for unit in units]
    # places 1, 2, 2, 4: 10, 7, 7, max(10 − 9, 2) = 2; the unit without a value scores 0
    assert got == [Decimal(10), Decimal(7), Decimal(7), Decimal(2), Decimal(0)]
    assert results[units[4].code, "Q1"].missing == ["R"]


def test_rank_without_step_falls_linearly_to_the_minimum_share(
    make_units, make_indicator, put, compute
):
    units = make_units(3)
    indicator = make_indicator("R", 10, "rank", min_share=Decimal("0.5"))
    put(indicator, dict(zip(units, ["1", "2", "3"], strict=True)))
    results = compute()
    # descending: 3 first (10), 2 second (10 − 1/2 × 10 × 0.5 = 7.5), 1 last (5)
    assert [points(results[u.code, "Q1"], "R") for u in units] == [
        Decimal(5),
        Decimal("7.5"),
        Decimal(10),
    ]


def test_rank_lower_is_better_and_a_single_unit(make_units, make_indicator, put, compute):
    towns = make_units(2)
    (alone,) = make_units(1, "JJ")
    indicator = make_indicator("R", 10, "rank", lower_is_better=True)
    put(indicator, {towns[0]: "3", towns[1]: "4", alone: "99"})
    results = compute()
    assert points(results["ZJ01", "Q1"], "R") == Decimal(10)
    assert points(results["ZJ02", "Q1"], "R") == Decimal(0)
    assert points(results["JJ01", "Q1"], "R") == Decimal(10)  # n = 1 gives M


def test_best_ratio(make_units, make_indicator, put, compute):
    units = make_units(3)
    higher = make_indicator("B", 10, "best_ratio")
    lower = make_indicator("L", 10, "best_ratio", lower_is_better=True)
    put(higher, dict(zip(units, ["80", "50", "0"], strict=True)))
    put(lower, dict(zip(units, ["40", "50", "0"], strict=True)))
    results = compute()
    assert [points(results[u.code, "Q1"], "B") for u in units] == [
        Decimal(10),
        Decimal("6.25"),
        Decimal(0),
    ]
    # lowest is 0: v = 0 gives M; the others get M × 0 / v = 0
    assert [points(results[u.code, "Q1"], "L") for u in units] == [
        Decimal(0),
        Decimal(0),
        Decimal(10),
    ]


def test_best_ratio_with_best_zero_gives_zero(make_units, make_indicator, put, compute):
    units = make_units(2)
    indicator = make_indicator("B", 10, "best_ratio")
    put(indicator, dict.fromkeys(units, "0"))
    assert points(compute()["ZJ01", "Q1"], "B") == Decimal(0)


def test_deduction_never_below_zero(make_units, make_indicator, put, compute):
    units = make_units(2)
    indicator = make_indicator("X", 10, "deduction", per_incident=Decimal(3))
    put(indicator, dict(zip(units, ["2", "5"], strict=True)))
    results = compute()
    assert points(results["ZJ01", "Q1"], "X") == Decimal(4)
    assert points(results["ZJ02", "Q1"], "X") == Decimal(0)


def test_evaluation_weighs_the_groups_that_voted(cycle, make_units, make_indicator, compute):
    (unit,) = make_units(1)
    evaluation = make_indicator("E", 20, "evaluation")
    leaders = RaterGroup.objects.create(cycle=cycle, code="LD", name="区领导", weight="0.6")
    users = RaterGroup.objects.create(cycle=cycle, code="FW", name="服务对象", weight="0.4")
    RaterGroup.objects.create(cycle=cycle, code="BM", name="部门", weight="0.5")
    Vote.objects.create(
        indicator=evaluation, unit=unit, period="Q1", rater_group=leaders, excellent=3, competent=1
    )
    Vote.objects.create(indicator=evaluation, unit=unit, period="Q1", rater_group=users, basic=2)
    # leaders (3 × 1 + 0.8) / 4 = 0.95, users 0.6; (0.6 × 0.95 + 0.4 × 0.6) / 1.0 = 0.81 × 20
    assert points(compute()[unit.code, "Q1"], "E") == Decimal("16.2")


def test_evaluation_without_votes_is_missing(make_units, make_indicator, compute):
    (unit,) = make_units(1)
    make_indicator("E", 20, "evaluation")
    result = compute()[unit.code, "Y"]
    assert result.missing == ["E"]
    assert result.total == Decimal("0.00")


def test_indicator_limited_to_a_category_is_not_scored_elsewhere(
    make_units, make_indicator, put, compute
):
    (town,) = make_units(1)
    (department,) = make_units(1, "JJ")
    gdp = make_indicator("GDP", 50)
    gdp.categories.add(UnitCategory.objects.get(code="ZJ"))
    common = make_indicator("P", 50)
    put(common, {town: "40", department: "40"})
    results = compute()
    assert results["JJ01", "Q1"].applicable_max == Decimal(50)
    assert results["JJ01", "Q1"].total == Decimal("800.00")
    assert "GDP" not in stored_points(results["JJ01", "Q1"])
    assert results["ZJ01", "Q1"].missing == ["GDP"]
    assert results["ZJ01", "Q1"].total == Decimal("400.00")
