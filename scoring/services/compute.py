"""The scoring service: from indicator values to ranked, graded, stored results.

`scoring.services.points` scores every value of the chosen categories exactly, in integer
arrays; this module adds the points up per unit, area and period, then finishes per unit in
Python with Decimal: normalisation, bonus cap, adjustments, rounding (two places, half up),
ranks, grades, the 优秀 quota and the 重点调整 flag. The number of queries does not depend on
the number of units.
"""

import json
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
from django.db import connection, transaction
from django.db.models import Case, Q, When
from django.utils import timezone

from cadre.models import Official, Unit, UnitCategory
from scoring.models import (
    KEY_UNIT_SHIFT,
    QUARTER_STATE_FIELDS,
    QUARTERS,
    THOUSAND,
    Adjustment,
    CategoryPoints,
    Cycle,
    Grade,
    IndicatorValue,
    OfficialScore,
    Period,
    Responsibility,
    UnitResult,
    Vote,
)
from scoring.services.gc_pause import gc_paused
from scoring.services.points import (
    INT64_MAX,
    PERIODS,
    POINT_PLACES,
    POINTS_PER_FIGURE,
    ROW,
    SCALE,
    YEAR,
    ChangedValues,
    CyclePoints,
    cycle_points,
    figure_decimal,
    packable,
    points_decimal,
    points_text,
    positions_in,
    rounded_division,
    scaled,
)
from scoring.services.sql import integer_columns, rows_insert, table_name

CENT = Decimal("0.01")
BOTTOM_PLACES = 2
# The states whose results are final (`Cycle.is_locked`), as a query needs them.
FINAL_STATES = [Cycle.State.CLOSED, Cycle.State.PUBLISHED]


def points_round(value: Decimal) -> Decimal:
    """Round points to two places, half up, as every total and score is."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def two_places(value: Decimal) -> str:
    """Points as shown to people: two places, half up, e.g. 23.00."""
    return f"{points_round(value):.2f}"


def normalised(*, earned: Decimal, applicable_max: Decimal) -> Decimal:
    """The 千分制 score before bonus and adjustments: earned / applicable maximum × 1000."""
    return earned / applicable_max * THOUSAND if applicable_max else Decimal(0)


@dataclass
class _Standing:
    """One unit's result for one period while it is being finished in Python."""

    unit_id: int
    unit_code: str
    category_id: int
    period: str
    position: int
    earned: Decimal
    applicable_max: Decimal
    bonus: Decimal
    adjustment: Decimal
    vetoed: bool
    total: Decimal = Decimal(0)
    rank: int = 0
    grade: str = Grade.POOR
    needs_adjustment: bool = False


def _competition_places(totals: list[Decimal]) -> list[int]:
    """Places for totals sorted best first: equal totals share the better place (1, 2, 2, 4)."""
    places = []
    for index, total in enumerate(totals):
        places.append(places[-1] if index and total == totals[index - 1] else index + 1)
    return places


def _bottom_unit_ids(rows: Iterable[tuple[int, int, Decimal]]) -> set[int]:
    """Units (of rows: unit, category, total) with at most two units of their category at or
    below their total."""
    rows = list(rows)
    by_category = defaultdict(list)
    for _unit_id, category_id, total in rows:
        by_category[category_id].append(total)
    for totals in by_category.values():
        totals.sort()
    return {
        unit_id
        for unit_id, category_id, own in rows
        if bisect_right(by_category[category_id], own) <= BOTTOM_PLACES
    }


def _year_results(*, year: int):
    return UnitResult.objects.filter(cycle__year=year, period=Period.YEAR)


def _final_year_results(*, year: int):
    """The year's annual results once they are final: the 重点调整 flag compares two years'
    rankings, and a year still taking input (or not there at all) has no ranking to compare
    with yet, only a provisional one that counts its unfilled quarters as 0."""
    return _year_results(year=year).filter(cycle__state__in=FINAL_STATES)


def _grade(*, cycle: Cycle, standing: _Standing, at_or_above: int, size: int) -> str:
    """优秀 within the quota and not vetoed; a vetoed unit is 一般 at best."""
    quota = int(size * cycle.excellent_share)  # int() floors: both factors are non-negative
    total = standing.total
    if total >= cycle.excellent_min and not standing.vetoed and at_or_above <= quota:
        return Grade.EXCELLENT
    if total >= cycle.good_min and not standing.vetoed:
        return Grade.GOOD
    if total >= cycle.fair_min:
        return Grade.FAIR
    return Grade.POOR


def _rank_and_grade(*, cycle: Cycle, standings: list[_Standing]) -> None:
    groups = defaultdict(list)
    for standing in standings:
        groups[standing.category_id, standing.period].append(standing)
    for group in groups.values():
        group.sort(key=lambda standing: (-standing.total, standing.unit_code))
        totals = [standing.total for standing in group]
        # Ascending, so that bisection counts the totals at or above each one.
        negated = [-total for total in totals]
        for standing, place in zip(group, _competition_places(totals), strict=True):
            standing.rank = place
            at_or_above = bisect_right(negated, -standing.total)
            standing.grade = _grade(
                cycle=cycle, standing=standing, at_or_above=at_or_above, size=len(group)
            )


def _standings_finish(*, cycle: Cycle, standings: list[_Standing]) -> None:
    for standing in standings:
        thousand = normalised(earned=standing.earned, applicable_max=standing.applicable_max)
        standing.total = points_round(thousand + standing.bonus + standing.adjustment)
    _rank_and_grade(cycle=cycle, standings=standings)
    previous = _final_year_results(year=cycle.year - 1).values_list(
        "unit_id", "category_id", "total"
    )
    flagged = _bottom_unit_ids(_year_rows(standings)) & _bottom_unit_ids(previous)
    for standing in standings:
        standing.needs_adjustment = standing.period == Period.YEAR and standing.unit_id in flagged


def _year_rows(standings: list[_Standing]) -> list[tuple[int, int, Decimal]]:
    return [
        (standing.unit_id, standing.category_id, standing.total)
        for standing in standings
        if standing.period == Period.YEAR
    ]


def _next_year_flags_refresh(
    *, cycle: Cycle, rows: list[tuple[int, int, Decimal]], category_ids: set[int] | None = None
) -> None:
    """The 重点调整 flag of the following year depends on this year's annual results (`rows`:
    unit, category, total) once they are final: refresh it, in the given categories (all when
    None), whatever the following year's state. The flag is no score of that year but a
    consequence of two years' final rankings: a following year closed first keeps its totals,
    ranks and grades, and gets its flags when this year becomes final (cleared again while
    this one is reopened), instead of staying undecided for good."""
    following_cycle = Cycle.objects.filter(year=cycle.year + 1).first()
    if following_cycle is None:
        return
    following = UnitResult.objects.filter(cycle=following_cycle, period=Period.YEAR)
    if category_ids is not None:
        following = following.filter(category_id__in=category_ids)
    flagged = set()
    if cycle.is_locked:
        following_rows = list(following.values_list("unit_id", "category_id", "total"))
        flagged = _bottom_unit_ids(following_rows) & _bottom_unit_ids(rows)
    following.update(needs_adjustment=Case(When(unit_id__in=flagged, then=True), default=False))


def following_year_flags_refresh(*, cycle: Cycle) -> None:
    """Refresh the following year's 重点调整 flags after the cycle's state changed: they are
    set once this year is closed or published, and cleared again when it is reopened."""
    rows = list(_year_results(year=cycle.year).values_list("unit_id", "category_id", "total"))
    _next_year_flags_refresh(cycle=cycle, rows=rows)


@dataclass
class _Sums:
    """Per period row and unit: the sums a unit result is made of."""

    earned: np.ndarray
    applicable_max: np.ndarray
    bonus: np.ndarray
    vetoed: np.ndarray
    scored: np.ndarray
    missing: np.ndarray
    areas: dict[str, tuple[np.ndarray, np.ndarray]]


def _summed(points: np.ndarray) -> np.ndarray:
    """Sum over the leaves, with Python integers should 64 bits not hold the sum."""
    if len(points) and np.abs(points).max(initial=0) > INT64_MAX // len(points):
        points = points.astype(object)
    return points.sum(axis=0)


def _sums(scored: CyclePoints) -> _Sums:
    leaves = scored.leaves
    counted = [index for index, leaf in enumerate(leaves) if leaf.counted]
    bonus = [index for index, leaf in enumerate(leaves) if leaf.method == "bonus"]
    quarterly = np.array([leaf.quarterly for leaf in leaves], dtype=bool)
    quarter_rows = [ROW[quarter] for quarter in QUARTERS]
    missing = scored.missing.copy()
    missing[:, YEAR] |= quarterly[:, None] & scored.missing[:, quarter_rows].any(axis=1)
    vetoed = scored.vetoed.copy()
    vetoed[YEAR] |= vetoed[quarter_rows].any(axis=0)
    # At most 10^12 ten-thousandths each (numeric(10, 2)): their sums fit 64 bits.
    maxima = np.array([leaves[index].max_points for index in counted], dtype=np.int64)
    areas = {}
    for area_code in dict.fromkeys(leaf.area_code for leaf in leaves):
        members = [index for index in counted if leaves[index].area_code == area_code]
        if members:
            areas[area_code] = (
                _summed(scored.points[members]),
                scored.applies[members].any(axis=0),
            )
    return _Sums(
        earned=_summed(scored.points[counted]),
        applicable_max=np.tensordot(maxima, scored.applies[counted].astype(np.int64), axes=(0, 0)),
        bonus=_summed(scored.points[bonus]),
        vetoed=vetoed,
        scored=scored.applies.any(axis=0),
        missing=missing,
        areas=areas,
    )


def _reported_periods(
    *, cycle: Cycle, periods: set[str], changed: ChangedValues | None = None
) -> list[str]:
    """The requested periods that have results: a quarter nobody has reported for yet gets
    none (the year always does), unless it has `changed` values. One EXISTS per quarter stops
    at its first row, where a DISTINCT over the periods would read every value of the cycle."""
    changed_periods = {period for _unit, _indicator, period in changed or {}}
    return [
        period
        for period in PERIODS
        if period in periods
        and (
            period == Period.YEAR
            or period in changed_periods
            or IndicatorValue.objects.filter(indicator__cycle=cycle, period=period).exists()
            or Vote.objects.filter(indicator__cycle=cycle, period=period).exists()
        )
    ]


def _standings_build(
    *, cycle: Cycle, scored: CyclePoints, sums: _Sums, periods: list[str]
) -> list[_Standing]:
    adjustments = defaultdict(Decimal)
    for unit_id, period, points in Adjustment.objects.filter(
        cycle=cycle, period__in=periods
    ).values_list("unit_id", "period", "points"):
        adjustments[unit_id, period] += points
    unit_ids, categories = scored.unit_ids.tolist(), scored.unit_categories.tolist()
    standings = []
    for period in periods:
        row = ROW[period]
        earned, maxima = sums.earned[row].tolist(), sums.applicable_max[row].tolist()
        bonus, vetoed = sums.bonus[row].tolist(), sums.vetoed[row].tolist()
        for position in np.flatnonzero(sums.scored[row]).tolist():
            unit_id = unit_ids[position]
            standings.append(
                _Standing(
                    unit_id=unit_id,
                    unit_code=scored.unit_codes[position],
                    category_id=categories[position],
                    period=period,
                    position=position,
                    earned=points_decimal(earned[position]),
                    applicable_max=figure_decimal(maxima[position]),
                    bonus=min(points_decimal(bonus[position]), cycle.bonus_cap),
                    adjustment=adjustments[unit_id, period],
                    vetoed=vetoed[position],
                )
            )
    return standings


def _missing_texts(*, scored: CyclePoints, sums: _Sums, rows: set[int]) -> dict[int, list[str]]:
    """Per period row, each unit's JSON list of the indicators it has no value for.

    Built once per distinct pattern of missing cells: where much is missing (nothing yet for
    the quarters to come) units share a few, and walking every missing cell of the five
    periods took 0.4 s for 5,000 units."""
    quoted = [json.dumps(leaf.code, ensure_ascii=False) for leaf in scored.leaves]
    texts = {}
    for row in rows:
        cells = sums.missing[:, row, :].T
        known: dict[bytes, str] = {}
        texts[row] = row_texts = []
        for position, packed in enumerate(np.packbits(cells, axis=1)):
            key = packed.tobytes()
            text = known.get(key)
            if text is None:
                absent = np.flatnonzero(cells[position]).tolist()
                text = known[key] = f"[{','.join(quoted[index] for index in absent)}]"
            row_texts.append(text)
    return texts


def _results_write(
    *, cycle: Cycle, scored: CyclePoints, sums: _Sums, standings: list[_Standing], cursor
) -> None:
    written = {ROW[standing.period] for standing in standings}
    missing = _missing_texts(scored=scored, sums=sums, rows=written)
    # JSON text built directly: 25,000 results, each with its area subtotals, as text only in
    # the periods written (closing a quarter writes two of the five).
    areas = [
        (
            json.dumps(area_code, ensure_ascii=False),
            {row: [points_text(value) for value in earned[row].tolist()] for row in written},
            has.tolist(),
        )
        for area_code, (earned, has) in sums.areas.items()
    ]
    stamp = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = []
    for standing in standings:
        row, position = ROW[standing.period], standing.position
        area_points = ",".join(
            [f'{code}:"{texts[row][position]}"' for code, texts, has in areas if has[row][position]]
        )
        rows.append(
            (
                cycle.pk,
                standing.unit_id,
                standing.period,
                standing.category_id,
                standing.earned,
                standing.applicable_max,
                standing.bonus,
                standing.adjustment,
                standing.total,
                standing.rank,
                standing.grade,
                standing.vetoed,
                standing.needs_adjustment,
                f"{{{area_points}}}",
                missing[row][position],
                stamp,
            )
        )
    rows_insert(
        cursor,
        UnitResult,
        [
            "cycle_id",
            "unit_id",
            "period",
            "category_id",
            "earned",
            "applicable_max",
            "bonus",
            "adjustment",
            "total",
            "rank",
            "grade",
            "vetoed",
            "needs_adjustment",
            "area_points",
            "missing",
            "computed_at",
        ],
        rows,
    )


def _category_points_write(*, cycle: Cycle, scored: CyclePoints, periods, cursor) -> None:
    """Store each category's points matrix per period (see `CategoryPoints`)."""
    shown = np.array([leaf.method != "veto" for leaf in scored.leaves], dtype=bool)
    stamp = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = []
    for category_id in np.unique(scored.unit_categories).tolist():
        members = np.flatnonzero(scored.unit_categories == category_id)
        for period in periods:
            row = ROW[period]
            columns = np.flatnonzero(shown & scored.applies[:, row, members[0]])
            matrix = scored.points[np.ix_(columns, [row], members)][:, 0, :].T
            rows.append(
                (
                    cycle.pk,
                    category_id,
                    period,
                    json.dumps(scored.unit_ids[members].tolist()),
                    json.dumps(
                        [scored.leaves[index].code for index in columns], ensure_ascii=False
                    ),
                    _matrix_bytes(matrix),
                    stamp,
                )
            )
    rows_insert(
        cursor,
        CategoryPoints,
        [
            "cycle_id",
            "category_id",
            "period",
            "unit_ids",
            "indicator_codes",
            "points",
            "computed_at",
        ],
        rows,
    )


def _matrix_bytes(matrix: np.ndarray) -> bytes:
    """The matrix as little-endian integers: 32-bit when every cell fits, half the bytes to
    store, else 64-bit (the reader tells them apart by the length)."""
    narrow = np.iinfo(np.int32)
    fits = not matrix.size or narrow.min <= matrix.min() and matrix.max() <= narrow.max
    return np.ascontiguousarray(matrix, dtype="<i4" if fits else "<i8").tobytes()


def _official_scores_write(
    *, cycle: Cycle, scored: CyclePoints, standings: list[_Standing], category_ids, cursor
) -> None:
    """Personal scores (linked assessment): α × unit total + (1 − α) × own part, the own part
    being the year's points of the indicators the official answers for, over their maximum."""
    year_totals = {
        standing.position: standing.total
        for standing in standings
        if standing.period == Period.YEAR
    }
    position_of = {int(unit_id): position for position, unit_id in enumerate(scored.unit_ids)}
    officials = [
        (official_id, position_of[unit_id], role)
        for official_id, unit_id, role in Official.objects.filter(
            is_active=True, unit__category_id__in=category_ids
        )
        .order_by("pk")
        .values_list("pk", "unit_id", "role")
        if position_of.get(unit_id) in year_totals
    ]
    earned, maximum = _own_points(
        scored=scored,
        official_ids=np.array([official_id for official_id, _, _ in officials], dtype=np.int64),
        unit_positions=np.array([position for _, position, _ in officials], dtype=np.int64),
        cursor=cursor,
    )
    totals = [year_totals[position] for _, position, _ in officials]
    alphas = [
        cycle.alpha_principal if role == Official.Role.PRINCIPAL else cycle.alpha_member
        for _, _, role in officials
    ]
    own_parts, scores = _linked_scores(
        unit_cents=np.array([int(total * 100) for total in totals], dtype=object),
        alphas=np.array([scaled(alpha) for alpha in alphas], dtype=object),
        earned=earned.astype(object),
        maximum=maximum.astype(object),
    )
    stamp = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = [
        (
            cycle.pk,
            official_id,
            int(scored.unit_ids[position]),
            Period.YEAR,
            total,
            Decimal(own_part).scaleb(-POINT_PLACES),
            alpha,
            Decimal(score).scaleb(-2),
            stamp,
        )
        for (official_id, position, _), total, alpha, own_part, score in zip(
            officials, totals, alphas, own_parts.tolist(), scores.tolist(), strict=True
        )
    ]
    rows_insert(
        cursor,
        OfficialScore,
        [
            "cycle_id",
            "official_id",
            "unit_id",
            "period",
            "unit_total",
            "own_part",
            "alpha",
            "score",
            "computed_at",
        ],
        rows,
    )


def _linked_scores(*, unit_cents, alphas, earned, maximum):
    """Own parts in units of 10⁻¹⁰ and personal scores in cents, exactly: the own part is
    earned / maximum × 1000 (the unit total when the official answers for nothing that
    applies), the score α × unit total + (1 − α) × own part, rounded half up once from the
    exact own part. Arguments are Python integer arrays: cents, α in ten-thousandths, points
    in units of 10⁻¹⁰."""
    answers = maximum > 0
    divisor = np.where(answers, maximum, 1)
    own_parts = np.where(
        answers,
        rounded_division(earned * 1000 * 10**POINT_PLACES, divisor),
        unit_cents * 10 ** (POINT_PLACES - 2),
    )
    scores = np.where(
        answers,
        rounded_division(
            alphas * unit_cents * divisor + (SCALE - alphas) * earned * 100_000, SCALE * divisor
        ),
        unit_cents,
    )
    return own_parts, scores


def _own_points(*, scored: CyclePoints, official_ids: np.ndarray, unit_positions, cursor):
    """Year points and their maximum per official (of the sorted `official_ids`, whose units
    are at `unit_positions`), over the indicators each answers for that apply to the unit."""
    earned = np.zeros(len(official_ids), dtype=np.int64)
    maximum = np.zeros(len(official_ids), dtype=np.int64)
    counted = [index for index, leaf in enumerate(scored.leaves) if leaf.counted]
    packable(official_ids, 63 - KEY_UNIT_SHIFT, "official")
    if counted and len(official_ids):
        counted_ids = np.array([scored.leaves[index].pk for index in counted], dtype=np.int64)
        # One packed column: COPY's cost is per field, and there are a province's 500,000.
        (duties,) = integer_columns(
            cursor,
            f"SELECT official_id * {2**KEY_UNIT_SHIFT} + indicator_id "
            f"FROM {table_name(Responsibility)} "
            f"WHERE indicator_id IN ({', '.join(map(str, counted_ids.tolist()))})",
            1,
        )
        duty_officials, duty_indicators = duties >> KEY_UNIT_SHIFT, duties & (2**KEY_UNIT_SHIFT - 1)
        numbers, known_official = positions_in(official_ids, duty_officials)
        leaves, known_leaf = positions_in(counted_ids, duty_indicators)
        known = known_official & known_leaf
        numbers, leaves = numbers[known], np.array(counted, dtype=np.int64)[leaves[known]]
        units = unit_positions[numbers]
        applies = scored.applies[leaves, YEAR, units]
        maxima = np.array(
            [leaf.max_points * POINTS_PER_FIGURE for leaf in scored.leaves], dtype=np.int64
        )
        np.add.at(earned, numbers[applies], scored.points[leaves, YEAR, units][applies])
        np.add.at(maximum, numbers[applies], maxima[leaves][applies])
    return earned, maximum


def _stale_results_delete(*, cycle: Cycle, periods: set[str], category_ids: list[int]) -> None:
    # Units by a subquery rather than a join, so that PostgreSQL deletes in one plain
    # statement instead of collecting the ids first.
    units = Unit.objects.filter(category_id__in=category_ids).values("pk")
    UnitResult.objects.filter(cycle=cycle, period__in=periods).filter(
        Q(category_id__in=category_ids) | Q(unit_id__in=units)
    ).delete()
    CategoryPoints.objects.filter(
        cycle=cycle, period__in=periods, category_id__in=category_ids
    ).delete()
    # An official who moved into one of these units since has a score at their old unit,
    # which their new one replaces.
    OfficialScore.objects.filter(cycle=cycle, period=Period.YEAR).filter(
        Q(unit_id__in=units)
        | Q(official_id__in=Official.objects.filter(unit_id__in=units).values("pk"))
    ).delete()


def _periods_to_compute(
    *, cycle: Cycle, periods: Iterable[str] | None, frozen_too: bool
) -> tuple[set[str], list[str]]:
    """The periods to compute (the year always) and the closed quarters kept as stored."""
    periods = {Period(period) for period in periods or Period.values} | {Period.YEAR}
    # Read again: `cycle` may have been loaded before a quarter closed.
    frozen = Cycle.objects.only(*QUARTER_STATE_FIELDS.values()).get(pk=cycle.pk).frozen_quarters
    if not frozen_too:
        periods -= set(frozen)
    return periods, [quarter for quarter in frozen if quarter not in periods]


def _standings_compute(
    *,
    cycle: Cycle,
    periods: set[str],
    category_ids: list[int],
    every_category: bool,
    kept_quarters: list[str],
    values_changed: ChangedValues | None = None,
) -> tuple[CyclePoints, _Sums, list[str], list[_Standing]]:
    """Score the categories and finish their standings, reading only: the points, their sums,
    the periods reported and the ranked, graded standings."""
    scored = cycle_points(
        cycle=cycle,
        category_ids=category_ids,
        every_category=every_category,
        kept_quarters=kept_quarters,
        values_changed=values_changed,
    )
    sums = _sums(scored)
    reported = _reported_periods(cycle=cycle, periods=periods, changed=values_changed)
    standings = _standings_build(cycle=cycle, scored=scored, sums=sums, periods=reported)
    _standings_finish(cycle=cycle, standings=standings)
    return scored, sums, reported, standings


def results_unsaved(
    *,
    cycle: Cycle,
    period: str,
    category: UnitCategory,
    values_changed: ChangedValues | None = None,
) -> list[UnitResult]:
    """Return the category's results for the period as `results_compute` with `frozen_too`
    would store them, unsaved, computed with the settings of `cycle` as given (quarter
    weights changed and not saved, say) and with `values_changed` in place of the stored ones.

    Nothing is written, so nothing is locked: a what-if never makes a save or a close wait.
    """
    periods, kept_quarters = _periods_to_compute(cycle=cycle, periods=[period], frozen_too=True)
    _scored, _sums, _reported, standings = _standings_compute(
        cycle=cycle,
        periods=periods,
        category_ids=[category.pk],
        every_category=False,
        kept_quarters=kept_quarters,
        values_changed=values_changed,
    )
    return [
        UnitResult(
            cycle=cycle,
            unit_id=standing.unit_id,
            period=standing.period,
            category_id=standing.category_id,
            earned=standing.earned,
            applicable_max=standing.applicable_max,
            bonus=standing.bonus,
            adjustment=standing.adjustment,
            total=standing.total,
            rank=standing.rank,
            grade=standing.grade,
            vetoed=standing.vetoed,
            needs_adjustment=standing.needs_adjustment,
        )
        for standing in standings
        if standing.period == period
    ]


@transaction.atomic
@gc_paused()
def results_compute(
    *,
    cycle: Cycle,
    periods: Iterable[str] | None = None,
    categories: Iterable[UnitCategory] | None = None,
    frozen_too: bool = False,
) -> None:
    """Recompute and store the results of `cycle` for the given periods and categories.

    Periods default to all five and categories to all of them. The year depends on the
    quarters, so asking for a quarter recomputes the year of the same categories as well.
    Officials' personal scores are recomputed whenever the year is. A quarter closed on its
    own keeps the results it was closed with, as a closed cycle does, whatever changed since
    in the tree, the settings or the units, and the year rolls up its points and vetoes as
    they were stored: it is recomputed only with `frozen_too`, by a recompute given a reason
    (`cycle_results_recompute`; a sandbox computes the same, unsaved: `results_unsaved`).
    """
    periods, kept_quarters = _periods_to_compute(
        cycle=cycle, periods=periods, frozen_too=frozen_too
    )
    if categories is None:
        category_ids = list(UnitCategory.objects.values_list("pk", flat=True))
    else:
        category_ids = [category.pk for category in categories]
    _stale_results_delete(cycle=cycle, periods=periods, category_ids=category_ids)
    if not category_ids:
        return
    scored, sums, reported, standings = _standings_compute(
        cycle=cycle,
        periods=periods,
        category_ids=category_ids,
        every_category=categories is None,
        kept_quarters=kept_quarters,
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # For this transaction only: compress the points matrices with lz4, several times
            # faster than the default pglz.
            cursor.execute("SELECT set_config('default_toast_compression', 'lz4', true)")
        _results_write(cycle=cycle, scored=scored, sums=sums, standings=standings, cursor=cursor)
        _category_points_write(cycle=cycle, scored=scored, periods=reported, cursor=cursor)
        _official_scores_write(
            cycle=cycle,
            scored=scored,
            standings=standings,
            category_ids=category_ids,
            cursor=cursor,
        )
    _next_year_flags_refresh(
        cycle=cycle,
        rows=_year_rows(standings),
        category_ids={standing.category_id for standing in standings},
    )
