"""The scoring service: from indicator values to ranked, graded, stored results.

Each value's points are computed in the database (one statement scores every unit, indicator and
period of the chosen categories and stages one row per unit and period, with its points map);
Python then finishes on those per-unit aggregates only: normalisation, bonus cap, adjustments,
Decimal rounding, ranks, grades, the 优秀 quota and the 重点调整 flag. The number of queries does
not depend on the number of units.
"""

import json
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction
from django.db.models import Case, Q, When
from django.utils import timezone

from cadre.models import Official, Unit, UnitCategory
from scoring.models import (
    Adjustment,
    Cycle,
    Grade,
    Indicator,
    IndicatorValue,
    OfficialScore,
    Period,
    RaterGroup,
    Responsibility,
    UnitResult,
    Vote,
)
from scoring.services.sql import Dialect, dialect

THOUSAND = Decimal("1000")
CENT = Decimal("0.01")
POINT_PLACES = Decimal("0.0001")
SCORED = "scoring_scored_stage"
STAGE = "scoring_result_stage"
QUOTE = "'\"'"
BOTTOM_PLACES = 2


def points_round(value: Decimal) -> Decimal:
    """Round points to two places, half up, as every total and score is."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _exact(value) -> Decimal:
    # SQLite returns floats; every point is stored with four places, so their sums are exact
    # at four places once the float noise is rounded away.
    return Decimal(str(value or 0)).quantize(POINT_PLACES, rounding=ROUND_HALF_UP)


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


PERIOD_COLUMNS = {"Q1": "q1", "Q2": "q2", "Q3": "q3", "Q4": "q4", "Y": "y"}
QUARTER_COLUMNS = ("q1", "q2", "q3", "q4")
ALL_COLUMNS = (*QUARTER_COLUMNS, "y")
RELATIVE_METHODS = "('rank', 'best_ratio')"
COUNTED = "ind.method NOT IN ('bonus', 'veto')"


def _points_expression(sql: Dialect, column: str) -> str:
    """Points of one value of the period `column` (x_…, place_…, ranked_…, best_… in scope)."""
    x, place, ranked, best = (f"{name}_{column}" for name in ("x", "place", "ranked", "best"))
    ratio = (
        f"(CASE WHEN ind.lib THEN (CASE WHEN {x} = 0 THEN ind.cap ELSE ind.target / {x} END)"
        f" ELSE {x} / ind.target END)"
    )
    return f"""ROUND(CASE
        WHEN {x} IS NULL THEN 0
        WHEN ind.method = 'direct' THEN {x}
        WHEN ind.method = 'completion' THEN
            CASE WHEN {ratio} < ind.floor THEN 0 ELSE ind.m * {sql.least(ratio, "ind.cap")} END
        WHEN ind.method = 'rank' THEN
            CASE WHEN ind.step IS NOT NULL
                THEN {sql.greatest(f"ind.m - ({place} - 1) * ind.step", "ind.m * ind.min_share")}
            WHEN {ranked} = 1 THEN ind.m
            ELSE ind.m - ({place} - 1) * ind.m * (1 - ind.min_share) / ({ranked} - 1) END
        WHEN ind.method = 'best_ratio' THEN
            CASE WHEN ind.lib THEN (CASE WHEN {x} = 0 THEN ind.m ELSE ind.m * {best} / {x} END)
            WHEN {best} = 0 THEN 0 ELSE ind.m * {x} / {best} END
        WHEN ind.method = 'deduction' THEN {sql.greatest(f"ind.m - {x} * ind.per_incident", "0")}
        WHEN ind.method = 'bonus' THEN {sql.least(x, "ind.m")}
        WHEN ind.method = 'evaluation' THEN ind.m * {x}
        ELSE 0 END, 4)"""


def _indicators_sql(sql: Dialect) -> str:
    """CTEs `tree` (each node's area) and `ind` (the cycle's leaves with their parameters)."""
    num, indicator = sql.num, _table(Indicator)
    return f"""
    tree (id, area_id) AS (
        SELECT id, id FROM {indicator} WHERE cycle_id = %(cycle)s AND parent_id IS NULL
        UNION ALL
        SELECT child.id, tree.area_id FROM {indicator} child JOIN tree ON child.parent_id = tree.id
    ),
    ind AS (
        SELECT i.id, i.method, i.frequency, i.lower_is_better AS lib,
            {num("i.max_points")} AS m, {num("i.target")} AS target, {num("i.floor")} AS floor,
            {num("i.cap")} AS cap, {num("i.step")} AS step, {num("i.min_share")} AS min_share,
            {num("i.per_incident")} AS per_incident, area.code AS area_code,
            {sql.json_quote("i.code")} AS quoted,
            CASE WHEN i.method <> 'veto' THEN {sql.json_quote("i.code")} || ':' || {QUOTE} END
                AS point_key
        FROM {indicator} i JOIN tree ON tree.id = i.id
        JOIN {indicator} area ON area.id = tree.area_id
        WHERE i.method <> '' AND NOT EXISTS (SELECT 1 FROM {indicator} c WHERE c.parent_id = i.id)
    )"""


def _each(template: str, names: Iterable[str] = ALL_COLUMNS, separator: str = ", ") -> str:
    """The template once per period column, {p} standing for q1 … y."""
    return separator.join(template.format(p=name) for name in names)


def _window_sql(p: str) -> str:
    """Place, count and best value within the category, for the period column `p`."""
    partition = f"PARTITION BY r.indicator_id, r.category_id, (x_{p} IS NULL)"
    order = f"CASE WHEN ind.lib THEN x_{p} ELSE -x_{p} END"
    whole = "OVER (PARTITION BY r.indicator_id, r.category_id)"
    return (
        f"RANK() OVER ({partition} ORDER BY {order}) AS place_{p}, "
        f"COUNT(x_{p}) {whole} AS ranked_{p}, "
        f"CASE WHEN ind.lib THEN MIN(x_{p}) {whole} ELSE MAX(x_{p}) {whole} END AS best_{p}"
    )


def _period_points_sql(sql: Dialect, p: str) -> str:
    applies = "ind.frequency = " + ("'annual'" if p == "y" else "'quarterly'")
    return (
        f"CASE WHEN {applies} THEN {_points_expression(sql, p)} END AS points_{p}, "
        f"CASE WHEN {applies} AND {COUNTED} AND x_{p} IS NULL THEN 1 ELSE 0 END AS missing_{p}, "
        f"CASE WHEN {applies} AND ind.method = 'veto' AND x_{p} = 1 THEN 1 ELSE 0 END AS veto_{p}"
    )


def _scored_sql(sql: Dialect, category_ids: list[int]) -> str:
    """The statement that stores every unit's points per applicable indicator and period.

    Values are pivoted to one row per unit and applicable indicator with a column per period,
    so every later step (ranks, points, the year's weighted sum, aggregation) works on a fifth
    of the rows.
    """
    num = sql.num
    value, vote = _table(IndicatorValue), _table(Vote)
    applies_to = _table(Indicator.categories.through)
    categories = ", ".join(f"%(category_{index})s" for index in range(len(category_ids)))
    votes = "vo.excellent + vo.competent + vo.basic + vo.incompetent"
    vote_sum = " + ".join(
        f"vo.{kind} * {num(f'%(vote_{kind})s')}"
        for kind in ("excellent", "competent", "basic", "incompetent")
    )
    pivot_columns = ", ".join(
        f"MAX(CASE WHEN period = '{period}' THEN figure END) AS x_{p}"
        for period, p in PERIOD_COLUMNS.items()
    )
    no_window = _each("NULL AS place_{p}, NULL AS ranked_{p}, NULL AS best_{p}")
    windows = ", ".join(_window_sql(p) for p in PERIOD_COLUMNS.values())
    period_points = ", ".join(_period_points_sql(sql, p) for p in PERIOD_COLUMNS.values())
    weighted_year = " + ".join(f"{num(f'%(weight_{p})s')} * points_{p}" for p in QUARTER_COLUMNS)
    any_missing = sql.greatest_of([f"missing_{p}" for p in PERIOD_COLUMNS.values()])
    any_veto = sql.greatest_of([f"veto_{p}" for p in PERIOD_COLUMNS.values()])
    return f"""
    CREATE TEMP TABLE {SCORED} AS
    WITH RECURSIVE {_indicators_sql(sql)},
    unit_set AS NOT MATERIALIZED (
        SELECT id, category_id FROM {_table(Unit)}
        WHERE is_active AND category_id IN ({categories})
    ),
    slot AS (
        SELECT u.id AS unit_id, u.category_id, ind.id AS indicator_id
        FROM unit_set u CROSS JOIN ind
        WHERE NOT EXISTS (SELECT 1 FROM {applies_to} a WHERE a.indicator_id = ind.id)
            OR EXISTS (SELECT 1 FROM {applies_to} a
                       WHERE a.indicator_id = ind.id AND a.unitcategory_id = u.category_id)
    ),
    figures AS (
        SELECT v.unit_id, v.indicator_id, v.period, {num("v.value")} AS figure
        FROM {value} v
        WHERE v.indicator_id IN (SELECT id FROM ind WHERE method <> 'evaluation')
            AND v.unit_id IN (SELECT id FROM unit_set)
        UNION ALL
        SELECT vo.unit_id, vo.indicator_id, vo.period,
            SUM({num("g.weight")} * ({vote_sum}) / ({votes})) / NULLIF(SUM({num("g.weight")}), 0)
        FROM {vote} vo JOIN {_table(RaterGroup)} g ON g.id = vo.rater_group_id
        WHERE vo.indicator_id IN (SELECT id FROM ind WHERE method = 'evaluation')
            AND vo.unit_id IN (SELECT id FROM unit_set) AND {votes} > 0
        GROUP BY vo.unit_id, vo.indicator_id, vo.period
    ),
    pivot AS (
        SELECT unit_id, indicator_id, {pivot_columns}
        FROM figures GROUP BY unit_id, indicator_id
    ),
    grid AS (
        SELECT s.unit_id, s.category_id, s.indicator_id, {_each("p.x_{p}")}
        FROM slot s LEFT JOIN pivot p ON p.unit_id = s.unit_id AND p.indicator_id = s.indicator_id
    ),
    placed AS (
        SELECT r.*, {no_window}
        FROM grid r JOIN ind ON ind.id = r.indicator_id
        WHERE ind.method NOT IN {RELATIVE_METHODS}
        UNION ALL
        SELECT r.*, {windows}
        FROM grid r JOIN ind ON ind.id = r.indicator_id
        WHERE ind.method IN {RELATIVE_METHODS}
    ),
    scored_by_period AS MATERIALIZED (
        SELECT r.unit_id, r.category_id, r.indicator_id, {period_points}
        FROM placed r JOIN ind ON ind.id = r.indicator_id
    )
    SELECT unit_id, category_id, indicator_id, {_each("points_{p}", QUARTER_COLUMNS)},
        CASE WHEN points_q1 IS NULL THEN points_y ELSE ROUND({weighted_year}, 4) END AS points_y,
        {_each("missing_{p}", QUARTER_COLUMNS)}, {any_missing} AS missing_y,
        {_each("veto_{p}", QUARTER_COLUMNS)}, {any_veto} AS veto_y
    FROM scored_by_period
    """


def _stage_sql(sql: Dialect, periods: list[str]) -> str:
    """The statement that stages one row per unit and period with its aggregated points.

    It adds up the scored rows per area, then per unit with a column per period, and turns
    those columns back into one row per period.
    """
    value, vote = _table(IndicatorValue), _table(Vote)
    point_fragment = f"ind.point_key || {sql.four_places('points_{p}')} || {QUOTE}"
    per_area_columns = _each(
        f"SUM(CASE WHEN {COUNTED} THEN points_{{p}} END) AS earned_{{p}}, "
        f"SUM(CASE WHEN {COUNTED} AND points_{{p}} IS NOT NULL THEN ind.m END) AS max_{{p}}, "
        "SUM(CASE WHEN ind.method = 'bonus' THEN points_{p} END) AS bonus_{p}, "
        "MAX(veto_{p}) AS veto_{p}, COUNT(points_{p}) AS scored_{p}, "
        f"{sql.join_text(point_fragment)} AS points_text_{{p}}, "
        f"{sql.join_text('CASE WHEN missing_{p} = 1 THEN ind.quoted END')} AS missing_text_{{p}}"
    )
    area_fragment = (
        f"CASE WHEN earned_{{p}} IS NOT NULL THEN {sql.json_quote('area_code')} || ':' || {QUOTE}"
        f" || {sql.four_places('earned_{p}')} || {QUOTE} END"
    )
    per_unit_columns = _each(
        "SUM(earned_{p}) AS earned_{p}, SUM(max_{p}) AS max_{p}, "
        "SUM(bonus_{p}) AS bonus_{p}, MAX(veto_{p}) AS veto_{p}, SUM(scored_{p}) AS scored_{p}, "
        f"{sql.join_text('points_text_{p}')} AS points_text_{{p}}, "
        f"{sql.join_text('missing_text_{p}')} AS missing_text_{{p}}, "
        f"{sql.join_text(area_fragment)} AS area_text_{{p}}"
    )
    requested = ", ".join(f"('{period}')" for period in periods)
    by_period = ", ".join(
        f"CASE period {_by_period(column)} END AS {name}" for column, name in STAGE_COLUMNS.items()
    )
    return f"""
    CREATE TEMP TABLE {STAGE} AS
    WITH RECURSIVE {_indicators_sql(sql)},
    per_area AS (
        SELECT s.unit_id, s.category_id, ind.area_code, {per_area_columns}
        FROM {SCORED} s JOIN ind ON ind.id = s.indicator_id
        GROUP BY s.unit_id, s.category_id, ind.area_code
    ),
    per_unit AS (
        SELECT unit_id, category_id, {per_unit_columns}
        FROM per_area GROUP BY unit_id, category_id
    ),
    requested (period) AS (VALUES {requested}),
    periods AS (
        -- A quarter nobody has reported for yet gets no results (the year always does).
        SELECT period FROM requested
        WHERE period = 'Y'
            OR EXISTS (SELECT 1 FROM {value} v JOIN ind ON ind.id = v.indicator_id
                       WHERE v.period = requested.period)
            OR EXISTS (SELECT 1 FROM {vote} vo JOIN ind ON ind.id = vo.indicator_id
                       WHERE vo.period = requested.period)
    )
    SELECT * FROM (
        SELECT unit_id, category_id, period, {by_period}
        FROM per_unit CROSS JOIN periods
    ) staged WHERE scored > 0
    """


STAGE_COLUMNS = {
    "earned": "earned",
    "max": "applicable_max",
    "bonus": "bonus",
    "veto": "vetoed",
    "scored": "scored",
    "points_text": "points_text",
    "missing_text": "missing_text",
    "area_text": "area_text",
}


def _by_period(column: str) -> str:
    return " ".join(f"WHEN '{period}' THEN {column}_{p}" for period, p in PERIOD_COLUMNS.items())


@dataclass
class _Standing:
    """One unit's result for one period while it is being finished in Python."""

    unit_id: int
    unit_code: str
    category_id: int
    period: str
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
    # A binary search in the sorted totals counts those at or below: a category of thousands
    # of units would take seconds with a count per unit.
    return {
        unit_id
        for unit_id, category_id, own in rows
        if bisect_right(by_category[category_id], own) <= BOTTOM_PLACES
    }


def _year_results(*, year: int):
    return UnitResult.objects.filter(cycle__year=year, period=Period.YEAR)


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
        # Ascending negated totals: a binary search counts the totals at or above each one.
        negated = [-total for total in totals]
        for standing, place in zip(group, _competition_places(totals), strict=True):
            standing.rank = place
            at_or_above = bisect_right(negated, -standing.total)
            standing.grade = _grade(
                cycle=cycle, standing=standing, at_or_above=at_or_above, size=len(group)
            )


def _standings_read(*, cycle: Cycle, cursor) -> list[_Standing]:
    cursor.execute(
        f"""SELECT s.unit_id, u.code, s.category_id, s.period, s.earned, s.applicable_max,
            s.bonus, s.vetoed, COALESCE(adj.points, 0)
        FROM {STAGE} s JOIN {_table(Unit)} u ON u.id = s.unit_id
        LEFT JOIN (SELECT unit_id, period, SUM(points) AS points FROM {_table(Adjustment)}
                   WHERE cycle_id = %(cycle)s GROUP BY unit_id, period) adj
            ON adj.unit_id = s.unit_id AND adj.period = s.period""",
        {"cycle": cycle.pk},
    )
    return [
        _Standing(
            unit_id=unit_id,
            unit_code=code,
            category_id=category_id,
            period=period,
            earned=_exact(earned),
            applicable_max=_exact(applicable_max),
            bonus=min(_exact(bonus), cycle.bonus_cap),
            adjustment=_exact(adjustment),
            vetoed=bool(vetoed),
        )
        for (
            unit_id,
            code,
            category_id,
            period,
            earned,
            applicable_max,
            bonus,
            vetoed,
            adjustment,
        ) in cursor.fetchall()
    ]


def _standings_finish(*, cycle: Cycle, standings: list[_Standing]) -> None:
    for standing in standings:
        normalised = (
            standing.earned / standing.applicable_max * THOUSAND
            if standing.applicable_max
            else Decimal(0)
        )
        standing.total = points_round(normalised + standing.bonus + standing.adjustment)
    _rank_and_grade(cycle=cycle, standings=standings)
    year = [standing for standing in standings if standing.period == Period.YEAR]
    previous = _year_results(year=cycle.year - 1).values_list("unit_id", "category_id", "total")
    flagged = _bottom_unit_ids(_year_rows(year)) & _bottom_unit_ids(previous)
    for standing in year:
        standing.needs_adjustment = standing.unit_id in flagged


def _year_rows(standings: list[_Standing]) -> list[tuple[int, int, Decimal]]:
    return [
        (standing.unit_id, standing.category_id, standing.total)
        for standing in standings
        if standing.period == Period.YEAR
    ]


def _next_year_flags_refresh(*, cycle: Cycle, standings: list[_Standing]) -> None:
    """The 重点调整 flag of the following year depends on this year's ranking: refresh it."""
    following = _year_results(year=cycle.year + 1).filter(
        category_id__in={standing.category_id for standing in standings}
    )
    rows = list(following.values_list("unit_id", "category_id", "total"))
    if rows:
        flagged = _bottom_unit_ids(rows) & _bottom_unit_ids(_year_rows(standings))
        following.update(needs_adjustment=Case(When(unit_id__in=flagged, then=True), default=False))


def _results_write(*, sql: Dialect, cycle: Cycle, standings: list[_Standing], cursor) -> None:
    rows = json.dumps(
        [
            {
                "unit_id": standing.unit_id,
                "period": standing.period,
                "earned": str(standing.earned),
                "applicable_max": str(standing.applicable_max),
                "bonus": str(points_round(standing.bonus)),
                "adjustment": str(standing.adjustment),
                "total": str(standing.total),
                "place": standing.rank,
                "grade": standing.grade,
                "needs_adjustment": standing.needs_adjustment,
            }
            for standing in standings
        ]
    )
    columns = {
        "unit_id": "bigint",
        "period": "text",
        "earned": "numeric",
        "applicable_max": "numeric",
        "bonus": "numeric",
        "adjustment": "numeric",
        "total": "numeric",
        "place": "integer",
        "grade": "text",
        "needs_adjustment": "boolean",
    }
    cursor.execute(
        f"""INSERT INTO {_table(UnitResult)} (cycle_id, unit_id, period, category_id, earned,
            applicable_max, bonus, adjustment, total, rank, grade, vetoed, needs_adjustment,
            points, area_points, missing, computed_at)
        SELECT %(cycle)s, s.unit_id, s.period, s.category_id, rows_in.earned,
            rows_in.applicable_max, rows_in.bonus, rows_in.adjustment, rows_in.total,
            rows_in.place, rows_in.grade, s.vetoed = 1, rows_in.needs_adjustment,
            {sql.json_value("'{' || COALESCE(s.points_text, '') || '}'")},
            {sql.json_value("'{' || COALESCE(s.area_text, '') || '}'")},
            {sql.json_value("'[' || COALESCE(s.missing_text, '') || ']'")},
            %(now)s
        FROM {STAGE} s JOIN {sql.json_rows("rows", columns)}
            ON rows_in.unit_id = s.unit_id AND rows_in.period = s.period""",
        {"cycle": cycle.pk, "rows": rows, "now": timezone.now()},
    )


def _official_scores_write(*, cycle: Cycle, category_ids: list[int], cursor) -> None:
    categories = ", ".join(f"%(category_{index})s" for index in range(len(category_ids)))
    cursor.execute(
        f"""SELECT o.id, o.role, r.total, SUM(s.points_y),
            SUM(CASE WHEN s.points_y IS NOT NULL THEN i.max_points END)
        FROM {_table(Official)} o
        JOIN {_table(UnitResult)} r ON r.unit_id = o.unit_id AND r.cycle_id = %(cycle)s
            AND r.period = 'Y'
        LEFT JOIN {_table(Responsibility)} re ON re.official_id = o.id
        LEFT JOIN {_table(Indicator)} i ON i.id = re.indicator_id
            AND i.method NOT IN ('bonus', 'veto')
        LEFT JOIN {SCORED} s ON s.unit_id = o.unit_id AND s.indicator_id = i.id
        WHERE o.is_active AND r.category_id IN ({categories})
        GROUP BY o.id, o.role, r.total""",
        {"cycle": cycle.pk, **_category_params(category_ids)},
    )
    scores = []
    for official_id, role, unit_total, earned, maximum in cursor.fetchall():
        unit_total = _exact(unit_total)
        maximum = _exact(maximum)
        own_part = _exact(earned) / maximum * THOUSAND if maximum else unit_total
        alpha = cycle.alpha_principal if role == Official.Role.PRINCIPAL else cycle.alpha_member
        scores.append(
            OfficialScore(
                cycle=cycle,
                official_id=official_id,
                period=Period.YEAR,
                unit_total=unit_total,
                own_part=points_round(own_part),
                alpha=alpha,
                score=points_round(alpha * unit_total + (1 - alpha) * own_part),
            )
        )
    OfficialScore.objects.bulk_create(scores)


def _category_params(category_ids: list[int]) -> dict[str, int]:
    return {f"category_{index}": pk for index, pk in enumerate(category_ids)}


def _stale_results_delete(*, cycle: Cycle, periods: set[str], category_ids: list[int]) -> None:
    UnitResult.objects.filter(cycle=cycle, period__in=periods).filter(
        Q(category_id__in=category_ids) | Q(unit__category_id__in=category_ids)
    ).delete()
    OfficialScore.objects.filter(
        cycle=cycle, period=Period.YEAR, official__unit__category_id__in=category_ids
    ).delete()


def _scoring_params(*, cycle: Cycle, category_ids: list[int]) -> dict:
    return {
        "cycle": cycle.pk,
        **{f"weight_{period.lower()}": weight for period, weight in cycle.quarter_weights.items()},
        "vote_excellent": cycle.vote_excellent,
        "vote_competent": cycle.vote_competent,
        "vote_basic": cycle.vote_basic,
        "vote_incompetent": cycle.vote_incompetent,
        **_category_params(category_ids),
    }


@transaction.atomic
def results_compute(
    *,
    cycle: Cycle,
    periods: Iterable[str] | None = None,
    categories: Iterable[UnitCategory] | None = None,
) -> None:
    """Recompute and store the results of `cycle` for the given periods and categories.

    Periods default to all five and categories to all of them. The year depends on the
    quarters, so asking for a quarter recomputes the year of the same categories as well.
    Officials' personal scores are recomputed whenever the year is.
    """
    periods = {Period(period) for period in periods or Period.values} | {Period.YEAR}
    if categories is None:
        category_ids = list(UnitCategory.objects.values_list("pk", flat=True))
    else:
        category_ids = [category.pk for category in categories]
    _stale_results_delete(cycle=cycle, periods=periods, category_ids=category_ids)
    if not category_ids:
        return
    sql = dialect()
    params = _scoring_params(cycle=cycle, category_ids=category_ids)
    with connection.cursor() as cursor:
        for table in (SCORED, STAGE):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
        if sql.is_postgres:
            # One statement hashes every value of the chosen categories: let it do so in memory,
            # and skip JIT compilation, which costs seconds on a statement this long.
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(_scored_sql(sql, category_ids), params)
        if sql.is_postgres:
            # Statistics of the join keys only: enough for the planner, a fraction of the cost.
            cursor.execute(f"ANALYZE {SCORED} (unit_id, indicator_id)")
        cursor.execute(_stage_sql(sql, sorted(periods)), params)
        if sql.is_postgres:
            cursor.execute(f"ANALYZE {STAGE} (unit_id, period)")
        standings = _standings_read(cycle=cycle, cursor=cursor)
        _standings_finish(cycle=cycle, standings=standings)
        _results_write(sql=sql, cycle=cycle, standings=standings, cursor=cursor)
        _official_scores_write(cycle=cycle, category_ids=category_ids, cursor=cursor)
        _next_year_flags_refresh(cycle=cycle, standings=standings)
        for table in (SCORED, STAGE):
            cursor.execute(f"DROP TABLE {table}")


def results_recompute_for_change(*, cycle: Cycle, unit: Unit, period: str) -> None:
    """Recompute what a saved value of `unit` in `period` touches: its category, that period
    and the year."""
    results_compute(cycle=cycle, periods=[period], categories=[unit.category])
