"""Explanation lines whose arithmetic a reader can check, in Chinese and in English."""

import re
from decimal import Decimal

import pytest
from django.utils import translation

from scoring.models import RaterGroup, Vote
from scoring.services.explain import unit_indicator_lines
from tests.scoring.conftest import result_of

pytestmark = pytest.mark.django_db

FULL_WIDTH = re.compile("[：（）、，；　]")


@pytest.fixture
def english():
    with translation.override("en"):
        yield


def line(cycle, unit, code, period="Q1"):
    lines = unit_indicator_lines(result=result_of(cycle, unit, period))
    return next(found for found in lines if found.indicator.code == code)


def completion_check(explanation: str) -> None:
    """Assert that ratio × maximum, rounded to two places, gives the points the line shows."""
    ratio, maximum, points = re.search(r"= ([\d.]+) × ([\d.]+) = ([\d.]+)$", explanation).groups()
    product = (Decimal(ratio) * Decimal(maximum)).quantize(Decimal("0.01"))
    assert product == Decimal(points), explanation


@pytest.mark.parametrize(
    ("value", "cap", "expected"),
    [
        (
            "3.0127",
            "1.2",
            "得分可超过分值 10（完成率上限 1.2）：完成率 3.0127/3 = 1.0042 × 10 = 10.04",
        ),
        ("2.9850", "1", "完成率 2.985/3 = 0.995 × 10 = 9.95"),
        # Two places would show 1.00: the cap applies because the ratio is above it.
        ("3.009", "1", "完成率 3.009/3 = 1.003，按上限 1 计 × 10 = 10.00"),
    ],
)
def test_a_completion_ratio_is_shown_with_the_places_its_points_need(
    cycle, make_units, make_indicator, put, compute, value, cap, expected
):
    (unit,) = make_units(1)
    indicator = make_indicator("C", 10, "completion", target=Decimal(3), cap=Decimal(cap))
    put(indicator, {unit: value})
    compute()
    explanation = line(cycle, unit, "C").explanation
    assert explanation == expected
    if "按上限" not in explanation:
        completion_check(explanation)


def test_a_score_above_the_maximum_says_the_cap_allows_it(
    cycle, make_units, make_indicator, put, compute
):
    first, second = make_units(2)
    indicator = make_indicator("C", 400, "completion", target=Decimal(8), cap=Decimal("1.2"))
    put(indicator, {first: "10", second: "8"})
    compute()

    assert line(cycle, first, "C").explanation == (
        "得分可超过分值 400（完成率上限 1.2）：完成率 10/8 = 1.25，按上限 1.2 计 × 400 = 480.00"
    )
    assert line(cycle, second, "C").explanation == "完成率 8/8 = 1 × 400 = 400.00"


def test_a_ratio_of_99_501_percent_is_not_shown_as_1(
    cycle, make_units, make_indicator, put, compute
):
    (unit,) = make_units(1)
    indicator = make_indicator("C", 10, "completion", target=Decimal(100))
    put(indicator, {unit: "99.501"})
    compute()
    explanation = line(cycle, unit, "C").explanation
    assert explanation == "完成率 99.501/100 = 0.995 × 10 = 9.95"
    completion_check(explanation)


def test_a_ratio_just_below_the_floor_is_not_shown_at_the_floor(
    cycle, make_units, make_indicator, put, compute
):
    (unit,) = make_units(1)
    indicator = make_indicator("C", 10, "completion", target=Decimal(100), floor=Decimal("0.5"))
    put(indicator, {unit: "49.9999"})
    compute()
    assert line(cycle, unit, "C").explanation == (
        "完成率 49.9999/100 = 0.499999，低于下限 0.5，得 0.00"
    )


def test_rank_points_that_reach_zero_say_so(cycle, make_units, make_indicator, put, compute):
    units = make_units(4)
    indicator = make_indicator("R", 10, "rank", step=Decimal(4))
    put(indicator, dict(zip(units, ["9", "7", "5", "3"], strict=True)))
    compute()
    assert line(cycle, units[1], "R").explanation == "第 2 名 / 共 4 个单位：10 − 1 × 4 = 6.00"
    assert line(cycle, units[3], "R").explanation == (
        "第 4 名 / 共 4 个单位：10 − 3 × 4（不低于 0） = 0.00"
    )


def test_more_deductions_than_the_maximum_say_the_points_stop_at_zero(
    cycle, make_units, make_indicator, put, compute
):
    (unit,) = make_units(1)
    indicator = make_indicator("D", 5, "deduction", per_incident=Decimal(2))
    put(indicator, {unit: "3"})
    compute()
    assert line(cycle, unit, "D").explanation == "扣分 3 次 × 2 = 6，超过满分 5，得 0.00"


def test_english_lines_take_their_punctuation_and_plurals_from_the_translation(
    cycle, make_units, make_indicator, put, compute, english
):
    units = make_units(3)
    rank = make_indicator("R", 10, "rank", min_share=Decimal("0.6"))
    single = make_indicator("S", 10, "rank", step=Decimal(2))
    deduction = make_indicator("D", 15, "deduction", per_incident=Decimal(1))
    many = make_indicator("M", 15, "deduction", per_incident=Decimal(1))
    veto = make_indicator("V", 0, "veto")
    put(rank, dict(zip(units, ["9", "7", "5"], strict=True)))
    put(single, {units[0]: "1"})
    put(deduction, {units[0]: "1"})
    put(many, {units[0]: "2"})
    for period in ("Q1", "Q2", "Q3"):
        put(veto, {units[0]: "1" if period != "Q3" else "0"}, period)
    compute()
    assert line(cycle, units[0], "R", "Q1").explanation.startswith("Place 1 of 3 units: 10 − ")
    assert line(cycle, units[0], "S").explanation == "Place 1 of 1 unit: 10 − 0 × 2 = 10.00"
    assert line(cycle, units[0], "D").explanation == "1 incident × 1 = 1, 15 − 1 = 14.00"
    assert line(cycle, units[0], "M").explanation == "2 incidents × 1 = 2, 15 − 2 = 13.00"
    vetoed = line(cycle, units[0], "V", "Y").explanation
    assert vetoed == "Veto: vetoed in Q1, Q2"
    for code in ("R", "S", "D", "M"):
        assert not FULL_WIDTH.search(line(cycle, units[0], code).explanation)
    assert not FULL_WIDTH.search(vetoed)


def test_a_bonus_not_reported_says_so_and_a_bonus_of_0_says_0(
    cycle, make_units, make_indicator, put, compute
):
    reported, not_reported = make_units(2)
    make_indicator("S", 10, "direct")
    put(make_indicator("B", 20, "bonus"), {reported: "0"})
    compute()
    assert line(cycle, reported, "B").explanation == "加分 0（上限 20）= 0.00"
    assert line(cycle, not_reported, "B").explanation == "未报加分，计 0 分（上限 20）"
    assert not line(cycle, not_reported, "B").missing


@pytest.mark.parametrize(
    ("votes", "maximum", "expected"),
    [
        # 29/32 = 0.90625 of 20 is 18.125, counted 18.13: 0.9062 × 20 would give 18.12.
        (
            {"excellent": 20, "competent": 9, "basic": 3},
            20,
            "民主测评 区领导（优秀 20、称职 9、基本称职 3，共 32 票）0.9063 × 1，"
            "加权平均 0.9063 × 20 = 18.13",
        ),
        # 2/3 of 50 is 33.33: 0.6667 × 50 would give 33.34.
        (
            {"excellent": 2, "incompetent": 1},
            50,
            "民主测评 区领导（优秀 2、不称职 1，共 3 票）0.6667 × 1，加权平均 0.66667 × 50 = 33.33",
        ),
    ],
)
def test_an_evaluations_weighted_mean_times_its_maximum_gives_its_points(
    cycle, make_units, make_indicator, compute, votes, maximum, expected
):
    (unit,) = make_units(1)
    evaluation = make_indicator("E", maximum, "evaluation")
    leaders = RaterGroup.objects.create(cycle=cycle, code="LD", name="区领导", weight="1")
    Vote.objects.create(indicator=evaluation, unit=unit, period="Q1", rater_group=leaders, **votes)
    compute()
    assert line(cycle, unit, "E").explanation == expected
