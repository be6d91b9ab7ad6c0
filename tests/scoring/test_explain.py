"""Explanations: one line per indicator and the parts of a total."""

from decimal import Decimal

import pytest

from cadre.models import Unit
from scoring.models import RaterGroup, UnitResult, Vote
from scoring.services.explain import unit_indicator_lines, unit_total_explanation
from tests.scoring.conftest import result_of

pytestmark = pytest.mark.django_db


def lines_by_code(cycle, unit, period="Q1"):
    return {
        line.indicator.code: line
        for line in unit_indicator_lines(result=result_of(cycle, unit, period))
    }


def test_lines_explain_each_method(cycle, make_units, make_indicator, put, compute, admin_user):
    units = make_units(3)
    area = make_indicator("A", 100, method="")
    completion = make_indicator("C", 25, "completion", parent=area, target=Decimal(100))
    rank = make_indicator("R", 10, "rank", parent=area, step=Decimal(1))
    best = make_indicator("BR", 10, "best_ratio", parent=area)
    deduction = make_indicator("D", 15, "deduction", parent=area, per_incident=Decimal(2))
    make_indicator("M", 40, parent=area)
    evaluation = make_indicator("E", 20, "evaluation")
    make_indicator("V", 0, "veto")
    put(completion, {units[0]: "92"})
    put(rank, dict(zip(units, ["5", "9", "7"], strict=True)))
    put(best, dict(zip(units, ["40", "80", "60"], strict=True)))
    put(deduction, {units[0]: "2"})
    group = RaterGroup.objects.create(cycle=cycle, code="LD", name="区领导", weight="1")
    Vote.objects.create(
        indicator=evaluation, unit=units[0], period="Q1", rater_group=group, excellent=3, basic=1
    )
    completion.values.update(entered_by=admin_user)
    compute()
    lines = lines_by_code(cycle, units[0])
    assert lines["C"].explanation == "完成率 92/100 = 0.92 × 25 = 23.00"
    assert lines["C"].points == Decimal(23)
    assert lines["C"].raw_value == Decimal(92)
    assert lines["C"].entered_by == admin_user.username
    assert lines["C"].area.code == "A"
    assert lines["R"].explanation == "第 3 名 / 共 3 个单位：10 − 2 × 1 = 8.00"
    assert lines["BR"].explanation == "对标最优 40/80 × 10 = 5.00"
    assert lines["D"].explanation == "扣分 2 次 × 2 = 4，15 − 4 = 11.00"
    assert lines["M"].missing and lines["M"].explanation == "未报送数据，计 0 分"
    assert lines["E"].votes == {
        "LD": {"excellent": 3, "competent": 0, "basic": 1, "incompetent": 0}
    }
    assert lines["E"].explanation == (
        "民主测评 区领导（优秀 3、基本称职 1，共 4 票）0.9000 × 1，加权平均 0.9000 × 20 = 18.00"
    )
    assert lines["E"].ballots_cast == 4 and lines["C"].ballots_cast is None
    assert lines["V"].explanation == "一票否决：未触发" and not lines["V"].missing


def test_year_line_shows_the_weighted_quarters(cycle, make_units, make_indicator, put, compute):
    (unit,) = make_units(1)
    indicator = make_indicator("A", 10)
    for period, value in [("Q1", "4"), ("Q2", "6"), ("Q3", "8"), ("Q4", "10")]:
        put(indicator, {unit: value}, period)
    compute()
    line = lines_by_code(cycle, unit, "Y")["A"]
    assert line.points == Decimal(7)
    assert line.explanation == (
        "季度加权 Q1 4.00 × 0.25 + Q2 6.00 × 0.25 + Q3 8.00 × 0.25 + Q4 10.00 × 0.25 = 7.00"
    )


def test_total_explanation(cycle, make_units):
    (unit,) = make_units(1)
    result = UnitResult(
        cycle=cycle,
        unit=unit,
        period="Y",
        category=unit.category,
        earned=Decimal("850.50"),
        applicable_max=Decimal("900"),
        bonus=Decimal("10"),
        adjustment=Decimal("-3"),
        total=Decimal("952.00"),
    )
    assert unit_total_explanation(result=result) == (
        "得分 850.50 / 适用满分 900.00 × 1000 = 945.00；加分 10.00；柔性调整 −3.00；总分 952.00"
    )


def test_year_line_shows_the_places_that_make_it_add_up(
    cycle, make_units, make_indicator, put, compute
):
    """Rounded to cents the quarters read 10.00 × 0.25 × 3 + 10.01 × 0.25 = 10.0025, which is
    not the 10.01 the year counts: the line shows the quarters as they were weighted."""
    (unit,) = make_units(1)
    indicator = make_indicator("A", 20)
    for period, value in [("Q1", "10.004"), ("Q2", "10.004"), ("Q3", "10.004"), ("Q4", "10.008")]:
        put(indicator, {unit: value}, period)
    compute()
    assert lines_by_code(cycle, unit, "Y")["A"].explanation == (
        "季度加权 Q1 10.004 × 0.25 + Q2 10.004 × 0.25 + Q3 10.004 × 0.25 + Q4 10.008 × 0.25 = 10.01"
    )


def test_a_year_kept_to_ten_places_across_a_half_cent_ends_with_those_places(
    cycle, make_units, make_indicator, put, compute
):
    """Completions of 0.04, 0.04 and 0.07 of 3 score 0.1333333333, 0.1333333333 and
    0.2333333333 (ten places, a third of 10⁻¹⁰ dropped from each); weighted by 0.25 they sum to
    0.124999999975, which the year keeps to ten places as 0.125 and counts 0.13. Ending with
    0.13, the line read as 0.12 to whoever added it up."""
    (unit,) = make_units(1)
    indicator = make_indicator("C", 10, "completion", target=Decimal(3))
    for period, value in [("Q1", "0.04"), ("Q2", "0.04"), ("Q3", "0.07"), ("Q4", "0")]:
        put(indicator, {unit: value}, period)
    compute()
    line = lines_by_code(cycle, unit, "Y")["C"]
    assert line.points == Decimal("0.125")
    assert line.explanation == (
        "季度加权 Q1 0.1333333333 × 0.25 + Q2 0.1333333333 × 0.25 + Q3 0.2333333333 × 0.25"
        " + Q4 0.00 × 0.25 = 0.125"
    )


def test_total_line_adds_up_with_a_weighted_bonus(cycle, make_units, make_indicator, put, compute):
    """The year's bonus is a quarter's 2.53 weighted by 0.25, 0.6325, and the total 500.64 is
    rounded once from 500.003 + 0.6325: in cents the line said 500.00 + 0.63 = 500.64, and
    50.00 / 100.00 × 1000 = 500.00 before it, which no calculator confirms."""
    (unit,) = make_units(1)
    put(make_indicator("A", 100, frequency="annual"), {unit: "50.0003"}, "Y")
    put(make_indicator("B", 10, "bonus"), {unit: "2.53"}, "Q1")
    year = compute()[unit.code, "Y"]
    assert (year.bonus, year.total) == (Decimal("0.6325"), Decimal("500.64"))
    assert unit_total_explanation(result=year) == (
        "得分 50.0003 / 适用满分 100.00 × 1000 = 500.003；加分 0.633；柔性调整 0.00；总分 500.64"
    )


@pytest.mark.parametrize("size", [2, 8])
def test_lines_take_a_fixed_number_of_queries(
    cycle, make_units, make_indicator, put, compute, django_assert_num_queries, size
):
    units = make_units(size)
    for number in range(size):
        indicator = make_indicator(f"R{number}", 10, "rank")
        put(indicator, {unit: str(index) for index, unit in enumerate(units)})
    compute()
    result = result_of(cycle, Unit.objects.get(code="ZJ01"))
    # tree, its categories, stored points, values, votes, category standings
    with django_assert_num_queries(6):
        lines = unit_indicator_lines(result=result)
    assert len(lines) == size
