"""Reads behind the leaders' dashboards.

Pages read the stored results (`UnitResult`, `OfficialScore`) and never recompute them. Every
function here runs a fixed number of queries whatever the number of units.
"""

from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, FilteredRelation, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce

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
from scoring.services.explain import applicable_area_maxima, own_part_shown, ranked_together
from scoring.services.officials import ROLE_ORDER

CENT = Decimal("0.01")
TENTH = Decimal("0.1")
PERIOD_ORDER = [*QUARTERS, Period.YEAR]
GRADE_ORDER = [Grade.POOR, Grade.FAIR, Grade.GOOD, Grade.EXCELLENT]


def points_round(value) -> Decimal | None:
    """Round stored points (a Decimal or its string in JSON) to two places, half up."""
    if value is None or value == "":
        return None
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def points_moved(*, before, after) -> Decimal | None:
    """Return how far stored points (Decimals or their JSON strings) moved, in cents; None
    where either is missing."""
    if before is None or after is None:
        return None
    return points_round(Decimal(after) - Decimal(before))


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    # None where no indicator of the area applies to a unit in the period (unit pages).
    max_points: Decimal | None


def result_areas(*, cycle: Cycle) -> list[Area]:
    """Return the cycle's areas (一级指标) that count toward the 1000, in tree order."""
    return [
        Area(code=code, name=name, max_points=max_points)
        for code, name, max_points in Indicator.objects.filter(cycle=cycle, parent__isnull=True)
        .exclude(method__in=[Indicator.Method.BONUS, Indicator.Method.VETO])
        .order_by("sort_order", "code")
        .values_list("code", "name", "max_points")
    ]


def previous_year_pending(*, cycle: Cycle) -> bool:
    """Return whether the year before the cycle is still taking input: the 重点调整 flag
    (bottom two in both years) waits for its ranking to be final, so none is set yet."""
    previous = Cycle.objects.filter(year=cycle.year - 1).first()
    return previous is not None and not previous.is_locked


def latest_with_results(*, cycles: list[Cycle]) -> Cycle:
    """Return the first of `cycles` (latest first) that has stored results, else the first."""
    with_results = set(
        UnitResult.objects.filter(cycle__in=cycles)
        .order_by()
        .values_list("cycle_id", flat=True)
        .distinct()
    )
    return next((cycle for cycle in cycles if cycle.pk in with_results), cycles[0])


def result_periods(*, cycle: Cycle) -> list[str]:
    """Return the periods of the cycle that have stored results, quarters first, then Y."""
    # order_by(): the model's ordering would add its joined columns to the DISTINCT and sort
    # every result row of the cycle (25,000 at province scale) for a handful of periods.
    stored = set(
        UnitResult.objects.filter(cycle=cycle)
        .order_by()
        .values_list("period", flat=True)
        .distinct()
    )
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


def compared_quarter(*, period: str | None, periods: list[str]) -> str | None:
    """Return the quarter a unit's page compares `period` with: the one before it in the
    cycle, when it is among `periods` (those with results the audience may read)."""
    if period not in QUARTERS[1:]:
        return None
    before = QUARTERS[QUARTERS.index(period) - 1]
    return before if before in periods else None


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


def unit_next_grade(*, cycle: Cycle, result: UnitResult) -> RankedRow:
    """Return the result with the grade above its own and the points it lacks to its line."""
    row = RankedRow(result=result, areas=[])
    _next_grade_fill(row, cycle)
    return row


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
    """A unit's stored results across the periods of a cycle, the period's result, the
    category it was ranked in and that category's averages.

    `category_sizes` is, per period, the number of units ranked with the unit that period.
    """

    results: list[UnitResult]
    result: UnitResult | None
    category: UnitCategory
    category_sizes: dict[str, int]
    area_averages: dict[str, Decimal] = field(default_factory=dict)


def unit_overview(*, cycle: Cycle, unit: Unit, period: str | None) -> UnitOverview:
    """Return the unit's result per period and the area averages of the category it was
    ranked in for the period, as the cycle's results stored them (see `ranked_together`), in
    two queries."""
    results = list(
        UnitResult.objects.filter(cycle=cycle, unit=unit)
        .select_related("cycle", "category")
        .annotate(ranked_count=Subquery(_ranked_count()))
    )
    results.sort(key=lambda result: PERIOD_ORDER.index(result.period))
    result = next((result for result in results if result.period == period), None)
    averages = {}
    if result is not None:
        sums: Counter = Counter()
        area_points = ranked_together(
            cycle=cycle, period=period, category=result.category_id
        ).values_list("area_points", flat=True)
        for points in area_points:
            for code, value in points.items():
                sums[code] += Decimal(value)
        averages = {code: points_round(total / result.ranked_count) for code, total in sums.items()}
    return UnitOverview(
        results=results,
        result=result,
        # Without a result for the period, the category of its other results in the cycle,
        # and without any, its present one.
        category=(result or (results[-1] if results else unit)).category,
        category_sizes={result.period: result.ranked_count for result in results},
        area_averages=averages,
    )


def unit_official_scores(*, cycle: Cycle, unit: Unit) -> list[OfficialScore]:
    """Return the personal scores computed at the unit for the year, highest first (those of
    officials who have moved away since too: their score links to this unit's total), each
    with `own_part_shown`, its own part as its formula needs it (see `own_part_shown`)."""
    scores = list(
        OfficialScore.objects.filter(cycle=cycle, unit=unit, period=Period.YEAR)
        .select_related("official")
        .order_by("-score", "official__code")
    )
    for score in scores:
        score.own_part_shown = own_part_shown(score=score)
    return scores


def _ranked_count():
    """The number of units ranked with a result (its `ranked_together`), as a subquery."""
    return (
        ranked_together(
            cycle=OuterRef("cycle"), period=OuterRef("period"), category=OuterRef("category")
        )
        .order_by()
        .values("category")
        .annotate(size=Count("pk"))
        .values("size")
    )


def units_flagged(*, cycle: Cycle) -> list[UnitResult]:
    """Return the year's results flagged 重点调整 in every category, in the categories' order
    and rank within each, in one query."""
    return list(
        UnitResult.objects.filter(cycle=cycle, period=Period.YEAR, needs_adjustment=True)
        .select_related("unit", "category")
        .order_by("category__sort_order", "category__code", "rank", "unit__code")
    )


def units_compare(*, cycle: Cycle, period: str, unit_codes: list[str]) -> list[UnitResult]:
    """Return the stored results of the chosen units for the period, in the order chosen,
    each with `ranked_count`, the size of the category it was ranked in: units of different
    categories are compared, and place 10 is last of 10 but not of 12."""
    results = {
        result.unit.code: result
        for result in UnitResult.objects.filter(
            cycle=cycle, period=period, unit__code__in=unit_codes
        )
        .select_related("unit", "category")
        .annotate(ranked_count=Subquery(_ranked_count()))
    }
    return [results[code] for code in unit_codes if code in results]


@dataclass(frozen=True)
class AreaCompared:
    """A unit's points in an area beside what it could earn there in the period."""

    points: Decimal | None
    maximum: Decimal | None

    @property
    def points_shown(self) -> Decimal | None:
        return points_round(self.points)

    @property
    def share(self) -> Decimal | None:
        """The percentage of the maximum, one place, half up; None without points or maximum."""
        if self.points is None or not self.maximum:
            return None
        return (self.points / self.maximum * 100).quantize(TENTH, rounding=ROUND_HALF_UP)


def units_area_compared(
    *, cycle: Cycle, period: str, results: list[UnitResult], areas: list[Area]
) -> list[tuple[Area, list[AreaCompared]]]:
    """Return per area each result's points with what its unit could earn there in the period
    (`applicable_area_maxima`), as the unit's page counts it: units of different categories,
    or an area's annual indicators in a quarter, have different maxima, so 40 of 50 and 40 of
    200 are not the same 40. Two queries, none without results."""
    if not results:
        return [(area, []) for area in areas]
    maxima = applicable_area_maxima(
        cycle=cycle, period=period, category_ids=[result.category_id for result in results]
    )
    return [
        (
            area,
            [
                AreaCompared(
                    points=None
                    if (points := result.area_points.get(area.code)) is None
                    else Decimal(points),
                    maximum=maxima[result.category_id].get(area.code),
                )
                for result in results
            ],
        )
        for area in areas
    ]


def units_area_shares(
    *, results: list[UnitResult], area_rows: list[tuple[Area, list[AreaCompared]]]
) -> list[tuple[str, dict[str, Decimal]]]:
    """Return each result's unit name and, per area code, its share of what it could earn
    there (`units_area_compared`); an area without a share for the unit is left out."""
    return [
        (
            result.unit.name,
            {
                area.code: cells[index].share
                for area, cells in area_rows
                if cells[index].share is not None
            },
        )
        for index, result in enumerate(results)
    ]


def units_ranked(*, cycle: Cycle, period: str) -> list[tuple[str, str, str]]:
    """Return (code, name, category name) of the units with a result for the period, in the
    order of their categories, as the results stored them: a unit retired or moved since
    stays where it was ranked."""
    return list(
        UnitResult.objects.filter(cycle=cycle, period=period)
        .order_by("category__sort_order", "category__code", "unit__sort_order", "unit__code")
        .values_list("unit__code", "unit__name", "category__name")
    )


def official_list(
    *, cycle: Cycle, search: str = "", young_only: bool = False, by_score: bool = False
):
    """Return the officials with their annual personal score of the cycle, the unit that score
    was computed at, and their growth record: by unit (its category's order, then the unit's,
    the principal first), or with `by_score` the highest score first, those without one last.

    An official transferred since is listed at the unit their score links to (its total is in
    the score), and one no longer in office still shows the score they had. Each official
    carries `personal_score` and its unit (see `official_score_unit`); the records are
    prefetched, so a page costs three queries (count, page, records).
    """
    score_unit = "year_score__unit"
    by_unit = [
        *(
            Coalesce(f"{score_unit}__{field}", f"unit__{field}")
            for field in ("category__sort_order", "sort_order", "code")
        ),
        ROLE_ORDER,
        "code",
    ]
    officials = (
        Official.objects.annotate(
            year_score=FilteredRelation(
                "scores", condition=Q(scores__cycle=cycle, scores__period=Period.YEAR)
            ),
            personal_score=F("year_score__score"),
            score_unit_name=Coalesce(f"{score_unit}__name", "unit__name"),
        )
        .filter(Q(is_active=True) | Q(personal_score__isnull=False))
        .select_related("unit", score_unit)
        .prefetch_related(
            Prefetch("growth_records", queryset=GrowthRecord.objects.order_by("-date", "-pk"))
        )
        .order_by(*([F("personal_score").desc(nulls_last=True)] if by_score else []), *by_unit)
    )
    if "\x00" in search:  # no official's text holds a NUL, which PostgreSQL refuses in a query
        officials = officials.none()
    elif search:
        officials = officials.filter(
            Q(name__icontains=search)
            | Q(code__icontains=search)
            | Q(score_unit_name__icontains=search)
            | Q(position__icontains=search)
        )
    if young_only:
        officials = officials.filter(in_young_cadre_pool=True)
    return officials


def official_score_unit(official: Official) -> Unit:
    """Return the unit an official of `official_list` is shown at: where their score of the
    cycle was computed, or their present unit when they have none."""
    # Django sets the filtered relation only where it matched a row.
    score = getattr(official, "year_score", None)
    return score.unit if score is not None else official.unit
