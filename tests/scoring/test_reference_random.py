"""Randomized differential test: the engine against the plain-Decimal reference.

`tests.scoring.test_reference` holds an independent reference of DOMAIN.md's "Scoring rules,
exact" and checks it on the demo district, which exercises few edge cases. Here many small
random districts are built through the ORM, each from a fixed seed (so every run builds the
same ones), with the edge cases put in deliberately: ties, lower-is-better figures, zeros,
negative raw figures (rank only: the value rules refuse them elsewhere), rank with and without
a step and a minimum share, one unit in a category, best = 0, deductions below 0, bonuses over
an indicator's maximum and over the unit cap, a veto in one quarter only, missing values,
indicators applying to some categories only, quarterly and annual-only indicators, quarters
nobody reported for, non-default settings, twin units tied at the 优秀 quota's boundary,
adjustments on quarters and on the year, rater groups without votes or without weight,
inactive units and officials, responsibilities outside the 1000 or outside the category,
inputs left over from an earlier applicability or frequency.

Each district is computed with `results_compute` and every stored result (total, rank, grade,
veto, applicable maximum), every stored indicator point and every official's year score is
compared with the reference. Each district lives in a savepoint that is rolled back, so one
test walks all seeds and reports every difference at once, each named by its seed.

The last tests are minimal reproductions of the disagreements found, by the random districts
(votes on PostgreSQL, with more seeds) or by probing the edges random figures cannot reach
(the widest figures, units nothing applies to); each was mended, on the engine's side or the
reference's. One disagreement stays, by design: points carried to ten places can round a
total whose exact value lies within about 10⁻⁷ of a half cent the other way (README,
"Rounding").
"""

import random
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.db import transaction

from cadre.models import Official, Unit, UnitCategory
from scoring.models import (
    Adjustment,
    Cycle,
    Indicator,
    IndicatorValue,
    OfficialScore,
    RaterGroup,
    Responsibility,
    UnitResult,
    Vote,
)
from scoring.services.compute import results_compute
from scoring.services.points import unit_points
from scoring.services.tree import indicator_tree_problems
from tests.scoring.test_reference import (
    QUARTERS,
    YEAR,
    ZERO,
    cents,
    inputs_read,
    leaf_points,
    reference_official_scores,
    reference_results,
)

pytestmark = pytest.mark.django_db

SEEDS = range(36)
# Engine points are kept to ten places, each rounded half up once (a quarterly indicator's year
# points twice: the quarters', then their weighted sum): within 10⁻¹⁰ of the exact points.
POINT_TOLERANCE = Decimal("1E-10")
COUNTED_METHODS = ("direct", "completion", "rank", "best_ratio", "deduction", "evaluation")


def decimal_of(number, places: int = 4) -> Decimal:
    return Decimal(str(number)).quantize(Decimal(1).scaleb(-places))


# --- A random district ----------------------------------------------------------------------


@dataclass
class District:
    cycle: Cycle
    features: set[str] = field(default_factory=set)


def cycle_settings(rng: random.Random, features: set[str]) -> dict:
    if rng.random() < 0.25:
        return {}  # the defaults
    features.add("non-default settings")
    weights = rng.choice(
        [
            ("0.25", "0.25", "0.25", "0.25"),
            ("0.1", "0.2", "0.3", "0.4"),
            ("0.3333", "0.3333", "0.3334", "0"),
            ("0", "0", "0", "1"),
            ("0.1234", "0.2345", "0.3456", "0.2965"),
            None,
        ]
    )
    if weights is None:
        cuts = sorted(rng.randint(0, 10_000) for _ in range(3))
        weights = [b - a for a, b in zip([0, *cuts], [*cuts, 10_000], strict=True)]
        weights = [Decimal(weight).scaleb(-4) for weight in weights]
    weights = [Decimal(weight) for weight in weights]
    if weights != [Decimal("0.25")] * 4:
        features.add("quarter weights not 0.25 each")
    excellent, good, fair = rng.choice(
        [
            (900, 800, 600),
            (700, 500, 300),
            (500, 500, 500),
            (0, 0, 0),
            (None, None, None),
        ]
    )
    if excellent is None:
        excellent, good, fair = sorted(decimal_of(rng.uniform(0, 1000), 2) for _ in range(3))[::-1]
    share = rng.choice(["0", "0.2", "0.3", "0.5", "0.6667", "1", None])
    share = Decimal(share) if share is not None else decimal_of(rng.random())
    return {
        "weight_q1": weights[0],
        "weight_q2": weights[1],
        "weight_q3": weights[2],
        "weight_q4": weights[3],
        "bonus_cap": Decimal(rng.choice(["0", "3", "7.5", "50", "1000"])),
        "excellent_share": share,
        "excellent_min": Decimal(excellent),
        "good_min": Decimal(good),
        "fair_min": Decimal(fair),
        "alpha_principal": rng.choice([Decimal(0), Decimal(1), decimal_of(rng.random())]),
        "alpha_member": rng.choice([Decimal("0.5"), decimal_of(rng.random())]),
        "vote_excellent": rng.choice([Decimal(1), decimal_of(rng.random())]),
        "vote_competent": decimal_of(rng.random()),
        "vote_basic": decimal_of(rng.random()),
        "vote_incompetent": rng.choice([Decimal(0), decimal_of(rng.random())]),
    }


def partition(rng: random.Random, total_cents: int, parts: int) -> list[Decimal]:
    """`parts` non-negative amounts of two places adding up to total_cents / 100."""
    cuts = sorted(rng.randint(0, total_cents) for _ in range(parts - 1))
    return [
        Decimal(b - a).scaleb(-2) for a, b in zip([0, *cuts], [*cuts, total_cents], strict=True)
    ]


@dataclass
class LeafPlan:
    code: str
    method: str
    max_points: Decimal
    quarterly: bool
    categories: list[str]
    params: dict
    parent: str | None = None
    pool: dict = field(default_factory=dict)  # period → figures shared by units (ties)


def leaf_params(rng: random.Random, method: str, maximum: Decimal) -> dict:
    if method == "completion":
        floor = Decimal(rng.choice(["0", "0", "0.5", "0.8"]))
        cap = max(floor, Decimal(rng.choice(["1", "1", "1.2", "1.1", "0.9"])))
        return {
            "target": Decimal(rng.choice(["0.45", "1", "10", "100", "3.3333", "80000"])),
            "floor": floor,
            "cap": cap,
            "lower_is_better": rng.random() < 0.4,
        }
    if method == "rank":
        step = rng.choice([None, None, "0", "1", "2.5", "7.33"])
        return {
            "step": None if step is None else Decimal(step),
            "min_share": Decimal(rng.choice(["0", "0", "0.5", "0.6", "0.3333", "1"])),
            "lower_is_better": rng.random() < 0.4,
        }
    if method == "best_ratio":
        return {"lower_is_better": rng.random() < 0.4}
    if method == "deduction":
        return {
            "per_incident": rng.choice(
                [Decimal(0), Decimal(1), Decimal("2.5"), (maximum / 2).quantize(Decimal("0.01"))]
            )
        }
    return {}


def figure(rng: random.Random, leaf: LeafPlan, period: str) -> Decimal:
    """A legal value for the leaf (value_method_problem), often one shared by other units."""
    pool = leaf.pool.setdefault(period, [])
    if pool and rng.random() < 0.45:
        return rng.choice(pool)
    m, method = leaf.max_points, leaf.method
    if method == "direct":
        value = rng.choice([ZERO, m, decimal_of(rng.uniform(0, float(m)), 2)])
        value = min(value, m)
    elif method == "bonus":
        # Over the maximum: entered before the indicator's maximum was lowered.
        value = rng.choice([ZERO, m, m + 5, decimal_of(rng.uniform(0, float(m)), 2)])
    elif method == "deduction":
        value = Decimal(rng.choice([0, 0, 1, 2, 3, 7]))
    elif method == "veto":
        value = Decimal(1) if rng.random() < 0.12 else ZERO
    elif method == "completion":
        target, floor, cap = (leaf.params[name] for name in ("target", "floor", "cap"))
        # The ratio right at the floor and at the cap, where exact (to four places).
        edges = [target * floor, target * cap]
        if leaf.params["lower_is_better"]:
            edges = [target / share for share in (floor, cap) if share]
        value = rng.choice(
            [
                ZERO,
                target,
                decimal_of(float(target) * rng.uniform(0.2, 1.5)),
                decimal_of(rng.uniform(0, 5)),
                *(edge.quantize(Decimal("0.0001")) for edge in edges),
            ]
        )
    elif method == "best_ratio":
        value = rng.choice([ZERO, decimal_of(rng.uniform(0, 200)), Decimal(rng.randint(0, 9))])
    else:  # rank: any figure, negatives included
        value = rng.choice(
            [
                ZERO,
                Decimal(rng.randint(-5, 5)),
                decimal_of(rng.uniform(-100, 100)),
                # Wider than 64-bit products allow, within the 15 significant digits that
                # SQLite keeps of a decimal.
                decimal_of(rng.uniform(0, 1e10)),
            ]
        )
    pool.append(value)
    return value


def district_build(seed: int) -> District:
    rng = random.Random(seed)
    features: set[str] = set()
    cycle = Cycle.objects.create(year=2026, **cycle_settings(rng, features))
    district = District(cycle=cycle, features=features)

    # Categories and units; a category of one unit in about a third of the districts.
    categories, units = [], {}
    for number in range(rng.randint(1, 3)):
        category = UnitCategory.objects.create(code=f"C{number}", name=f"类别{number}")
        categories.append(category)
        size = rng.choice([1, 2, 3, 4, 5, 6, 7]) if number else rng.choice([1, 3, 5, 6])
        units[category.code] = [
            Unit.objects.create(code=f"C{number}U{index}", name=f"单位{index}", category=category)
            for index in range(size)
        ]
        if size == 1:
            features.add("n = 1 unit in a category")
    inactive = None
    if rng.random() < 0.3:
        inactive = Unit.objects.create(
            code="OFF", name="撤并单位", category=categories[0], is_active=False
        )
        features.add("inactive unit with values")
    codes = [category.code for category in categories]

    # The tree: counted leaves share the 1000 points among two or three areas.
    plans = []
    count = rng.randint(4, 9)
    maxima = partition(rng, 100_000, count)
    if rng.random() < 0.1:
        maxima[0] = ZERO  # a leaf worth nothing
        maxima[1:] = partition(rng, 100_000, count - 1)
    for index, maximum in enumerate(maxima):
        method = rng.choice(COUNTED_METHODS)
        applies = [] if rng.random() < 0.5 else rng.sample(codes, rng.randint(1, len(codes)))
        plans.append(
            LeafPlan(
                code=f"L{index}",
                method=method,
                max_points=maximum,
                quarterly=rng.random() < 0.65,
                categories=applies,
                params=leaf_params(rng, method, maximum),
            )
        )
    for index in range(rng.randint(0, 3)):
        plans.append(
            LeafPlan(
                code=f"B{index}",
                method="bonus",
                max_points=Decimal(rng.choice(["0", "5", "10", "20", "30", "100"])),
                quarterly=rng.random() < 0.5,
                categories=[] if rng.random() < 0.6 else rng.sample(codes, 1),
                params={},
            )
        )
    for index in range(rng.randint(0, 2)):
        plans.append(
            LeafPlan(
                code=f"V{index}",
                method="veto",
                max_points=ZERO,
                quarterly=rng.random() < 0.6,
                categories=[] if rng.random() < 0.6 else rng.sample(codes, 1),
                params={},
            )
        )
    counted = [plan for plan in plans if plan.method in COUNTED_METHODS]
    # Every category has a quarterly counted indicator, so that every unit has a result in
    # every reported period (a category without one is the subject of its own test below).
    for code in codes:
        if not any(
            plan.quarterly and (not plan.categories or code in plan.categories) for plan in counted
        ):
            plan = rng.choice(counted)
            plan.quarterly = True
            if plan.categories:
                plan.categories.append(code)
    # Areas (A*) and work items (A*.*) over the counted leaves; bonus and veto leaves are areas.
    areas = rng.randint(1, min(3, len(counted)))
    nodes = {}
    for index, plan in enumerate(counted):
        area = f"A{index % areas}"
        item = f"{area}.{rng.randint(0, 1)}"
        plan.parent = item
        nodes.setdefault(area, [None, ZERO])
        nodes.setdefault(item, [area, ZERO])
        nodes[area][1] += plan.max_points
        nodes[item][1] += plan.max_points
    created = {}
    for order, (code, (parent, maximum)) in enumerate(sorted(nodes.items())):
        created[code] = Indicator.objects.create(
            cycle=cycle,
            code=code,
            name=code,
            parent=created.get(parent),
            sort_order=order,
            max_points=maximum,
        )
    category_by_code = {category.code: category for category in categories}
    leaves = {}
    for order, plan in enumerate(plans, start=len(created)):
        leaf = Indicator.objects.create(
            cycle=cycle,
            code=plan.code,
            name=plan.code,
            parent=created.get(plan.parent),
            sort_order=order,
            max_points=plan.max_points,
            method=plan.method,
            frequency="quarterly" if plan.quarterly else "annual",
            **plan.params,
        )
        leaf.categories.set([category_by_code[code] for code in plan.categories])
        leaves[plan.code] = leaf
    assert indicator_tree_problems(cycle=cycle) == [], seed  # a legal tree

    groups = [
        RaterGroup.objects.create(
            cycle=cycle,
            code=f"G{index}",
            name=f"群体{index}",
            weight=Decimal(
                rng.choice(["0", "0.1", "0.25", "0.3333", "0.5", "1", "2.5", "99.9999"])
            ),
        )
        for index in range(rng.randint(1, 4))
    ]

    # Values and votes. Quarters nobody reports for have no results; a unit may copy another
    # of its category (a twin), tying their totals.
    reported = list(QUARTERS) if rng.random() < 0.6 else list(QUARTERS[: rng.randint(0, 3)])
    missing_share = rng.choice([0, 0.1, 0.3])
    values, votes, adjustments = {}, {}, {}
    scored_units = [unit for code in codes for unit in units[code]]
    if inactive is not None:
        scored_units.append(inactive)
    for unit in scored_units:
        code = unit.category.code
        for plan in plans:
            if plan.categories and code not in plan.categories:
                continue
            for period in reported if plan.quarterly else [YEAR]:
                if rng.random() < missing_share:
                    continue
                if plan.method == "evaluation":
                    for group in groups:
                        draw = rng.random()
                        if draw < 0.1:
                            votes[plan.code, unit.code, period, group.code] = (0, 0, 0, 0)
                        elif draw < 0.75:
                            # Up to half of VOTE_COUNT_MAX: four columns of 100,000 are the
                            # subject of their own test below.
                            most = rng.choice([15, 15, 15, 50_000])
                            votes[plan.code, unit.code, period, group.code] = tuple(
                                rng.choice([0, rng.randint(0, most)]) for _ in range(4)
                            )
                else:
                    values[plan.code, unit.code, period] = figure(rng, plan, period)
        for period in [*reported, YEAR]:
            for number in range(rng.choice([0, 0, 0, 0, 0, 1, 2])):
                points = ZERO
                while points == 0:
                    points = decimal_of(rng.uniform(-100, 100), 2)
                adjustments[unit.code, period, f"事由{number}"] = points
    # Inputs the scoring ignores: entered before the indicator stopped applying to the unit's
    # category or changed frequency (the entry refuses them now, the rows stay).
    stale = set()
    if rng.random() < 0.3:
        features.add("stale inputs")
        for _ in range(rng.randint(1, 4)):
            unit, plan = rng.choice(scored_units), rng.choice(plans)
            if not plan.categories or unit.category.code in plan.categories:
                period = rng.choice(QUARTERS) if not plan.quarterly else YEAR
            else:
                period = rng.choice(QUARTERS) if plan.quarterly else YEAR
            if plan.method == "evaluation":
                key = (plan.code, unit.code, period, rng.choice(groups).code)
                votes.setdefault(key, (rng.randint(0, 9), rng.randint(0, 9), 1, 0))
            elif (plan.code, unit.code, period) not in values:
                values[plan.code, unit.code, period] = figure(rng, plan, period)
                stale.add((plan.code, unit.code, period))
    for code in codes:
        members = units[code]
        if len(members) >= 2 and rng.random() < 0.5:
            original, twin = members[0].code, members[1].code
            features.add("twin units")
            boost = rng.random() < 0.6
            # The unit is the second part of a value's or vote's key, the first of an
            # adjustment's.
            for table, at in ((values, 1), (votes, 1), (adjustments, 0)):
                for key in [key for key in table if key[at] == twin]:
                    del table[key]
                for key in [key for key in table if key[at] == original]:
                    table[(*key[:at], twin, *key[at + 1 :])] = table[key]
            if boost:  # lift the twins to the top, where the 优秀 quota is decided
                for unit_code in (original, twin):
                    for period in [*reported, YEAR]:
                        adjustments[unit_code, period, "表彰"] = Decimal(100)

    unit_by_code = {unit.code: unit for unit in scored_units}
    IndicatorValue.objects.bulk_create(
        IndicatorValue(indicator=leaves[leaf], unit=unit_by_code[unit], period=period, value=value)
        for (leaf, unit, period), value in values.items()
    )
    group_by_code = {group.code: group for group in groups}
    Vote.objects.bulk_create(
        Vote(
            indicator=leaves[leaf],
            unit=unit_by_code[unit],
            period=period,
            rater_group=group_by_code[group],
            excellent=counts[0],
            competent=counts[1],
            basic=counts[2],
            incompetent=counts[3],
        )
        for (leaf, unit, period, group), counts in votes.items()
    )
    Adjustment.objects.bulk_create(
        Adjustment(
            cycle=cycle,
            unit=unit_by_code[unit],
            period=period,
            points=points,
            reason=reason,
            approved_by="区委",
        )
        for (unit, period, reason), points in adjustments.items()
    )

    # Officials and what they answer for: any node, applicable or not, counted or not.
    answerable = list(leaves.values()) + [created[code] for code in created]
    for unit in scored_units:
        for number in range(rng.randint(0, 3)):
            official = Official.objects.create(
                code=f"{unit.code}P{number}",
                name=f"干部{number}",
                unit=unit,
                role=rng.choice(list(Official.Role.values)),
                is_active=rng.random() < 0.9,
            )
            for indicator in rng.sample(answerable, rng.randint(0, min(4, len(answerable)))):
                Responsibility.objects.create(official=official, indicator=indicator)

    # What the district exercises, to check that the seeds cover the edge cases.
    by_code = {plan.code: plan for plan in plans}
    for plan in plans:
        features.add(f"method {plan.method}")
        features.add("quarterly" if plan.quarterly else "annual-only")
        if plan.categories and len(plan.categories) < len(codes):
            features.add("indicator for some categories only")
        if plan.params.get("lower_is_better"):
            features.add(f"lower_is_better {plan.method}")
        if plan.method == "rank":
            features.add("rank with step" if plan.params["step"] is not None else "rank linear")
            if plan.params["min_share"]:
                features.add("rank min_share")
    category_of = {unit.code: unit.category.code for unit in scored_units if unit.is_active}
    for (leaf, unit, period), value in values.items():
        if unit not in category_of or (leaf, unit, period) in stale:
            continue
        plan = by_code[leaf]
        same = [  # the other figures it is ranked or compared with
            other
            for (other_leaf, other_unit, other_period), other in values.items()
            if (other_leaf, other_period) == (leaf, period)
            and other_unit != unit
            and category_of.get(other_unit) == category_of[unit]
        ]
        if plan.method in ("rank", "best_ratio", "completion") and value in same:
            features.add(f"tie {plan.method}")
        if value == 0 and plan.method in ("completion", "best_ratio", "rank"):
            lower = " lower_is_better" if plan.params["lower_is_better"] else ""
            features.add(f"zero {plan.method}{lower}")
        if plan.method == "rank" and value < 0:
            features.add("negative rank figure")
        if plan.method == "deduction" and value * plan.params["per_incident"] > plan.max_points:
            features.add("deduction below 0")
        if plan.method == "bonus" and value > plan.max_points:
            features.add("bonus over its maximum")
        if plan.method == "veto" and value == 1 and period != YEAR:
            features.add("veto in one quarter")
        if plan.method == "best_ratio" and value == 0 and same and not any(same):
            features.add("best = 0")
    if any(period != YEAR for _unit, period, _reason in adjustments):
        features.add("adjustment on a quarter")
    if any(period == YEAR for _unit, period, _reason in adjustments):
        features.add("adjustment on the year")
    if any(not any(counts) for counts in votes.values()):
        features.add("rater group without votes")
    if any(group.weight == 0 for group in groups):
        features.add("rater group weighing 0")
    if len(reported) < 4:
        features.add("a quarter nobody reported for")
    if missing_share:
        features.add("missing values")
    return district


# --- The comparison -------------------------------------------------------------------------


@dataclass
class Comparison:
    results: int = 0
    points: int = 0
    officials: int = 0
    differences: list[str] = field(default_factory=list)
    coverage: Counter = field(default_factory=Counter)


def district_compare(seed: int, comparison: Comparison) -> None:
    district = district_build(seed)
    cycle = district.cycle
    results_compute(cycle=cycle)
    inputs = inputs_read(cycle)
    points = leaf_points(inputs)
    expected = reference_results(inputs, points=points)
    code = inputs.unit_code
    say = comparison.differences.append
    stored = {
        (result.unit_id, result.period): result for result in UnitResult.objects.filter(cycle=cycle)
    }
    for key in sorted(set(expected) ^ set(stored)):
        side = "reference only" if key in expected else "engine only"
        say(f"seed {seed}: result {code.get(key[0], key[0])} {key[1]}: {side}")
    for key in sorted(set(expected) & set(stored)):
        engine, reference = stored[key], expected[key]
        comparison.results += 1
        got = (engine.total, engine.rank, engine.grade, engine.vetoed, engine.applicable_max)
        want = (
            reference.total,
            reference.rank,
            reference.grade,
            reference.vetoed,
            reference.applicable_max,
        )
        if got != want:
            say(
                f"seed {seed}: {code[key[0]]} {key[1]}: engine (total, rank, grade, vetoed, "
                f"applicable max) {got}, reference {want}; earned {engine.earned} vs "
                f"{reference.earned}"
            )

    # Every indicator's stored points, as the unit's page reads them.
    leaves = {leaf.code: leaf for leaf in inputs.leaves}
    for unit in Unit.objects.filter(pk__in={unit for unit, _period in stored}):
        for period, by_code in unit_points(cycle=cycle, unit=unit).items():
            for leaf_code, engine_points in by_code.items():
                comparison.points += 1
                want = points[leaves[leaf_code].pk, period].get(unit.pk, ZERO)
                if abs(engine_points - want) > POINT_TOLERANCE:
                    say(
                        f"seed {seed}: {unit.code} {period} {leaf_code} "
                        f"({leaves[leaf_code].method}): engine points {engine_points}, "
                        f"reference {want}"
                    )

    expected_scores = reference_official_scores(inputs, expected, points)
    stored_scores = {
        score.official_id: score for score in OfficialScore.objects.filter(cycle=cycle, period=YEAR)
    }
    for official in sorted(set(expected_scores) ^ set(stored_scores)):
        side = "reference only" if official in expected_scores else "engine only"
        say(f"seed {seed}: official {official}: {side}")
    for official in sorted(set(expected_scores) & set(stored_scores)):
        engine, reference = stored_scores[official], expected_scores[official]
        comparison.officials += 1
        # The engine keeps the own part to ten places; the reference gives it in cents.
        got = (engine.unit_total, engine.alpha, cents(engine.own_part), engine.score)
        want = (reference.unit_total, reference.alpha, reference.own_part, reference.score)
        if got != want:
            say(
                f"seed {seed}: official {reference.code}: engine (unit total, α, own part, "
                f"score) {got}, reference {want}"
            )

    # What the results exercise, beyond what was put in.
    features = district.features
    groups = {}
    for reference in expected.values():
        groups.setdefault((reference.category, reference.period), []).append(reference)
    for group in groups.values():
        quota = int(len(group) * cycle.excellent_share)
        totals = Counter(reference.total for reference in group)
        for reference in group:
            features.add(f"grade {reference.grade}")
            if totals[reference.total] > 1:
                features.add("tie in rank")
            at_or_above = sum(1 for other in group if other.total >= reference.total)
            if (
                totals[reference.total] > 1
                and reference.total >= cycle.excellent_min
                and not reference.vetoed
                and at_or_above > quota >= at_or_above - totals[reference.total] + 1
            ):
                features.add("excellent quota boundary splits a tie")
            if reference.vetoed and reference.period == YEAR:
                features.add("vetoed year")
        if len(group) == 1:
            features.add("n = 1 in a category's results")
    bonus_capped = any(
        sum(
            (
                points[leaf.pk, reference.period].get(reference.unit, ZERO)
                for leaf in inputs.leaves
                if leaf.method == "bonus"
                and leaf.applies_to(reference.category)
                and (leaf.quarterly or reference.period == YEAR)
            ),
            ZERO,
        )
        > cycle.bonus_cap
        for reference in expected.values()
    )
    if bonus_capped:
        features.add("bonus over the unit cap")
    comparison.coverage.update(features)


def test_engine_matches_the_reference_on_random_districts():
    comparison = Comparison()
    for seed in SEEDS:
        try:
            with transaction.atomic():
                district_compare(seed, comparison)
                transaction.set_rollback(True)
        except Exception as error:  # reported with its seed, as a difference
            comparison.differences.append(f"seed {seed}: {type(error).__name__}: {error}")
    print(
        f"{len(SEEDS)} districts: {comparison.results} results, {comparison.points} indicator "
        f"points, {comparison.officials} official scores compared; "
        f"{len(comparison.differences)} differ"
    )
    # The seeds exercise what they are meant to (each feature in at least one district).
    wanted = {
        *(f"method {method}" for method in (*COUNTED_METHODS, "bonus", "veto")),
        "quarterly",
        "annual-only",
        "non-default settings",
        "quarter weights not 0.25 each",
        "n = 1 unit in a category",
        "n = 1 in a category's results",
        "inactive unit with values",
        "indicator for some categories only",
        "lower_is_better completion",
        "lower_is_better rank",
        "lower_is_better best_ratio",
        "rank with step",
        "rank linear",
        "rank min_share",
        "tie rank",
        "tie best_ratio",
        "tie completion",
        "zero completion",
        "zero completion lower_is_better",
        "zero best_ratio",
        "zero best_ratio lower_is_better",
        "zero rank",
        "negative rank figure",
        "best = 0",
        "deduction below 0",
        "bonus over its maximum",
        "bonus over the unit cap",
        "veto in one quarter",
        "vetoed year",
        "missing values",
        "a quarter nobody reported for",
        "adjustment on a quarter",
        "adjustment on the year",
        "rater group without votes",
        "rater group weighing 0",
        "twin units",
        "stale inputs",
        "tie in rank",
        "excellent quota boundary splits a tie",
        "grade excellent",
        "grade good",
        "grade fair",
        "grade poor",
    }
    assert wanted - set(comparison.coverage) == set(), sorted(comparison.coverage.items())
    assert comparison.results > 800
    assert comparison.differences == [], "\n".join(comparison.differences)


# --- Minimal reproductions of what the random districts turned up ------------------------------


def category_with_units(code: str, count: int) -> list[Unit]:
    category = UnitCategory.objects.create(code=code, name=code)
    return [
        Unit.objects.create(code=f"{code}U{index}", name=f"单位{index}", category=category)
        for index in range(count)
    ]


def annual_leaf(cycle: Cycle, code: str, maximum: str, method: str, categories=()) -> Indicator:
    leaf = Indicator.objects.create(
        cycle=cycle,
        code=code,
        name=code,
        max_points=Decimal(maximum),
        method=method,
        frequency="annual",
    )
    leaf.categories.set(categories)
    return leaf


def engine_and_reference(cycle: Cycle) -> tuple[dict, dict]:
    """(unit code, period) → total of the engine's stored results and of the reference."""
    results_compute(cycle=cycle)
    inputs = inputs_read(cycle)
    engine = {
        (result.unit.code, result.period): result.total
        for result in UnitResult.objects.filter(cycle=cycle).select_related("unit")
    }
    reference = {
        (inputs.unit_code[unit], period): result.total
        for (unit, period), result in reference_results(inputs).items()
    }
    return engine, reference


def test_units_nothing_applies_to_have_no_result_in_that_period(cycle):
    """DOMAIN.md is silent on a unit none of whose indicators apply in a period: it gets no
    result there (a category with annual indicators only has no quarterly ranking; one with
    none at all has no result), in the engine as in the reference. A veto alone is something
    to apply: a result of 0, which the veto could mark."""
    (quarterly,) = category_with_units("Q", 1)
    (annual,) = category_with_units("A", 1)
    (bare,) = category_with_units("N", 1)
    (vetoable,) = category_with_units("V", 1)
    in_quarters = Indicator.objects.create(
        cycle=cycle, code="QL", name="QL", max_points=Decimal(500), method="direct"
    )
    in_quarters.categories.set([quarterly.category])
    annual_leaf(cycle, "YL", "500", "direct", [quarterly.category, annual.category])
    veto = Indicator.objects.create(
        cycle=cycle, code="VL", name="VL", max_points=ZERO, method="veto"
    )
    veto.categories.set([vetoable.category])
    IndicatorValue.objects.create(indicator=in_quarters, unit=quarterly, period="Q1", value=400)
    for unit in (annual, bare):
        Adjustment.objects.create(
            cycle=cycle, unit=unit, period=YEAR, points=5, reason="专项", approved_by="区委"
        )
    engine, reference = engine_and_reference(cycle)
    assert set(engine) == {
        ("QU0", "Q1"),
        ("QU0", "Y"),
        ("AU0", "Y"),
        ("VU0", "Q1"),  # a veto applies: a result of 0, which the veto could mark
        ("VU0", "Y"),
    }
    assert reference == engine


def test_the_largest_figure_the_value_rules_accept_is_scored_and_a_larger_one_refused(cycle):
    """The engine reads figures as 64-bit integers of ten-thousandths (IndicatorValue.
    ten_thousandths), so the value rules stop figures below 10^14 (scoring.models.FIGURE_LIMIT)
    although the column's digits would hold 10^16."""
    from scoring.services.values import CellInput, values_save

    (big, small) = category_with_units("C", 2)
    leaf = annual_leaf(cycle, "L", "1000", "best_ratio", [big.category])

    def save(unit, raw):
        cell = CellInput(unit=unit, indicator=leaf, period=YEAR, raw=raw)
        return values_save(cycle=cycle, cells=[cell], by=None, source="test").errors

    assert save(big, "100000000000000") != {}
    assert save(big, "99999999999999.9999") == {}
    assert save(small, "123456789012") == {}
    engine, reference = engine_and_reference(cycle)
    assert reference[small.code, YEAR] == Decimal("1.23")  # 1000 × 123456789012 / 10^14
    assert engine == reference


def test_votes_the_vote_rules_accept_are_scored(cycle):
    """votes_save takes up to VOTE_COUNT_MAX (100,000) votes per column. On PostgreSQL the
    engine's vote query (scoring/services/points.py: _evaluation_points) computes
    Σ count × vote value in ten-thousandths as `vo.excellent * 10000 + vo.competent * 8000 +
    …` in 32-bit integers (the count columns are integer) before its CAST to bigint: above
    2^31 − 1 the compute fails with "integer out of range". SQLite computes in 64 bits."""
    from scoring.services.evaluations import VoteCounts, votes_save

    (unit,) = category_with_units("C", 1)
    leaf = annual_leaf(cycle, "E", "1000", "evaluation")
    group = RaterGroup.objects.create(cycle=cycle, code="G", name="G", weight=Decimal(1))
    votes_save(
        cycle=cycle,
        indicator=leaf,
        unit=unit,
        period=YEAR,
        counts=[VoteCounts(group, 100_000, 100_000, 100_000, 0)],
        by=None,
        source="test",
    )
    engine, reference = engine_and_reference(cycle)
    assert reference == {(unit.code, YEAR): Decimal("800.00")}  # (1 + 0.8 + 0.6) / 3 × 1000
    assert engine == reference
