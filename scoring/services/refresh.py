"""The one place where input changes reach the scoring service: entry page, imports and cycle
states all call these, so results never go stale."""

from collections.abc import Iterable

from cadre.models import Unit
from scoring.models import Cycle
from scoring.services import compute


def results_refresh_for_changes(*, cycle: Cycle, changes: Iterable[tuple[Unit, str]]) -> None:
    """Recompute the results that changed inputs of (unit, period) touch.

    Ranks and grades are per category, so one recomputation per category and period covers
    every unit of it, however many cells changed.
    """
    representatives: dict[tuple[int, str], Unit] = {}
    for unit, period in changes:
        representatives.setdefault((unit.category_id, period), unit)
    for (_category, period), unit in representatives.items():
        compute.results_recompute_for_change(cycle=cycle, unit=unit, period=period)


def results_refresh_all(*, cycle: Cycle) -> None:
    """Recompute every result of the cycle (before results are published)."""
    compute.results_compute(cycle=cycle)
