"""Reads behind the leaders' dashboards.

Pages read the stored results (`UnitResult`, `OfficialScore`) and never recompute them. Every
function here runs a fixed number of queries whatever the number of units.
"""

from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, OuterRef, Prefetch, Q, Subquery

from cadre.models import GrowthRecord, Official, Unit, UnitCategory
from scoring.models import (
    QUARTERS,
    Cycle,
    Grade,
    Indicator,
    OfficialScore,
    Period,
    UnitResult,
)

CENT = Decimal("0.01")
PERIOD_ORDER = [*QUARTERS, Period.YEAR]
GRADE_ORDER = [Grade.POOR, Grade.FAIR, Grade.GOOD, Grade.EXCELLENT]


def points_round(value) -> Decimal | None:
    """Round stored points (a Decimal or its string in JSON) to two places, half up."""
    if value is None or value == "":
        return None
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    max_points: Decimal


def result_areas(*, cycle: Cycle) -> list[Area]:
    """Return the cycle's areas (一级指标) that count toward the 1000, in tree order."""
    return [
        Area(code=code, name=name, max_points=max_points)
        for code, name, max_points in Indicator.objects.filter(cycle=cycle, parent__isnull=True)
        .exclude(method__in=[Indicator.Method.BONUS, Indicator.Method.VETO])
        .order_by("sort_order", "code")
        .values_list("code", "name", "max_points")
    ]


def result_periods(*, cycle: Cycle) -> list[str]:
    """Return the periods of the cycle that have stored results, quarters first, then Y."""
    stored = set(UnitResult.objects.filter(cycle=cycle).values_list("period", flat=True).distinct())
    return [period for period in PERIOD_ORDER if period in stored]


def default_period(*, cycle: Cycle, periods: list[str]) -> str | None:
    """Return the period a page opens on: the year once the cycle is closed, before that the
    latest quarter with results, because a year still being filled scores its empty quarters 0."""
    if not periods:
        return None
    quarters = [period for period in periods if period != Period.YEAR]
    if cycle.is_locked or not quarters:
        return Period.YEAR if Period.YEAR in periods else periods[-1]
    return quarters[-1]


def previous_period(*, cycle: Cycle, period: str) -> tuple[int, str] | None:
    """Return (year, period) of the period a rank change is measured against.

    A quarter follows the quarter before it (Q1 follows the previous year's Q4); the year
    follows the previous year.
    """
    if period == Period.YEAR:
        return cycle.year - 1, Period.YEAR
    index = QUARTERS.index(period)
    if index == 0:
        return cycle.year - 1, Period.Q4
    return cycle.year, QUARTERS[index - 1]


@dataclass
class RankedRow:
    """One unit's line of the ranked table, with what it takes to move up."""

    result: UnitResult
    areas: list[Decimal | None]
    rank_change: int | None = None
    above: UnitResult | None = None
    gap_to_above: Decimal | None = None
    next_grade: Grade | None = None
    gap_to_next_grade: Decimal | None = None
    held_by_quota: bool = False

    @property
    def places_moved(self) -> int | None:
        return None if self.rank_change is None else abs(self.rank_change)

    @property
    def closest_gap(self) -> Decimal | None:
        gaps = [gap for gap in (self.gap_to_above, self.gap_to_next_grade) if gap is not None]
        return min(gaps) if gaps else None


def unit_ranking_list(
    *, cycle: Cycle, period: str, category: UnitCategory, areas: list[Area]
) -> list[RankedRow]:
    """Return the category's stored results for the period, best first, in two queries."""
    results = list(
        UnitResult.objects.filter(cycle=cycle, period=period, category=category)
        .select_related("unit")
        .order_by("rank", "-total", "unit__sort_order", "unit__code")
    )
    before = previous_period(cycle=cycle, period=period)
    previous_ranks = dict(
        UnitResult.objects.filter(
            cycle__year=before[0], period=before[1], category=category
        ).values_list("unit_id", "rank")
    )
    rows = []
    last_better = None
    for index, result in enumerate(results):
        row = RankedRow(
            result=result,
            areas=[points_round(result.area_points.get(area.code)) for area in areas],
        )
        if result.unit_id in previous_ranks:
            row.rank_change = previous_ranks[result.unit_id] - result.rank
        if index and results[index - 1].total > result.total:
            last_better = results[index - 1]
        if last_better is not None:
            row.above = last_better
            row.gap_to_above = last_better.total - result.total + CENT
        _next_grade_fill(row, cycle)
        rows.append(row)
    return rows


def _next_grade_fill(row: RankedRow, cycle: Cycle) -> None:
    """Set the grade above the row's own and the points missing to its threshold.

    A vetoed unit cannot rise above 一般; a unit already past the 优秀 line but kept out by the
    quota is marked as held by the quota.
    """
    result = row.result
    position = GRADE_ORDER.index(result.grade)
    if position + 1 >= len(GRADE_ORDER):
        return
    target = GRADE_ORDER[position + 1]
    if result.vetoed and target in (Grade.GOOD, Grade.EXCELLENT):
        return
    row.next_grade = target
    row.gap_to_next_grade = max(cycle.grade_thresholds[target] - result.total, Decimal(0))
    row.held_by_quota = row.gap_to_next_grade == 0


def grade_distribution(rows: list[RankedRow]) -> list[tuple[str, str, int]]:
    """Return (grade, label, count) for every grade, best first."""
    counts = Counter(row.result.grade for row in rows)
    return [(grade.value, grade.label, counts[grade]) for grade in reversed(GRADE_ORDER)]


def category_trend(*, cycle: Cycle, category: UnitCategory) -> dict:
    """Return the quarterly ranks of each unit of the category, in one query."""
    by_unit: dict[int, dict] = {}
    stored = (
        UnitResult.objects.filter(cycle=cycle, category=category, period__in=QUARTERS)
        .order_by("unit__sort_order", "unit__code")
        .values_list("unit_id", "unit__name", "period", "rank")
    )
    for unit_id, name, period, rank in stored:
        line = by_unit.setdefault(unit_id, {"name": name, "ranks": {}})
        line["ranks"][period] = rank
    return {
        "periods": [str(period.label) for period in QUARTERS],
        "series": [
            {
                "name": line["name"],
                "ranks": [line["ranks"].get(period) for period in QUARTERS],
            }
            for line in by_unit.values()
        ],
    }


@dataclass
class UnitOverview:
    """A unit's stored results across the periods of a cycle and its category's averages."""

    results: list[UnitResult]
    category_sizes: dict[str, int]
    area_averages: dict[str, Decimal] = field(default_factory=dict)


def unit_overview(*, cycle: Cycle, unit: Unit, period: str) -> UnitOverview:
    """Return the unit's result per period and the category's area averages for the period."""
    results = list(UnitResult.objects.filter(cycle=cycle, unit=unit).select_related("category"))
    results.sort(key=lambda result: PERIOD_ORDER.index(result.period))
    sizes = dict(
        UnitResult.objects.filter(cycle=cycle, category_id=unit.category_id)
        .values("period")
        .annotate(size=Count("pk"))
        .values_list("period", "size")
    )
    sums: Counter = Counter()
    area_points = UnitResult.objects.filter(
        cycle=cycle, category_id=unit.category_id, period=period
    ).values_list("area_points", flat=True)
    for points in area_points:
        for code, value in points.items():
            sums[code] += Decimal(value)
    size = sizes.get(period) or 1
    averages = {code: points_round(total / size) for code, total in sums.items()}
    return UnitOverview(results=results, category_sizes=sizes, area_averages=averages)


def unit_official_scores(*, cycle: Cycle, unit: Unit) -> list[OfficialScore]:
    """Return the personal scores computed at the unit for the year, highest first (those of
    officials who have moved away since too: their score links to this unit's total)."""
    return list(
        OfficialScore.objects.filter(cycle=cycle, unit=unit, period=Period.YEAR)
        .select_related("official")
        .order_by("-score", "official__code")
    )


def units_compare(*, cycle: Cycle, period: str, unit_codes: list[str]) -> list[UnitResult]:
    """Return the stored results of the chosen units for the period, in the order chosen."""
    results = {
        result.unit.code: result
        for result in UnitResult.objects.filter(
            cycle=cycle, period=period, unit__code__in=unit_codes
        ).select_related("unit", "category")
    }
    return [results[code] for code in unit_codes if code in results]


def official_list(*, cycle: Cycle, search: str = "", young_only: bool = False):
    """Return active officials with their annual personal score and growth record.

    The queryset annotates `personal_score` and prefetches the growth records, so a page of
    it costs three queries (count, page, records).
    """
    officials = (
        Official.objects.filter(is_active=True)
        .select_related("unit")
        .prefetch_related(
            Prefetch("growth_records", queryset=GrowthRecord.objects.order_by("-date", "-pk"))
        )
        .annotate(
            personal_score=Subquery(
                OfficialScore.objects.filter(
                    cycle=cycle, period=Period.YEAR, official=OuterRef("pk")
                ).values("score")[:1]
            )
        )
        .order_by("unit__category__sort_order", "unit__sort_order", "unit__code", "role", "code")
    )
    if search:
        officials = officials.filter(
            Q(name__icontains=search)
            | Q(code__icontains=search)
            | Q(unit__name__icontains=search)
            | Q(position__icontains=search)
        )
    if young_only:
        officials = officials.filter(in_young_cadre_pool=True)
    return officials


def personal_grade(*, cycle: Cycle, score: Decimal | None) -> Grade | None:
    """Return the grade the score's thresholds give (no quota applies to persons), or None
    while the cycle is still open: its annual score counts the quarters not yet filled as 0."""
    if score is None or not cycle.is_locked:
        return None
    for grade, threshold in cycle.grade_thresholds.items():
        if score >= threshold:
            return grade
    return Grade.POOR
