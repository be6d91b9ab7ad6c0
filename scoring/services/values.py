"""The rules an indicator value obeys, whichever path writes it, and the save of typed values.

The entry page and the shell save through values_save. The admin, the sheet import and the
workbook import check each value with these rules (value_problem, period_fits_frequency) but
write on their own: the admin one row, the imports thousands at once in set-based SQL. Every
path clears the verification of a value it changes, because a changed value is checked again.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext
from simple_history.utils import bulk_create_with_history

from cadre.models import Unit
from cadre.roles import ADMIN, user_has_role
from cadre.words import listed
from scoring.models import QUARTERS, Cycle, Indicator, IndicatorValue, Period
from scoring.services.cells import CellError, cell_decimal, decimal_fit_problem, decimal_plain
from scoring.services.history import history_record
from scoring.services.refresh import results_refresh_for_changes
from scoring.services.sql import history_copy


class CycleLockedError(Exception):
    """The cycle is closed or published: no input may change."""


def cycle_ensure_editable(*, cycle: Cycle, periods: Iterable[str] = ()) -> None:
    """Raise CycleLockedError when the cycle refuses changes (closed or published), or when
    one of `periods`, those a change would touch, is a quarter closed on its own (named)."""
    if cycle.is_locked:
        raise CycleLockedError(
            _("%(cycle)s %(state)s，不能再修改任何数据。")
            % {"cycle": cycle, "state": cycle.get_state_display()}
        )
    touched = set(periods)
    closed = [q for q in QUARTERS if q in touched and cycle.period_is_locked(q)]
    if closed:
        raise CycleLockedError(quarters_closed_message(cycle=cycle, quarters=closed))


def quarters_closed_message(*, cycle: Cycle, quarters: Iterable[str]) -> str:
    """Say that the quarters are closed, naming them, and who can open one again."""
    return _(
        "%(cycle)s %(quarters)s已关闭，不能再修改该季度的数据；如需更正，请考核办重新开放该季度。"
    ) % {"cycle": cycle, "quarters": listed(Period(q).label for q in quarters)}


def cycle_ensure_takes_values(*, cycle: Cycle, by, periods: Iterable[str] = ()) -> None:
    """Raise CycleLockedError when the cycle takes no values from `by` for `periods`: nobody's
    once closed or published or for a closed quarter, and a scorer's not yet while it is a
    draft, whose tree and settings the 考核办 may still change under the values. The 考核办
    and the system (by=None: the shell, a management command) may load values into a draft."""
    cycle_ensure_editable(cycle=cycle, periods=periods)
    if cycle.state == Cycle.State.DRAFT and by is not None and not user_has_role(by, ADMIN):
        raise CycleLockedError(
            _("%(cycle)s：草稿状态的周期还不能填报，请待考核办开放填报。") % {"cycle": cycle}
        )


def value_problem(*, indicator: Indicator, value: Decimal) -> str | None:
    """Return why the value cannot be stored for the indicator, or None when it can.

    What a value means depends on the method: points for direct and bonus, a count of incidents
    for deduction, 0 or 1 for veto, a figure for the others. Any value must also fit the column.
    """
    return value_method_problem(indicator=indicator, value=value) or value_figure_problem(value)


def value_method_problem(*, indicator: Indicator, value: Decimal) -> str | None:
    """Return why the value means nothing under the indicator's method, or None (the value in
    plain digits, never 1E+25)."""
    return value_method_rule(indicator)(value)


def value_method_rule(indicator: Indicator) -> Callable[[Decimal], str | None]:
    """Return the indicator's method rule: a function of a value saying what value_method_problem
    says. A sheet import picks the rule once per indicator, not again for each of 200,000
    values."""
    method = indicator.method
    if method == Indicator.Method.EVALUATION:
        return _votes_expected
    if method in (Indicator.Method.DIRECT, Indicator.Method.BONUS):
        highest = indicator.max_points

        def points_problem(value: Decimal) -> str | None:
            if 0 <= value <= highest:
                return None
            return _("分值应在 0 到 %(max)s 之间，实为 %(value)s") % {
                "max": decimal_plain(highest),
                "value": decimal_plain(value),
            }

        return points_problem
    return _METHOD_RULES.get(method, _any_value)


def _votes_expected(value: Decimal) -> str:
    return _("综合评价指标按测评票数计分，请录入票数。")


def _veto_problem(value: Decimal) -> str | None:
    if value in (0, 1):
        return None
    return _("一票否决指标只能填 0 或 1，实为 %(value)s") % {"value": decimal_plain(value)}


def _incidents_problem(value: Decimal) -> str | None:
    if value >= 0 and value == value.to_integral_value():
        return None
    return _("扣分指标填发生次数（非负整数），实为 %(value)s") % {"value": decimal_plain(value)}


def _actual_problem(value: Decimal) -> str | None:
    if value >= 0:
        return None
    return _("完成值不能为负数，实为 %(value)s") % {"value": decimal_plain(value)}


def _best_ratio_problem(value: Decimal) -> str | None:
    # Points are value/best (or best/value) of the maximum: a negative figure would give more
    # than the maximum or negative points.
    if value >= 0:
        return None
    return _("对标最优指标的实际值不能为负数，实为 %(value)s") % {"value": decimal_plain(value)}


def _any_value(value: Decimal) -> None:
    return None


_METHOD_RULES = {
    Indicator.Method.VETO: _veto_problem,
    Indicator.Method.DEDUCTION: _incidents_problem,
    Indicator.Method.COMPLETION: _actual_problem,
    Indicator.Method.BEST_RATIO: _best_ratio_problem,
}


def value_entry_hint(*, indicator: Indicator) -> str:
    """Return in one short line what to type for the indicator, by its method: the grid's
    column header and the spreadsheet template's say it alike. Empty for an evaluation
    indicator, entered as vote counts elsewhere."""
    method = indicator.method
    lower_is_better = indicator.lower_is_better
    if method == Indicator.Method.DIRECT:
        return _("填得分 0–%(max)s") % {"max": decimal_plain(indicator.max_points)}
    if method == Indicator.Method.BONUS:
        return _("填加分 0–%(max)s") % {"max": decimal_plain(indicator.max_points)}
    if method == Indicator.Method.COMPLETION:
        hint = (
            _("填实际值（目标 %(target)s，越低越好）")
            if lower_is_better
            else _("填实际值（目标 %(target)s）")
        )
        return hint % {"target": decimal_plain(indicator.target)}
    if method == Indicator.Method.RANK:
        return (
            _("填原始数值，按排名计分（越低越好）")
            if lower_is_better
            else _("填原始数值，按排名计分")
        )
    if method == Indicator.Method.BEST_RATIO:
        return (
            _("填原始数值，与最优比（越低越好）") if lower_is_better else _("填原始数值，与最优比")
        )
    if method == Indicator.Method.DEDUCTION:
        return _("填次数（每次扣 %(points)s 分）") % {
            "points": decimal_plain(indicator.per_incident)
        }
    if method == Indicator.Method.VETO:
        return _("填 0 或 1（1 = 否决）")
    return ""


def value_figure_problem(value: Decimal) -> str | None:
    """Return why the value does not fit the value column (digits, size), whatever the
    indicator, or None; a sheet import checks each distinct figure once."""
    return decimal_fit_problem(value=value, model_field=IndicatorValue._meta.get_field("value"))


def period_fits_frequency(*, frequency: str, period: str) -> bool:
    """Return whether a value of an indicator of `frequency` may be entered for `period`:
    an annual indicator's for the year only, a quarterly one's for the quarters only."""
    return (frequency == Indicator.Frequency.ANNUAL) == (period == Period.YEAR)


def indicator_categories(indicator_ids: Iterable[int]) -> dict[int, set[int]]:
    """Return the unit categories each indicator applies to; an indicator absent from the
    result applies to every category."""
    categories: dict[int, set[int]] = {}
    links = Indicator.categories.through.objects.filter(
        indicator_id__in=list(indicator_ids)
    ).values_list("indicator_id", "unitcategory_id")
    for indicator_id, category_id in links:
        categories.setdefault(indicator_id, set()).add(category_id)
    return categories


# Stored untranslated in the history (the record outlives the language of whoever wrote it);
# `source_label` translates them for the reader.
SOURCE_ENTRY = gettext_noop("填报页面")
SOURCE_ADMIN = gettext_noop("后台")
SOURCE_CYCLES = gettext_noop("周期管理页面")
SOURCE_DEMO = gettext_noop("演示数据")
# The first history row of master data that existed when its history began to be kept
# (written by the migrations that began it, scoring 0026 and cadre 0010, which spell it out).
SOURCE_HISTORY_START = gettext_noop("启用变更记录时已有")
# The growth-record entries that publishing a cycle writes (scoring.services.growth).
SOURCE_PUBLISHED = gettext_noop("发布考核结果")
SOURCES = {
    SOURCE_ENTRY,
    SOURCE_ADMIN,
    SOURCE_CYCLES,
    SOURCE_DEMO,
    SOURCE_HISTORY_START,
    SOURCE_PUBLISHED,
}
# A reopening's note after its source: this, then the reason as typed.
NOTE_REOPEN_PREFIX = "重新开放："
# A verification taken back: the same, in the value's history.
NOTE_UNVERIFY_PREFIX = "撤销审核："
# A value verified: the whole note after the source, in the value's history.
NOTE_VERIFY = "审核"
# The longest reason (a reopening, a withdrawal, a verification taken back) read in a history
# at a glance.
REASON_MAX = 80
# An imported file's changes: this, then the file name.
SOURCE_IMPORT_PREFIX = "导入 "
# Rows per INSERT/UPDATE statement for imports of thousands of cells (databases cap parameters).
BATCH_SIZE = 1000


def source_import(*, file_name: str, record_id: int | None = None) -> str:
    """Return the 'from where' of a change brought by an imported file, and the import record's
    number when given; a long file name is cut so that the whole fits the history field."""
    length = IndicatorValue.history.model._meta.get_field("history_change_reason").max_length
    head, suffix = SOURCE_IMPORT_PREFIX, f" (#{record_id})" if record_id is not None else ""
    return head + file_name[: length - len(head) - len(suffix)] + suffix


def source_verified(*, source: str) -> str:
    """Return the history reason of values verified through `source` (a page, or an import
    giving back the verifications it kept): the source, cut where it must so that the whole
    fits the history field, then the note NOTE_VERIFY."""
    length = IndicatorValue.history.model._meta.get_field("history_change_reason").max_length
    note = f"：{NOTE_VERIFY}"
    return source[: length - len(note)] + note


CellKey = tuple[int, int, str]


@dataclass(frozen=True)
class CellInput:
    """One value as typed or read from a file for a unit, an indicator and a period.

    `version` is the version of the stored value the editor saw (0: no value was there);
    None skips the check, for imports that replace whatever is stored.
    """

    unit: Unit
    indicator: Indicator
    period: str
    raw: object
    version: int | None = None

    @property
    def key(self) -> CellKey:
        return (self.unit.pk, self.indicator.pk, self.period)


@dataclass(frozen=True)
class CellConflict:
    """Someone else changed the value after the editor loaded it (None: it was deleted)."""

    value: Decimal | None
    version: int
    by: str


@dataclass
class SaveReport:
    """What a save did: rows written, and the cells refused with the reason for each."""

    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    errors: dict[CellKey, str] = field(default_factory=dict)
    conflicts: dict[CellKey, CellConflict] = field(default_factory=dict)

    @property
    def saved(self) -> int:
        return self.created + self.updated + self.deleted

    @property
    def refused(self) -> int:
        return len(self.errors) + len(self.conflicts)


def _cell_problem(*, cycle: Cycle, cell: CellInput, categories: dict[int, set[int]]) -> str | None:
    indicator = cell.indicator
    if indicator.cycle_id != cycle.pk:
        return _("指标 %(code)s 不属于 %(cycle)s") % {"code": indicator.code, "cycle": cycle}
    if not indicator.method:
        return _("%(code)s 是汇总项，不填报数值") % {"code": indicator.code}
    if cell.period not in Period.values:
        return _("期间“%(period)s”无效，应为 Q1–Q4 或 Y") % {"period": cell.period}
    if not period_fits_frequency(frequency=indicator.frequency, period=cell.period):
        if indicator.frequency == Indicator.Frequency.ANNUAL:
            return _("年度指标只在全年（Y）填报")
        return _("季度指标只在 Q1–Q4 填报，不在全年")
    applies_to = categories.get(indicator.pk)
    if applies_to and cell.unit.category_id not in applies_to:
        return _("指标 %(code)s 不适用于%(unit)s") % {"code": indicator.code, "unit": cell.unit}
    return None


def _cells_read(*, cycle: Cycle, cells: list[CellInput], report: SaveReport):
    """Return (cell, Decimal or None) for the readable cells; record the others in the report."""
    categories = indicator_categories({cell.indicator.pk for cell in cells})
    readable, seen = [], set()
    for cell in cells:
        if cell.key in seen:
            report.errors[cell.key] = _("同一单位、指标、期间出现了两次")
            continue
        seen.add(cell.key)
        problem = _cell_problem(cycle=cycle, cell=cell, categories=categories)
        if problem is None:
            try:
                number = cell_decimal(cell.raw)
            except CellError as error:
                problem = str(error)
            else:
                if number is not None:
                    problem = value_problem(indicator=cell.indicator, value=number)
        if problem:
            report.errors[cell.key] = problem
        else:
            readable.append((cell, number))
    return readable


def _values_stored(readable) -> dict[CellKey, IndicatorValue]:
    """Read and lock the stored values of the cells in one query."""
    if not readable:
        return {}
    rows = (
        IndicatorValue.objects.select_for_update(of=("self",))
        .select_related("entered_by")
        .filter(
            indicator_id__in={cell.indicator.pk for cell, _number in readable},
            unit_id__in={cell.unit.pk for cell, _number in readable},
            period__in={cell.period for cell, _number in readable},
        )
    )
    return {(row.unit_id, row.indicator_id, row.period): row for row in rows}


def values_save(
    *, cycle: Cycle, cells: Iterable[CellInput], by, source: str, blank_clears: bool = False
) -> SaveReport:
    """Store the cells' values, keep the valid ones and report why the others were refused.

    The entry grid and the shell save through here; the admin and the imports apply the same
    rules in their own writes (see the module's docstring). The cycle must be open, or a
    draft saved to by the 考核办 or the system, and no cell's period a closed quarter
    (CycleLockedError otherwise, for the whole save: see cycle_ensure_takes_values). A cell
    is refused when its text is no number, the number breaks the indicator's rules, the
    indicator does not apply, or someone else changed the stored value since the editor saw
    it (a conflict: the other person's value is reported, never overwritten). A blank cell
    stores nothing. It clears the stored value only with `blank_clears`, which the entry
    grid passes, where a clerk empties a cell on purpose; never for a spreadsheet, where a
    blank cell is one nobody filled. A cell that was blank when the editor loaded it
    (version 0) clears nothing. Each change and removal is recorded in the history with the
    user and `source`. Reads and writes are set-based, in batches, whatever the number of
    cells.
    """
    cells = list(cells)
    report = SaveReport()
    with transaction.atomic():
        # Locking the cycle row makes a concurrent close wait for this save, or this save
        # see the closed state.
        cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
        cycle_ensure_takes_values(cycle=cycle, by=by, periods={cell.period for cell in cells})
        readable = _cells_read(cycle=cycle, cells=cells, report=report)
        stored = _values_stored(readable)
        now = timezone.now()
        creates, updates, deletes, changed = [], [], [], set()
        for cell, number in readable:
            row = stored.get(cell.key)
            if number is None:
                if row is None or cell.version == 0:
                    # Nothing to clear, or nothing was there when the editor loaded the cell:
                    # a value saved since by someone else is not theirs to remove.
                    continue
                if not blank_clears:
                    report.errors[cell.key] = _("已填报的数值不能清空；需删除请联系考核办")
                elif cell.version is not None and cell.version != row.version:
                    report.conflicts[cell.key] = _conflict(row)
                else:
                    deletes.append(row)
                    changed.add((cell.unit, cell.period))
                continue
            if row is None:
                if cell.version:
                    report.conflicts[cell.key] = CellConflict(value=None, version=0, by="")
                    continue
                creates.append(
                    IndicatorValue(
                        indicator=cell.indicator,
                        unit=cell.unit,
                        period=cell.period,
                        value=number,
                        entered_by=by,
                        updated_at=now,
                    )
                )
                changed.add((cell.unit, cell.period))
            elif row.value == number:
                report.unchanged += 1
            elif cell.version is not None and cell.version != row.version:
                report.conflicts[cell.key] = _conflict(row)
            else:
                row.value, row.version, row.entered_by, row.updated_at = (
                    number,
                    row.version + 1,
                    by,
                    now,
                )
                # A changed value has to be checked again.
                row.verified_by = row.verified_at = None
                updates.append(row)
                changed.add((cell.unit, cell.period))
        history = {"batch_size": BATCH_SIZE, "default_user": by, "default_change_reason": source}
        if creates:
            bulk_create_with_history(creates, IndicatorValue, **history)
        if updates:
            _values_update(updates, by=by, when=now, source=source)
        if deletes:
            _values_delete(deletes, by=by, source=source, when=now)
        report.created, report.updated, report.deleted = len(creates), len(updates), len(deletes)
        results_refresh_for_changes(cycle=cycle, changes=changed)
    return report


def _values_update(rows: list[IndicatorValue], *, by, when, source: str) -> None:
    """Store the rows' new values, a new version, who and when, and clear their verification
    (a changed value is checked again): one UPDATE … FROM the list of (id, value) per batch,
    and its history rows with one INSERT … SELECT. Django's bulk_update writes a CASE WHEN
    per row, and simple_history builds a history model per row: for a pasted block of 5,000
    cells that took 8–10 s against 1–1.5 s."""
    table = connection.ops.quote_name(IndicatorValue._meta.db_table)
    for start in range(0, len(rows), BATCH_SIZE):
        batch = rows[start : start + BATCH_SIZE]
        listed = ", ".join(["(%s, %s)"] * len(batch))
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH changed (id, value) AS (VALUES {listed}) "
                f"UPDATE {table} SET value = changed.value, version = {table}.version + 1, "
                f"entered_by_id = %s, updated_at = %s, verified_by_id = NULL, "
                f"verified_at = NULL FROM changed WHERE {table}.id = changed.id",
                [
                    *(cell for row in batch for cell in (row.pk, row.value)),
                    by.pk if by else None,
                    connection.ops.adapt_datetimefield_value(when),
                ],
            )
        changed = IndicatorValue.objects.filter(pk__in=[row.pk for row in batch])
        history_copy(queryset=changed, history_type="~", reason=source, by=by)


def _conflict(row: IndicatorValue) -> CellConflict:
    """The stored value someone else saved since the editor loaded the cell."""
    return CellConflict(
        value=row.value,
        version=row.version,
        by=row.entered_by.get_username() if row.entered_by else "",
    )


def _values_delete(rows: list[IndicatorValue], *, by, source: str, when) -> None:
    """Delete the stored rows, each with the history row simple_history writes for a delete
    (type "-", the value as it was), in batches."""
    history = IndicatorValue.history.model
    history.objects.bulk_create(
        (
            history(
                history_date=when,
                history_user=by,
                history_change_reason=source,
                history_type="-",
                **{field.attname: getattr(row, field.attname) for field in history.tracked_fields},
            )
            for row in rows
        ),
        batch_size=BATCH_SIZE,
    )
    for start in range(0, len(rows), BATCH_SIZE):
        batch = IndicatorValue.objects.filter(
            pk__in=[row.pk for row in rows[start : start + BATCH_SIZE]]
        )
        # A plain delete() would send a signal, and so write one history row, per row.
        batch._raw_delete(batch.db)


def values_unverify(*, cycle: Cycle, values: QuerySet, by, reason: str, source: str) -> int:
    """Take back the verification of the cycle's verified values among `values` (verified by
    mistake), for a reason that each value's history records with `by` and `source`; return
    how many. Refused in a closed or published cycle or quarter, as verifying is."""
    reason = reason_cleaned(reason, missing=_("撤销审核须说明理由"))
    with transaction.atomic():
        cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
        rows = list(
            values.filter(indicator__cycle=cycle, verified_at__isnull=False)
            .select_for_update(of=("self",))
            .order_by("pk")
            .values_list("pk", "period")
        )
        cycle_ensure_editable(cycle=cycle, periods={period for _pk, period in rows})
        taken_back = IndicatorValue.objects.filter(pk__in=[pk for pk, _period in rows])
        taken_back.update(verified_by=None, verified_at=None)
        history_record(
            queryset=taken_back,
            reason=f"{source}：{NOTE_UNVERIFY_PREFIX}{reason}",
            by=by,
            history_type="~",
        )
    return len(rows)


def reason_cleaned(reason: str, *, missing: str) -> str:
    """Return the reason on one line; refuse it with `missing` when blank, or when longer than
    REASON_MAX."""
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError(missing)
    if len(reason) > REASON_MAX:
        raise ValidationError(_("理由最多 %(max)s 个字，请精简") % {"max": REASON_MAX})
    return reason


def values_unverified_count(*, cycle: Cycle) -> int:
    """Return how many of the cycle's values were reported but not verified yet: for a closed
    or published cycle, the count taken when it was closed (nothing can change it since)."""
    if cycle.is_locked and cycle.unverified_at_close is not None:
        return cycle.unverified_at_close
    return values_unverified_counted(cycle=cycle)


def values_unverified_counted(*, cycle: Cycle) -> int:
    """Count the cycle's values not verified yet (one pass over the cycle's values)."""
    return IndicatorValue.objects.filter(indicator__cycle=cycle, verified_at__isnull=True).count()


def source_label(reason: str | None) -> str:
    """Return a stored history reason in the reader's language.

    The fixed sources, the prefix of an import ("导入 <file>…"), of a reopening's note and of
    a verification taken back are translated; a file name or the reason typed is shown as written.
    """
    if not reason:
        return ""
    if reason.startswith(SOURCE_IMPORT_PREFIX):
        file, separator, note = reason.removeprefix(SOURCE_IMPORT_PREFIX).rpartition("：")
        if separator and note == NOTE_VERIFY:
            return _("%(source)s：%(reason)s") % {
                "source": _("导入 %(file)s") % {"file": file},
                "reason": pgettext("history of a value", "审核"),
            }
        return _("导入 %(file)s") % {"file": reason.removeprefix(SOURCE_IMPORT_PREFIX)}
    source, separator, note = reason.partition("：")
    if separator and source in SOURCES:
        if note.startswith(NOTE_REOPEN_PREFIX):
            note = _("重新开放：%(reason)s") % {"reason": note.removeprefix(NOTE_REOPEN_PREFIX)}
        elif note.startswith(NOTE_UNVERIFY_PREFIX):
            note = _("撤销审核：%(reason)s") % {"reason": note.removeprefix(NOTE_UNVERIFY_PREFIX)}
        elif note == NOTE_VERIFY:
            note = pgettext("history of a value", "审核")
        return _("%(source)s：%(reason)s") % {"source": _(source), "reason": note}
    return _(reason) if reason in SOURCES else reason


def history_verification_kind(reason: str | None) -> str | None:
    """Return what a value's history row records when it records a verification given or
    taken back (its figure stays: see `source_label` for the rest of its reason), else None."""
    _source, separator, note = (reason or "").partition("：")
    if not separator:
        return None
    if note == NOTE_VERIFY:
        return pgettext("history of a value", "审核")
    if note.startswith(NOTE_UNVERIFY_PREFIX):
        return pgettext("history of a value", "取消审核")
    return None


def value_cell_problem(*, cell: CellInput) -> str | None:
    """Return why `values_save` would refuse the cell (a conflict aside), or None: for a form
    that checks one value before it is saved."""
    report = SaveReport()
    _cells_read(cycle=cell.indicator.cycle, cells=[cell], report=report)
    return next(iter(report.errors.values()), None)


def value_save(*, cell: CellInput, by, source: str) -> IndicatorValue:
    """Store one value through `values_save` (a value that did not change keeps its version and
    verification) and return the stored row; raise ValidationError when it is refused."""
    report = values_save(cycle=cell.indicator.cycle, cells=[cell], by=by, source=source)
    problem = next(iter(report.errors.values()), None)
    if problem:
        raise ValidationError(problem)
    return IndicatorValue.objects.get(unit=cell.unit, indicator=cell.indicator, period=cell.period)
