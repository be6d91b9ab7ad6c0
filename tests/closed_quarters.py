"""An open year whose first quarter is closed and published, scored by the scoring service
itself with every kind of indicator, for the tests of what may still change under a closed
quarter; and the checks that its results still read as they were computed."""

import re
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction

from cadre import roles
from cadre.models import Unit, UnitCategory
from scoring.models import (
    QUARTERS,
    Cycle,
    Indicator,
    Period,
    RaterGroup,
    UnitResult,
)
from scoring.services.compute import normalised, points_round, results_compute, two_places
from scoring.services.cycles import cycle_quarter_close, cycle_quarter_publish
from scoring.services.evaluations import VoteCounts, votes_save
from scoring.services.explain import unit_indicator_lines
from scoring.services.points import unit_points
from scoring.services.values import CellInput, values_save
from tests.entry.conftest import user_with_role

SOURCE = "填报页面"
# Per unit: A1.1 direct, A1.2 completion (towns only), A2.1 rank, B1 bonus, V1 veto.
Q1_FIGURES = {
    "ZJ01": ("180", "95", "820", "15", "0"),
    "ZJ02": ("150", "130", "640", "", "0"),
    "JJ01": ("170", "", "700", "8", "1"),
    "JJ02": ("120", "", "910", "", "0"),
}
Q2_FIGURES = {"ZJ01": ("190", "100", "800", "", "0"), "JJ01": ("160", "", "720", "", "0")}


def closed_quarter_district() -> dict:
    """2026, open: towns ZJ01, ZJ02 (镇街 ZJ) and departments JJ01, JJ02 (经济部门 JJ), and a
    category XQ (园区) with no unit yet. The tree adds up to 1000:
    A1 (400): A1.1 direct 200, A1.2 completion 200 (target 100, towns only);
    A2 (400): A2.1 rank 200 (step 20), A2.2 completion 200, annual (target 50);
    A3 (200): A3.1 evaluation 200, rater groups LD (weight 1, Q1 votes) and QZ (weight 0.5,
    Q2 votes only); and outside the thousand B1 bonus 20, B2 annual bonus 30, V1 veto.
    Q1 and Q2 are entered through the entry services, then Q1 is closed and published.
    Returns the cycle, units, categories, indicators by code, groups by code and the admin."""
    admin = user_with_role("kaoheban", roles.ADMIN, is_staff=True, is_superuser=True)
    categories = {
        code: UnitCategory.objects.create(code=code, name=name, sort_order=order)
        for order, (code, name) in enumerate([("ZJ", "镇街"), ("JJ", "经济部门"), ("XQ", "园区")])
    }
    units = {
        code: Unit.objects.create(
            code=code, name=f"单位{code}", category=categories[code[:2]], sort_order=order
        )
        for order, code in enumerate(Q1_FIGURES)
    }
    cycle = Cycle.objects.create(year=2026, state=Cycle.State.OPEN)
    indicators = {}

    def node(code, max_points, parent=None, method="", categories_of=(), **params):
        indicators[code] = Indicator.objects.create(
            cycle=cycle,
            code=code,
            name=f"指标{code}",
            parent=indicators.get(parent),
            max_points=Decimal(max_points),
            method=method,
            sort_order=len(indicators),
            **params,
        )
        indicators[code].categories.set([categories[c] for c in categories_of])

    node("A1", 400)
    node("A1.1", 200, "A1", "direct")
    node("A1.2", 200, "A1", "completion", ["ZJ"], target=Decimal(100), cap=Decimal("1.2"))
    node("A2", 400)
    node("A2.1", 200, "A2", "rank", step=Decimal(20))
    node("A2.2", 200, "A2", "completion", frequency="annual", target=Decimal(50))
    node("A3", 200)
    node("A3.1", 200, "A3", "evaluation")
    node("B1", 20, method="bonus")
    node("B2", 30, method="bonus", frequency="annual")
    node("V1", 0, method="veto")
    groups = {
        code: RaterGroup.objects.create(cycle=cycle, code=code, name=name, weight=Decimal(weight))
        for code, name, weight in [("LD", "区领导", "1"), ("QZ", "服务对象", "0.5")]
    }
    leaves = [indicators[code] for code in ("A1.1", "A1.2", "A2.1", "B1", "V1")]
    cells = [
        CellInput(unit=units[code], indicator=leaf, period=period, raw=raw)
        for period, figures in (("Q1", Q1_FIGURES), ("Q2", Q2_FIGURES))
        for code, row in figures.items()
        for leaf, raw in zip(leaves, row, strict=True)
        if raw
    ]
    cells += [
        CellInput(unit=unit, indicator=indicators["A2.2"], period="Y", raw=figure)
        for unit, figure in zip(units.values(), ("40", "55", "30", "50"), strict=True)
    ]
    values_save(cycle=cycle, cells=cells, by=admin, source=SOURCE)
    for group, period, counts in (
        (groups["LD"], "Q1", (8, 2, 0, 0)),
        (groups["QZ"], "Q2", (5, 5, 0, 0)),
    ):
        for unit in units.values():
            votes_save(
                cycle=cycle,
                indicator=indicators["A3.1"],
                unit=unit,
                period=period,
                counts=[VoteCounts(group, *counts)],
                by=admin,
                source=SOURCE,
            )
    cycle_quarter_close(cycle=cycle, quarter="Q1", by=admin)
    cycle_quarter_publish(cycle=cycle, quarter="Q1", by=admin)
    return {
        "cycle": Cycle.objects.get(pk=cycle.pk),
        "units": units,
        "categories": categories,
        "indicators": indicators,
        "groups": groups,
        "admin": admin,
    }


def stored_results(cycle: Cycle, periods) -> dict:
    """What the scoring service stored for the periods, by unit code and period: the result
    and the points of each indicator as stored for the category it was ranked in."""
    stored = {}
    for result in UnitResult.objects.filter(cycle=cycle, period__in=periods).select_related(
        "unit", "category"
    ):
        points = unit_points(
            cycle=cycle, unit=Unit(pk=result.unit_id, category_id=result.category_id)
        )
        stored[result.unit.code, result.period] = (
            result.category.code,
            result.earned,
            result.applicable_max,
            result.bonus,
            result.total,
            result.rank,
            result.grade,
            result.vetoed,
            result.area_points,
            result.missing,
            points.get(result.period),
        )
    return stored


def closed_quarters_explained(cycle: Cycle) -> None:
    """Assert that every result of the cycle's closed quarters still reads as it was computed:
    its explanation (the explain service, from the tree and settings as they are now) adds up
    to the stored total; a recompute changes nothing in the closed quarters, whatever units
    were retired or added since; computing each quarter again from today's tree and settings,
    with the units it was closed with, gives exactly what is stored; the year's line of each
    quarterly indicator adds up the quarters' stored points too."""
    cycle = Cycle.objects.get(pk=cycle.pk)
    frozen = cycle.frozen_quarters
    results = UnitResult.objects.filter(cycle=cycle, period__in=frozen).select_related("cycle")
    assert results, "no closed quarter holds results"
    for result in results:
        where = f"{result.unit_id} {result.period}"
        lines = unit_indicator_lines(result=result)
        counted = [line for line in lines if not line.indicator.is_outside_thousand]
        assert sum(line.points for line in counted) == result.earned, where
        assert sum(line.indicator.max_points for line in counted) == result.applicable_max, where
        bonus = sum(line.points for line in lines if line.indicator.method == "bonus")
        assert points_round(min(bonus, cycle.bonus_cap)) == result.bonus, where
        for line in lines:
            if " = " in line.explanation:
                assert line.explanation.endswith(f"= {two_places(line.points)}"), line.explanation
        thousand = normalised(earned=result.earned, applicable_max=result.applicable_max)
        assert points_round(thousand + result.bonus + result.adjustment) == result.total, where
    _year_lines_add_up(cycle)
    stored = stored_results(cycle, frozen)
    with transaction.atomic():
        savepoint = transaction.savepoint()
        results_compute(cycle=cycle)
        assert stored_results(cycle, frozen) == stored, "a recompute changed a closed quarter"
        transaction.savepoint_rollback(savepoint)
    for quarter in frozen:
        with transaction.atomic():
            savepoint = transaction.savepoint()
            _units_as_closed(cycle=cycle, quarter=quarter)
            results_compute(cycle=cycle, periods=[quarter], frozen_too=True)
            recomputed = stored_results(cycle, [quarter])
            transaction.savepoint_rollback(savepoint)
        assert recomputed == stored_results(cycle, [quarter]), quarter


def _units_as_closed(*, cycle: Cycle, quarter: str) -> None:
    """Put the units back as the quarter was closed with: those it ranked, in the category it
    ranked them in, and no other (retired or created since, they were not, or not yet)."""
    ranked = UnitResult.objects.filter(cycle=cycle, period=quarter)
    Unit.objects.exclude(pk__in=ranked.values("unit")).update(is_active=False)
    for unit_id, category_id in ranked.values_list("unit_id", "category_id"):
        Unit.objects.filter(pk=unit_id).update(is_active=True, category_id=category_id)


def _year_lines_add_up(cycle: Cycle) -> None:
    """Each quarterly indicator's line of the year, Σ weight × the quarter's points, adds up
    with the quarters' points as its explanation reads them: those stored for the category
    the year ranks the unit in, for a closed quarter those it was closed with, as its line
    says (0 where the quarter did not assess the unit in that category)."""
    weights = cycle.quarter_weights
    for result in UnitResult.objects.filter(cycle=cycle, period=Period.YEAR).select_related(
        "cycle"
    ):
        stored = unit_points(
            cycle=cycle, unit=Unit(pk=result.unit_id, category_id=result.category_id)
        )
        for line in unit_indicator_lines(result=result):
            quarterly = line.indicator.frequency == Indicator.Frequency.QUARTERLY
            if not quarterly or line.indicator.method == "veto":
                continue
            weighted = sum(
                weights[q] * stored.get(q, {}).get(line.indicator.code, Decimal(0))
                for q in QUARTERS
            )
            assert weighted.quantize(Decimal("1e-10"), ROUND_HALF_UP) == line.points, (
                f"{result.unit_id} {line.indicator.code}: {line.explanation}"
            )
            for quarter in cycle.frozen_quarters:
                label = Period(quarter).label
                said = "关闭时本单位未参加考核" if quarter not in stored else "按关闭时的得分计"
                if quarter in stored and cycle.quarter_state(quarter) == "published":
                    said = "按发布的得分计"
                assert re.search(f"；[^；]*{label}[^；]*{said}", line.explanation), (
                    f"{result.unit_id} {quarter}: {line.explanation}"
                )
