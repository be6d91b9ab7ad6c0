"""Vote counts of the comprehensive evaluation (民主测评) from a spreadsheet: the template, the
upload's check and its commit.

The organization department tallies the ballots in Excel, one row per unit and rater group.
Such a sheet comes in as a values sheet does (scoring.services.sheets, whose upload, record,
preview and confirmation pages it shares): read with calamine, every problem at once, each
placed by sheet, row and column, the changes (old → new counts) stored on the ImportRecord and
nothing written until the uploader confirms. The confirmation writes through votes_save_many,
the rules of the votes page, all or nothing.

A sheet is one of votes when its header names a unit column and a rater group column. Its
columns are those of the interchange workbook's `votes` sheet (unit, indicator, period,
rater_group, excellent, competent, basic, incompetent) in English or Chinese, the period
optional: the template's, the sheet name's or the one picked at upload stands for it.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache
from typing import Generic, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, override
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from cadre import roles
from cadre.models import Unit
from cadre.words import listed
from scoring.models import QUARTERS, Cycle, ImportRecord, Indicator, Period, RaterGroup, Vote
from scoring.selectors import indicators_scored
from scoring.services.cells import (
    CellError,
    CellProblem,
    Column,
    cell_count,
    cell_echo,
    cell_period,
    cell_safe,
    cell_text,
    cell_unescape,
    decimal_plain,
    header_key,
    sheet_columns_find,
)
from scoring.services.evaluations import (
    VOTE_COUNT_MAX,
    GroupsRated,
    VoteCounts,
    VoteKey,
    VoteRow,
    rater_groups_of_cycle,
    vote_numbers_text,
    votes_save_many,
)
from scoring.services.excel_errors import PercentCells
from scoring.services.sheets import (
    HEADER_SEARCH_ROWS,
    INDICATOR_CODE_WRITING,
    INDICATORS_NO_LONGER_OWNED,
    LONG_COLUMNS,
    PERCENT_CELLS_NAMED,
    PROGRESS_EVERY,
    STORED_PROBLEMS,
    TARGETS_GONE,
    ImportOutdated,
    ImportRefused,
    ImportStale,
    SheetPlan,
    TemplateInfo,
    UnitLookup,
    Upload,
    closed_changes_add,
    codes_folded_unique,
    import_commit_recorded,
    import_pending_lock,
    layout_notes_add,
    no_data_mark_error,
    percent_cells_named,
    row_is_total,
    said_in_every_language,
    sheet_period_find,
    sheet_plan_refused,
    stale_problem_json,
    template_finish,
    template_rows_sortable,
    unit_lookup_load,
    validation_explained,
)
from scoring.services.values import (
    CycleLockedError,
    SaveReport,
    indicator_categories,
    period_fits_frequency,
    source_import,
)

VOTE_COLUMNS = (
    *LONG_COLUMNS[:2],
    # A tally of one period names none: the template's, the sheet name's or the one picked.
    replace(LONG_COLUMNS[2], required=False),
    Column("rater_group", ("rater_group_code", "测评群体代码", "测评群体", "群体")),
    Column("excellent", ("优秀", "优秀票")),
    Column("competent", ("称职", "称职票")),
    Column("basic", ("基本称职", "基本称职票")),
    Column("incompetent", ("不称职", "不称职票")),
)
# The template's columns: the key of each column read (None: read past) and its label.
TEMPLATE_COLUMNS = (
    ("unit", gettext_lazy("单位代码")),
    (None, gettext_lazy("单位名称")),
    ("indicator", gettext_lazy("指标代码")),
    (None, gettext_lazy("指标名称")),
    ("rater_group", gettext_lazy("测评群体代码")),
    (None, gettext_lazy("测评群体名称")),
    *((kind, Vote._meta.get_field(kind).verbose_name) for kind in Vote.KINDS),
)
FIRST_COUNT_COLUMN = len(TEMPLATE_COLUMNS) - len(Vote.KINDS) + 1
# The template's row below its header says what to type; it imports nothing.
HINT_LABEL = gettext_lazy("填写说明")
TEMPLATE_FIRST_ROW = 3
# A missing column is named as the template heads it, for a clerk to find it.
MISSING_COLUMN_LABELS = {key: label for key, label in TEMPLATE_COLUMNS if key}

Item = TypeVar("Item", Indicator, RaterGroup)


@dataclass(frozen=True)
class _Codes(Generic[Item]):
    """Indicators or rater groups as a sheet names them: by code as written, by code in another
    case where that names one only (e1 for E1), or by a name only one of them has."""

    by_code: dict[str, Item]
    by_folded_code: dict[str, Item]
    by_name: dict[str, list[Item]]

    @classmethod
    def of(cls, items: Iterable[Item]) -> "_Codes[Item]":
        by_code = {item.code: item for item in items}
        by_name: dict[str, list[Item]] = {}
        for item in by_code.values():
            by_name.setdefault(cell_text(item.name), []).append(item)
        return cls(by_code, codes_folded_unique(by_code), by_name)

    def find(self, text: str) -> Item | None:
        named = self.by_name.get(text, [])
        return (
            self.by_code.get(text)
            or self.by_folded_code.get(text.casefold())
            or (named[0] if len(named) == 1 else None)
        )


@dataclass
class _Context:
    """Everything a row is checked against, loaded in a fixed number of queries."""

    cycle: Cycle
    units: UnitLookup
    # The evaluation indicators, which take votes, and the other scorable ones, named to say so.
    evaluations: _Codes[Indicator]
    others: _Codes[Indicator]
    owned: set[int] | None
    applies: dict[int, set[int]]
    groups: _Codes[RaterGroup]
    rated: GroupsRated
    # The stored counts and version of each vote row of the indicators the user may import: a
    # district's are a few thousand, read at once whatever the periods of the file.
    stored: dict[VoteKey, tuple[tuple[int, ...], int]]
    closed: frozenset[str]
    # Rows saved or removed by others since the template was made: what each held then.
    downloaded: dict[VoteKey, tuple[int, ...] | None] = field(default_factory=dict)
    # Where each row was met first: sheet and row number.
    seen: dict[VoteKey, tuple[str, int]] = field(default_factory=dict)
    # Per closed quarter, how many rows would change it and where the first is.
    closed_changes: dict[str, tuple[int, tuple]] = field(default_factory=dict)
    # Rows whose four counts are blank where counts are stored, which stay as they are.
    blank_over_stored: int = 0
    # Rows still holding what the template was filled with where others saved since.
    kept: int = 0
    # Counts read from cells in a percent format (30 shown as 3000%, 30% stored as 0.3): how
    # many, and the sheet, reference and number stored of the first PERCENT_CELLS_NAMED.
    percent_count: int = 0
    percent_cells: list[tuple[str, str, int | float]] = field(default_factory=list)


def vote_indicators(*, cycle: Cycle, user) -> QuerySet:
    """Return the evaluation indicators whose votes the user may bring in by spreadsheet: the
    ones a scorer owns, all of them for the 考核办."""
    indicators = Indicator.objects.filter(
        cycle=cycle, children__isnull=True, method=Indicator.Method.EVALUATION
    ).order_by("sort_order", "code")
    if not roles.user_has_role(user, roles.ADMIN):
        indicators = indicators.filter(owners=user)
    return indicators


def vote_template_periods(*, cycle: Cycle, user) -> list[tuple[str, str]]:
    """Return the periods (code, label) that have evaluation indicators of the user: the
    quarters for quarterly ones, the year for annual ones (one query)."""
    frequencies = set(
        vote_indicators(cycle=cycle, user=user)
        .order_by()
        .values_list("frequency", flat=True)
        .distinct()
    )
    return [
        (period, label) for period, label in Period.choices if _frequency(period) in frequencies
    ]


def _frequency(period: str) -> str:
    """The frequency of the indicators entered in the period."""
    return Indicator.Frequency.ANNUAL if period == Period.YEAR else Indicator.Frequency.QUARTERLY


def vote_template_build(*, cycle: Cycle, period: str, user) -> Workbook:
    """Return the votes template of a period: a row per unit and rater group rating it on the
    indicator for each of the user's evaluation indicators of the period (the units each applies
    to), filled with the stored counts, the four count columns validated, the header rows
    protected."""
    indicators = list(vote_indicators(cycle=cycle, user=user).filter(frequency=_frequency(period)))
    units = list(Unit.objects.filter(is_active=True).select_related("category"))
    raters = rater_groups_of_cycle(cycle=cycle)
    applies = indicator_categories(indicator.pk for indicator in indicators)
    # Stamped before the counts are read: a row saved meanwhile counts as saved after.
    made_at = timezone.now()
    stored = {
        (unit_id, indicator_id, group_id): counts
        for unit_id, indicator_id, group_id, *counts in Vote.objects.filter(
            indicator__in=indicators, period=period
        ).values_list("unit_id", "indicator_id", "rater_group_id", *Vote.KINDS)
    }

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"{cycle.year}-{period}"
    sheet.append([str(label) for _key, label in TEMPLATE_COLUMNS])
    hint = [str(HINT_LABEL), _("每行一个单位、一个测评群体，已填入当前票数；四项都空的行不导入")]
    hint += [""] * (FIRST_COUNT_COLUMN - 1 - len(hint))
    sheet.append([*hint, *[_("票数，0 或正整数")] * len(Vote.KINDS)])
    for indicator in indicators:
        categories = applies.get(indicator.pk)
        for unit in units:
            if categories and unit.category_id not in categories:
                continue
            for group in raters.rating(category_id=unit.category_id, indicator_id=indicator.pk):
                counts = stored.get((unit.pk, indicator.pk, group.pk), [None] * len(Vote.KINDS))
                names = (
                    unit.code,
                    unit.name,
                    indicator.code,
                    indicator.name,
                    group.code,
                    group.name,
                )
                sheet.append([*(cell_safe(text) for text in names), *counts])

    last_row = max(sheet.max_row, TEMPLATE_FIRST_ROW)
    first, last = get_column_letter(FIRST_COUNT_COLUMN), get_column_letter(len(TEMPLATE_COLUMNS))
    validation = validation_explained(
        DataValidation(
            type="whole", operator="between", formula1="0", formula2=str(VOTE_COUNT_MAX)
        ),
        title=_("票数"),
        rule=_("请填 0 到 %(max)s 之间的整数") % {"max": VOTE_COUNT_MAX},
    )
    sheet.add_data_validation(validation)
    validation.add(f"{first}{TEMPLATE_FIRST_ROW}:{last}{last_row}")
    for column, width in (("B", 18), ("D", 16), ("F", 12)):
        sheet.column_dimensions[column].width = width
    template_finish(
        workbook,
        header_rows=TEMPLATE_FIRST_ROW - 1,
        freeze=f"{first}{TEMPLATE_FIRST_ROW}",
        info=TemplateInfo(year=cycle.year, period=period, made_at=made_at),
    )
    # A clerk sorts the rows by unit or by count to check a tally.
    template_rows_sortable(
        sheet, first_row=TEMPLATE_FIRST_ROW, last_row=last_row, last_column=len(TEMPLATE_COLUMNS)
    )
    return workbook


def vote_sheets_found(*, upload: Upload) -> bool:
    """Whether a visible sheet of the upload is one of vote counts: its header names a unit
    column and a rater group column."""
    return any(_header_find(rows) is not None for _name, rows in upload.sheets)


def vote_changes_plan(
    *,
    cycle: Cycle,
    user,
    period: str,
    upload: Upload,
    progress: Callable[[int], None] | None = None,
) -> SheetPlan:
    """Check every row of the upload's votes sheets and return the rows of counts they would
    change, each [unit id, indicator id, period, rater group id, old counts (None: no row),
    new counts, the stored row's version (0: none)].

    A row whose four counts are blank changes nothing, as an import's blank cell never clears
    a value: the template lists every unit and rater group, filled or not; a count left blank
    beside others is 0, as on the votes page. Rows equal to the stored ones are no change, and
    so is a template row still holding what the template was filled with where someone has
    saved other counts since. Other sheets are named and skipped, but for sheets of indicator
    values holding data: such a file is refused, naming the sheets of each kind, to be
    uploaded as two (an import is of one kind, previewed and confirmed as one).
    """
    plan = SheetPlan()
    if sheet_plan_refused(plan, cycle=cycle, user=user):
        return plan
    context = _context_load(cycle=cycle, user=user)
    headed = [(sheet, rows, _header_find(rows)) for sheet, rows in upload.sheets]
    if _mixed_file_refused(plan, context, headed):
        return plan
    if upload.template and upload.template.made_at and upload.template.period:
        _downloaded_load(context, upload.template, user)
    skipped = []
    for sheet, rows, header_index in headed:
        if header_index is None:
            if any(cell_text(cell) for row in rows for cell in row):
                skipped.append(sheet)
            continue
        _sheet_plan(plan, context, sheet, rows, header_index, upload, period, progress)
    closed_changes_add(
        plan,
        context.closed_changes,
        said=lambda count: ngettext(
            "%(quarter)s已关闭，不能再修改该季度的票数：文件中有 %(count)s 行该季度的票数"
            "与已保存的不同，此处为第一行；如需更正，请考核办重新开放该季度。",
            "%(quarter)s已关闭，不能再修改该季度的票数：文件中有 %(count)s 行该季度的票数"
            "与已保存的不同，此处为第一行；如需更正，请考核办重新开放该季度。",
            count,
        ),
    )
    plan.notices += _notices(context, skipped)
    return plan


def _mixed_file_refused(
    plan: SheetPlan, context: _Context, headed: list[tuple[str, list[list], int | None]]
) -> bool:
    """Whether the file holds sheets of indicator values with data beside its votes sheets:
    refused in the plan, naming the sheets of each kind."""
    values = [
        sheet for sheet, rows, index in headed if index is None and _holds_values(context, rows)
    ]
    if not values:
        return False
    votes = [sheet for sheet, _rows, index in headed if index is not None]
    message = _(
        "文件中既有测评票数表（%(votes)s），又有指标数据表（%(values)s）：一次上传只导入"
        "一种。请把票数和指标数据分成两个文件，分别上传。"
    ) % {"votes": listed(votes), "values": listed(values)}
    plan.problems.append(CellProblem("", None, None, message))
    return True


def _holds_values(context: _Context, rows: list[list]) -> bool:
    """Whether the sheet is one of indicator values with data: one of its first rows names a
    unit column and an indicator (its column, or an indicator's code as a wide sheet's
    column), and a row below it holds something."""
    keys = _column_keys()
    codes = context.evaluations.by_code.keys() | context.others.by_code.keys()
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        named = {header_key(cell) for cell in row}
        if named & keys["unit"] and (
            named & keys["indicator"] or {cell_text(cell) for cell in row} & codes
        ):
            return any(cell_text(cell) for below in rows[index + 1 :] for cell in below)
    return False


def _notices(context: _Context, skipped: list[str]) -> list[str]:
    notices = []
    if context.percent_count:
        first = context.percent_cells[0][2]
        notices.append(
            ngettext(
                "%(cells)s 设置了百分比格式：票数按单元格中存储的数导入（如 %(stored)s，"
                "Excel 显示为 %(shown)s%%）。票数应为整数，请将这些单元格改为“常规”格式，"
                "核对后重新上传。",
                "%(cells)s 设置了百分比格式：票数按单元格中存储的数导入（如 %(stored)s，"
                "Excel 显示为 %(shown)s%%）。票数应为整数，请将这些单元格改为“常规”格式，"
                "核对后重新上传。",
                context.percent_count,
            )
            % {
                "cells": percent_cells_named(context.percent_cells, context.percent_count),
                "stored": decimal_plain(Decimal(str(first))),
                "shown": decimal_plain(Decimal(str(first)) * 100),
            }
        )
    if skipped:
        notices.append(
            _("未读取的工作表（没有“测评群体”列）：%(sheets)s") % {"sheets": listed(skipped)}
        )
    if context.blank_over_stored:
        notices.append(
            ngettext(
                "%(count)s 行的四项票数都是空白：导入不会清空票数，这些单位和测评群体已保存的"
                "票数保持不变。",
                "%(count)s 行的四项票数都是空白：导入不会清空票数，这些单位和测评群体已保存的"
                "票数保持不变。",
                context.blank_over_stored,
            )
            % {"count": context.blank_over_stored}
        )
    if context.kept:
        notices.append(
            ngettext(
                "%(count)s 行票数在您下载模板后已在别处被修改，文件中仍是下载时的票数："
                "保留了新票数，不列入变更。",
                "%(count)s 行票数在您下载模板后已在别处被修改，文件中仍是下载时的票数："
                "保留了新票数，不列入变更。",
                context.kept,
            )
            % {"count": context.kept}
        )
    return notices


@lru_cache(maxsize=1)
def _vote_columns() -> tuple[Column, ...]:
    """Return VOTE_COLUMNS, each also headed by the template's label in every language: a
    template made in English comes back."""
    labels: dict[str, list[str]] = {}
    for language, _name in settings.LANGUAGES:
        with override(language):
            for key, label in TEMPLATE_COLUMNS:
                if key:
                    labels.setdefault(key, []).append(str(label))
    return tuple(
        replace(column, headers=(*column.headers, *labels.get(column.key, ())))
        for column in VOTE_COLUMNS
    )


@lru_cache(maxsize=1)
def _column_keys() -> dict[str, frozenset[str]]:
    """Return the header keys of each column, by the column's key."""
    return {
        column.key: frozenset(header_key(name) for name in (column.key, *column.headers))
        for column in _vote_columns()
    }


def _header_find(rows: list[list]) -> int | None:
    """Return the index of the first of the sheet's first rows that names a unit column and a
    rater group column (a title may stand above it), None when none does."""
    keys = _column_keys()
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        named = {header_key(cell) for cell in row}
        if named & keys["unit"] and named & keys["rater_group"]:
            return index
    return None


def _context_load(*, cycle: Cycle, user) -> _Context:
    leaves = list(indicators_scored(cycle=cycle))
    evaluations = [leaf for leaf in leaves if leaf.method == Indicator.Method.EVALUATION]
    owned = None
    if not roles.user_has_role(user, roles.ADMIN):
        owned = set(vote_indicators(cycle=cycle, user=user).values_list("pk", flat=True))
    importable = [leaf for leaf in evaluations if owned is None or leaf.pk in owned]
    raters = rater_groups_of_cycle(cycle=cycle)
    stored = Vote.objects.filter(indicator__in=importable).values_list(
        "unit_id", "indicator_id", "period", "rater_group_id", *Vote.KINDS, "version"
    )
    return _Context(
        cycle=cycle,
        units=unit_lookup_load(),
        evaluations=_Codes.of(evaluations),
        others=_Codes.of(leaf for leaf in leaves if leaf.method != Indicator.Method.EVALUATION),
        owned=owned,
        applies=indicator_categories(indicator.pk for indicator in evaluations),
        groups=_Codes.of(raters.groups),
        rated=raters.rated,
        stored={
            (unit, indicator, period, group): (tuple(counts), version)
            for unit, indicator, period, group, *counts, version in stored
        },
        closed=frozenset(q for q in QUARTERS if cycle.period_is_locked(q)),
    )


def _downloaded_load(context: _Context, template: TemplateInfo, user) -> None:
    """Load, for each vote row of the template's period that others saved or removed since the
    template was made, what it held then (None: no row).

    Rows this scorer saved by importing a file of the same template are theirs, not another's:
    uploading the corrected template again must change them again.
    """
    own_imports = ImportRecord.objects.filter(
        kind=ImportRecord.Kind.VOTE_SHEET,
        uploaded_by=user,
        template_made_at=template.made_at,
        status=ImportRecord.Status.IMPORTED,
    ).values_list("pk", "file_name")
    own = [source_import(file_name=name, record_id=pk) for pk, name in own_imports]
    indicators = list(context.evaluations.by_code.values())
    history = Vote.history.filter(indicator__in=indicators, period=template.period)
    key = ("unit_id", "indicator_id", "period", "rater_group_id")
    changed = set(
        history.filter(history_date__gt=template.made_at)
        .exclude(history_change_reason__in=own)
        .values_list(*key)
    )
    if not changed:
        return
    then: dict[VoteKey, tuple[int, ...] | None] = dict.fromkeys(changed)
    earlier = (
        history.filter(
            history_date__lte=template.made_at, unit_id__in={unit for unit, *_rest in changed}
        )
        .order_by("history_date", "history_id")
        .values_list(*key, *Vote.KINDS, "history_type")
    )
    # The latest row of each comes last and wins.
    for unit, indicator, period, group, *counts, kind in earlier:
        if (unit, indicator, period, group) in then:
            then[unit, indicator, period, group] = None if kind == "-" else tuple(counts)
    context.downloaded = then


def _sheet_plan(
    plan: SheetPlan,
    context: _Context,
    sheet: str,
    rows: list[list],
    header_index: int,
    upload: Upload,
    picked: str,
    progress: Callable[[int], None] | None,
) -> None:
    """Check the rows of one votes sheet below its header, adding its changes and problems."""
    positions, letters, missing = sheet_columns_find(
        sheet=sheet, header=rows[header_index], columns=_vote_columns(), header_row=header_index + 1
    )
    if missing:
        plan.problems += [
            CellProblem(sheet, header_index + 1, None, _("缺少“%(column)s”列") % {"column": label})
            for key, label in MISSING_COLUMN_LABELS.items()
            if key not in positions
        ]
        return
    sheet_period = None
    if "period" not in positions:
        sheet_period = sheet_period_find(
            plan,
            context.cycle,
            upload.template,
            sheet,
            picked,
            missing=_(
                "测评票数表需要期间：请加“期间”列，或在上传时选择期间（本系统下载的模板自带期间）。"
            ),
        )
        if sheet_period is None:
            return
    hint_labels = said_in_every_language(lambda: str(HINT_LABEL))
    data_rows = set()
    for index in range(header_index + 1, len(rows)):
        row = rows[index]
        cells = {key: row[at] if at < len(row) else None for key, at in positions.items()}
        code = _code_text(cells["unit"])
        if not any(cell_text(cell) for cell in cells.values()) or header_key(code) in hint_labels:
            continue
        data_rows.add(index)
        unit = context.units.find(code)
        if unit is None and row_is_total(code, row):
            plan.total_rows.append((sheet, index + 1))
            continue
        plan.rows += 1
        if progress and plan.rows % PROGRESS_EVERY == 0:
            progress(plan.rows)
        _row_plan(plan, context, (sheet, index + 1, letters), cells, unit, sheet_period)
    if sheet in upload.percent_cells:
        counts = {positions[kind] for kind in Vote.KINDS}
        _percent_counts_add(context, sheet, rows, upload.percent_cells[sheet], counts, data_rows)
    if sheet in upload.layout:
        layout_notes_add(
            plan,
            sheet=sheet,
            rows=rows,
            data_rows=data_rows,
            read=set(positions.values()),
            layout=upload.layout[sheet],
        )


def _percent_counts_add(
    context: _Context,
    sheet: str,
    rows: list[list],
    cells: PercentCells,
    counts: set[int],
    data_rows: set[int],
) -> None:
    """Count the sheet's count cells in a percent format that hold a number (a zero reads the
    same either way), keeping the first few with the number stored: Excel shows 30 as 3000%,
    and stores 30% typed as 0.3, which is no count."""
    for row, column in cells:
        if column not in counts or row not in data_rows:
            continue
        raw = rows[row][column] if column < len(rows[row]) else None
        if not isinstance(raw, int | float) or isinstance(raw, bool) or not raw:
            continue
        context.percent_count += 1
        if len(context.percent_cells) < PERCENT_CELLS_NAMED:
            context.percent_cells.append((sheet, f"{get_column_letter(column + 1)}{row + 1}", raw))


def _row_plan(
    plan: SheetPlan,
    context: _Context,
    place: tuple[str, int, dict[str, str]],
    cells: dict,
    unit: tuple[int, int] | None,
    sheet_period: str | None,
) -> None:
    """Check one row at `place` (sheet, row number, column letters by key), every cell whatever
    is wrong with the others, and add its change, if any."""
    sheet, number, letters = place

    def problem(column: str, message: str) -> None:
        plan.problems.append(CellProblem(sheet, number, letters.get(column), message))

    if unit is None:
        problem("unit", context.units.problem(_code_text(cells["unit"])))
    indicator, indicator_problem = _indicator_read(context, _code_text(cells["indicator"]))
    if indicator_problem:
        problem("indicator", indicator_problem)
    group = context.groups.find(_code_text(cells["rater_group"]))
    if group is None:
        problem("rater_group", _group_problem(context, _code_text(cells["rater_group"])))
    period = sheet_period or _period_read(context, cells["period"], problem)
    if (
        indicator
        and period
        and not period_fits_frequency(frequency=indicator.frequency, period=period)
    ):
        message = _("指标 %(code)s %(frequency)s，不能填在期间 %(period)s") % {
            "code": indicator.code,
            "frequency": indicator.get_frequency_display(),
            "period": period,
        }
        problem("period" if "period" in letters else "indicator", message)
        period = None
    counts = _counts_read(cells, problem)
    if None in (unit, indicator, group, period, counts):
        return
    plan.periods.add(period)
    key = (unit[0], indicator.pk, period, group.pk)
    stored = context.stored.get(key)
    if all(count is None for count in counts):
        context.blank_over_stored += stored is not None
        return
    categories = context.applies.get(indicator.pk)
    if categories and unit[1] not in categories:
        problem("indicator", _("指标 %(code)s 不适用于该单位的类别") % {"code": indicator.code})
        return
    if not context.rated.rates_category(group_id=group.pk, category_id=unit[1]):
        problem("rater_group", _("测评群体 %(code)s 不评议该单位的类别") % {"code": group.code})
        return
    if not context.rated.rates_indicator(group_id=group.pk, indicator_id=indicator.pk):
        problem(
            "rater_group",
            _("测评群体 %(group)s 不评议指标 %(code)s")
            % {"group": group.code, "code": indicator.code},
        )
        return
    if key in context.seen:
        other_sheet, other_row = context.seen[key]
        if other_sheet == sheet:
            message = _("重复：与第 %(row)s 行的单位、指标、期间、测评群体相同") % {
                "row": other_row
            }
        else:
            message = _(
                "重复：与工作表 %(sheet)s 第 %(row)s 行的单位、指标、期间、测评群体相同"
            ) % {"sheet": other_sheet, "row": other_row}
        problem("rater_group", message)
        return
    context.seen[key] = (sheet, number)
    new = tuple(count or 0 for count in counts)
    old = stored[0] if stored else None
    if key in context.downloaded:
        then = context.downloaded[key]
        if new == then:
            context.kept += 1
            return
        if new != old:
            problem(
                Vote.KINDS[0],
                _(
                    "下载模板后，此行票数已在别处由 %(then)s 改为 %(now)s："
                    "请核对后重新填写，或下载新的模板"
                )
                % {"then": _counts_shown(then), "now": _counts_shown(old)},
            )
            return
    if new == old:
        return
    if period in context.closed:
        count, first = context.closed_changes.get(period, (0, (sheet, number, None)))
        context.closed_changes[period] = (count + 1, first)
        return
    plan.changes.append(
        [
            unit[0],
            indicator.pk,
            period,
            group.pk,
            None if old is None else list(old),
            list(new),
            stored[1] if stored else 0,
        ]
    )


def _code_text(raw) -> str:
    """A cell naming a unit, an indicator or a rater group as clean text, without the
    apostrophe the template writes before a code Excel would run as a formula."""
    return cell_unescape(cell_text(raw))


def _indicator_read(context: _Context, text: str) -> tuple[Indicator | None, str]:
    """Return the evaluation indicator the cell names, if the user may import its votes, else
    None and why not."""
    if not text:
        return None, _("缺少指标代码")
    indicator = context.evaluations.find(text)
    if indicator is None:
        other = context.others.find(text)
        if other is not None:
            return None, _("指标“%(code)s”不是综合评价指标，不能录入票数") % {"code": other.code}
        named = context.evaluations.by_name.get(text) or context.others.by_name.get(text)
        if named:
            message = _("“%(name)s”是 %(count)s 个指标的名称（%(codes)s），请填指标代码")
            codes = listed(sorted(item.code for item in named))
            return None, message % {"name": text, "count": len(named), "codes": codes}
        if not INDICATOR_CODE_WRITING.fullmatch(text):  # a name, not a code mistyped
            message = _("找不到名为“%(name)s”的指标：请填指标代码，或您可导入的指标的全称")
            return None, message % {"name": cell_echo(text)}
        return None, _("未知指标代码“%(code)s”") % {"code": cell_echo(text)}
    if context.owned is not None and indicator.pk not in context.owned:
        return None, _("您不是指标 %(code)s 的评分账号，不能导入它的票数") % {
            "code": indicator.code
        }
    return indicator, ""


def _group_problem(context: _Context, text: str) -> str:
    """Say why the cell names no rater group of the cycle, and which there are."""
    if not text:
        return _("缺少测评群体")
    groups = context.groups.by_code.values()
    if not groups:
        return _("本周期还没有测评群体，请考核办先设置")
    return _("未知测评群体“%(text)s”：本周期的测评群体为 %(groups)s") % {
        "text": cell_echo(text),
        "groups": listed(f"{group.code} {group.name}" for group in groups),
    }


def _period_read(context: _Context, raw, problem: Callable[[str, str], None]) -> str | None:
    """Return the period the row's period cell names, or None with its problem said."""
    if not cell_text(raw):
        problem("period", _("缺少期间"))
        return None
    try:
        return cell_period(raw, year=context.cycle.year)
    except CellError as error:
        problem("period", str(error))
        return None


def _counts_read(cells: dict, problem: Callable[[str, str], None]) -> tuple | None:
    """Return the four counts of the row (None where blank), or None when one is no count, its
    problem said."""
    counts, readable = [], True
    for kind in Vote.KINDS:
        raw = cells[kind]
        try:
            count = cell_count(raw)
        except CellError as error:
            problem(kind, str(no_data_mark_error(raw) or error))
            readable = False
            continue
        if count is not None and count > VOTE_COUNT_MAX:
            problem(
                kind,
                _("票数每项最多 %(max)s，实为 %(count)s") % {"max": VOTE_COUNT_MAX, "count": count},
            )
            readable = False
        counts.append(count)
    return tuple(counts) if readable else None


def _counts_shown(counts: Sequence[int] | None) -> str:
    """The four counts of a row as messages say them, best first: 30/10/0/0; 空白 for none."""
    return _("空白") if counts is None else vote_numbers_text(counts)


def vote_sheet_import_commit(*, record: ImportRecord, by) -> int:
    """Write the previewed rows of a pending votes import, all or none; return how many.

    Written through votes_save_many, as the votes page saves: the history of each row names the
    import, and the touched categories' results are refreshed. Refused while the cycle or a
    quarter of the rows is closed, or when the user no longer owns an indicator; when a row
    changed since the preview (someone else saved it) nothing is written and the import fails
    for good, naming the rows.

    In the request, not by the background worker as a big values sheet is: a district's tallies
    are units × rater groups × evaluation indicators, hundreds of rows (40 units × 4 groups is
    160), and through the ORM's bulk writes 5,000 rows took 2.6 s with their results on
    PostgreSQL, 20,000 took 9 s; SCORING_UPLOAD_MAX_ROWS bounds the file.
    """
    return import_commit_recorded(
        record=record,
        write=lambda: _votes_write(record=record, by=by),
        stale_said=lambda count: ngettext(
            "预览之后有 %(count)s 行票数已被修改，请重新上传文件并查看新的预览。",
            "预览之后有 %(count)s 行票数已被修改，请重新上传文件并查看新的预览。",
            count,
        ),
    )


@transaction.atomic
def _votes_write(*, record: ImportRecord, by) -> int:
    record, cycle = import_pending_lock(record=record, by=by, deferred=("errors",))
    changes = record.changes
    units = Unit.objects.in_bulk({change[0] for change in changes})
    indicators = Indicator.objects.filter(cycle=cycle).in_bulk({change[1] for change in changes})
    groups = RaterGroup.objects.filter(cycle=cycle).in_bulk({change[3] for change in changes})
    if any(
        change[0] not in units or change[1] not in indicators or change[3] not in groups
        for change in changes
    ):
        raise ImportOutdated(str(TARGETS_GONE))
    owned = set(vote_indicators(cycle=cycle, user=by).values_list("pk", flat=True))
    if lost := sorted(indicator.code for pk, indicator in indicators.items() if pk not in owned):
        raise ImportRefused(str(INDICATORS_NO_LONGER_OWNED) % {"codes": listed(lost)})
    rows = [
        VoteRow(
            indicator=indicators[indicator_id],
            unit=units[unit_id],
            period=period,
            counts=VoteCounts(groups[group_id], *new, version=version),
        )
        for unit_id, indicator_id, period, group_id, _old, new, version in changes
    ]
    try:
        report = votes_save_many(
            cycle=cycle,
            rows=rows,
            by=by,
            source=source_import(file_name=record.file_name, record_id=record.pk),
            all_or_none=True,
        )
    except CycleLockedError as error:
        raise ImportRefused(str(error)) from None
    except ValidationError as error:
        raise ImportRefused(" ".join(error.messages)) from None
    if report.refused:
        raise ImportStale(report.refused, _stale_problems(rows, changes, report))
    record.status = ImportRecord.Status.IMPORTED
    record.imported_at = timezone.now()
    record.rows_changed = report.created + report.updated
    record.save(update_fields=["status", "imported_at", "rows_changed"])
    return record.rows_changed


def _stale_problems(rows: list[VoteRow], changes: list[list], report: SaveReport) -> list[dict]:
    """Return the rows changed since the preview as stored problems, each naming the unit, the
    indicator and rater group, the period, the counts previewed, those stored now and the
    file's, and who saved them (one query)."""
    conflicting = [row for row in rows if row.key in report.conflicts]
    stored = Vote.objects.filter(
        indicator_id__in={row.indicator.pk for row in conflicting},
        unit_id__in={row.unit.pk for row in conflicting},
        period__in={row.period for row in conflicting},
    ).values_list("unit_id", "indicator_id", "period", "rater_group_id", *Vote.KINDS)
    now = {
        (unit, indicator, period, group): counts
        for unit, indicator, period, group, *counts in stored
    }
    problems = []
    for row, (*_ids, old, new, _version) in zip(rows, changes, strict=True):
        conflict = report.conflicts.get(row.key)
        if conflict is None:
            continue
        unit, indicator, group = row.unit, row.indicator, row.counts.rater_group
        shown = {
            "unit": _("%(name)s（%(code)s）") % {"name": unit.name, "code": unit.code},
            "indicator": f"{indicator.code} {indicator.name} · {group.name}",
            "period": str(Period(row.period).label),
            "then": _counts_shown(old),
            "now": _counts_shown(now.get(row.key)),
            "file": _counts_shown(new),
            "by": conflict.by or _("来源不明"),
        }
        problems.append(stale_problem_json(shown))
    return problems[:STORED_PROBLEMS]
