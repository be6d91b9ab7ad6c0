"""The life of a cycle: draft → open → closed → published, moved by admins only; and within
an open cycle, the life of each quarter: open → closed → published (the rules are above
cycle_quarter_close).

Every move is recorded in the cycle's history (who, when, old and new state, and the reason
for a reopening). Publishing, the cycle's or a quarter's, freezes the results in a
ResultSnapshot.
"""

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import IntegerField, OuterRef, QuerySet, Subquery, Value
from django.utils.translation import gettext as _

from cadre.roles import ADMIN, user_has_role
from cadre.words import listed
from scoring.models import (
    QUARTER_STATE_FIELDS,
    QUARTERS,
    Cycle,
    Indicator,
    Period,
    QuarterState,
    RaterGroup,
    Responsibility,
    ResultSnapshot,
    UnitResult,
)
from scoring.services.compute import (
    following_year_flags_refresh,
    results_compute,
    two_places,
)
from scoring.services.growth import growth_records_assessment_write
from scoring.services.history import history_record
from scoring.services.refresh import results_refresh_all
from scoring.services.tree import indicator_tree_problems
from scoring.services.values import (
    NOTE_REOPEN_PREFIX,
    SOURCE_CYCLES,
    reason_cleaned,
    values_unverified_counted,
)

State = Cycle.State
# The fields of a cycle that are settings of the scoring rules, kept with a snapshot.
SETTING_FIELDS = [
    f.name for f in Cycle._meta.get_fields() if getattr(f, "decimal_places", None) is not None
]
# A forced recomputation's note in the cycle's history: this, then the reason as given.
NOTE_RECOMPUTE_PREFIX = "强制重新计算："
# Every column of a node that a copy carries over as it is: not its id, nor its cycle and its
# parent, which point into the new year.
TREE_COPIED_FIELDS = [
    field.name
    for field in Indicator._meta.concrete_fields
    if field.name not in {"id", "cycle", "parent"}
]
# What a publication keeps of each result: its key in the snapshot, and the column it is read
# from. Points are kept as text in cents, as the pages showed them when published (the
# stored bonus carries the places its total was rounded from).
FROZEN_RESULT_COLUMNS = {
    "unit": "unit__code",
    "unit_name": "unit__name",
    "category": "category__code",
    "period": "period",
    "total": "total",
    "rank": "rank",
    "grade": "grade",
    "vetoed": "vetoed",
    "bonus": "bonus",
    "adjustment": "adjustment",
}
# A cycle made from another one's copy: this, then the source year, in the new cycle's history.
NOTE_CREATED_FROM_PREFIX = "以模板新建，模板年度："


class CycleStateError(ValidationError):
    """The move is not allowed from the cycle's present state."""


def _cycle_move(
    *,
    cycle: Cycle,
    by,
    allowed_from: tuple[str, ...],
    to: str,
    note: str = "",
    tree_broken: str = "",
) -> Cycle:
    """Move the cycle to the state `to`; with `tree_broken` (a message taking the cycle and
    its problems), refuse while its indicator tree breaks a rule."""
    cycle = _cycle_locked_for(cycle=cycle, by=by)
    if cycle.state not in allowed_from:
        raise CycleStateError(
            _("%(cycle)s 当前为“%(state)s”，不能改为“%(to)s”")
            % {"cycle": cycle, "state": cycle.get_state_display(), "to": State(to).label}
        )
    _tree_ensure_sound(cycle=cycle, broken=tree_broken)
    if to == State.CLOSED:
        cycle.unverified_at_close = values_unverified_counted(cycle=cycle)
    elif to in (State.DRAFT, State.OPEN):
        cycle.unverified_at_close = None
    cycle.state = to
    _move_save(cycle=cycle, by=by, fields=["state", "unverified_at_close"], note=note)
    # The following year's 重点调整 flags compare with this year only once it is final.
    following_year_flags_refresh(cycle=cycle)
    return cycle


def _cycle_locked_for(*, cycle: Cycle, by) -> Cycle:
    """The cycle read again and locked, for a move by `by`, who must be of the 考核办."""
    if not user_has_role(by, ADMIN):
        raise PermissionDenied(_("只有考核办可以改变考核周期的状态"))
    return Cycle.objects.select_for_update().get(pk=cycle.pk)


def _tree_ensure_sound(*, cycle: Cycle, broken: str) -> None:
    """With `broken` (a message taking the cycle and its problems), refuse while the cycle's
    indicator tree breaks a rule."""
    if broken:
        problems = indicator_tree_problems(cycle=cycle)
        if problems:
            raise CycleStateError(broken % {"cycle": cycle, "problems": " ".join(problems)})


def _move_save(*, cycle: Cycle, by, fields: list[str], note: str) -> None:
    """Save a moved state, recorded in the cycle's history with who, when and the note."""
    cycle._history_user = by
    cycle._change_reason = f"{SOURCE_CYCLES}：{note}" if note else SOURCE_CYCLES
    cycle.save(update_fields=[*fields, "updated_at"])


@transaction.atomic
def cycle_open(*, cycle: Cycle, by) -> Cycle:
    """Open a draft cycle for entry, once its indicator tree keeps the rules: scorers would
    otherwise enter a year's values against maxima that do not add up to 1000."""
    return _cycle_move(
        cycle=cycle,
        by=by,
        allowed_from=(State.DRAFT,),
        to=State.OPEN,
        tree_broken=_("%(cycle)s 的指标体系还有问题，不能开放填报：%(problems)s"),
    )


@transaction.atomic
def cycle_close(*, cycle: Cycle, by) -> Cycle:
    """Close an open cycle: from now on nobody can change any of its inputs, and its results
    are computed a last time, from its inputs and the master data as they are at the close.
    Those are the results publishing freezes: later moves of units or officials change
    nothing in them."""
    cycle = _cycle_move(cycle=cycle, by=by, allowed_from=(State.OPEN,), to=State.CLOSED)
    results_refresh_all(cycle=cycle)
    return cycle


@transaction.atomic
def cycle_reopen(*, cycle: Cycle, by, reason: str) -> Cycle:
    """Open a closed or published cycle again, for a reason that is recorded."""
    reason = reason_cleaned(reason, missing=_("重新开放必须说明理由"))
    return _cycle_move(
        cycle=cycle,
        by=by,
        allowed_from=(State.CLOSED, State.PUBLISHED),
        to=State.OPEN,
        # Stored untranslated, like the source: `source_label` translates it for the reader.
        note=f"{NOTE_REOPEN_PREFIX}{reason}",
    )


@transaction.atomic
def cycle_results_recompute(*, cycle: Cycle, locked_reason: str | None = None, by=None) -> None:
    """Recompute every result of the cycle from its inputs as they are now.

    A closed or published cycle keeps the results it was closed with: what changed in the
    master data since (a unit moved or retired) must not rewrite them. Such a cycle is
    recomputed only with `locked_reason`, recorded in its history as a reopening's reason is;
    its publication snapshot stays as published. The quarters of an open cycle closed on their
    own keep theirs alike: without `locked_reason` the rest is recomputed, with it they are
    too, and the reason is recorded.
    """
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.is_locked and locked_reason is None:
        raise CycleStateError(
            _("%(cycle)s 当前为“%(state)s”，结果已锁定，不能重新计算；如需更正，请先重新开放该周期")
            % {"cycle": cycle, "state": cycle.get_state_display()}
        )
    if locked_reason is not None and (cycle.is_locked or cycle.frozen_quarters):
        reason = reason_cleaned(
            locked_reason, missing=_("重新计算已关闭或已发布周期的结果必须说明理由")
        )
        cycle._history_user = by
        cycle._change_reason = f"{NOTE_RECOMPUTE_PREFIX}{reason}"
        cycle.save(update_fields=["updated_at"])
    results_refresh_all(cycle=cycle, frozen_too=locked_reason is not None)


@transaction.atomic
def cycle_publish(*, cycle: Cycle, by) -> ResultSnapshot:
    """Publish a closed cycle: freeze the results it was closed with in a snapshot, and write
    each scored official's result into their growth record.

    Refused while the indicator tree breaks a rule (it may have been changed while open):
    published totals must be on the thousand-point scale the units are told about.
    """
    cycle = _cycle_move(
        cycle=cycle,
        by=by,
        allowed_from=(State.CLOSED,),
        to=State.PUBLISHED,
        tree_broken=_(
            "%(cycle)s 的指标体系还有问题，不能发布结果；请重新开放并修正后再关闭、发布："
            "%(problems)s"
        ),
    )
    growth_records_assessment_write(cycle=cycle, by=by)
    return ResultSnapshot.objects.create(
        cycle=cycle,
        published_by=by,
        cycle_settings=_settings_frozen(cycle=cycle),
        results=_results_frozen(cycle=cycle),
    )


# The quarters of an open cycle move on their own (Cycle.period_state), by the 考核办 only:
# - a quarter closes once the quarters before it are closed: quarters are entered in turn, and
#   a slip on the cycles page must not shut a later quarter while an earlier one is still
#   being filled (Q2 closes after Q1);
# - a closed quarter is published on its own, in any order (a quarter in dispute may wait while
#   the next one is published), also once the whole cycle is closed;
# - a closed or published quarter is reopened for a reason, whatever the later quarters' state
#   (a correction of Q1 in August leaves Q2 as it stands), while the cycle is open: a closed or
#   published cycle covers its quarters, and is reopened first.
# The year has no state of its own: it is closed and published with the cycle.


def _quarter_ensure(*, cycle: Cycle, quarter: str, allowed_from: tuple[str, ...], to: str):
    """Refuse to move the quarter to `to` unless it stands in one of `allowed_from` (see
    Cycle.period_state), naming both states."""
    if quarter not in QUARTERS:
        raise CycleStateError(_("期间“%(period)s”不是季度") % {"period": quarter})
    state = cycle.period_state(quarter)
    if state not in allowed_from:
        raise CycleStateError(
            _("%(cycle)s %(quarter)s当前为“%(state)s”，不能改为“%(to)s”")
            % {
                "cycle": cycle,
                "quarter": Period(quarter).label,
                "state": QuarterState(state).label,
                "to": QuarterState(to).label,
            }
        )


def _quarter_move(*, cycle: Cycle, quarter: str, by, to: str, note: str = "") -> None:
    field = QUARTER_STATE_FIELDS[quarter]
    setattr(cycle, field, to)
    _move_save(cycle=cycle, by=by, fields=[field], note=note)


def _cycle_ensure_open(*, cycle: Cycle, message: str) -> None:
    """Refuse a quarter's move with `message` (taking the cycle and its state) unless the
    cycle is open."""
    if cycle.state != State.OPEN:
        raise CycleStateError(message % {"cycle": cycle, "state": cycle.get_state_display()})


@transaction.atomic
def cycle_quarter_close(*, cycle: Cycle, quarter: str, by) -> Cycle:
    """Close a quarter of an open cycle: its results are computed a last time, in every
    category, from its inputs and the master data as they are at the close, and stay so (see
    results_compute): they are what publishing the quarter freezes. From now on nobody can
    change its values, votes, adjustments or verifications.
    Refused while a quarter before it is still open (see the rules above), and while the
    indicator tree breaks a rule: the closed quarter's tree can no longer be mended (see
    closed_quarters), and its results would stay off the thousand-point scale."""
    cycle = _cycle_locked_for(cycle=cycle, by=by)
    _cycle_ensure_open(cycle=cycle, message=_("%(cycle)s 当前为“%(state)s”，不能单独关闭季度"))
    to = QuarterState.CLOSED
    _quarter_ensure(cycle=cycle, quarter=quarter, allowed_from=(QuarterState.OPEN,), to=to)
    earlier = [q for q in QUARTERS[: QUARTERS.index(quarter)] if not cycle.period_is_locked(q)]
    if earlier:
        raise CycleStateError(
            _("请先关闭%(earlier)s：季度按顺序关闭，%(quarter)s在其后。")
            % {
                "earlier": listed(Period(q).label for q in earlier),
                "quarter": Period(quarter).label,
            }
        )
    _tree_ensure_sound(
        cycle=cycle,
        broken=_("%(cycle)s 的指标体系还有问题，不能关闭季度；请修正后再关闭：%(problems)s"),
    )
    # Computed once more while still open, as the cycle's close does: saves refresh only the
    # categories they touch, and a change that reached the units without recomputing this
    # cycle (a workbook of another year adding or moving units) must not be frozen into the
    # quarter as stale results.
    results_compute(cycle=cycle, periods=[quarter])
    _quarter_move(cycle=cycle, quarter=quarter, by=by, to=to)
    return cycle


@transaction.atomic
def cycle_quarter_reopen(*, cycle: Cycle, quarter: str, by, reason: str) -> Cycle:
    """Open a closed or published quarter of an open cycle again, for a reason that is
    recorded; its results are computed again from the inputs and tree as they are now, and
    units no longer see them until it is published again. The year is computed again with
    them; the other quarters are not: nothing they are scored from changed, and those still
    open are kept current by every change of their inputs and units (computing them too took a
    province's reopening a third more CPU time)."""
    reason = reason_cleaned(reason, missing=_("重新开放必须说明理由"))
    cycle = _cycle_locked_for(cycle=cycle, by=by)
    _cycle_ensure_open(
        cycle=cycle,
        message=_("%(cycle)s 当前为“%(state)s”，请先重新开放整个周期，再重新开放其中的季度"),
    )
    to = QuarterState.OPEN
    allowed_from = (QuarterState.CLOSED, QuarterState.PUBLISHED)
    _quarter_ensure(cycle=cycle, quarter=quarter, allowed_from=allowed_from, to=to)
    _quarter_move(cycle=cycle, quarter=quarter, by=by, to=to, note=f"{NOTE_REOPEN_PREFIX}{reason}")
    results_compute(cycle=cycle, periods=[quarter])
    return cycle


@transaction.atomic
def cycle_quarter_publish(*, cycle: Cycle, quarter: str, by) -> ResultSnapshot:
    """Publish a closed quarter: units' liaisons see their own results of it from now on.

    As cycle_publish does for the year: refused while the indicator tree breaks a rule; the
    results the quarter was closed with are frozen, unchanged, in a snapshot of that quarter.
    Units retired, added or moved since the close change nothing in them: what the 考核办
    checked when closing is what is published, and what the year already counts. Only
    `cycle_results_recompute` with a reason, or reopening the quarter, computes them anew.
    """
    cycle = _cycle_locked_for(cycle=cycle, by=by)
    to = QuarterState.PUBLISHED
    _quarter_ensure(cycle=cycle, quarter=quarter, allowed_from=(QuarterState.CLOSED,), to=to)
    _tree_ensure_sound(
        cycle=cycle,
        broken=_("%(cycle)s 的指标体系还有问题，不能发布季度结果；请修正后再发布：%(problems)s"),
    )
    _quarter_move(cycle=cycle, quarter=quarter, by=by, to=to)
    return ResultSnapshot.objects.create(
        cycle=cycle,
        period=quarter,
        published_by=by,
        cycle_settings=_settings_frozen(cycle=cycle),
        results=_results_frozen(cycle=cycle, period=quarter),
    )


def _settings_frozen(*, cycle: Cycle) -> dict:
    settings = {name: str(getattr(cycle, name)) for name in SETTING_FIELDS}
    settings["rater_groups"] = {
        group.code: str(group.weight) for group in RaterGroup.objects.filter(cycle=cycle)
    }
    return settings


def _results_frozen(*, cycle: Cycle, period: str | None = None) -> list[dict]:
    """The cycle's stored results as a snapshot holds them, of one period or all, read as plain
    columns: loading them as models (with every indicator's points) took a province's 25,000
    results 4 s."""
    rows = UnitResult.objects.filter(cycle=cycle)
    if period is not None:
        rows = rows.filter(period=period)
    rows = rows.values_list(*FROZEN_RESULT_COLUMNS.values())
    return [
        {
            key: two_places(cell) if isinstance(cell, Decimal) else cell
            for key, cell in zip(FROZEN_RESULT_COLUMNS, row, strict=True)
        }
        for row in rows
    ]


@transaction.atomic
def cycle_create_from(
    *, previous: Cycle, year: int, name: str | None = None, by, source: str = SOURCE_CYCLES
) -> Cycle:
    """Create a draft cycle for `year` as a copy of `previous`.

    Copied: the settings, the indicator tree (every node with its parameters, categories,
    lead department and scorer accounts), the rater groups (with the categories and the
    indicators they rate) and the responsibilities. Not copied: values, votes, adjustments,
    results and snapshots, which belong to their year.
    Without a `name`, the new cycle is named as `previous` is, with its year changed
    (2026年度领导班子综合考核 → 2027年度领导班子综合考核), where that name holds its year.
    Refused when `year` already has a cycle. The number of queries does not grow with the tree.
    """
    if not user_has_role(by, ADMIN):
        raise PermissionDenied(_("只有考核办可以新建考核周期"))
    if Cycle.objects.filter(year=year).exists():
        raise ValidationError(_("%(year)s 年度已有考核周期，不能再新建") % {"year": year})
    cycle = Cycle(
        year=year,
        name=(name or "").strip() or _name_for_year(previous=previous, year=year),
        state=State.DRAFT,
        **{field: getattr(previous, field) for field in SETTING_FIELDS},
    )
    cycle._history_user = by
    # Recorded as a state move is, so that the history says which year this one came from;
    # the copied tree, rater groups and responsibilities say it too.
    reason = f"{source}：{NOTE_CREATED_FROM_PREFIX}{previous.year}"
    cycle._change_reason = reason
    cycle.save()
    new_cycle = Value(cycle.pk, output_field=IntegerField())
    _rows_insert(
        model=Indicator,
        fields=[*TREE_COPIED_FIELDS, "cycle"],
        rows=Indicator.objects.filter(cycle=previous)
        .annotate(new_cycle=new_cycle)
        .values_list(*TREE_COPIED_FIELDS, "new_cycle"),
    )
    _tree_parents_link(previous=previous, cycle=cycle)
    _indicator_links_copy(
        model=Indicator.categories.through, other="unitcategory", previous=previous, cycle=cycle
    )
    _indicator_links_copy(
        model=Indicator.owners.through, other="user", previous=previous, cycle=cycle
    )
    _indicator_links_copy(model=Responsibility, other="official", previous=previous, cycle=cycle)
    _rows_insert(
        model=RaterGroup,
        fields=["code", "name", "weight", "cycle"],
        rows=RaterGroup.objects.filter(cycle=previous)
        .annotate(new_cycle=new_cycle)
        .values_list("code", "name", "weight", "new_cycle"),
    )
    new_group = RaterGroup.objects.filter(cycle=cycle, code=OuterRef("ratergroup__code")).order_by()
    _rows_insert(
        model=RaterGroup.categories.through,
        fields=["unitcategory", "ratergroup"],
        rows=RaterGroup.categories.through.objects.filter(ratergroup__cycle=previous)
        .annotate(new_group=Subquery(new_group.values("pk")[:1]))
        .values_list("unitcategory", "new_group"),
    )
    new_indicator = Indicator.objects.filter(cycle=cycle, code=OuterRef("indicator__code"))
    _rows_insert(
        model=RaterGroup.indicators.through,
        fields=["indicator", "ratergroup"],
        rows=RaterGroup.indicators.through.objects.filter(ratergroup__cycle=previous)
        .annotate(
            new_indicator=Subquery(new_indicator.order_by().values("pk")[:1]),
            new_group=Subquery(new_group.values("pk")[:1]),
        )
        .values_list("new_indicator", "new_group"),
    )
    for copied in (
        Indicator.objects.filter(cycle=cycle),
        Responsibility.objects.filter(indicator__cycle=cycle),
        RaterGroup.objects.filter(cycle=cycle),
    ):
        history_record(queryset=copied, reason=reason, by=by, history_type="+")
    return cycle


def _name_for_year(*, previous: Cycle, year: int) -> str:
    """Return the previous cycle's name with its year changed to `year`; blank (the default
    name, 2027年度考核) where the name does not hold its year, which a new year cannot keep."""
    if str(previous.year) not in previous.name:
        return ""
    return previous.name.replace(str(previous.year), str(year))


def _tree_parents_link(*, previous: Cycle, cycle: Cycle) -> None:
    """Give each node of the cycle's copied tree the parent it had in the previous cycle: the
    new node with the code of the old node's parent (codes are unique within a cycle)."""
    # order_by(): the model's ordering would join the cycles to sort a single row.
    old_parent_code = (
        Indicator.objects.filter(cycle=previous, code=OuterRef(OuterRef("code")))
        .order_by()
        .values("parent__code")[:1]
    )
    new_parent = Indicator.objects.filter(cycle=cycle, code=Subquery(old_parent_code)).order_by()
    Indicator.objects.filter(cycle=cycle).update(parent=Subquery(new_parent.values("pk")[:1]))


def _indicator_links_copy(*, model, other: str, previous: Cycle, cycle: Cycle) -> None:
    """Copy the rows of `model` that link the previous cycle's indicators to `other` (a
    category, a scorer account, an official) to the cycle's indicators of the same code."""
    new_indicator = Indicator.objects.filter(
        cycle=cycle, code=OuterRef("indicator__code")
    ).order_by()
    _rows_insert(
        model=model,
        fields=[other, "indicator"],
        rows=model.objects.filter(indicator__cycle=previous)
        .annotate(new_indicator=Subquery(new_indicator.values("pk")[:1]))
        .values_list(other, "new_indicator"),
    )


def _rows_insert(*, model, fields: list[str], rows: QuerySet) -> None:
    """Insert one row into the model's table per row of `rows`, a values_list in the order of
    `fields`, in one INSERT … SELECT. bulk_create would read every row into Python first, and
    on SQLite split the insert into batches of about fifty rows, so that the queries grew with
    the tree. It sends no signal: the caller writes the rows' history (`history_record`)."""
    sql, params = rows.order_by().query.sql_with_params()
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(model._meta.db_table)} ({columns}) {sql}", params)
