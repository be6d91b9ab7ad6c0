"""Reads for the entry pages: each a fixed number of queries whatever the number of rows."""

from dataclasses import dataclass, field

from django.db.models import Count, Max, Q, QuerySet
from django.utils.text import capfirst

from cadre.models import Unit
from cadre.roles import ADMIN, user_has_role
from scoring.models import (
    Adjustment,
    Cycle,
    Indicator,
    IndicatorValue,
    Period,
    ResultSnapshot,
    UnitResult,
    Vote,
)
from scoring.services.values import CellConflict, SaveReport, source_label

VALUE_METHODS = [m for m in Indicator.Method.values if m != Indicator.Method.EVALUATION]


def cycle_picked(*, cycles: list[Cycle], picked: str | None) -> Cycle | None:
    """Return the cycle whose id was picked, else the one taking input (the latest open one),
    else the latest; None when there is no cycle."""
    cycle = next((c for c in cycles if str(c.pk) == picked), None)
    if cycle is None:
        cycle = next((c for c in cycles if c.state == Cycle.State.OPEN), None)
    return cycle or next(iter(cycles), None)


def indicators_writable(*, cycle: Cycle, user, period: str, methods=VALUE_METHODS) -> QuerySet:
    """Return the cycle's indicators the user may enter in the period: all of them for an
    admin, the ones the user owns for a scorer."""
    frequency = (
        Indicator.Frequency.ANNUAL if period == Period.YEAR else Indicator.Frequency.QUARTERLY
    )
    indicators = Indicator.objects.filter(cycle=cycle, method__in=methods, frequency=frequency)
    if not user_has_role(user, ADMIN):
        indicators = indicators.filter(owners=user)
    return indicators.prefetch_related("categories").order_by("sort_order", "code")


@dataclass
class GridCell:
    indicator: Indicator
    applies: bool
    stored: IndicatorValue | None = None
    text: str = ""
    version: int = 0
    error: str = ""
    conflict: CellConflict | None = None
    conflict_text: str = ""
    attempted: str = ""

    @property
    def is_missing(self) -> bool:
        return self.applies and not self.text


@dataclass
class EntryGrid:
    cycle: Cycle
    period: str
    indicators: list[Indicator]
    rows: list[tuple[Unit, list[GridCell]]] = field(default_factory=list)

    @property
    def applicable(self) -> int:
        return sum(cell.applies for _unit, cells in self.rows for cell in cells)

    @property
    def missing(self) -> int:
        return sum(cell.is_missing for _unit, cells in self.rows for cell in cells)


def value_text(value) -> str:
    """Show a stored figure without trailing zeros: 12.5000 → 12.5."""
    if value is None:
        return ""
    return format(value.normalize(), "f")


def entry_grid(
    *,
    cycle: Cycle,
    period: str,
    indicators: list[Indicator],
    units: list[Unit],
    report: SaveReport | None = None,
    posted: dict | None = None,
) -> EntryGrid:
    """Build the grid of units × indicators with the stored values (one query), and, after a
    save, the refused cells with what was typed and why."""
    stored = {
        (row.unit_id, row.indicator_id): row
        for row in IndicatorValue.objects.filter(
            indicator__in=indicators, period=period
        ).select_related("verified_by")
    }
    categories = {i.pk: {c.pk for c in i.categories.all()} for i in indicators}
    grid = EntryGrid(cycle=cycle, period=period, indicators=indicators)
    for unit in units:
        cells = []
        for indicator in indicators:
            applies = not categories[indicator.pk] or unit.category_id in categories[indicator.pk]
            row = stored.get((unit.pk, indicator.pk))
            cell = GridCell(
                indicator=indicator,
                applies=applies,
                stored=row,
                text=value_text(row.value if row else None),
                version=row.version if row else 0,
            )
            key = (unit.pk, indicator.pk, period)
            if report is not None and key in report.errors:
                cell.error = report.errors[key]
                cell.text = (posted or {}).get(key, cell.text)
            if report is not None and key in report.conflicts:
                cell.conflict = report.conflicts[key]
                cell.conflict_text = value_text(cell.conflict.value) or "—"
                cell.attempted = (posted or {}).get(key, "")
            cells.append(cell)
        if any(cell.applies for cell in cells):
            grid.rows.append((unit, cells))
    return grid


def units_active() -> list[Unit]:
    """Return the units under assessment, in the order of their categories."""
    return list(Unit.objects.filter(is_active=True).select_related("category"))


def units_applicable(*, indicator: Indicator, units: list[Unit]) -> list[Unit]:
    """Return the units the indicator applies to: those of its categories, or all when it
    names none. Reads the indicator's categories once (prefetched by `indicators_writable`)."""
    categories = {category.pk for category in indicator.categories.all()}
    if not categories:
        return units
    return [unit for unit in units if unit.category_id in categories]


def history_of_unit(
    *, cycle: Cycle, unit: Unit, indicators: QuerySet, with_adjustments: bool
) -> list[dict]:
    """Return every recorded change of the unit's values and votes of the indicators (and its
    adjustments) in the cycle, newest first: when, who, what, old → new, and from where."""
    indicator_names = {i.pk: i for i in indicators}
    events = []
    value_records = (
        IndicatorValue.history.filter(unit_id=unit.pk, indicator_id__in=list(indicator_names))
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    events += _changes(
        value_records,
        key=lambda r: (r.indicator_id, r.period),
        show=lambda r: value_text(r.value),
        label=lambda r: f"{indicator_names[r.indicator_id]} · {Period(r.period).label}",
    )
    vote_records = (
        Vote.history.filter(unit_id=unit.pk, indicator_id__in=list(indicator_names))
        .select_related("history_user", "rater_group")
        .order_by("history_date", "history_id")
    )
    events += _changes(
        vote_records,
        key=lambda r: r.id,
        show=lambda r: "/".join(str(getattr(r, kind)) for kind in Vote.KINDS),
        label=lambda r: (
            f"{indicator_names[r.indicator_id]} · {Period(r.period).label} · {r.rater_group}"
        ),
    )
    if with_adjustments:
        adjustment_records = (
            Adjustment.history.filter(unit_id=unit.pk, cycle_id=cycle.pk)
            .select_related("history_user")
            .order_by("history_date", "history_id")
        )
        events += _changes(
            adjustment_records,
            key=lambda r: r.id,
            show=lambda r: f"{r.points:+} ({r.reason}; {r.approved_by})",
            label=lambda r: f"{capfirst(Adjustment._meta.verbose_name)} · {Period(r.period).label}",
        )
    events.sort(key=lambda event: event["when"], reverse=True)
    return events


def _changes(records, *, key, show, label) -> list[dict]:
    previous, events = {}, []
    for record in records:
        before = previous.get(key(record))
        shown = show(record)
        events.append(
            {
                "when": record.history_date,
                "who": record.history_user,
                "what": label(record),
                "old": "" if before is None or record.history_type == "+" else before,
                "new": "" if record.history_type == "-" else shown,
                "kind": record.get_history_type_display(),
                "source": source_label(record.history_change_reason),
            }
        )
        previous[key(record)] = shown
    return events


def unverified_by_indicator(*, cycle: Cycle, period: str) -> QuerySet:
    """Return the cycle's indicators with their count of values not yet verified in the period."""
    unverified = Count("values", filter=Q(values__period=period, values__verified_at__isnull=True))
    return (
        Indicator.objects.filter(cycle=cycle, method__in=VALUE_METHODS)
        .annotate(unverified=unverified)
        .filter(unverified__gt=0)
        .order_by("sort_order", "code")
    )


def cycles_with_gaps() -> list[Cycle]:
    """Return every cycle with its count of values not yet verified (`unverified`) and of
    values still missing in its annual results (`missing`), what publishing would leave
    behind (2 queries)."""
    cycles = list(
        Cycle.objects.annotate(
            unverified=Count(
                "indicators__values", filter=Q(indicators__values__verified_at__isnull=True)
            )
        )
    )
    missing: dict[int, int] = {}
    # The year's list names every applicable indicator missing in any quarter or the year.
    annual = UnitResult.objects.filter(period=Period.YEAR).values_list("cycle_id", "missing")
    for cycle_id, codes in annual:
        missing[cycle_id] = missing.get(cycle_id, 0) + len(codes)
    for cycle in cycles:
        cycle.missing = missing.get(cycle.pk, 0)
    return cycles


def cycles_last_published() -> dict[int, object]:
    """Return {cycle id: when its results were last published}, without the snapshots."""
    return dict(
        ResultSnapshot.objects.values("cycle_id")
        .annotate(latest=Max("published_at"))
        .values_list("cycle_id", "latest")
    )


def cycle_state_moves() -> list[dict]:
    """Return every change of a cycle's state, newest first: when, which cycle, from and to
    which state, who, and from where (with the reason given for a reopening)."""
    records = Cycle.history.select_related("history_user").order_by("history_date", "history_id")
    moves, last_state = [], {}
    for record in records:
        before = last_state.get(record.id)
        if before is not None and before != record.state:
            moves.append(
                {
                    "when": record.history_date,
                    "cycle": record.name or record.year,
                    "before": Cycle.State(before).label,
                    "after": Cycle.State(record.state).label,
                    "who": record.history_user,
                    "source": source_label(record.history_change_reason),
                }
            )
        last_state[record.id] = record.state
    moves.reverse()
    return moves
