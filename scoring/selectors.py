"""Reads for the entry pages: each a fixed number of queries whatever the number of rows."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    IntegerChoices,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Value,
    Window,
)
from django.db.models.functions import Cast, Concat, Lag
from django.utils.text import capfirst

from cadre.form_fields import YEAR_FIRST
from cadre.models import Unit, UnitCategory
from cadre.roles import ADMIN, user_has_role
from scoring.models import (
    QUARTER_STATE_FIELDS,
    QUARTERS,
    Adjustment,
    Cycle,
    Indicator,
    IndicatorValue,
    Period,
    QuarterState,
    ResultSnapshot,
    UnitResult,
    VerificationRun,
    Vote,
)
from scoring.services.cells import CellError, cell_decimal
from scoring.services.evaluations import (
    CycleRaterGroups,
    rater_groups_of_cycle,
    votes_complete_counted,
)
from scoring.services.values import (
    CellConflict,
    CellInput,
    SaveReport,
    history_verification_kind,
    period_fits_frequency,
    source_label,
    value_entry_hint,
)

User = get_user_model()

VALUE_METHODS = [m for m in Indicator.Method.values if m != Indicator.Method.EVALUATION]
PERIODS = [*QUARTERS, Period.YEAR]


def cycles_visible(*, user) -> QuerySet:
    """Return the cycles the user may pick: every one for the 考核办; for everyone else those
    past set-up, as a draft cycle's tree and settings may still change under them."""
    cycles = Cycle.objects.all()
    if not user_has_role(user, ADMIN):
        cycles = cycles.exclude(state=Cycle.State.DRAFT)
    return cycles


# Years have four digits, and so have the ids read in their place: a longer number names no
# cycle (and one of thousands of digits is not even read as a number).
YEAR_DIGITS = 4


def cycle_picked(*, cycles: list[Cycle], picked: str) -> Cycle | None:
    """Return the cycle of `cycles` that a page's ?cycle= names by its year (２０２６ too),
    or, on a link or a form from before addresses named years, by its id (ids are small,
    years are YEAR_FIRST and later); None when it names none of them."""
    if not picked.isdecimal() or len(picked) > YEAR_DIGITS:
        return None
    number = int(picked)
    if number < YEAR_FIRST:
        return next((c for c in cycles if c.pk == number), None)
    return next((c for c in cycles if c.year == number), None)


def cycle_taking_input(*, cycles: list[Cycle]) -> Cycle | None:
    """Return the cycle an entry page opens on: the latest open one, else the latest; None when
    there is no cycle."""
    open_cycle = next((c for c in cycles if c.state == Cycle.State.OPEN), None)
    return open_cycle or next(iter(cycles), None)


def indicators_writable(*, cycle: Cycle, user, period: str, methods=VALUE_METHODS) -> QuerySet:
    """Return the cycle's indicators the user may enter in the period: all of them for an
    admin, the ones the user owns for a scorer."""
    frequency = (
        Indicator.Frequency.ANNUAL if period == Period.YEAR else Indicator.Frequency.QUARTERLY
    )
    return indicators_entered_by(cycle=cycle, user=user, methods=methods).filter(
        frequency=frequency
    )


def indicators_scored(*, cycle: Cycle) -> QuerySet:
    """Return the cycle's leaf indicators that carry a scoring method, in the tree's order:
    the ones a value, a vote or a what-if change can be about (a node with children, or a
    leaf still without a method, scores nothing)."""
    return (
        Indicator.objects.filter(cycle=cycle, children__isnull=True)
        .exclude(method="")
        .order_by("sort_order", "code")
    )


def indicators_entered_by(*, cycle: Cycle, user, methods) -> QuerySet:
    """Return the cycle's indicators of the methods the user enters, in any period: all of
    them for an admin, the ones the user owns for a scorer."""
    indicators = Indicator.objects.filter(cycle=cycle, method__in=methods)
    if not user_has_role(user, ADMIN):
        indicators = indicators.filter(owners=user)
    return indicators.prefetch_related("categories").order_by("sort_order", "code")


def periods_open(*, cycle: Cycle) -> list[str]:
    """Return the periods of the cycle that still take input (none once it is closed)."""
    return [period for period in PERIODS if not cycle.period_is_locked(period)]


def period_needing_entry(*, cycle: Cycle, user, units: list[Unit], methods=VALUE_METHODS) -> str:
    """Return the period an entry page opens on: the first of Q1…Q4, Y still open (a closed
    quarter is passed over while any period is open) in which the user's indicators of
    `methods` still have an empty cell for one of the units (the active ones) they apply to;
    when every cell is filled, the last such period in which the user has indicators (the
    year when they have none).

    A cell is filled by a value, or for an evaluation indicator by the vote counts of every
    rater group rating the unit on it (as the votes page's ✓ says). A fixed number of queries
    whatever the size: the indicators, their categories, for evaluation indicators the rater
    groups and what they rate, and the filled cells of each period looked at, in turn until
    one has an empty cell. Counting a period at a time reads only that period's values (a
    province's admin counting every period at once took 1.1–1.5 s of PostgreSQL CPU, one
    quarter 0.15 s), and the usual answer, the first period open, needs only its own count.
    """
    indicators = {i.pk: i for i in indicators_entered_by(cycle=cycle, user=user, methods=methods)}
    # A closed quarter takes nothing more: the page opens on a period still open, if any.
    open_periods = periods_open(cycle=cycle) or PERIODS
    units_of_category = Counter(unit.category_id for unit in units)
    evaluated = any(i.method == Indicator.Method.EVALUATION for i in indicators.values())
    raters = rater_groups_of_cycle(cycle=cycle) if evaluated else None
    applies = {
        pk: _categories_to_enter(indicator, raters, categories=set(units_of_category))
        for pk, indicator in indicators.items()
    }
    cells: Counter[str] = Counter()
    taking: dict[str, list[Indicator]] = {}
    for pk, indicator in indicators.items():
        for period in _periods_of(indicator):
            cells[period] += sum(units_of_category[category] for category in applies[pk])
            taking.setdefault(period, []).append(indicator)
    periods = [period for period in open_periods if period in taking]
    for period in periods:
        # A period whose indicators apply to none of the units has no cell to fill: no count.
        if cells[period] and cells[period] > _cells_filled(
            indicators=taking[period], applies=applies, raters=raters, period=period
        ):
            return period
    return periods[-1] if periods else Period.YEAR


def _categories_to_enter(
    indicator: Indicator, raters: CycleRaterGroups | None, *, categories: set[int]
) -> set[int]:
    """Return the unit categories of `categories` the indicator takes input for: those it
    applies to (all without any), and for an evaluation indicator those some rater group
    rates on it; a unit no group rates has no votes to enter, and the votes page says so."""
    applying = {category.pk for category in indicator.categories.all()} or categories
    if indicator.method != Indicator.Method.EVALUATION:
        return applying
    return {
        category
        for category in applying
        if raters.rating(category_id=category, indicator_id=indicator.pk)
    }


def _periods_of(indicator: Indicator) -> list[str]:
    return [p for p in PERIODS if period_fits_frequency(frequency=indicator.frequency, period=p)]


def _cells_filled(
    *,
    indicators: list[Indicator],
    applies: dict[int, set[int]],
    raters: CycleRaterGroups | None,
    period: str,
) -> int:
    """Count the period's filled cells of the indicators in the unit categories each `applies`
    to: active units with a value, or for an evaluation indicator with the votes of every
    rater group of `raters` rating them (one query for the values, one for the votes)."""
    by_votes = [i.pk for i in indicators if i.method == Indicator.Method.EVALUATION]
    by_values = [i.pk for i in indicators if i.method != Indicator.Method.EVALUATION]
    values = (
        IndicatorValue.objects.filter(
            indicator_id__in=by_values, period=period, unit__is_active=True
        )
        .order_by()
        .values_list("indicator_id", "unit__category_id")
        # A unit has one value per indicator and period (value_unique_per_period): its rows
        # are its filled cells, counted without the sort a count of distinct units takes, and
        # from an index alone (both indexes of the values hold the unit, none the id).
        .annotate(filled=Count("unit"))
    )
    votes = votes_complete_counted(raters=raters, indicator_ids=by_votes, period=period)
    return sum(
        filled
        for indicator_id, category_id, filled in [*values, *((*key, n) for key, n in votes.items())]
        if category_id in applies[indicator_id]
    )


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
    # What the editor typed that differs from the stored value, when the cycle was locked
    # before their save ("—": they had emptied the cell); "" when nothing is unsaved.
    unsaved_text: str = ""

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

    @property
    def unsaved(self) -> int:
        return sum(bool(cell.unsaved_text) for _unit, cells in self.rows for cell in cells)


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
    unsaved: list[CellInput] | None = None,
) -> EntryGrid:
    """Build the grid of units × indicators with the stored values (one query), and, after a
    save, the refused cells with what was typed and why; after a save refused as a whole (the
    cycle was locked meanwhile), the `unsaved` cells typed otherwise than stored, so that the
    editor can still read them. Each indicator gets its `entry_hint` (what to type)."""
    for indicator in indicators:
        indicator.entry_hint = value_entry_hint(indicator=indicator)
    typed = {cell.key: cell for cell in unsaved or ()}
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
                # A blank: they emptied the cell.
                cell.attempted = (posted or {}).get(key, "").strip() or "—"
            if key in typed:
                cell.unsaved_text = _unsaved_text(typed[key], row)
            cells.append(cell)
        if any(cell.applies for cell in cells):
            grid.rows.append((unit, cells))
    return grid


# The grid shows one category (分类考核 ranks within a category) a page of units at a time:
# at province scale (5,000 units × 40 indicators) the whole grid is 83 MB of HTML. A district
# whose whole grid is small sees every category at once, as before; 全部类别 may be picked
# while the grid stays at most GRID_ALL_CELLS_MAX cells, past which it is as slow to load as
# to type in.
GRID_PAGE_UNITS = 100
GRID_ONE_VIEW_CELLS = 5_000
GRID_ALL_CELLS_MAX = 20_000


@dataclass
class GridScope:
    """The categories the grid offers (each with `active`, its active units), the one shown
    (None: all of them) and whether showing all of them is allowed."""

    categories: list[UnitCategory]
    category: UnitCategory | None
    all_allowed: bool
    # True when 全部类别 was asked for but the grid is too big for it.
    all_refused: bool = False


def entry_grid_scope(*, indicators: list[Indicator], picked: str | None) -> GridScope:
    """Return which categories the grid of `indicators` offers and shows for the `picked`
    category code ("all": every category; None or unknown: the default). One query: the
    categories with their active units counted."""
    named = [{c.pk for c in indicator.categories.all()} for indicator in indicators]
    categories = [
        category
        for category in UnitCategory.objects.annotate(
            active=Count("units", filter=Q(units__is_active=True))
        )
        .filter(active__gt=0)
        # Explicit: a model's Meta.ordering is not applied to a query with GROUP BY.
        .order_by("sort_order", "code")
        if any(not applies or category.pk in applies for applies in named)
    ]
    cells = sum(category.active for category in categories) * len(indicators)
    all_allowed = cells <= GRID_ALL_CELLS_MAX
    category = next((c for c in categories if c.code == picked), None)
    if picked == "all" and all_allowed or category is None and cells <= GRID_ONE_VIEW_CELLS:
        category = None
    elif category is None:
        category = next(iter(categories), None)
    return GridScope(
        categories=categories,
        category=category,
        all_allowed=all_allowed,
        all_refused=picked == "all" and not all_allowed,
    )


def entry_grid_units(*, scope: GridScope) -> list[tuple[int, str, str]]:
    """Return (id, name, code) of the active units the grid shows, in the order of their
    categories (one query): the grid pages them and the paste matches names against them."""
    categories = [scope.category] if scope.category else scope.categories
    return list(
        Unit.objects.filter(is_active=True, category__in=categories).values_list(
            "pk", "name", "code"
        )
    )


def units_by_ids(ids: list[int]) -> list[Unit]:
    """Return the units of `ids` with their categories, in the order of `ids` (one query)."""
    units = Unit.objects.select_related("category").in_bulk(ids)
    return [units[pk] for pk in ids if pk in units]


def entry_grid_missing(*, indicators: list[Indicator], period: str, scope: GridScope) -> int:
    """Return how many cells of the indicators the units of the scope's category (or of all its
    categories) still miss in the period: the applicable cells, counted from the categories'
    sizes, less the stored values, counted per indicator and category in one query."""
    categories = {
        c.pk: c.active for c in ([scope.category] if scope.category else scope.categories)
    }
    applies = {i.pk: {c.pk for c in i.categories.all()} or set(categories) for i in indicators}
    cells = sum(size for i in indicators for pk, size in categories.items() if pk in applies[i.pk])
    filled = (
        IndicatorValue.objects.filter(
            indicator__in=indicators,
            period=period,
            unit__is_active=True,
            unit__category_id__in=list(categories),
        )
        .order_by()
        .values_list("indicator_id", "unit__category_id")
        .annotate(filled=Count("pk"))
    )
    return cells - sum(
        n for indicator_id, category_id, n in filled if category_id in applies[indicator_id]
    )


def _unsaved_text(cell: CellInput, row: IndicatorValue | None) -> str:
    """Return what the editor typed into the cell when it differs from the stored row ("—" for
    a cell they emptied), "" when it does not."""
    try:
        number = cell_decimal(cell.raw)
    except CellError:
        return str(cell.raw).strip()
    if number is None:
        # A cell blank when loaded (version 0) was not emptied by them (see values_save).
        return "—" if row is not None and cell.version else ""
    return "" if row is not None and row.value == number else str(cell.raw).strip()


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


def indicators_marking_applicable(indicators: QuerySet, *, category_id: int) -> QuerySet:
    """Annotate each indicator with `applies`: whether it applies to the category (it names
    the category, or none), in the same query as the indicators themselves."""
    named = Indicator.categories.through.objects.filter(indicator=OuterRef("pk"))
    return indicators.annotate(
        applies=~Exists(named) | Exists(named.filter(unitcategory=category_id))
    )


def history_of_unit(
    *,
    cycle: Cycle,
    unit: Unit,
    indicators: QuerySet,
    with_adjustments: bool,
    periods: list[str] = PERIODS,
) -> QuerySet:
    """Return every recorded change of the unit's values and votes of the indicators (and its
    adjustments) in the cycle's `periods`, newest first, as rows that `history_events` shows: a
    page of them is read in one query, however long the history.

    Each row carries the figure its record had before, from the previous record of the same
    value (indicator and period: a value removed and entered again is one), vote or adjustment.
    """
    indicator_ids = [indicator.pk for indicator in indicators]
    votes = []
    for kind in Vote.KINDS:
        votes += [Value("/"), Cast(kind, CharField())]
    parts = [
        _history_rows(
            IndicatorValue.history.filter(
                unit_id=unit.pk, indicator_id__in=indicator_ids, period__in=periods
            ),
            source=HistorySource.VALUE,
            row=[F("indicator_id"), F("period")],
            indicator=F("indicator_id"),
            figure_value=F("value"),
        ),
        _history_rows(
            Vote.history.filter(
                unit_id=unit.pk, indicator_id__in=indicator_ids, period__in=periods
            ),
            source=HistorySource.VOTE,
            row=[F("id")],
            indicator=F("indicator_id"),
            group=F("rater_group__name"),
            figure_text=Concat(*votes[1:], output_field=CharField()),
        ),
    ]
    if with_adjustments:
        parts.append(
            _history_rows(
                Adjustment.history.filter(unit_id=unit.pk, cycle_id=cycle.pk, period__in=periods),
                source=HistorySource.ADJUSTMENT,
                row=[F("id")],
                figure_points=F("points"),
                figure_text=Concat(
                    Value(" ("),
                    "reason",
                    Value("; "),
                    "approved_by",
                    Value(")"),
                    output_field=CharField(),
                ),
            )
        )
    first, *others = parts
    # Ties (a batch written at one instant) in the order the records were written, values first.
    return first.union(*others, all=True).order_by("-when", "source", "history_id")


class HistorySource(IntegerChoices):
    """Whose history a row of `history_of_unit` comes from (its order within an instant)."""

    VALUE = 0
    VOTE = 1
    ADJUSTMENT = 2


# The figures of `history_of_unit`'s rows, in the order every part selects them; those a part
# has none of are NULLs of the type the others give them (PostgreSQL would make them text).
_HISTORY_FIGURES = {
    "figure_value": IndicatorValue._meta.get_field("value"),
    "figure_points": Adjustment._meta.get_field("points"),
    "figure_text": CharField(),
}

_POINTS_SCALE = Decimal(1).scaleb(-_HISTORY_FIGURES["figure_points"].decimal_places)


def _history_rows(
    records: QuerySet, *, source, row, indicator=None, group=None, **figures
) -> QuerySet:
    """Return the history records as `history_of_unit`'s rows, each with the figures of the
    previous record of its `row` (the columns that name it)."""
    order = [F("history_date").asc(), F("history_id").asc()]
    shown, before = {}, {"previous": Window(Lag("history_id"), partition_by=row, order_by=order)}
    for name, output in _HISTORY_FIGURES.items():
        if name in figures:
            shown[name] = figures[name]
            before[f"previous_{name}"] = Window(
                Lag(figures[name]), partition_by=row, order_by=order
            )
        else:
            shown[name] = before[f"previous_{name}"] = Cast(Value(None), output)
    return records.order_by().values(
        "history_id",
        "history_type",
        "history_change_reason",
        "history_user_id",
        when=F("history_date"),
        source=Value(source),
        first_name=F("history_user__first_name"),
        last_name=F("history_user__last_name"),
        username=F("history_user__username"),
        indicator_pk=indicator if indicator is not None else Cast(Value(None), IntegerField()),
        row_period=F("period"),
        group=group if group is not None else Cast(Value(None), CharField()),
        **shown,
        **before,
    )


def history_events(rows, *, indicators: QuerySet) -> list[dict]:
    """Return what the history page lists of the rows of `history_of_unit`: when, who, what,
    old → new, the operation and from where."""
    indicator_names = {indicator.pk: indicator for indicator in indicators}
    # Created, changed, deleted: the same words in every model's history.
    operations = dict(IndicatorValue.history.model._meta.get_field("history_type").flatchoices)
    events = []
    for row in rows:
        source = HistorySource(row["source"])
        shown = _history_figure(source, row, prefix="")
        before = None if row["previous"] is None else _history_figure(source, row, "previous_")
        if row["history_type"] == "-":
            # A removal records the row as it was: its own figure is the old one, even where
            # the history of its creation is missing (values loaded before history was kept).
            before = shown
        period = Period(row["row_period"]).label
        if source == HistorySource.ADJUSTMENT:
            what = [capfirst(Adjustment._meta.verbose_name), period]
        else:
            what = [indicator_names[row["indicator_pk"]], period]
        if source == HistorySource.VOTE:
            what.append(row["group"])
        reason = row["history_change_reason"]
        events.append(
            {
                "when": row["when"],
                "who": _history_user(row),
                "what": " · ".join(str(part) for part in what),
                "old": "" if before is None or row["history_type"] == "+" else before,
                "new": "" if row["history_type"] == "-" else shown,
                "kind": history_verification_kind(reason) or operations[row["history_type"]],
                "source": source_label(reason),
            }
        )
    return events


def _history_figure(source: HistorySource, row: dict, prefix: str) -> str:
    """The figure a history row shows: its own (`prefix` "") or its previous record's."""
    if source == HistorySource.VALUE:
        return value_text(row[f"{prefix}figure_value"])
    if source == HistorySource.ADJUSTMENT:
        # As the field stores them (SQLite gives a computed column's decimals unscaled).
        points = row[f"{prefix}figure_points"].quantize(_POINTS_SCALE)
        return f"{points:+}{row[f'{prefix}figure_text']}"
    return row[f"{prefix}figure_text"]


def _history_user(row: dict) -> User | None:
    """Who wrote a history row, with what the page shows of them (read with the row)."""
    if row["history_user_id"] is None:
        return None
    return User(
        pk=row["history_user_id"],
        username=row["username"],
        first_name=row["first_name"],
        last_name=row["last_name"],
    )


def indicators_counting_values(*, cycle: Cycle, period: str, verified: bool) -> QuerySet:
    """Return the cycle's indicators with their count (`counted`) of values in the period that
    are verified (or not yet), those that have any."""
    counted = Count(
        "values", filter=Q(values__period=period, values__verified_at__isnull=not verified)
    )
    return (
        Indicator.objects.filter(cycle=cycle, method__in=VALUE_METHODS)
        .annotate(counted=counted)
        .filter(counted__gt=0)
        .order_by("sort_order", "code")
    )


def verification_run_latest(*, cycle: Cycle, period: str) -> VerificationRun | None:
    """Return the latest background verification of the cycle's period, with who asked and
    who resumed it."""
    runs = VerificationRun.objects.filter(cycle=cycle, period=period).select_related(
        "requested_by", "resumed_by"
    )
    return runs.first()


@dataclass
class QuarterRow:
    """One quarter of a cycle on the cycles page: how it stands (see Cycle.period_state), when
    it was last published on its own, what publishing it would leave behind (values missing
    in its results, values not verified) and the moves the 考核办 may make (see the rules in
    scoring.services.cycles)."""

    period: str
    state: str
    published_at: datetime | None
    missing: int
    unverified: int
    # Whether the quarter has results: none while nobody has reported a value or vote for it.
    reported: bool
    may_close: bool
    may_publish: bool
    may_reopen: bool

    @property
    def label(self) -> str:
        return Period(self.period).label

    @property
    def state_label(self) -> str:
        return QuarterState(self.state).label


def cycles_with_gaps(*, published: dict[int, dict[str, datetime]]) -> list[Cycle]:
    """Return every cycle with its count of values not yet verified (`unverified`) and of
    values still missing in its annual results (`missing`), what publishing would leave
    behind, and its quarters (`quarters`, QuarterRow) with the same counts each, given
    `published` as cycles_last_published returns it (3 queries). A closed or published cycle's
    count is the one taken at its close; a published one's values are not counted again.
    `previous_pending` is the year before, while it is still taking input: closing this year
    first leaves its 重点调整 flags to be set once that one is closed or published."""
    cycles = list(Cycle.objects.all())
    by_year = {cycle.year: cycle for cycle in cycles}
    unverified: Counter = Counter()
    for cycle_id, period, count in (
        IndicatorValue.objects.filter(verified_at__isnull=True)
        # A published year's count was taken at its close, and its quarters move no more.
        .exclude(
            indicator__cycle__state=Cycle.State.PUBLISHED,
            indicator__cycle__unverified_at_close__isnull=False,
        )
        .order_by()
        .values_list("indicator__cycle_id", "period")
        .annotate(count=Count("pk"))
    ):
        unverified[cycle_id, period] += count
    missing: Counter = Counter()
    # The year's list names every applicable indicator missing in any quarter or the year; a
    # quarter's is read where the quarter may still be published.
    results = UnitResult.objects.filter(
        Q(period=Period.YEAR) | Q(cycle__state__in=[Cycle.State.OPEN, Cycle.State.CLOSED])
    ).values_list("cycle_id", "period", "missing")
    reported = set()
    for cycle_id, period, codes in results:
        missing[cycle_id, period] += len(codes)
        reported.add((cycle_id, period))
    for cycle in cycles:
        previous = by_year.get(cycle.year - 1)
        cycle.previous_pending = previous if previous and not previous.is_locked else None
        cycle.missing = missing[cycle.pk, Period.YEAR]
        cycle.unverified = sum(unverified[cycle.pk, period] for period in PERIODS)
        if cycle.is_locked and cycle.unverified_at_close is not None:
            cycle.unverified = cycle.unverified_at_close
        cycle.quarters = [
            _quarter_row(
                cycle=cycle,
                quarter=quarter,
                published_at=published.get(cycle.pk, {}).get(quarter),
                missing=missing[cycle.pk, quarter],
                unverified=unverified[cycle.pk, quarter],
                reported=(cycle.pk, quarter) in reported,
            )
            for quarter in QUARTERS
        ]
    return cycles


def _quarter_row(*, cycle: Cycle, quarter: str, **counts) -> QuarterRow:
    state, own = cycle.period_state(quarter), cycle.quarter_state(quarter)
    is_open = cycle.state == Cycle.State.OPEN
    earlier_locked = all(cycle.period_is_locked(q) for q in QUARTERS[: QUARTERS.index(quarter)])
    return QuarterRow(
        period=quarter,
        state=state,
        may_close=is_open and state == QuarterState.OPEN and earlier_locked,
        may_publish=state == QuarterState.CLOSED,
        may_reopen=is_open and own != QuarterState.OPEN,
        **counts,
    )


def cycles_last_published() -> dict[int, dict[str, datetime]]:
    """Return {cycle id: {period: when its results were last published}}, the whole cycle's
    under "" and a quarter published on its own under its period, without the snapshots."""
    published: dict[int, dict[str, datetime]] = {}
    latest = (
        ResultSnapshot.objects.order_by()
        .values("cycle_id", "period")
        .annotate(latest=Max("published_at"))
        .values_list("cycle_id", "period", "latest")
    )
    for cycle_id, period, when in latest:
        published.setdefault(cycle_id, {})[period] = when
    return published


def latest_publication(published: dict[str, datetime]) -> tuple[str, datetime] | None:
    """Return (period, when) of the latest of a cycle's publications as `cycles_last_published`
    gives them: the whole cycle's (period "") or a quarter's published on its own; None if
    none."""
    return max(published.items(), key=lambda item: item[1], default=None)


def cycle_state_moves() -> list[dict]:
    """Return every change of a cycle's state or of one of its quarters' own states, newest
    first: when, which cycle (and quarter), from and to which state, who, and from where
    (with the reason given for a reopening)."""
    records = Cycle.history.select_related("history_user").order_by("history_date", "history_id")
    fields = [("state", None, Cycle.State)]
    fields += [(field, quarter, QuarterState) for quarter, field in QUARTER_STATE_FIELDS.items()]
    moves, last = [], {}
    for record in records:
        before = last.get(record.id)
        for name, quarter, states in fields:
            old, new = getattr(before, name, None), getattr(record, name)
            if before is None or old == new:
                continue
            name_shown = record.name or record.year
            moves.append(
                {
                    "when": record.history_date,
                    "cycle": f"{name_shown} · {Period(quarter).label}" if quarter else name_shown,
                    "before": states(old).label,
                    "after": states(new).label,
                    "who": record.history_user,
                    "source": source_label(record.history_change_reason),
                }
            )
        last[record.id] = record
    moves.reverse()
    return moves
