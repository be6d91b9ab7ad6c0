"""Explanations of stored results, one line a clerk understands per indicator.

The points come from the stored results (`CategoryPoints`); the figures that explain them
(the value, the target, the place in the category, the best value, the votes) are read back
with a fixed number of queries per page.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from itertools import groupby
from operator import attrgetter

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    QuerySet,
    When,
    Window,
)
from django.db.models.functions import Rank
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from cadre.models import Unit
from cadre.words import listed
from scoring.models import (
    QUARTERS,
    Cycle,
    Indicator,
    IndicatorValue,
    Method,
    OfficialScore,
    Period,
    QuarterState,
    UnitResult,
    Vote,
)
from scoring.services.compute import normalised, points_round, two_places
from scoring.services.points import unit_points

ZERO = Decimal(0)
# Points are carried to ten places: no ratio needs more to reproduce them.
RATIO_PLACES_MAX = 10
# A rater group's mean vote, as its evaluation line shows it.
MEAN_PLACES = Decimal("0.0001")


@dataclass
class IndicatorLine:
    indicator: Indicator
    area: Indicator
    raw_value: Decimal | None
    votes: dict[str, dict[str, int]] | None
    points: Decimal
    explanation: str
    entered_by: str | None
    updated_at: datetime | None
    missing: bool
    # What changed in the indicator's maximum or method after the unit's figures were entered.
    change_note: str = ""
    # The points of the period compared with (see `unit_indicator_lines`), None without one.
    points_before: Decimal | None = None

    @property
    def ballots_cast(self) -> int | None:
        """The evaluation's votes over all rater groups, None for another method's line."""
        if self.votes is None:
            return None
        return sum(sum(counts.values()) for counts in self.votes.values())

    @property
    def points_change(self) -> Decimal | None:
        return None if self.points_before is None else self.points - self.points_before


@dataclass(frozen=True)
class PointsLost:
    """An indicator's points short of its maximum, and what they cost the unit's total."""

    line: IndicatorLine
    lost: Decimal
    on_total: Decimal


@dataclass(frozen=True)
class ChangeNotes:
    """Changes of the master data behind a result made after the unit's first figure of the
    cycle was entered and before the result was computed, one line each: by indicator, and
    of the unit's category."""

    by_indicator: dict[int, str]
    category: str


@dataclass(frozen=True)
class Standing:
    """Where a unit's value stands in its category: place k of n and the best value."""

    place: int
    ranked: int
    best: Decimal


def figure(value: Decimal) -> str:
    """A figure without trailing zeros: 92, 0.5, 1.25."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def signed(value: Decimal) -> str:
    """Two places with a sign (− for minus), e.g. −3.00, +5.00."""
    return f"{points_round(value):+.2f}".replace("-", "−")


def places_kept_true(values: list[Decimal], *, holds, least: int = 2) -> list[Decimal]:
    """Return `values` rounded half up to the fewest places, `least` at least, for which
    `holds(*rounded)` is true; at the most, ten places, where the stored points are exact.

    A line rounds its figures for reading, but whoever checks it with a calculator must
    find what it says: 14.275 × 0.25, not 14.28 × 0.25, where that is what the sum needs."""
    for places in range(least, RATIO_PLACES_MAX + 1):
        shown = [
            value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP) for value in values
        ]
        if holds(*shown):
            break
    return shown


def points_shown(value: Decimal) -> str:
    """Points as a line shows them: two places, and the further ones it needs (14.275)."""
    whole, fraction = f"{value:f}".partition(".")[::2]
    return f"{whole}.{fraction.rstrip('0').ljust(2, '0')}"


def ratio_text(ratio: Decimal, *, floor: Decimal, cap: Decimal, maximum, points) -> str:
    """The completion ratio with the fewest places, four at least, that keep its line true,
    trailing zeros trimmed: below the floor stays below it, above the cap stays above it, and
    between them ratio × maximum gives the points shown (1.0042 × 10 = 10.04, where two
    places, 1.00 × 10, would not)."""

    def holds(shown):
        if ratio < floor:
            return shown < floor
        if ratio > cap:
            return shown > cap
        return two_places(maximum * shown) == two_places(points)

    (shown,) = places_kept_true([ratio], holds=holds, least=4)
    return figure(shown)


def _completion_line(indicator: Indicator, value: Decimal, points: Decimal) -> str:
    line = _completion_arithmetic(indicator, value, points)
    if points > indicator.max_points:
        # M × min(r, cap) with a cap above 1 rewards more than the target: a reader comparing
        # the points with the indicator's maximum is told why they are above it first, so
        # that the line still ends with its points.
        line = _("得分可超过分值 %(max)s（完成率上限 %(cap)s）：%(line)s") % {
            "max": figure(indicator.max_points),
            "cap": figure(indicator.cap),
            "line": line,
        }
    return line


def _completion_arithmetic(indicator: Indicator, value: Decimal, points: Decimal) -> str:
    target, cap, floor = indicator.target, indicator.cap, indicator.floor
    maximum = indicator.max_points
    if indicator.lower_is_better:
        if value == 0:
            return _("实际值为 0，按上限 %(cap)s × %(max)s = %(points)s") % {
                "cap": figure(cap),
                "max": figure(maximum),
                "points": two_places(points),
            }
        ratio, shown = target / value, f"{figure(target)}/{figure(value)}"
    else:
        ratio, shown = value / target, f"{figure(value)}/{figure(target)}"
    start = _("完成率 %(ratio)s = %(value)s") % {
        "ratio": shown,
        "value": ratio_text(ratio, floor=floor, cap=cap, maximum=maximum, points=points),
    }
    if ratio < floor:
        return start + _("，低于下限 %(floor)s，得 0.00") % {"floor": figure(floor)}
    if ratio > cap:
        start += _("，按上限 %(cap)s 计") % {"cap": figure(cap)}
    return f"{start} × {figure(maximum)} = {two_places(points)}"


def _rank_line(indicator: Indicator, standing: Standing, points: Decimal) -> str:
    place, ranked, maximum = standing.place, standing.ranked, indicator.max_points
    if indicator.step is not None:
        formula = f"{figure(maximum)} − {place - 1} × {figure(indicator.step)}"
        least = maximum * (indicator.min_share or ZERO)
        if indicator.min_share or maximum - (place - 1) * indicator.step < least:
            formula += _("（不低于 %(floor)s）") % {"floor": figure(least)}
    elif ranked == 1:
        return ngettext(
            "第 %(place)s 名 / 共 %(ranked)s 个单位，得满分 = %(points)s",
            "第 %(place)s 名 / 共 %(ranked)s 个单位，得满分 = %(points)s",
            ranked,
        ) % {"place": place, "ranked": ranked, "points": two_places(points)}
    else:
        formula = (
            f"{figure(maximum)} − ({place} − 1)/({ranked} − 1) × {figure(maximum)}"
            f" × (1 − {figure(indicator.min_share)})"
        )
    return ngettext(
        "第 %(place)s 名 / 共 %(ranked)s 个单位：%(formula)s = %(points)s",
        "第 %(place)s 名 / 共 %(ranked)s 个单位：%(formula)s = %(points)s",
        ranked,
    ) % {"place": place, "ranked": ranked, "formula": formula, "points": two_places(points)}


def _best_ratio_line(indicator: Indicator, value: Decimal, standing: Standing, points) -> str:
    best, maximum = standing.best, figure(indicator.max_points)
    if indicator.lower_is_better:
        if value == 0:
            return _("对标最优：实际值为 0，得满分 = %(points)s") % {"points": two_places(points)}
        return _("对标最优（越低越好） %(best)s/%(value)s × %(max)s = %(points)s") % {
            "best": figure(best),
            "value": figure(value),
            "max": maximum,
            "points": two_places(points),
        }
    if best == 0:
        return _("对标最优：最优值为 0，得 0.00")
    return _("对标最优 %(value)s/%(best)s × %(max)s = %(points)s") % {
        "value": figure(value),
        "best": figure(best),
        "max": maximum,
        "points": two_places(points),
    }


def _evaluation_line(indicator, votes, groups, cycle: Cycle, points: Decimal) -> str:
    values = dict(zip(Vote.KINDS, cycle.vote_values, strict=True))
    parts, weighted, weights = [], ZERO, ZERO
    for code, counts in votes.items():
        cast = sum(counts.values())
        if not cast:
            continue
        mean = sum(values[kind] * count for kind, count in counts.items()) / cast
        weight = groups[code].weight
        weighted, weights = weighted + weight * mean, weights + weight
        parts.append(
            _("%(group)s（%(counts)s）%(mean).4f × %(weight)s")
            % {
                "group": groups[code].name,
                "counts": _votes_counted(counts, cast),
                # Rounded half up here, as every figure of a line: %.4f of the float rounds
                # 29/32 = 0.90625 half to even, to 0.9062.
                "mean": mean.quantize(MEAN_PLACES, rounding=ROUND_HALF_UP),
                "weight": figure(weight),
            }
        )
    fraction = weighted / weights if weights else ZERO
    maximum = indicator.max_points
    # The places that make fraction × maximum the points: 2/3 of 50 reads 0.66667 × 50 = 33.33,
    # where 0.6667 × 50 would give 33.34.
    (fraction_shown,) = places_kept_true(
        [fraction],
        holds=lambda shown: two_places(maximum * shown) == two_places(points),
        least=4,
    )
    return _("民主测评 %(parts)s，加权平均 %(fraction)s × %(max)s = %(points)s") % {
        "parts": " + ".join(parts),
        "fraction": fraction_shown,
        "max": figure(maximum),
        "points": two_places(points),
    }


def _votes_counted(counts: dict[str, int], cast: int) -> str:
    """The counts a group's mean comes from, the kinds nobody voted left out."""
    kinds = listed(
        f"{Vote._meta.get_field(kind).verbose_name} {count}"
        for kind, count in counts.items()
        if count
    )
    return ngettext("%(kinds)s，共 %(cast)s 票", "%(kinds)s，共 %(cast)s 票", cast) % {
        "kinds": kinds,
        "cast": cast,
    }


def _quarters_listed(quarters: list[str]) -> str:
    return listed(Period(quarter).label for quarter in quarters)


def kept_quarters_note(*, cycle: Cycle, assessed: set[str]) -> str:
    """What the year's weighted quarters say of the quarters closed on their own, which the
    year takes as they were stored (see `results_compute`), given the quarters that hold
    points of the unit (`assessed`): closed, published, or not assessed then (a unit created
    or moved into its category since), which counts 0. Empty without such quarters."""
    kept = cycle.frozen_quarters
    by_state = {
        state: [q for q in kept if q in assessed and cycle.quarter_state(q) == state]
        for state in (QuarterState.CLOSED, QuarterState.PUBLISHED)
    }
    absent = [quarter for quarter in kept if quarter not in assessed]
    notes = []
    if by_state[QuarterState.CLOSED]:
        notes.append(
            _("%(quarters)s已关闭，按关闭时的得分计")
            % {"quarters": _quarters_listed(by_state[QuarterState.CLOSED])}
        )
    if by_state[QuarterState.PUBLISHED]:
        notes.append(
            _("%(quarters)s已发布，按发布的得分计")
            % {"quarters": _quarters_listed(by_state[QuarterState.PUBLISHED])}
        )
    if absent:
        notes.append(
            _("%(quarters)s关闭时本单位未参加考核，按 0 分计")
            % {"quarters": _quarters_listed(absent)}
        )
    between = pgettext("between clauses", "；")
    return "".join(between + note for note in notes)


def unit_without_result_note(*, cycle: Cycle, period: str) -> str:
    """Why a unit's page shows no result of the period: a closed period keeps the units it
    assessed when it closed (a unit created, or taking part again, since has none), a period
    still computed holds every unit taking part."""
    label = Period(period).label
    if cycle.period_is_locked(period):
        return _("%(period)s关闭时本单位未参加考核，没有本单位该期间的考核结果。") % {
            "period": label
        }
    return _("%(period)s没有本单位的考核结果。") % {"period": label}


def units_not_assessed(
    *, cycle: Cycle, period: str, category_ids: Iterable[int]
) -> dict[int, list[Unit]]:
    """Return, by category, the units taking part now that the closed period holds no result
    of in that category: created, or moved into it, since the period closed (a unit retired
    since keeps its result, which the ranking still lists). One query; none for a period still
    computed, whose results hold every unit taking part."""
    if not cycle.period_is_locked(period):
        return {}
    assessed = UnitResult.objects.filter(
        cycle=cycle, period=period, unit=OuterRef("pk"), category=OuterRef("category")
    )
    units = (
        Unit.objects.filter(is_active=True, category_id__in=list(category_ids))
        .exclude(Exists(assessed))
        .order_by("sort_order", "code")
    )
    by_category = defaultdict(list)
    for unit in units:
        by_category[unit.category_id].append(unit)
    return by_category


def units_not_assessed_note(*, period: str, units: list[Unit]) -> str:
    """The line under a closed period's ranking of a category naming its units that period
    did not assess (`units_not_assessed`), or "" without any."""
    if not units:
        return ""
    return _("%(period)s关闭时以下单位未参加本类别考核，该期间没有其考核结果：%(units)s") % {
        "period": Period(period).label,
        "units": listed(f"{unit.code} {unit.name}" for unit in units),
    }


def _year_line(cycle: Cycle, quarter_points: dict[str, Decimal], points: Decimal) -> str:
    """The year's points as the weighted sum of the quarters in `quarter_points`: every
    quarter, or those a bonus was reported in (`_year_bonus_line`)."""
    weights = {
        quarter: weight
        for quarter, weight in cycle.quarter_weights.items()
        if quarter in quarter_points
    }

    def adds_up(*rounded: Decimal) -> bool:
        weighted = sum((p * w for p, w in zip(rounded, weights.values(), strict=True)), ZERO)
        return points_round(weighted) == points_round(points)

    shown = places_kept_true([quarter_points[period] for period in weights], holds=adds_up)
    parts = [
        f"{period} {points_shown(figure_shown)} × {figure(weight)}"
        for (period, weight), figure_shown in zip(weights.items(), shown, strict=True)
    ]
    # At ten places the figures are the quarters' stored points, and their weighted sum was
    # kept to ten places too: where that crossed a half cent (0.124999999975 kept as 0.125,
    # counted 0.13), no figures give the year's cents, and the line ends with the ten places.
    total = two_places(points) if adds_up(*shown) else points_shown(points)
    return _("季度加权 %(parts)s = %(points)s") % {"parts": " + ".join(parts), "points": total}


def _year_bonus_line(
    cycle: Cycle, indicator: Indicator, reported: dict[str, Decimal], points: Decimal
) -> str:
    """The year's points of a quarterly bonus from the points of the quarters it was reported
    in (`reported`): a quarter without one scores 0 (see `_method_points`), said in words as
    the quarter's own line says it, where 0.00 would read as if a 0 had been entered."""
    if not reported:
        return _("各季度均未报加分，计 0 分（上限 %(max)s）") % {
            "max": figure(indicator.max_points)
        }
    line = _year_line(cycle, reported, points)
    unreported = [quarter for quarter in QUARTERS if quarter not in reported]
    if unreported:
        line += pgettext("between clauses", "；") + _("%(quarters)s未报加分，计 0 分") % {
            "quarters": _quarters_listed(unreported)
        }
    return line


def _value_line(indicator, value, points, standing) -> str:
    method = indicator.method
    if method == Method.DIRECT:
        return _("直接赋分 %(value)s（满分 %(max)s）= %(points)s") % {
            "value": figure(value),
            "max": figure(indicator.max_points),
            "points": two_places(points),
        }
    if method == Method.COMPLETION:
        return _completion_line(indicator, value, points)
    if method == Method.RANK:
        return _rank_line(indicator, standing, points)
    if method == Method.BEST_RATIO:
        return _best_ratio_line(indicator, value, standing, points)
    if method == Method.DEDUCTION:
        lost = value * indicator.per_incident
        parts = {
            "count": figure(value),
            "each": figure(indicator.per_incident),
            "lost": figure(lost),
            "max": figure(indicator.max_points),
            "points": two_places(points),
        }
        if lost > indicator.max_points:
            return (
                ngettext(
                    "扣分 %(count)s 次 × %(each)s = %(lost)s，超过满分 %(max)s，得 0.00",
                    "扣分 %(count)s 次 × %(each)s = %(lost)s，超过满分 %(max)s，得 0.00",
                    int(value),
                )
                % parts
            )
        return (
            ngettext(
                "扣分 %(count)s 次 × %(each)s = %(lost)s，%(max)s − %(lost)s = %(points)s",
                "扣分 %(count)s 次 × %(each)s = %(lost)s，%(max)s − %(lost)s = %(points)s",
                int(value),
            )
            % parts
        )
    if method == Method.BONUS:
        return _("加分 %(value)s（上限 %(max)s）= %(points)s") % {
            "value": figure(value),
            "max": figure(indicator.max_points),
            "points": two_places(points),
        }
    return _("一票否决：已否决") if value == 1 else _("一票否决：未触发")


def ranked_together(*, cycle, period, category) -> QuerySet[UnitResult]:
    """Return the stored results ranked together in a category and period of a cycle.

    This is what a past result's facts are read against (its place of n, its category's
    averages, the best value of the category): the units and categories as that cycle's
    results were computed, whatever the units' categories or active flags are now. An open
    cycle is recomputed whenever those change, so its stored results are current as well.
    The arguments may be values or `OuterRef` expressions.
    """
    return UnitResult.objects.filter(cycle=cycle, period=period, category=category)


def _scorable_leaves(*, cycle: Cycle) -> list[tuple[Indicator, Indicator, set[int]]]:
    """The cycle's scorable indicators in tree order, each with its area and the categories
    it is limited to (none: every category). Two queries."""
    nodes = list(Indicator.objects.filter(cycle=cycle).prefetch_related("categories"))
    by_pk = {node.pk: node for node in nodes}
    parents = {node.parent_id for node in nodes}

    def area_of(node):
        while node.parent_id is not None:
            node = by_pk[node.parent_id]
        return node

    return [
        (node, area_of(node), {category.pk for category in node.categories.all()})
        for node in nodes
        if node.method and node.pk not in parents
    ]


def _applies(categories: set[int], category_id: int) -> bool:
    return not categories or category_id in categories


def _scored_in(indicator: Indicator, period: str) -> bool:
    """A quarter scores the quarterly indicators only, the year all of them."""
    return period == Period.YEAR or indicator.frequency == Indicator.Frequency.QUARTERLY


def _applicable_leaves(*, cycle: Cycle, category_id: int) -> list[tuple[Indicator, Indicator]]:
    """The category's scorable indicators in tree order, each with its area."""
    return [
        (node, area)
        for node, area, categories in _scorable_leaves(cycle=cycle)
        if _applies(categories, category_id)
    ]


def applicable_area_maxima(
    *, cycle: Cycle, period: str, category_ids: Iterable[int]
) -> dict[int, dict[str, Decimal]]:
    """Return, per category pk, `unit_area_maxima` of a unit of the category in the period,
    without its lines: for units compared side by side. Two queries."""
    leaves = _scorable_leaves(cycle=cycle)
    return {
        category_id: _area_maxima(
            (node, area)
            for node, area, categories in leaves
            if _applies(categories, category_id) and _scored_in(node, period)
        )
        for category_id in set(category_ids)
    }


def _area_maxima(leaves: Iterable[tuple[Indicator, Indicator]]) -> dict[str, Decimal]:
    maxima: dict[str, Decimal] = defaultdict(Decimal)
    for indicator, area in leaves:
        if not indicator.is_outside_thousand:
            maxima[area.code] += indicator.max_points
    return dict(maxima)


def category_standings(*, result: UnitResult) -> dict[int, Standing]:
    """Place, count and best value of the result's unit among the units ranked with it, per
    indicator pk, for the rank and best-ratio indicators of its period, in one query."""
    order = Case(When(indicator__lower_is_better=True, then=F("value")), default=-F("value"))
    ranked = ranked_together(
        cycle=result.cycle_id, period=result.period, category=result.category_id
    )
    rows = (
        IndicatorValue.objects.filter(
            indicator__cycle=result.cycle_id,
            indicator__method__in=[Method.RANK, Method.BEST_RATIO],
            unit__in=ranked.values("unit"),
            period=result.period,
        )
        .annotate(
            place=Window(Rank(), partition_by=[F("indicator")], order_by=order.asc()),
            ranked=Window(Count("*"), partition_by=[F("indicator")]),
            high=Window(Max("value"), partition_by=[F("indicator")]),
            low=Window(Min("value"), partition_by=[F("indicator")]),
            # A filter on a window result applies after the windows (a plain unit filter would
            # shrink every partition to this unit alone). By unit, not by id: the columns read
            # are all in value_unit_period, which PostgreSQL then reads alone.
            is_this_unit=Window(
                Max(Case(When(unit=result.unit_id, then=1), default=0)), partition_by=[F("unit")]
            ),
        )
        .filter(is_this_unit=1)
        .values_list("indicator_id", "place", "ranked", "high", "low", "indicator__lower_is_better")
    )
    return {
        indicator_id: Standing(place=place, ranked=ranked, best=low if lower_is_better else high)
        for indicator_id, place, ranked, high, low, lower_is_better in rows
    }


def unit_indicator_lines(
    *,
    result: UnitResult,
    change_notes: dict[int, str] | None = None,
    compared_period: str | None = None,
) -> list[IndicatorLine]:
    """Return one explained line per indicator that applies to the result's unit, in tree
    order, as the result was computed: in the category it was ranked in, among the units
    ranked with it; with `change_notes` (`master_data_change_notes`), each indicator's; with
    `compared_period`, the points each had in that period of the cycle."""
    change_notes = change_notes or {}
    cycle, period = result.cycle, result.period
    leaves = _applicable_leaves(cycle=cycle, category_id=result.category_id)
    # The stored points are kept per category: read the one the result was ranked in, which a
    # unit moved since no longer names.
    results = unit_points(cycle=cycle, unit=Unit(pk=result.unit_id, category_id=result.category_id))
    # The year explains a quarterly veto by the quarters' values.
    read_periods = [period, *QUARTERS] if period == Period.YEAR else [period]
    values = {
        (value.indicator_id, value.period): value
        for value in IndicatorValue.objects.filter(
            indicator__cycle=cycle, unit=result.unit_id, period__in=read_periods
        ).select_related("entered_by")
    }
    votes = defaultdict(dict)
    groups = {}
    for vote in Vote.objects.filter(
        indicator__cycle=cycle, unit=result.unit_id, period=period
    ).select_related("rater_group"):
        groups[vote.rater_group.code] = vote.rater_group
        votes[vote.indicator_id][vote.rater_group.code] = {
            kind: getattr(vote, kind) for kind in Vote.KINDS
        }
    standings = category_standings(result=result)
    points_here = results.get(period, {})
    points_before = results.get(compared_period, {}) if compared_period else {}
    kept_note = (
        kept_quarters_note(cycle=cycle, assessed=set(results)) if period == Period.YEAR else ""
    )
    lines = []
    for indicator, area in leaves:
        if not _scored_in(indicator, period):
            continue
        quarterly = indicator.frequency == Indicator.Frequency.QUARTERLY
        points = points_here.get(indicator.code, ZERO)
        value = values.get((indicator.pk, period))
        unit_votes = votes.get(indicator.pk)
        missing = False
        if period == Period.YEAR and quarterly and indicator.method == Method.VETO:
            vetoed_in = [
                quarter
                for quarter in QUARTERS
                if (found := values.get((indicator.pk, quarter))) and found.value == 1
            ]
            explanation = (
                _("一票否决：%(quarters)s已否决") % {"quarters": _quarters_listed(vetoed_in)}
                if vetoed_in
                else _("一票否决：未触发")
            )
        elif period == Period.YEAR and quarterly:
            quarter_points = {
                quarter: results.get(quarter, {}).get(indicator.code, ZERO) for quarter in QUARTERS
            }
            if indicator.method == Method.BONUS:
                reported = {
                    quarter: quarter_points[quarter]
                    for quarter in QUARTERS
                    if (indicator.pk, quarter) in values
                }
                explanation = _year_bonus_line(cycle, indicator, reported, points)
            else:
                explanation = _year_line(cycle, quarter_points, points)
            explanation += kept_note
        elif indicator.method == Method.EVALUATION:
            missing = not unit_votes
            explanation = (
                _evaluation_line(indicator, unit_votes, groups, cycle, points)
                if unit_votes
                else _("未测评，计 0 分")
            )
        elif value is None and indicator.method == Method.BONUS:
            # Said in words: "加分 0" would read as if a 0 had been entered.
            explanation = _("未报加分，计 0 分（上限 %(max)s）") % {
                "max": figure(indicator.max_points)
            }
        elif value is None:
            missing = not indicator.is_outside_thousand
            explanation = (
                _("未报送数据，计 0 分") if missing else _value_line(indicator, ZERO, points, None)
            )
        else:
            standing = standings.get(indicator.pk)
            explanation = _value_line(indicator, value.value, points, standing)
        lines.append(
            IndicatorLine(
                indicator=indicator,
                area=area,
                raw_value=value.value if value else None,
                votes=unit_votes,
                points=points,
                explanation=explanation,
                entered_by=value.entered_by.username if value and value.entered_by else None,
                updated_at=value.updated_at if value else None,
                missing=missing,
                change_note=change_notes.get(indicator.pk, ""),
                points_before=points_before.get(indicator.code),
            )
        )
    return lines


@dataclass(frozen=True)
class AreaLines:
    """An area's indicator lines, as a unit's page lists them under the area's name."""

    area: Indicator
    lines: list[IndicatorLine]
    # The lines' points each rounded to the cent and added, where that misses the area's
    # figure, which is their exact points added and rounded once; None where it does not.
    rounded_sum: Decimal | None = None
    figure: Decimal | None = None


def indicator_lines_by_area(
    lines: list[IndicatorLine], *, area_points: dict[str, str]
) -> list[AreaLines]:
    """Group the lines by area, in their order, each area with the sum of its lines as shown
    where it misses the area's figure (three rows of 6.67 for an area of 20.00): the page
    says so beside the area's name, so that a reader adding the rows with a calculator is
    told why, where rows shown to more places (6.6667) would read as anything but points.
    Bonus and veto lines count in no area's figure."""
    grouped = []
    for area, area_lines in groupby(lines, key=attrgetter("area")):
        area_lines = list(area_lines)
        counted = [
            points_round(line.points)
            for line in area_lines
            if not line.indicator.is_outside_thousand
        ]
        figure = area_points.get(area.code)
        figure = points_round(Decimal(figure)) if figure is not None else None
        missed = figure is not None and sum(counted, ZERO) != figure
        grouped.append(
            AreaLines(
                area=area,
                lines=area_lines,
                rounded_sum=sum(counted, ZERO) if missed else None,
                figure=figure if missed else None,
            )
        )
    return grouped


def unit_points_lost(
    *, result: UnitResult, lines: list[IndicatorLine], limit: int = 10
) -> list[PointsLost]:
    """Return the `limit` indicators of the result's lines (`unit_indicator_lines`) that fell
    furthest short of their maximum, most first: where the unit lost its points, and where it
    has most to gain. A shortfall costs the total its share of the thousand."""
    short = [
        PointsLost(
            line=line,
            lost=line.indicator.max_points - line.points,
            on_total=normalised(
                earned=line.indicator.max_points - line.points,
                applicable_max=result.applicable_max,
            ),
        )
        for line in lines
        if not line.indicator.is_outside_thousand and line.points < line.indicator.max_points
    ]
    short.sort(key=lambda item: item.lost, reverse=True)
    return short[:limit]


def unit_area_maxima(*, lines: list[IndicatorLine]) -> dict[str, Decimal]:
    """Return, per area code, the maximum of the result's lines (`unit_indicator_lines`) that
    count toward the thousand: what the unit could earn there in the period. An area's own
    maximum counts every indicator of the tree, annual ones in a quarter and those of other
    categories too, so the share of it a unit earned would read too low."""
    return _area_maxima((line.indicator, line.area) for line in lines)


def unit_points_moved(*, lines: list[IndicatorLine], limit: int = 10) -> list[IndicatorLine]:
    """Return the `limit` lines whose points moved most since the compared period, either way,
    largest move first."""
    moved = [line for line in lines if line.points_change]
    moved.sort(key=lambda line: abs(line.points_change), reverse=True)
    return moved[:limit]


def _first_entries(*, result: UnitResult) -> dict[int, datetime]:
    """When the unit's first figure (value or votes) of each indicator of the cycle was
    recorded, by indicator pk (two queries, on the histories' unit index)."""
    first: dict[int, datetime] = {}
    for model in (IndicatorValue, Vote):
        rows = (
            model.history.filter(unit_id=result.unit_id, indicator__cycle=result.cycle_id)
            .order_by()
            .values_list("indicator_id")
            .annotate(first=Min("history_date"))
        )
        for indicator_id, when in rows:
            first[indicator_id] = min(when, first.get(indicator_id, when))
    return first


def _change_text(*, when, field: str, old, new, who: str | None) -> str:
    return _("%(date)s %(field)s %(old)s → %(new)s（%(who)s）") % {
        "date": timezone.localtime(when).strftime("%Y-%m-%d %H:%M"),
        "field": field,
        "old": old,
        "new": new,
        "who": who or "—",
    }


def _rule_shown(name: str, value) -> str:
    if name == "method":
        return Method(value).label if value else "—"
    return figure(value)


def master_data_change_notes(*, result: UnitResult) -> ChangeNotes:
    """Say where the rules changed under the unit's figures: an indicator's maximum or method,
    or the unit's category, changed after the unit's first figure of that indicator (of the
    cycle, for the category) was entered and before the result was computed. Four queries."""
    first = _first_entries(result=result)
    records = (
        Indicator.history.filter(id__in=list(first))
        .order_by("id", "history_id")
        .values_list("id", "history_date", "max_points", "method", "history_user__username")
    )
    changes, previous = defaultdict(list), {}
    for pk, when, *rules, who in records:
        before, previous[pk] = previous.get(pk), rules
        if before is None or not first[pk] < when <= result.computed_at:
            continue
        for name, old, new in zip(("max_points", "method"), before, rules, strict=True):
            if old != new:
                old, new = (_rule_shown(name, value) for value in (old, new))
                field = Indicator._meta.get_field(name).verbose_name
                changes[pk].append(_change_text(when=when, field=field, old=old, new=new, who=who))
    by_indicator = {
        pk: _("录入数据后指标有改动：%(changes)s")
        % {"changes": pgettext("between clauses", "；").join(texts)}
        for pk, texts in changes.items()
    }
    return ChangeNotes(
        by_indicator=by_indicator,
        category=_category_change_note(result=result, since=min(first.values(), default=None)),
    )


def _category_change_note(*, result: UnitResult, since: datetime | None) -> str:
    if since is None:
        return ""
    records = (
        Unit.history.filter(id=result.unit_id)
        .order_by("history_id")
        .values_list("history_date", "category_id", "category__name", "history_user__username")
    )
    texts, before = [], None
    for when, category_id, name, who in records:
        if before is not None and before[0] != category_id and since < when <= result.computed_at:
            field = Unit._meta.get_field("category").verbose_name
            texts.append(_change_text(when=when, field=field, old=before[1], new=name, who=who))
        before = (category_id, name)
    if not texts:
        return ""
    return _("录入数据后本单位类别有调整：%(changes)s") % {
        "changes": pgettext("between clauses", "；").join(texts)
    }


@dataclass(frozen=True)
class TotalParts:
    """A unit total's earned points, normalised score and bonus, each rounded to the places
    that make its line add up to the total."""

    earned: Decimal
    normalised: Decimal
    bonus: Decimal


def unit_total_parts(*, result: UnitResult) -> TotalParts:
    """Return the parts of the result's total with the places that make its line add up (see
    `places_kept_true`): the total was rounded once, from the unrounded normalised score and
    bonus, and earned over the maximum gives the normalised score to its places."""
    total, adjustment = result.total, result.adjustment
    thousand, bonus = places_kept_true(
        [normalised(earned=result.earned, applicable_max=result.applicable_max), result.bonus],
        holds=lambda thousand, bonus: points_round(thousand + bonus + adjustment) == total,
    )
    (earned,) = places_kept_true(
        [result.earned],
        holds=lambda earned: (
            thousand
            == normalised(earned=earned, applicable_max=result.applicable_max).quantize(
                thousand, rounding=ROUND_HALF_UP
            )
        ),
    )
    return TotalParts(earned=earned, normalised=thousand, bonus=bonus)


def unit_total_explanation(*, result: UnitResult) -> str:
    """Explain a unit total from its stored parts (`unit_total_parts`), e.g.
    得分 850.50 / 适用满分 900.00 × 1000 = 945.00；加分 10.00；柔性调整 −3.00；总分 952.00"""
    total, adjustment = result.total, result.adjustment
    parts = unit_total_parts(result=result)
    text = _(
        "得分 %(earned)s / 适用满分 %(max)s × 1000 = %(normalised)s；加分 %(bonus)s；"
        "柔性调整 %(adjustment)s；总分 %(total)s"
    ) % {
        "earned": points_shown(parts.earned),
        "max": points_shown(result.applicable_max),
        "normalised": points_shown(parts.normalised),
        "bonus": points_shown(parts.bonus),
        "adjustment": signed(adjustment) if adjustment else "0.00",
        "total": two_places(total),
    }
    if result.vetoed:
        text += _("；一票否决，等次最高为一般")
    return text


def own_part_shown(*, score: OfficialScore) -> str:
    """An official's own part with the places that make α × unit total + (1 − α) × own part
    give their score (804.629, where 804.63 would give 822.20 for a score of 822.19)."""
    alpha, unit_total = score.alpha, score.unit_total
    (own_part,) = places_kept_true(
        [score.own_part],
        holds=lambda own: points_round(alpha * unit_total + (1 - alpha) * own) == score.score,
    )
    return points_shown(own_part)
