"""The one place where input changes reach the scoring service.

The scoring service (`scoring.services.compute`) is written on its own branch; until it is
merged these functions do nothing, and every caller (entry page, imports, cycle states) is
already wired through them.
"""

from collections.abc import Iterable

from cadre.models import Unit
from scoring.models import Cycle


def _compute():
    try:
        from scoring.services import compute
    except ImportError:  # the scoring service has not been merged yet
        return None
    return compute


def results_refresh_for_changes(*, cycle: Cycle, changes: Iterable[tuple[Unit, str]]) -> None:
    """Recompute the results that changed inputs of (unit, period) touch.

    Ranks and grades are per category, so one recomputation per category and period covers
    every unit of it, however many cells changed.
    """
    compute = _compute()
    if compute is None:
        return
    representatives: dict[tuple[int, str], Unit] = {}
    for unit, period in changes:
        representatives.setdefault((unit.category_id, period), unit)
    for (_category, period), unit in representatives.items():
        compute.results_recompute_for_change(cycle=cycle, unit=unit, period=period)


def results_refresh_all(*, cycle: Cycle) -> None:
    """Recompute every result of the cycle (before results are published)."""
    compute = _compute()
    if compute is not None:
        compute.results_compute(cycle=cycle)
