"""Ranks, grades, the 优秀 quota and the 重点调整 flag."""

from decimal import Decimal

import pytest

from scoring.models import Cycle, Grade, Indicator, IndicatorValue
from scoring.services.compute import results_compute
from scoring.services.cycles import cycle_close, cycle_reopen

pytestmark = pytest.mark.django_db


def graded(make_units, make_indicator, put, compute, figures):
    units = make_units(len(figures))
    indicator = make_indicator("A", 100)
    put(indicator, dict(zip(units, figures, strict=True)))
    results = compute()
    return [results[unit.code, "Q1"] for unit in units]


def test_competition_ranks_share_the_better_place(make_units, make_indicator, put, compute):
    results = graded(make_units, make_indicator, put, compute, ["90", "95", "90", "80"])
    assert [result.rank for result in results] == [2, 1, 2, 4]


E, G, F, P = Grade.EXCELLENT, Grade.GOOD, Grade.FAIR, Grade.POOR


@pytest.mark.parametrize(
    ("figures", "expected"),
    [
        # thresholds 900 / 800 / 600
        (["95", "85", "70", "59.99"] + ["10"] * 6, [E, G, F, P]),
        # ten units, 30 %: three may be 优秀; the third and fourth tie, so neither fits the quota
        (["99", "98", "97", "97"] + ["95"] * 6, [E, E, G, G]),
        # the quota exactly filled
        (["99", "98", "97", "96"] + ["95"] * 6, [E, E, E, G]),
    ],
)
def test_grades_by_thresholds_and_quota(
    make_units, make_indicator, put, compute, figures, expected
):
    results = graded(make_units, make_indicator, put, compute, figures)
    assert [result.grade for result in results[:4]] == expected


def test_category_of_one_cannot_reach_the_quota(make_units, make_indicator, put, compute):
    (result,) = graded(make_units, make_indicator, put, compute, ["100"])
    assert result.rank == 1
    assert result.grade == Grade.GOOD  # floor(1 × 0.3) = 0 places for 优秀


def test_settings_change_thresholds_and_quota(cycle, make_units, make_indicator, put, compute):
    cycle.excellent_share, cycle.excellent_min = Decimal("1"), Decimal("950")
    cycle.save()
    results = graded(make_units, make_indicator, put, compute, ["96", "94"])
    assert [result.grade for result in results] == [Grade.EXCELLENT, Grade.GOOD]


def two_years(cycle, units, figures_by_cycle, previous_state=Cycle.State.PUBLISHED):
    previous = Cycle.objects.create(year=cycle.year - 1, state=previous_state)
    for year_cycle, figures in [(previous, figures_by_cycle[0]), (cycle, figures_by_cycle[1])]:
        indicator = Indicator.objects.create(
            cycle=year_cycle,
            code="A",
            name="A",
            max_points=100,
            method="direct",
            frequency="annual",
        )
        IndicatorValue.objects.bulk_create(
            IndicatorValue(indicator=indicator, unit=unit, period="Y", value=figure)
            for unit, figure in zip(units, figures, strict=True)
        )
    return previous


def flagged(cycle):
    return set(
        cycle.unit_results.filter(period="Y", needs_adjustment=True).values_list(
            "unit__code", flat=True
        )
    )


@pytest.mark.parametrize("previous_first", [True, False])
def test_needs_adjustment_after_two_years_in_the_bottom_two(cycle, make_units, previous_first):
    units = make_units(4)
    # bottom two last year: ZJ03, ZJ04; this year: ZJ02, ZJ04
    previous = two_years(cycle, units, [[90, 80, 70, 60], [95, 50, 90, 70]])
    order = [previous, cycle] if previous_first else [cycle, previous]
    for year_cycle in order:
        results_compute(cycle=year_cycle)
    assert flagged(cycle) == {"ZJ04"}
    assert flagged(previous) == set()


@pytest.mark.parametrize(
    ("this_year", "expected"),
    [
        # two units tie for last: two units at or below each, both in the bottom two
        ([90, 80, 60, 60], {"ZJ03", "ZJ04"}),
        # three tie for last: three at or below each, so none is in the bottom two
        ([90, 60, 60, 60], set()),
    ],
)
def test_needs_adjustment_with_ties_at_the_bottom(cycle, make_units, this_year, expected):
    units = make_units(4)
    previous = two_years(cycle, units, [[90, 90, 40, 40], this_year])
    results_compute(cycle=previous)
    results_compute(cycle=cycle)
    assert flagged(cycle) == expected


@pytest.mark.parametrize("previous_state", [Cycle.State.DRAFT, Cycle.State.OPEN])
@pytest.mark.parametrize("previous_first", [True, False])
def test_no_flag_against_a_previous_year_still_taking_input(
    cycle, make_units, previous_state, previous_first
):
    """Its ranking is provisional (its unfilled quarters count 0): nothing to compare with."""
    units = make_units(4)
    previous = two_years(cycle, units, [[90, 80, 70, 60], [95, 50, 90, 70]], previous_state)
    for year_cycle in [previous, cycle] if previous_first else [cycle, previous]:
        results_compute(cycle=year_cycle)
    assert flagged(cycle) == set()


def test_no_flag_without_a_previous_year(cycle, make_units, make_indicator, put, compute):
    units = make_units(4)
    indicator = make_indicator("A", 100, frequency="annual")
    put(indicator, dict(zip(units, [90, 80, 70, 60], strict=True)), "Y")
    compute()
    assert flagged(cycle) == set()


def test_the_flag_follows_the_previous_years_state(cycle, make_units, admin_user):
    """Closing the previous year sets this year's flags at once; reopening it clears them."""
    units = make_units(4)
    previous = two_years(cycle, units, [[90, 80, 70, 60], [95, 50, 90, 70]], Cycle.State.OPEN)
    results_compute(cycle=previous)
    results_compute(cycle=cycle)
    assert flagged(cycle) == set()
    cycle_close(cycle=previous, by=admin_user)
    assert flagged(cycle) == {"ZJ04"}
    cycle_reopen(cycle=previous, by=admin_user, reason="更正数据")
    assert flagged(cycle) == set()


def test_a_year_closed_before_the_previous_one_gets_its_flags_when_that_one_is_final(
    cycle, make_units, admin_user
):
    """The flag is a consequence of two final rankings, not a score of this year: this year,
    closed first, keeps its totals and ranks, and is flagged once the previous year closes
    (rather than staying undecided for good), and undecided again while it is reopened."""
    units = make_units(4)
    previous = two_years(cycle, units, [[90, 80, 70, 60], [95, 50, 90, 70]], Cycle.State.OPEN)
    results_compute(cycle=previous)
    Cycle.objects.filter(pk=cycle.pk).update(state=Cycle.State.OPEN)
    cycle.refresh_from_db()
    results_compute(cycle=cycle)
    cycle_close(cycle=cycle, by=admin_user)
    stored = list(cycle.unit_results.values_list("unit__code", "period", "total", "rank", "grade"))
    assert flagged(cycle) == set()
    cycle_close(cycle=previous, by=admin_user)
    assert flagged(cycle) == {"ZJ04"}
    cycle_reopen(cycle=previous, by=admin_user, reason="更正数据")
    assert flagged(cycle) == set()
    cycle_close(cycle=previous, by=admin_user)
    assert flagged(cycle) == {"ZJ04"}
    assert (
        list(cycle.unit_results.values_list("unit__code", "period", "total", "rank", "grade"))
        == stored
    )
