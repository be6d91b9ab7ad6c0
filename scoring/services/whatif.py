"""The what-if sandbox: change an input, see totals, ranks and grades move, change nothing.

The sandbox runs the real scoring service on the affected periods, so it can never disagree
with the real scoring rules, and stores nothing. Changed quarter weights are set on an unsaved
copy of the cycle and changed unit values handed to the service beside the stored ones; only
the indicators' points (and, for a closed period, the units as it assessed them) are written,
in a transaction rolled back. The sandbox locks no row that a scorer's save or a close
locks or rewrites (the cycle, the values, the results), so it never makes them wait.
"""

import copy
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from cadre.models import Unit, UnitCategory
from scoring.models import Cycle, Indicator, UnitResult
from scoring.services.compute import results_unsaved
from scoring.services.values import CellInput, value_cell_problem


@dataclass(frozen=True)
class UnitValueChange:
    unit: Unit
    indicator: Indicator
    period: str
    value: Decimal


@dataclass(frozen=True)
class WhatIfChanges:
    """The changes a leader tries; empty fields change nothing."""

    indicator_max: dict[Indicator, Decimal] = field(default_factory=dict)
    quarter_weights: dict[str, Decimal] | None = None
    unit_values: list[UnitValueChange] = field(default_factory=list)


@dataclass(frozen=True)
class WhatIfRow:
    unit: Unit
    real: UnitResult | None
    sandbox: UnitResult

    @property
    def total_change(self) -> Decimal | None:
        return None if self.real is None else self.sandbox.total - self.real.total

    @property
    def rank_change(self) -> int | None:
        return None if self.real is None else self.real.rank - self.sandbox.rank

    @property
    def grade_changed(self) -> bool:
        return self.real is None or self.real.grade != self.sandbox.grade


def whatif_changes_problems(*, changes: WhatIfChanges) -> list[str]:
    """Return why entry would refuse each changed unit value, naming unit and indicator.

    The sandbox tries only what could really be entered: the same rules as the entry page
    (the method's range, the indicator's frequency, the unit's category), checked against the
    indicator's maximum as changed in the sandbox.
    """
    problems = []
    for change in changes.unit_values:
        indicator = change.indicator
        if indicator in changes.indicator_max:
            indicator = copy.copy(indicator)
            indicator.max_points = changes.indicator_max[change.indicator]
        cell = CellInput(
            unit=change.unit, indicator=indicator, period=change.period, raw=change.value
        )
        problem = value_cell_problem(cell=cell)
        if problem:
            problems.append(
                _("%(unit)s %(code)s：%(problem)s")
                % {"unit": change.unit.name, "code": indicator.code, "problem": problem}
            )
    return problems


def whatif_units(*, cycle: Cycle, period: str, category: UnitCategory) -> list[Unit]:
    """Return the units whose values the sandbox may change: those the period assessed in the
    category where it is closed (its stored results, a unit retired or moved since included,
    as its ranking shows them), else the category's units taking part."""
    if cycle.period_is_locked(period):
        units = list(Unit.objects.filter(pk__in=_assessed(cycle, period, category)))
        for unit in units:
            unit.category = category  # the category it was ranked in: entry's checks read it
        return units
    return list(Unit.objects.filter(category=category, is_active=True))


def _assessed(cycle: Cycle, period: str, category: UnitCategory):
    return UnitResult.objects.filter(cycle=cycle, period=period, category=category).values(
        "unit_id"
    )


def _units_as_assessed(*, cycle: Cycle, period: str, category: UnitCategory) -> None:
    """In the sandbox, put back the units of the category as the closed period assessed
    them: the scoring service ranks the units taking part now, which would drop a unit retired
    or moved since, and add one created since, from a ranking that was closed with them."""
    assessed = _assessed(cycle, period, category)
    Unit.objects.filter(pk__in=assessed).update(category=category, is_active=True)
    Unit.objects.filter(category=category).exclude(pk__in=assessed).update(is_active=False)


def whatif_run(
    *, cycle: Cycle, period: str, category: UnitCategory, changes: WhatIfChanges
) -> list[WhatIfRow]:
    """Return the category's results for the period with the changes applied, beside the real.

    Nothing is kept: the results are computed unsaved, the few rows the sandbox writes rolled
    back before returning. A closed period is run with the units it assessed (`whatif_units`).
    """
    real = {
        result.unit_id: result
        for result in UnitResult.objects.filter(cycle=cycle, period=period, category=category)
    }
    with transaction.atomic():
        if cycle.period_is_locked(period):
            _units_as_assessed(cycle=cycle, period=period, category=category)
        _indicator_max_apply(cycle=cycle, changes=changes)
        # The year is computed with any quarter: weights and figures move it too.
        sandbox = results_unsaved(
            cycle=_cycle_weighted(cycle=cycle, changes=changes),
            period=period,
            category=category,
            values_changed={
                (change.unit.pk, change.indicator.pk, change.period): change.value
                for change in changes.unit_values
            },
        )
        units = Unit.objects.in_bulk([result.unit_id for result in sandbox])
        transaction.set_rollback(True)
    for result in sandbox:
        result.unit = units[result.unit_id]
    sandbox.sort(key=lambda result: (result.rank, result.unit.sort_order, result.unit.code))
    return [
        WhatIfRow(unit=result.unit, real=real.get(result.unit_id), sandbox=result)
        for result in sandbox
    ]


def _cycle_weighted(*, cycle: Cycle, changes: WhatIfChanges) -> Cycle:
    """The cycle as stored, with the changed quarter weights set on this copy only."""
    weighted = Cycle.objects.get(pk=cycle.pk)
    for period, weight in (changes.quarter_weights or {}).items():
        setattr(weighted, f"weight_{period.lower()}", weight)
    return weighted


def _indicator_max_apply(*, cycle: Cycle, changes: WhatIfChanges) -> None:
    for indicator, max_points in changes.indicator_max.items():
        Indicator.objects.filter(pk=indicator.pk, cycle=cycle).update(max_points=max_points)
