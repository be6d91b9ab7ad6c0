"""Every indicator's points for every unit and period of a cycle, exactly and all at once.

The values of the chosen categories are read once (on PostgreSQL with one binary COPY) into
integer arrays (NumPy) of ten-thousandths: every figure, parameter and weight has at most four
decimals, so integers hold them exactly. Each method is computed indicator by indicator over all
units with integer arithmetic. Points are kept in units of 10⁻¹⁰ (`POINT_SCALE`), rounded half
away from zero as Decimal's ROUND_HALF_UP does: DOMAIN.md carries points unrounded until a
unit's total is rounded to the cent, and kept to four places they moved 3 of about 400 demo
totals by a cent; at ten, a hundred indicators' rounding stays below a millionth of a cent.
An indicator whose figures are so large that a product could pass 64 bits is computed with
Python integers instead: slower, and just as exact.
"""

from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from django.db import connection

from cadre.models import Unit
from scoring.models import (
    FIGURE_SCALE,
    KEY_INDICATOR_BITS,
    KEY_UNIT_SHIFT,
    OUTSIDE_THOUSAND,
    PERIOD_ROW,
    QUARTERS,
    CategoryPoints,
    Cycle,
    Indicator,
    IndicatorValue,
    Method,
    Period,
    RaterGroup,
    UnitResult,
    Vote,
)
from scoring.services.sql import integer_columns, table_name

SCALE = FIGURE_SCALE
POINT_SCALE = 10**10
# Points per ten-thousandth: a figure-scaled number times this is in points' units.
POINTS_PER_FIGURE = POINT_SCALE // SCALE
POINT_PLACES = 10
PERIODS = tuple(PERIOD_ROW)
ROW = PERIOD_ROW
YEAR = ROW[Period.YEAR]
# Ids below this are looked up in a table of that many entries (8 bytes each) at most.
LOOKUP_LIMIT = 10_000_000
# Below this bound every product of two figures fits in a signed 64-bit integer.
SAFE_FACTOR = 3_000_000_000
INT64_MAX = 2**63 - 1


def scaled(value: Decimal | None) -> int | None:
    """A figure with at most four decimals as an integer of ten-thousandths."""
    return None if value is None else int(value * SCALE)


def figure_decimal(figure: int) -> Decimal:
    """Ten-thousandths as the Decimal figure, e.g. 230000 → 23.0000."""
    return Decimal(int(figure)).scaleb(-4)


def points_decimal(points: int) -> Decimal:
    """Points in units of 10⁻¹⁰ as the Decimal points, e.g. 230000000000 → 23.0000000000."""
    return Decimal(int(points)).scaleb(-POINT_PLACES)


def points_text(points: int) -> str:
    """Points in units of 10⁻¹⁰ as text with ten decimals, e.g. 230000000000 → 23.0000000000."""
    whole, fraction = divmod(abs(int(points)), POINT_SCALE)
    return f"{'-' if points < 0 else ''}{whole}.{fraction:010d}"


# Values by (unit id, indicator id, period), scored in place of the stored ones.
ChangedValues = dict[tuple[int, int, str], Decimal]


@dataclass(frozen=True)
class Leaf:
    """A scored indicator of the cycle with its parameters in ten-thousandths."""

    pk: int
    code: str
    method: str
    quarterly: bool
    lower_is_better: bool
    area_code: str
    categories: frozenset[int]
    max_points: int
    target: int | None
    floor: int
    cap: int
    step: int | None
    min_share: int
    per_incident: int | None

    @property
    def counted(self) -> bool:
        """Whether its points count towards the earned points and the applicable maximum."""
        return self.method not in OUTSIDE_THOUSAND

    @property
    def rows(self) -> list[int]:
        return [ROW[quarter] for quarter in QUARTERS] if self.quarterly else [YEAR]


def leaves_load(*, cycle: Cycle) -> list[Leaf]:
    """The cycle's scored indicators (leaves with a method), each with its area's code."""
    nodes = {
        node["pk"]: node
        for node in Indicator.objects.filter(cycle=cycle).values(
            "pk",
            "parent_id",
            "code",
            "method",
            "frequency",
            "lower_is_better",
            "max_points",
            "target",
            "floor",
            "cap",
            "step",
            "min_share",
            "per_incident",
        )
    }
    parents = {node["parent_id"] for node in nodes.values()}
    categories: dict[int, set[int]] = {}
    for indicator_id, category_id in Indicator.categories.through.objects.filter(
        indicator__cycle=cycle
    ).values_list("indicator_id", "unitcategory_id"):
        categories.setdefault(indicator_id, set()).add(category_id)

    def area_code(node: dict) -> str:
        while node["parent_id"] is not None:
            node = nodes[node["parent_id"]]
        return node["code"]

    return [
        Leaf(
            pk=pk,
            code=node["code"],
            method=node["method"],
            quarterly=node["frequency"] == Indicator.Frequency.QUARTERLY,
            lower_is_better=node["lower_is_better"],
            area_code=area_code(node),
            categories=frozenset(categories.get(pk, ())),
            max_points=scaled(node["max_points"]),
            target=scaled(node["target"]),
            floor=scaled(node["floor"]),
            cap=scaled(node["cap"]),
            step=scaled(node["step"]),
            min_share=scaled(node["min_share"]),
            per_incident=scaled(node["per_incident"]),
        )
        for pk, node in sorted(nodes.items())
        if node["method"] and pk not in parents
    ]


@dataclass
class CyclePoints:
    """Points of every leaf, period row (Q1–Q4, Y) and unit, with what the results need.

    Arrays are indexed [leaf, row, unit]; `applies` is where a leaf has points (it applies to
    the unit's category in that period; the year of a quarterly leaf is its weighted quarters).
    `vetoed` is indexed [row, unit]: whether the unit is vetoed in the period.
    """

    leaves: list[Leaf]
    unit_ids: np.ndarray
    unit_codes: list[str]
    unit_categories: np.ndarray
    points: np.ndarray
    applies: np.ndarray
    missing: np.ndarray
    vetoed: np.ndarray


def cycle_points(
    *,
    cycle: Cycle,
    category_ids: list[int],
    every_category: bool,
    kept_quarters: list[str],
    values_changed: ChangedValues | None = None,
) -> CyclePoints:
    """Score every value of the cycle's active units in the given categories (all of them when
    `every_category`, which spares the database a filter). The quarters of `kept_quarters`
    are not scored again: their points and vetoes are those stored when they were last
    computed (see `_kept_quarters_read`), which the year rolls up. `values_changed` are scored
    in place of the stored values of their cells (a sandbox's, never written)."""
    leaves = leaves_load(cycle=cycle)
    units = list(
        Unit.objects.filter(is_active=True, category_id__in=category_ids)
        .order_by("pk")
        .values_list("pk", "code", "category_id")
    )
    unit_ids = np.array([pk for pk, _code, _category in units], dtype=np.int64)
    unit_categories = np.array([category for _pk, _code, category in units], dtype=np.int64)
    packable(unit_ids, 63 - KEY_UNIT_SHIFT, "unit")
    packable([leaf.pk for leaf in leaves], KEY_INDICATOR_BITS, "indicator")
    shape = (len(leaves), len(PERIODS), len(units))
    figures = np.zeros(shape, dtype=np.int64)
    present = np.zeros(shape, dtype=bool)
    value_leaves = [leaf for leaf in leaves if leaf.method != Method.EVALUATION]
    unit_rows, leaf_rows, period_rows, values = _values_read(
        leaf_ids=[leaf.pk for leaf in value_leaves],
        category_ids=None if every_category else category_ids,
    )
    leaf_index = np.array([leaves.index(leaf) for leaf in value_leaves], dtype=np.int64)
    value_leaf_ids = np.array([leaf.pk for leaf in value_leaves], dtype=np.int64)
    unit_positions, unit_known = positions_in(unit_ids, unit_rows)
    leaf_positions, leaf_known = positions_in(value_leaf_ids, leaf_rows)
    cells = (leaf_index[leaf_positions] * len(PERIODS) + period_rows) * len(units) + unit_positions
    known = unit_known & leaf_known
    if not known.all():  # values of inactive units, say
        cells, values = cells[known], values[known]
    figures.reshape(-1)[cells] = values
    present.reshape(-1)[cells] = True
    _values_change(
        figures=figures, present=present, leaves=leaves, unit_ids=unit_ids, changed=values_changed
    )

    applies = np.zeros(shape, dtype=bool)
    for index, leaf in enumerate(leaves):
        in_category = (
            np.isin(unit_categories, list(leaf.categories))
            if leaf.categories
            else np.ones(len(units), dtype=bool)
        )
        applies[index, leaf.rows] = in_category
    present &= applies

    points = np.zeros(shape, dtype=np.int64)
    vetoed = np.zeros(shape, dtype=bool)
    evaluated = _evaluation_points(
        cycle=cycle, leaves=leaves, unit_ids=unit_ids, category_ids=category_ids
    )
    for index, leaf in enumerate(leaves):
        rows = leaf.rows
        if leaf.method == Method.EVALUATION:
            points[index], present[index] = evaluated[index]
            present[index] &= applies[index]
            points[index] *= present[index]
            continue
        if leaf.method == Method.VETO:
            vetoed[index, rows] = present[index, rows] & (figures[index, rows] == SCALE)
            continue
        points[index, rows] = _method_points(
            leaf, figures[index, rows], present[index, rows], unit_categories
        )
    missing = applies & ~present
    missing[[index for index, leaf in enumerate(leaves) if not leaf.counted]] = False
    scored = CyclePoints(
        leaves=leaves,
        unit_ids=unit_ids,
        unit_codes=[code for _pk, code, _category in units],
        unit_categories=unit_categories,
        points=points,
        applies=applies,
        missing=missing,
        vetoed=vetoed.any(axis=0),
    )
    if kept_quarters:
        _kept_quarters_read(cycle=cycle, quarters=kept_quarters, scored=scored)
    _year_roll_up(cycle=cycle, leaves=leaves, points=points, applies=applies)
    return scored


def _values_change(*, figures, present, leaves, unit_ids, changed: ChangedValues | None) -> None:
    """Put the changed values in the arrays of figures, at cells of the scored units."""
    leaf_index = {leaf.pk: index for index, leaf in enumerate(leaves)}
    unit_position = {unit_id: position for position, unit_id in enumerate(unit_ids.tolist())}
    for (unit_id, indicator_id, period), value in (changed or {}).items():
        if indicator_id in leaf_index and unit_id in unit_position:
            cell = leaf_index[indicator_id], ROW[period], unit_position[unit_id]
            figures[cell], present[cell] = scaled(value), True


def matrix_table(*, unit_count: int, code_count: int, data: bytes) -> np.ndarray:
    """A stored points matrix (`CategoryPoints.points`) as an array [unit, indicator]."""
    cells = unit_count * code_count
    width = len(data) // cells if cells else 8
    return np.frombuffer(data, dtype=f"<i{width}").reshape(unit_count, code_count)


def _kept_quarters_read(*, cycle: Cycle, quarters: list[str], scored: CyclePoints) -> None:
    """Put the stored points and vetoes of the closed quarters in `scored`, in place of those
    scored from today's values and units.

    A closed quarter keeps the ranking it was closed with (`results_compute`); the year rolls
    up exactly those points, so that a unit retired or added since re-ranks nobody's quarter.
    A unit takes what the quarter stored for it in the category it is in now; one the quarter
    did not assess there (created or moved in since) has no points, no veto and nothing
    missing in it: the quarter was closed before the unit could report. Two queries, whatever
    the number of units."""
    rows = [ROW[quarter] for quarter in quarters]
    leaf_of_code = {leaf.code: index for index, leaf in enumerate(scored.leaves)}
    assessed = np.zeros((len(PERIODS), len(scored.unit_ids)), dtype=bool)
    scored.points[:, rows] = 0
    categories = np.unique(scored.unit_categories).tolist()
    for category_id, period, unit_ids, codes, data in CategoryPoints.objects.filter(
        cycle=cycle, period__in=quarters, category_id__in=categories
    ).values_list("category_id", "period", "unit_ids", "indicator_codes", "points"):
        positions, here = _positions_in_category(
            scored, np.array(unit_ids, dtype=np.int64), np.full(len(unit_ids), category_id)
        )
        columns = [column for column, code in enumerate(codes) if code in leaf_of_code]
        table = matrix_table(unit_count=len(unit_ids), code_count=len(codes), data=bytes(data))
        targets = [leaf_of_code[codes[column]] for column in columns]
        scored.points[np.ix_(targets, [ROW[period]], positions[here])] = table[
            np.ix_(here, columns)
        ].T[:, None, :]
        assessed[ROW[period], positions[here]] = True
    scored.missing[:, rows] &= assessed[rows]
    scored.vetoed[rows] = False
    vetoes = np.array(
        UnitResult.objects.filter(
            cycle=cycle, period__in=quarters, vetoed=True, category_id__in=categories
        ).values_list("unit_id", "category_id", "period"),
        dtype=object,
    ).reshape(-1, 3)
    positions, here = _positions_in_category(
        scored, vetoes[:, 0].astype(np.int64), vetoes[:, 1].astype(np.int64)
    )
    periods = np.array([ROW[period] for period in vetoes[:, 2]], dtype=np.int64)
    scored.vetoed[periods[here], positions[here]] = True


def _positions_in_category(scored: CyclePoints, unit_ids: np.ndarray, category_ids: np.ndarray):
    """Where each unit is in `scored`, and whether it is there in the category given with it."""
    positions, known = positions_in(scored.unit_ids, unit_ids)
    return positions, known & (scored.unit_categories[positions] == category_ids)


def packable(ids, bits: int, what: str) -> None:
    """Refuse ids too wide for the packed keys the database hands over (see score_key)."""
    if len(ids) and max(ids) >= 2**bits:
        raise ValueError(f"{what} ids of {bits} bits at most can be scored")


def positions_in(known_ids: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each of `ids` is in the sorted `known_ids`, and whether it is there at all."""
    if not len(known_ids):
        return np.zeros(len(ids), dtype=np.int64), np.zeros(len(ids), dtype=bool)
    if known_ids[-1] < LOOKUP_LIMIT and (not len(ids) or ids.max() < LOOKUP_LIMIT):
        # A table indexed by id: one gather, several times faster than a binary search per id.
        table = np.full(max(int(known_ids[-1]), int(ids.max(initial=0))) + 1, -1, dtype=np.int64)
        table[known_ids] = np.arange(len(known_ids))
        positions = table[ids]
        found = positions >= 0
        return np.where(found, positions, 0), found
    positions = np.searchsorted(known_ids, ids)
    positions[positions == len(known_ids)] = 0
    return positions, known_ids[positions] == ids


def _values_read(*, leaf_ids: list[int], category_ids: list[int] | None):
    """(unit ids, indicator ids, period rows, figures in ten-thousandths) of the leaves' values,
    of units of the categories (None: of every unit)."""
    if not leaf_ids:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, empty
    # One packed key per value and the figure in ten-thousandths, both kept by the database:
    # COPY's cost is per field and per computed expression.
    select = (
        f"SELECT v.score_key, v.ten_thousandths FROM {table_name(IndicatorValue)} v "
        f"WHERE v.indicator_id IN ({', '.join(str(int(pk)) for pk in leaf_ids)})"
    )
    if category_ids is not None:
        categories = ", ".join(str(int(pk)) for pk in category_ids)
        select += (
            f" AND v.unit_id IN (SELECT id FROM {table_name(Unit)} "
            f"WHERE category_id IN ({categories}))"
        )
    with connection.cursor() as cursor:
        keys, figures = integer_columns(cursor, select, 2)
    return keys >> KEY_UNIT_SHIFT, (keys >> 3) & (2**KEY_INDICATOR_BITS - 1), keys & 7, figures


def _evaluation_points(*, cycle: Cycle, leaves: list[Leaf], unit_ids, category_ids):
    """Points and presence [row, unit] of each evaluation leaf, from the weighted votes.

    A unit's figure is the rater groups' weighted mean of their vote averages. It is kept as an
    exact fraction of integers until the points are rounded (a unit has a few rater groups, so
    the products stay small).
    """
    evaluation = {
        leaf.pk: index for index, leaf in enumerate(leaves) if leaf.method == Method.EVALUATION
    }
    result = {
        index: (
            np.zeros((len(PERIODS), len(unit_ids)), dtype=np.int64),
            np.zeros((len(PERIODS), len(unit_ids)), dtype=bool),
        )
        for index in evaluation.values()
    }
    if not evaluation:
        return result
    # The counts are 32-bit columns: PostgreSQL would multiply and add them in 32 bits, which
    # 100,000 votes of 1.0000 already overflow.
    vote_points = " + ".join(
        f"CAST(vo.{kind} AS bigint) * {scaled(score)}"
        for kind, score in zip(Vote.KINDS, cycle.vote_values, strict=True)
    )
    voters = " + ".join(f"CAST(vo.{kind} AS bigint)" for kind in Vote.KINDS)
    rows = " ".join(f"WHEN '{period}' THEN {row}" for period, row in ROW.items())
    with connection.cursor() as cursor:
        unit_rows, indicator_rows, period_rows, weights, vote_sums, voter_counts = integer_columns(
            cursor,
            f"SELECT vo.unit_id, vo.indicator_id, CAST(CASE vo.period {rows} END AS bigint), "
            f"CAST(ROUND(g.weight * {SCALE}) AS bigint), CAST({vote_points} AS bigint), "
            f"CAST({voters} AS bigint) "
            f"FROM {table_name(Vote)} vo "
            f"JOIN {table_name(RaterGroup)} g ON g.id = vo.rater_group_id "
            f"WHERE vo.indicator_id IN ({', '.join(str(int(pk)) for pk in evaluation)}) "
            f"AND {voters} > 0 AND vo.unit_id IN (SELECT id FROM {table_name(Unit)} "
            f"WHERE category_id IN ({', '.join(str(int(pk)) for pk in category_ids)}))",
            6,
        )
    positions, known = positions_in(unit_ids, unit_rows)
    evaluation_ids = np.array(sorted(evaluation), dtype=np.int64)
    leaf_numbers = np.array([evaluation[pk] for pk in evaluation_ids.tolist()], dtype=np.int64)
    leaf_positions, _found = positions_in(evaluation_ids, indicator_rows)
    # One group per leaf, period and unit: its rater groups' rows are adjacent once sorted.
    group = (leaf_numbers[leaf_positions] * len(PERIODS) + period_rows) * len(unit_ids) + positions
    order = np.argsort(np.where(known, group, -1), kind="stable")[np.count_nonzero(~known) :]
    group, weights = group[order], weights[order]
    if not len(group):
        return result
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    members = np.cumsum(np.r_[False, group[1:] != group[:-1]])
    # Σ weight × (vote points / voters) over a group's rows, over a common denominator (the
    # product of their voter counts), in Python integers: exact, whatever the counts.
    counts = voter_counts[order].astype(object)
    denominators = np.multiply.reduceat(counts, starts)
    numerators = np.add.reduceat(
        (weights * vote_sums[order]).astype(object) * (denominators[members] // counts), starts
    )
    weight_sums = np.add.reduceat(weights, starts)
    index, rest = np.divmod(group[starts], len(PERIODS) * len(unit_ids))
    row, position = np.divmod(rest, len(unit_ids))
    maxima = np.array([leaf.max_points for leaf in leaves], dtype=object)[index]
    weighed = weight_sums > 0
    points = points_quotient(
        maxima[weighed] * numerators[weighed],
        denominators[weighed] * weight_sums[weighed].astype(object) * SCALE,
    )
    for leaf_index, period_row, unit_position, earned in zip(
        index[weighed].tolist(),
        row[weighed].tolist(),
        position[weighed].tolist(),
        points.tolist(),
        strict=True,
    ):
        result[leaf_index][0][period_row, unit_position] = earned
        result[leaf_index][1][period_row, unit_position] = True
    return result


def rounded_division(numerator, denominator, *, factor: int = 1):
    """numerator × factor / denominator rounded half away from zero to a whole number.

    Long division, so that the product with `factor` never has to fit 64 bits: only the
    remainder, below the denominator, is multiplied by it."""
    numerator = np.where(denominator < 0, -numerator, numerator)
    denominator = np.abs(denominator)
    magnitude = np.abs(numerator)
    if magnitude.dtype != object and int(np.max(denominator, initial=0)) * factor > INT64_MAX:
        magnitude, denominator = magnitude.astype(object), np.asarray(denominator).astype(object)
    whole = magnitude // denominator  # divmod has no loop for Python integers
    rest = (magnitude - whole * denominator) * factor
    fraction = rest // denominator
    quotient = whole * factor + fraction + (2 * (rest - fraction * denominator) >= denominator)
    return np.where(numerator < 0, -quotient, quotient)


def points_quotient(numerator, denominator):
    """numerator / denominator, a quotient in ten-thousandths (figure scale), as points in
    units of 10⁻¹⁰, rounded half away from zero."""
    return rounded_division(numerator, denominator, factor=POINTS_PER_FIGURE)


def _method_points(leaf: Leaf, figures: np.ndarray, present: np.ndarray, categories) -> np.ndarray:
    """Points [row, unit] of a leaf's figures by its method; absent figures score 0."""
    widest = max(
        int(np.abs(figures).max(initial=0)),
        *(abs(parameter) for parameter in (leaf.max_points, leaf.target or 0, leaf.cap)),
        abs(leaf.step or 0),
        abs(leaf.per_incident or 0),
    )
    x = figures if widest < SAFE_FACTOR else figures.astype(object)
    m = leaf.max_points
    if leaf.method == Method.DIRECT:
        points = x * POINTS_PER_FIGURE
    elif leaf.method == Method.BONUS:
        points = np.minimum(x, m) * POINTS_PER_FIGURE
    elif leaf.method == Method.DEDUCTION:
        points = points_quotient(np.maximum(m * SCALE - x * leaf.per_incident, 0), SCALE)
    elif leaf.method == Method.COMPLETION:
        points = _completion_points(leaf, x)
    elif leaf.method in (Method.RANK, Method.BEST_RATIO):
        points = np.zeros(x.shape, dtype=x.dtype)
        for row in range(x.shape[0]):
            here = present[row]
            points[row, here] = _relative_points(leaf, x[row, here], categories[here])
    else:
        raise ValueError(f"unknown scoring method {leaf.method!r} of {leaf.code}")
    return np.where(present, points, 0).astype(np.int64)


def _completion_points(leaf: Leaf, x: np.ndarray) -> np.ndarray:
    """完成率: m × min(ratio, cap), none below the floor ratio; lower-is-better inverts it."""
    m, target, floor, cap = leaf.max_points, leaf.target, leaf.floor, leaf.cap
    full = points_quotient(np.asarray(m * cap), SCALE)
    if leaf.lower_is_better:
        positive = x > 0
        divisor = np.where(positive, x, 1)
        below = ~positive | (target * SCALE < floor * divisor)
        capped = positive & (target * SCALE >= cap * divisor)
        earned = points_quotient(m * target, divisor)
        return np.where(x == 0, full, np.where(below, 0, np.where(capped, full, earned)))
    below = x * SCALE < floor * target
    capped = x * SCALE >= cap * target
    earned = points_quotient(m * x, target)
    return np.where(below, 0, np.where(capped, full, earned))


def _relative_points(leaf: Leaf, x: np.ndarray, categories: np.ndarray) -> np.ndarray:
    """Points of the present figures of one period, relative to the unit's category."""
    m = leaf.max_points
    key = np.asarray(x if leaf.lower_is_better else -x, dtype=np.int64)
    places, ranked, best = _standings(categories, key)
    best = x[best]
    if leaf.method == Method.BEST_RATIO:
        if leaf.lower_is_better:
            divisor = np.where(x == 0, 1, x)
            ratio = points_quotient(m * best, divisor)
            return np.where(x == 0, m * POINTS_PER_FIGURE, ratio)
        divisor = np.where(best == 0, 1, best)
        return np.where(best == 0, 0, points_quotient(m * x, divisor))
    if leaf.step is not None:
        stepped = (m - (places - 1) * leaf.step) * SCALE
        floor = m * leaf.min_share
        return points_quotient(np.maximum(stepped, floor), SCALE)
    gaps = np.maximum(ranked - 1, 1)
    lost = (places - 1) * m * (SCALE - leaf.min_share)
    linear = points_quotient(m * SCALE * gaps - lost, SCALE * gaps)
    return np.where(ranked == 1, m * POINTS_PER_FIGURE, linear)


def _standings(categories: np.ndarray, key: np.ndarray):
    """For each figure: its competition place (1, 2, 2, 4) by `key` (smaller is better) within
    its category, how many are ranked there, and the position of the category's best figure."""
    count = len(key)
    order = np.lexsort((key, categories))
    sorted_categories, sorted_keys = categories[order], key[order]
    index = np.arange(count)
    new_category = np.ones(count, dtype=bool)
    new_category[1:] = sorted_categories[1:] != sorted_categories[:-1]
    new_key = new_category.copy()
    new_key[1:] |= sorted_keys[1:] != sorted_keys[:-1]
    category_start = np.maximum.accumulate(np.where(new_category, index, 0))
    key_start = np.maximum.accumulate(np.where(new_key, index, 0))
    places = np.empty(count, dtype=np.int64)
    places[order] = key_start - category_start + 1
    best = np.empty(count, dtype=np.int64)
    best[order] = order[category_start]
    _labels, inverse, sizes = np.unique(categories, return_inverse=True, return_counts=True)
    return places, sizes[inverse], best


def _year_roll_up(*, cycle: Cycle, leaves: list[Leaf], points: np.ndarray, applies) -> None:
    """The year's points of a quarterly leaf: its quarters' points weighted by the cycle."""
    weights = [scaled(weight) for weight in cycle.quarter_weights.values()]
    # Below this, the weighted sum of a leaf's quarters fits 64 bits.
    safe_points = INT64_MAX // max(sum(abs(weight) for weight in weights), 1)
    quarters = [ROW[quarter] for quarter in QUARTERS]
    for index, leaf in enumerate(leaves):
        if not leaf.quarterly:
            continue
        quarter_points = points[index, quarters]
        if np.abs(quarter_points).max(initial=0) >= safe_points:
            quarter_points = quarter_points.astype(object)
        weighted = sum(weight * row for weight, row in zip(weights, quarter_points, strict=True))
        points[index, YEAR] = np.asarray(rounded_division(weighted, SCALE), dtype=np.int64)
        applies[index, YEAR] = applies[index, quarters[0]]


def unit_points(*, cycle: Cycle, unit: Unit) -> dict[str, dict[str, Decimal]]:
    """The stored points of one unit: period → indicator code → points."""
    stored = {}
    for matrix in CategoryPoints.objects.filter(cycle=cycle, category_id=unit.category_id):
        if unit.pk not in matrix.unit_ids:
            continue
        codes = matrix.indicator_codes
        table = matrix_table(
            unit_count=len(matrix.unit_ids), code_count=len(codes), data=bytes(matrix.points)
        )
        row = table[matrix.unit_ids.index(unit.pk)]
        stored[matrix.period] = {
            code: points_decimal(points) for code, points in zip(codes, row.tolist(), strict=True)
        }
    return stored
