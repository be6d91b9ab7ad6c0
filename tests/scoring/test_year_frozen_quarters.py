"""The year takes a closed (or published) quarter's points as that quarter stored them: a unit
retired or added while the quarter is closed moves nobody's points of that quarter inside the
year, and the year's explanation agrees with the quarter's page the liaison already read."""

from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.utils import translation

from cadre.models import Unit
from scoring.models import Indicator, IndicatorValue, UnitResult
from scoring.services.cycles import cycle_quarter_close, cycle_quarter_publish
from scoring.services.explain import unit_indicator_lines
from scoring.services.points import unit_points
from scoring.services.refresh import results_refresh_unlocked
from scoring.services.values import CellInput, values_save
from tests.quarters import RANKED_FIGURES as FIGURES
from tests.quarters import ranked_district

pytestmark = pytest.mark.django_db

TEN_PLACES = Decimal("1e-10")


@pytest.fixture
def district():
    """2026, open: four towns, Q1 and Q2 entered through the entry service, Q1 closed."""
    made = ranked_district()
    made["cycle"] = cycle_quarter_close(cycle=made["cycle"], quarter="Q1", by=made["admin"])
    return made


def _year(cycle, code) -> UnitResult:
    return UnitResult.objects.select_related("cycle").get(cycle=cycle, unit__code=code, period="Y")


def _quarter_points(cycle, code, quarter) -> dict[str, Decimal]:
    """The quarter's points of a unit as its quarter page reads them."""
    result = UnitResult.objects.select_related("cycle").get(
        cycle=cycle, unit__code=code, period=quarter
    )
    return {line.indicator.code: line.points for line in unit_indicator_lines(result=result)}


def _year_lines(cycle, code) -> dict[str, str]:
    return {
        line.indicator.code: line.explanation
        for line in unit_indicator_lines(result=_year(cycle, code))
    }


def _year_points(cycle, code) -> dict[str, Decimal]:
    stored = unit_points(cycle=cycle, unit=Unit.objects.get(code=code))
    return stored["Y"]


def _weighted(q1: Decimal, q2: Decimal) -> Decimal:
    return (q1 * Decimal("0.25") + q2 * Decimal("0.25")).quantize(TEN_PLACES, ROUND_HALF_UP)


def test_a_unit_retired_while_q1_is_closed_moves_no_ones_q1_points_in_the_year(district):
    cycle = district["cycle"]
    q1_before = {code: _quarter_points(cycle, code, "Q1") for code in ("ZJ01", "ZJ02", "ZJ03")}
    # ZJ04 led both rank and best ratio in Q1: without it the others would move up.
    assert q1_before["ZJ01"]["R"] < 500 and q1_before["ZJ01"]["B"] < 500
    Unit.objects.filter(code="ZJ04").update(is_active=False)
    results_refresh_unlocked()
    for code, q1 in q1_before.items():
        # The quarter's page reads as it was closed.
        assert _quarter_points(cycle, code, "Q1") == q1, code
        q2 = _quarter_points(cycle, code, "Q2")
        year = _year_points(cycle, code)
        for indicator in ("R", "B"):
            assert year[indicator] == _weighted(q1[indicator], q2[indicator]), (code, indicator)
        lines = _year_lines(cycle, code)
        assert lines["R"].startswith(f"季度加权 Q1 {q1['R']:.2f} × 0.25 + "), lines["R"]
        assert "第一季度已关闭，按关闭时的得分计" in lines["R"], lines["R"]
    assert not UnitResult.objects.filter(cycle=cycle, unit__code="ZJ04", period="Y").exists()
    # Q2, still open, ranks the three towns left: ZJ02 first on R.
    assert _quarter_points(cycle, "ZJ02", "Q2")["R"] == Decimal(500)


def test_a_unit_added_while_q1_is_closed_counts_0_for_q1_and_its_year_says_why(district):
    cycle, admin = district["cycle"], district["admin"]
    q1_before = {code: _quarter_points(cycle, code, "Q1") for code in FIGURES["Q1"]}
    year_before = {code: _year(cycle, code).total for code in FIGURES["Q1"]}
    newcomer = Unit.objects.create(code="ZJ05", name="新设街道", category=district["towns"])
    leaves = {leaf.code: leaf for leaf in Indicator.objects.filter(cycle=cycle)}
    # The best Q2 figures of all: the others' Q2 points move, their Q1 points do not.
    cells = [
        CellInput(unit=newcomer, indicator=leaves[code], period="Q2", raw=raw)
        for code, raw in (("R", "99"), ("B", "60"), ("V", "0"))
    ]
    values_save(cycle=cycle, cells=cells, by=admin, source="填报页面")
    for code, q1 in q1_before.items():
        year = _year_points(cycle, code)
        q2 = _quarter_points(cycle, code, "Q2")
        assert year["R"] == _weighted(q1["R"], q2["R"]), code
        assert year["B"] == _weighted(q1["B"], q2["B"]), code
    assert _year(cycle, "ZJ04").total < year_before["ZJ04"]  # it lost its Q2 lead
    assert not UnitResult.objects.filter(cycle=cycle, unit=newcomer, period="Q1").exists()
    assert _year_points(cycle, "ZJ05") == {"R": Decimal(125), "B": Decimal(125)}
    lines = _year_lines(cycle, "ZJ05")
    assert lines["R"] == (
        "季度加权 Q1 0.00 × 0.25 + Q2 500.00 × 0.25 + Q3 0.00 × 0.25 + Q4 0.00 × 0.25 = 125.00"
        "；第一季度关闭时本单位未参加考核，按 0 分计"
    )
    assert _year(cycle, "ZJ05").missing == ["R", "B"]  # Q3 and Q4 are still to come
    cells = [
        CellInput(unit=unit, indicator=leaves[code], period=quarter, raw="50")
        for unit in Unit.objects.all()
        for quarter in ("Q3", "Q4")
        for code in ("R", "B")
    ]
    values_save(cycle=cycle, cells=cells, by=admin, source="填报页面")
    # It could not report in a quarter closed before it existed: nothing is missing there.
    assert _year(cycle, "ZJ05").missing == []


def test_the_year_keeps_the_veto_a_published_quarter_stored(district):
    cycle, admin = district["cycle"], district["admin"]
    cycle = cycle_quarter_publish(cycle=cycle, quarter="Q1", by=admin).cycle
    assert _year(cycle, "ZJ02").vetoed
    # Behind every path's back: the closed quarter's stored veto still holds for the year.
    IndicatorValue.objects.filter(indicator__code="V", period="Q1").update(value=0)
    results_refresh_unlocked()
    assert UnitResult.objects.get(unit__code="ZJ02", period="Q1").vetoed
    assert _year(cycle, "ZJ02").vetoed
    assert not _year(cycle, "ZJ01").vetoed
    assert _year_lines(cycle, "ZJ01")["B"].endswith("；第一季度已发布，按发布的得分计")


def test_with_nothing_moved_the_year_is_what_it_was_before_the_close(district):
    cycle, admin = district["cycle"], district["admin"]
    closed = {result.unit_id: result.total for result in UnitResult.objects.filter(period="Y")}
    results_refresh_unlocked()
    assert {r.unit_id: r.total for r in UnitResult.objects.filter(period="Y")} == closed
    cycle = cycle_quarter_close(cycle=cycle, quarter="Q2", by=admin)
    results_refresh_unlocked()
    assert {r.unit_id: r.total for r in UnitResult.objects.filter(period="Y")} == closed
    assert _year_lines(cycle, "ZJ03")["R"].endswith("；第一季度、第二季度已关闭，按关闭时的得分计")


def test_the_english_year_line_joins_its_kept_quarter_notes_with_a_semicolon(district):
    cycle, admin = district["cycle"], district["admin"]
    cycle = cycle_quarter_close(cycle=cycle, quarter="Q2", by=admin)
    with translation.override("en"):
        line = _year_lines(cycle, "ZJ03")["R"]
    assert line.endswith("; Q1, Q2 closed: counted with the points it was closed with"), line
    assert "；" not in line
