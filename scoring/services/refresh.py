"""The one place where input changes reach the scoring service: entry page, imports and cycle
states all call these, so results never go stale."""

from collections.abc import Iterable

from cadre.models import Unit
from scoring.models import Cycle
from scoring.services import compute


def results_refresh_for_changes(*, cycle: Cycle, changes: Iterable[tuple[Unit, str]]) -> None:
    """Recompute the results that changed inputs of (unit, period) touch.

    Ranks and grades are per category, so recomputing the touched categories covers every unit
    of them, however many cells changed: one pass over those categories and periods (and the
    year), which reads their values once.
    """
    categories, periods = {}, set()
    for unit, period in changes:
        categories.setdefault(unit.category_id, unit.category)
        periods.add(period)
    if categories:
        compute.results_compute(cycle=cycle, periods=periods, categories=categories.values())


def results_refresh_all(*, cycle: Cycle) -> None:
    """Recompute every result of the cycle (before results are published)."""
    compute.results_compute(cycle=cycle)
