"""The one place where input changes reach the scoring service: entry page, imports and cycle
states all call these, so results never go stale."""

from collections.abc import Iterable

from cadre.models import Unit, UnitCategory
from scoring.models import Cycle
from scoring.services import compute


def results_refresh_for_changes(*, cycle: Cycle, changes: Iterable[tuple[Unit, str]]) -> None:
    """Recompute the results that changed inputs of (unit, period) touch.

    Ranks and grades are per category, so recomputing the touched categories covers every unit
    of them, however many cells changed: one pass over those categories and periods (and the
    year), which reads their values once.
    """
    category_ids, periods = set(), set()
    for unit, period in changes:
        category_ids.add(unit.category_id)
        periods.add(period)
    results_refresh_for_categories(cycle=cycle, category_ids=category_ids, periods=periods)


def results_refresh_for_categories(
    *, cycle: Cycle, category_ids: Iterable[int], periods: Iterable[str]
) -> None:
    """Recompute the results of the given unit categories for the periods (and the year)."""
    category_ids = list(category_ids)
    if category_ids:
        compute.results_compute(
            cycle=cycle,
            periods=periods,
            categories=UnitCategory.objects.filter(pk__in=category_ids),
        )


def results_refresh_all(*, cycle: Cycle, frozen_too: bool = False) -> None:
    """Recompute every result of the cycle (before results are published); the quarters
    closed on their own only with `frozen_too` (see results_compute)."""
    compute.results_compute(cycle=cycle, frozen_too=frozen_too)


def results_refresh_unlocked(*, recomputed: Cycle | None = None) -> list[Cycle]:
    """Recompute every result of the cycles still taking input, after the units changed (a unit
    moved to another category, stopped or started being assessed): every ranking may move.
    `recomputed` is a cycle the caller recomputes itself, left out here. Return the cycles
    recomputed, by year.

    Closed and published cycles keep the results they were closed with.
    """
    cycles = Cycle.objects.exclude(state__in=[Cycle.State.CLOSED, Cycle.State.PUBLISHED])
    if recomputed is not None:
        cycles = cycles.exclude(pk=recomputed.pk)
    cycles = list(cycles.order_by("year"))
    for cycle in cycles:
        results_refresh_all(cycle=cycle)
    return cycles
