"""An independent reference for DOMAIN.md's "Scoring rules, exact", checked on the demo district.

The engine (scoring.services.points and .compute) scores in scaled integers for speed. This
module recomputes every result from the stored inputs with nothing but `decimal.Decimal` in its
default context (28 significant digits), formula by formula as DOMAIN.md states them, and
compares total, rank, grade and veto of every result the engine stored, in both demo cycles,
and the year's personal score of every official (unit total, α, own part, score).
Only `results_compute` is taken from the engine, to run it; the arithmetic here is written from
DOMAIN.md alone, so that a shared mistake cannot hide.
"""

import io
from collections import defaultdict
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.management import call_command

from cadre.models import Official, Unit
from scoring.models import (
    Adjustment,
    Cycle,
    Grade,
    Indicator,
    IndicatorValue,
    OfficialScore,
    RaterGroup,
    Responsibility,
    UnitResult,
    Vote,
)
from scoring.services.compute import results_compute

pytestmark = pytest.mark.django_db

QUARTERS = ("Q1", "Q2", "Q3", "Q4")
YEAR = "Y"
THOUSAND = Decimal(1000)
CENT = Decimal("0.01")
ZERO = Decimal(0)


# --- The inputs, read plainly through the ORM --------------------------------------------


@dataclass(frozen=True)
class Leaf:
    """A scored indicator: a node without children that has a method."""

    pk: int
    code: str
    method: str
    quarterly: bool
    max_points: Decimal
    target: Decimal | None
    floor: Decimal
    cap: Decimal
    lower_is_better: bool
    step: Decimal | None
    min_share: Decimal
    per_incident: Decimal | None
    category_ids: frozenset[int]

    def applies_to(self, category_id: int) -> bool:
        # No categories means every category (DOMAIN.md: "blank = all").
        return not self.category_ids or category_id in self.category_ids

    @property
    def inside_thousand(self) -> bool:
        # Bonus and veto stand outside the 1000: neither earned nor applicable maximum.
        return self.method not in ("bonus", "veto")

    def scores_in(self, period: str) -> bool:
        """Whether the leaf has points of its own in the period (not rolled up from quarters)."""
        return period in QUARTERS if self.quarterly else period == YEAR


@dataclass
class CycleInputs:
    cycle: Cycle
    leaves: list[Leaf]
    unit_category: dict[int, int]  # active unit → category
    unit_code: dict[int, str]
    values: dict[tuple[int, str], dict[int, Decimal]]  # (leaf, period) → unit → value
    # (leaf, period, unit) → [(rater group weight, (excellent, competent, basic, incompetent))]
    votes: dict[tuple[int, str, int], list[tuple[Decimal, tuple[int, int, int, int]]]]
    adjustments: dict[tuple[int, str], Decimal]
    reported_quarters: set[str]


def inputs_read(cycle: Cycle) -> CycleInputs:
    nodes = list(Indicator.objects.filter(cycle=cycle).prefetch_related("categories"))
    parent_ids = {node.parent_id for node in nodes}
    leaves = [
        Leaf(
            pk=node.pk,
            code=node.code,
            method=node.method,
            quarterly=node.frequency == Indicator.Frequency.QUARTERLY,
            max_points=node.max_points,
            target=node.target,
            floor=node.floor,
            cap=node.cap,
            lower_is_better=node.lower_is_better,
            step=node.step,
            min_share=node.min_share,
            per_incident=node.per_incident,
            category_ids=frozenset(category.pk for category in node.categories.all()),
        )
        for node in nodes
        if node.method and node.pk not in parent_ids
    ]
    # Only active units are scored; inputs of inactive ones are ignored.
    active = Unit.objects.filter(is_active=True)
    unit_category = dict(active.values_list("pk", "category_id"))
    unit_code = dict(active.values_list("pk", "code"))

    values = defaultdict(dict)
    for unit_id, leaf_id, period, value in IndicatorValue.objects.filter(
        indicator__cycle=cycle, unit__is_active=True
    ).values_list("unit_id", "indicator_id", "period", "value"):
        values[leaf_id, period][unit_id] = value

    weights = dict(RaterGroup.objects.values_list("pk", "weight"))
    votes = defaultdict(list)
    for vote in Vote.objects.filter(indicator__cycle=cycle, unit__is_active=True):
        counts = (vote.excellent, vote.competent, vote.basic, vote.incompetent)
        votes[vote.indicator_id, vote.period, vote.unit_id].append(
            (weights[vote.rater_group_id], counts)
        )

    adjustments = defaultdict(Decimal)
    for unit_id, period, points in Adjustment.objects.filter(cycle=cycle).values_list(
        "unit_id", "period", "points"
    ):
        adjustments[unit_id, period] += points

    # A quarter nobody has reported anything for yet has no results (the year always has).
    reported_quarters = {
        period
        for model in (IndicatorValue, Vote)
        for period in model.objects.filter(indicator__cycle=cycle)
        .values_list("period", flat=True)
        .distinct()
        if period in QUARTERS
    }
    return CycleInputs(
        cycle=cycle,
        leaves=leaves,
        unit_category=unit_category,
        unit_code=unit_code,
        values=values,
        votes=votes,
        adjustments=adjustments,
        reported_quarters=reported_quarters,
    )


# --- One function per method: points of one unit's value ---------------------------------


def direct_points(leaf: Leaf, value: Decimal) -> Decimal:
    # The entry refuses values outside 0…max, so the value is the points.
    return value


def completion_points(leaf: Leaf, value: Decimal) -> Decimal:
    if leaf.lower_is_better:
        # Nothing used at all is the best possible figure: the full capped ratio.
        ratio = leaf.cap if value == 0 else leaf.target / value
    else:
        ratio = value / leaf.target
    if ratio < leaf.floor:
        return ZERO
    return leaf.max_points * min(ratio, leaf.cap)


def deduction_points(leaf: Leaf, incidents: Decimal) -> Decimal:
    return max(leaf.max_points - incidents * leaf.per_incident, ZERO)


def bonus_points(leaf: Leaf, value: Decimal) -> Decimal:
    return min(value, leaf.max_points)


def evaluation_points(
    leaf: Leaf,
    group_votes: list[tuple[Decimal, tuple[int, int, int, int]]],
    vote_values: tuple[Decimal, ...],
) -> Decimal | None:
    """M × the weighted mean of the groups' mean vote values; None when no group voted."""
    weighted_sum = weight_sum = ZERO
    for weight, counts in group_votes:
        voters = sum(counts)
        if not voters:  # a group with no votes did not vote: it carries no weight
            continue
        group_mean = (
            sum(count * value for count, value in zip(counts, vote_values, strict=True)) / voters
        )
        weighted_sum += weight * group_mean
        weight_sum += weight
    if not weight_sum:
        return None
    return leaf.max_points * (weighted_sum / weight_sum)


# --- Methods relative to the category: points of all the category's values at once -------


def competition_places(figures: dict[int, Decimal], *, higher_is_better: bool) -> dict[int, int]:
    """Place of each unit, equal figures sharing the better place (1, 2, 2, 4)."""
    return {
        unit: 1
        + sum(
            1
            for other in figures.values()
            if (other > figure if higher_is_better else other < figure)
        )
        for unit, figure in figures.items()
    }


def rank_points(leaf: Leaf, figures: dict[int, Decimal]) -> dict[int, Decimal]:
    places = competition_places(figures, higher_is_better=not leaf.lower_is_better)
    m, count = leaf.max_points, len(figures)
    points = {}
    for unit, place in places.items():
        if leaf.step is not None:
            points[unit] = max(m - (place - 1) * leaf.step, m * leaf.min_share)
        elif count == 1:
            points[unit] = m
        else:
            points[unit] = m - Decimal(place - 1) / (count - 1) * m * (1 - leaf.min_share)
    return points


def best_ratio_points(leaf: Leaf, figures: dict[int, Decimal]) -> dict[int, Decimal]:
    m = leaf.max_points
    if leaf.lower_is_better:
        best = min(figures.values())
        # A zero figure is the best there can be; the order of these tests matters when
        # the best is 0 too (its own unit gets M, every other unit 0).
        return {
            unit: m if value == 0 else (ZERO if best == 0 else m * best / value)
            for unit, value in figures.items()
        }
    best = max(figures.values())
    return {unit: ZERO if best == 0 else m * value / best for unit, value in figures.items()}


VALUE_METHODS = {
    "direct": direct_points,
    "completion": completion_points,
    "deduction": deduction_points,
    "bonus": bonus_points,
}
CATEGORY_METHODS = {"rank": rank_points, "best_ratio": best_ratio_points}


# --- Points of every leaf, period and unit ------------------------------------------------


def own_period_points(inputs: CycleInputs, leaf: Leaf, period: str) -> dict[int, Decimal]:
    """Points of the units that have an input for the leaf in a period it scores in.

    Units without one are absent here and score 0 (DOMAIN.md: "a value missing … scores 0").
    """
    vote_values = inputs.cycle.vote_values
    applicable = {
        unit for unit, category in inputs.unit_category.items() if leaf.applies_to(category)
    }
    if leaf.method == "evaluation":
        points = {}
        for unit in applicable:
            earned = evaluation_points(
                leaf, inputs.votes.get((leaf.pk, period, unit), []), vote_values
            )
            if earned is not None:
                points[unit] = earned
        return points
    figures = {
        unit: value
        for unit, value in inputs.values.get((leaf.pk, period), {}).items()
        if unit in applicable
    }
    if leaf.method in VALUE_METHODS:
        return {unit: VALUE_METHODS[leaf.method](leaf, value) for unit, value in figures.items()}
    if leaf.method in CATEGORY_METHODS:
        # Ranked and compared within each category, among the units that have a value.
        by_category = defaultdict(dict)
        for unit, value in figures.items():
            by_category[inputs.unit_category[unit]][unit] = value
        points = {}
        for category_figures in by_category.values():
            points.update(CATEGORY_METHODS[leaf.method](leaf, category_figures))
        return points
    raise AssertionError(f"no reference for method {leaf.method!r} of {leaf.code}")


def leaf_points(inputs: CycleInputs) -> dict[tuple[int, str], dict[int, Decimal]]:
    """(leaf, period) → unit → points, for every period each leaf counts in (vetoes aside).

    The year of a quarterly leaf is its quarters' points weighted by the cycle's quarter
    weights, a missing quarter counting 0."""
    weights = inputs.cycle.quarter_weights
    points = {}
    for leaf in inputs.leaves:
        if leaf.method == "veto":
            continue
        if not leaf.quarterly:
            points[leaf.pk, YEAR] = own_period_points(inputs, leaf, YEAR)
            continue
        year = defaultdict(Decimal)
        for quarter in QUARTERS:
            quarter_points = own_period_points(inputs, leaf, quarter)
            points[leaf.pk, quarter] = quarter_points
            for unit, earned in quarter_points.items():
                year[unit] += weights[quarter] * earned
        points[leaf.pk, YEAR] = dict(year)
    return points


def vetoed_in(inputs: CycleInputs, unit: int, period: str) -> bool:
    """A 1 on an applicable veto indicator vetoes the period; any vetoed period, the year."""
    periods = (*QUARTERS, YEAR) if period == YEAR else (period,)
    category = inputs.unit_category[unit]
    return any(
        inputs.values.get((leaf.pk, scored_in), {}).get(unit) == 1
        for leaf in inputs.leaves
        if leaf.method == "veto" and leaf.applies_to(category)
        for scored_in in periods
        if leaf.scores_in(scored_in)
    )


# --- Totals, ranks and grades -------------------------------------------------------------


@dataclass
class Reference:
    unit: int
    category: int
    period: str
    earned: Decimal
    applicable_max: Decimal
    total: Decimal
    vetoed: bool
    rank: int = 0
    grade: str = ""


def unit_total(
    *, earned: Decimal, applicable_max: Decimal, bonus: Decimal, cycle: Cycle, adjustment: Decimal
) -> Decimal:
    # A unit nothing applies to has no thousand-point score to normalise (DOMAIN.md is silent).
    thousand = earned / applicable_max * THOUSAND if applicable_max else ZERO
    exact = thousand + min(bonus, cycle.bonus_cap) + adjustment
    return exact.quantize(CENT, rounding=ROUND_HALF_UP)


def grade_of(cycle: Cycle, result: Reference, category_totals: list[Decimal]) -> str:
    quota = int(len(category_totals) * cycle.excellent_share)  # floor: both are non-negative
    at_or_above = sum(1 for total in category_totals if total >= result.total)
    if result.total >= cycle.excellent_min and not result.vetoed and at_or_above <= quota:
        return Grade.EXCELLENT.value
    # A vetoed unit is 一般 at best.
    if result.total >= cycle.good_min and not result.vetoed:
        return Grade.GOOD.value
    if result.total >= cycle.fair_min:
        return Grade.FAIR.value
    return Grade.POOR.value


def reference_results(
    inputs: CycleInputs, points: dict[tuple[int, str], dict[int, Decimal]] | None = None
) -> dict[tuple[int, str], Reference]:
    cycle = inputs.cycle
    points = leaf_points(inputs) if points is None else points
    results = {}
    for period in sorted(inputs.reported_quarters) + [YEAR]:
        # A quarter's total uses the quarterly indicators only; the year uses all of them.
        in_period = [leaf for leaf in inputs.leaves if leaf.quarterly or period == YEAR]
        for unit, category in inputs.unit_category.items():
            applicable = [leaf for leaf in in_period if leaf.applies_to(category)]
            if not applicable:
                # Nothing to score the unit by in the period (DOMAIN.md is silent): no result,
                # rather than a 0 ranked and graded 较差.
                continue

            def earned_of(leaf, unit=unit, period=period):
                return points[leaf.pk, period].get(unit, ZERO)

            counted = [leaf for leaf in applicable if leaf.inside_thousand]
            earned = sum((earned_of(leaf) for leaf in counted), ZERO)
            applicable_max = sum((leaf.max_points for leaf in counted), ZERO)
            bonus = sum((earned_of(leaf) for leaf in applicable if leaf.method == "bonus"), ZERO)
            results[unit, period] = Reference(
                unit=unit,
                category=category,
                period=period,
                earned=earned,
                applicable_max=applicable_max,
                total=unit_total(
                    earned=earned,
                    applicable_max=applicable_max,
                    bonus=bonus,
                    cycle=cycle,
                    adjustment=inputs.adjustments.get((unit, period), ZERO),
                ),
                vetoed=vetoed_in(inputs, unit, period),
            )
    groups = defaultdict(list)
    for result in results.values():
        groups[result.category, result.period].append(result)
    for group in groups.values():
        totals = [result.total for result in group]
        for result in group:
            # Competition ranking by total: one plus the number of strictly better totals.
            result.rank = 1 + sum(1 for total in totals if total > result.total)
            result.grade = grade_of(cycle, result, totals)
    return results


# --- Personal scores of officials (year) ---------------------------------------------------


@dataclass(frozen=True)
class PersonalReference:
    official: int
    code: str
    unit_total: Decimal
    alpha: Decimal
    own_part: Decimal
    score: Decimal


def cents(points: Decimal) -> Decimal:
    return points.quantize(CENT, rounding=ROUND_HALF_UP)


def personal_score(
    *, alpha: Decimal, unit_total: Decimal, earned: Decimal, maximum: Decimal
) -> tuple[Decimal, Decimal]:
    """(own part, score): own part = earned / max × 1000 (the unit total when max is 0), score
    = α × unit total + (1 − α) × own part; each rounded half up once, from the exact figures."""
    own_part = earned / maximum * THOUSAND if maximum else unit_total
    score = alpha * unit_total + (1 - alpha) * own_part
    return (
        own_part.quantize(CENT, rounding=ROUND_HALF_UP),
        score.quantize(CENT, rounding=ROUND_HALF_UP),
    )


def reference_official_scores(
    inputs: CycleInputs,
    results: dict[tuple[int, str], Reference],
    points: dict[tuple[int, str], dict[int, Decimal]],
) -> dict[int, PersonalReference]:
    """Official → year personal score, for active officials of active units with a year result.

    Own indicators are the official's responsibilities in this cycle that are scored leaves
    inside the 1000 (not bonus, not veto) applying to the unit's category, at their year points."""
    cycle = inputs.cycle
    leaves = {leaf.pk: leaf for leaf in inputs.leaves}
    answers_for = defaultdict(set)
    for official, indicator in Responsibility.objects.filter(indicator__cycle=cycle).values_list(
        "official_id", "indicator_id"
    ):
        answers_for[official].add(indicator)
    scores = {}
    for official, code, unit, role in Official.objects.filter(
        is_active=True, unit__is_active=True
    ).values_list("pk", "code", "unit_id", "role"):
        year = results.get((unit, YEAR))
        if year is None:
            continue
        own = [
            leaves[indicator]
            for indicator in answers_for[official]
            if indicator in leaves
            and leaves[indicator].inside_thousand
            and leaves[indicator].applies_to(year.category)
        ]
        alpha = cycle.alpha_principal if role == Official.Role.PRINCIPAL else cycle.alpha_member
        own_part, score = personal_score(
            alpha=alpha,
            unit_total=year.total,
            earned=sum((points[leaf.pk, YEAR].get(unit, ZERO) for leaf in own), ZERO),
            maximum=sum((leaf.max_points for leaf in own), ZERO),
        )
        scores[official] = PersonalReference(
            official=official,
            code=code,
            unit_total=year.total,
            alpha=alpha,
            own_part=own_part,
            score=score,
        )
    return scores


# --- The comparison -------------------------------------------------------------------------


@pytest.fixture
def demo(db):
    call_command("load_demo", stdout=io.StringIO())


def test_engine_matches_the_reference_on_the_demo_district(demo):
    compared, differences, missing_or_extra = 0, [], []
    totals, grades, vetoed = set(), set(), 0
    for cycle in Cycle.objects.order_by("year"):
        results_compute(cycle=cycle)
        inputs = inputs_read(cycle)
        expected = reference_results(inputs)
        totals |= {reference.total for reference in expected.values()}
        grades |= {reference.grade for reference in expected.values()}
        vetoed += sum(reference.vetoed for reference in expected.values())
        stored = {
            (result.unit_id, result.period): result
            for result in UnitResult.objects.filter(cycle=cycle)
        }
        for key in sorted(set(expected) ^ set(stored)):
            side = "reference only" if key in expected else "engine only"
            missing_or_extra.append(f"{cycle.year} {inputs.unit_code[key[0]]} {key[1]}: {side}")
        for key in sorted(set(expected) & set(stored), key=lambda key: (key[1], key[0])):
            engine, reference = stored[key], expected[key]
            compared += 1
            got = (engine.total, engine.rank, engine.grade, engine.vetoed)
            want = (reference.total, reference.rank, reference.grade, reference.vetoed)
            if got != want:
                differences.append(
                    f"{cycle.year} {inputs.unit_code[key[0]]} {key[1]}: "
                    f"engine (total, rank, grade, vetoed) {got}, reference {want}; "
                    f"earned {engine.earned} vs {reference.earned}, "
                    f"applicable max {engine.applicable_max} vs {reference.applicable_max}"
                )
    print(f"{compared} results compared, {len(differences)} differ")
    # Two cycles, 40 units, five and four periods: a broken read would compare far fewer.
    assert compared > 100
    assert missing_or_extra == []
    assert differences == [], "\n".join(differences)
    # Agreement only means something if the demo exercises the rules: a spread of totals,
    # every grade, and the veto (the demo vetoes one unit per cycle, in Q1 and so in Y).
    assert len(totals) > 20
    assert grades == set(Grade.values)
    assert vetoed >= 2


def test_official_scores_match_the_reference_on_the_demo_district(demo):
    compared, differences, missing_or_extra, roles, answering = 0, [], [], set(), 0
    for cycle in Cycle.objects.order_by("year"):
        results_compute(cycle=cycle)
        inputs = inputs_read(cycle)
        points = leaf_points(inputs)
        expected = reference_official_scores(
            inputs, reference_results(inputs, points=points), points
        )
        stored = {
            score.official_id: score
            for score in OfficialScore.objects.filter(cycle=cycle, period=YEAR).select_related(
                "official"
            )
        }
        for official in sorted(set(expected) ^ set(stored)):
            if official in expected:
                code, side = expected[official].code, "reference only"
            else:
                code, side = stored[official].official.code, "engine only"
            missing_or_extra.append(f"{cycle.year} {code}: {side}")
        for official in sorted(set(expected) & set(stored)):
            engine, reference = stored[official], expected[official]
            compared += 1
            roles.add(engine.official.role)
            answering += reference.own_part != reference.unit_total
            # The engine keeps the own part to ten places; the reference gives it in cents.
            got = (engine.unit_total, engine.alpha, cents(engine.own_part), engine.score)
            want = (reference.unit_total, reference.alpha, reference.own_part, reference.score)
            if got != want:
                differences.append(
                    f"{cycle.year} {reference.code}: engine (unit total, α, own part, score) "
                    f"{got}, reference {want}"
                )
    print(f"{compared} official scores compared, {len(differences)} differ")
    assert compared > 50
    assert missing_or_extra == [], "\n".join(missing_or_extra)
    assert differences == [], "\n".join(differences)
    # Both α occur, and own parts are actually computed, not just the unit total passed on.
    assert {Official.Role.PRINCIPAL, Official.Role.MEMBER} <= roles
    assert answering > 20


def test_reference_methods_follow_domain_examples():
    """Hand-checked cases, so that the reference itself is tested, not just its agreement."""
    leaf = Leaf(
        pk=1,
        code="T",
        method="completion",
        quarterly=True,
        max_points=Decimal(10),
        target=Decimal(8),
        floor=Decimal("0.5"),
        cap=Decimal("1.2"),
        lower_is_better=False,
        step=None,
        min_share=Decimal("0.5"),
        per_incident=Decimal(3),
        category_ids=frozenset(),
    )
    assert completion_points(leaf, Decimal(6)) == Decimal("7.5")
    assert completion_points(leaf, Decimal(3)) == 0  # 0.375 is below the floor
    assert completion_points(leaf, Decimal(20)) == Decimal(12)  # capped at 1.2
    lower = replace(leaf, lower_is_better=True)
    assert completion_points(lower, Decimal(0)) == Decimal(12)
    assert completion_points(lower, Decimal(10)) == Decimal(8)
    assert deduction_points(leaf, Decimal(4)) == 0
    figures = {1: Decimal(5), 2: Decimal(9), 3: Decimal(9), 4: Decimal(1)}
    assert competition_places(figures, higher_is_better=True) == {1: 3, 2: 1, 3: 1, 4: 4}
    # Linear from 10 down to 10 × 0.5 over places 1…4: places 1, 1, 3, 4 get 10, 10, 6.67, 5.
    ranked = rank_points(replace(leaf, method="rank"), figures)
    assert ranked[2] == ranked[3] == 10 and ranked[4] == 5
    assert ranked[1].quantize(CENT) == Decimal("6.67")
    stepped = rank_points(replace(leaf, method="rank", step=Decimal(3)), figures)
    assert stepped == {1: Decimal(5), 2: 10, 3: 10, 4: Decimal(5)}  # 4 and 1 fall below the floor 5
    best = best_ratio_points(leaf, figures)
    assert best[2] == 10 and best[4].quantize(CENT) == Decimal("1.11")
    votes = [(Decimal("0.4"), (10, 10, 0, 0)), (Decimal("0.3"), (0, 0, 5, 5)), (1, (0, 0, 0, 0))]
    # Group means 0.9 and 0.3, weights 0.4 and 0.3: (0.36 + 0.09) / 0.7 × 10.
    got = evaluation_points(leaf, votes, (Decimal(1), Decimal("0.8"), Decimal("0.6"), ZERO))
    assert got.quantize(Decimal("0.0001")) == Decimal("6.4286")
    # Own part 2 / 3 × 1000 = 666.666…; score 0.5 × 801.34 + 0.5 × 666.666… = 734.00333…
    # → 734.00, where rounding the own part first (666.67) would give 734.005 → 734.01.
    assert personal_score(
        alpha=Decimal("0.5"), unit_total=Decimal("801.34"), earned=Decimal(2), maximum=Decimal(3)
    ) == (Decimal("666.67"), Decimal("734.00"))
    # 0.7 × 800.01 + 0.3 × 1000 = 860.007 → 860.01 (half up).
    assert personal_score(
        alpha=Decimal("0.7"), unit_total=Decimal("800.01"), earned=Decimal(1), maximum=Decimal(1)
    ) == (Decimal("1000.00"), Decimal("860.01"))
    assert personal_score(
        alpha=Decimal("0.5"), unit_total=Decimal("812.34"), earned=ZERO, maximum=ZERO
    ) == (Decimal("812.34"), Decimal("812.34"))  # answers for nothing: the unit total
