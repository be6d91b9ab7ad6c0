"""A scorer's spreadsheet in and out: the quarter template, the upload preview and its commit.

An upload is read with python-calamine (a Rust reader, far faster than openpyxl), checked as a
whole (every problem at once, each placed by sheet, row and column), and turned into a list of
changes (old → new) stored on its ImportRecord. Nothing is written until the scorer confirms;
the confirmation writes exactly the previewed changes in one transaction, set-based, with a
history row per value that names the import.
"""

import json
import logging
import re
import time
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property, lru_cache

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import get_language, gettext_lazy, ngettext, override, pgettext
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from cadre import roles
from cadre.models import Unit, UnitCategory
from cadre.numbers import whole_number
from cadre.words import listed
from scoring.models import (
    QUARTERS,
    Cycle,
    ImportRecord,
    Indicator,
    IndicatorValue,
    Period,
    RaterGroup,
    Vote,
)
from scoring.selectors import indicators_scored
from scoring.services.background import (
    background_interrupted_mark,
    background_task_enqueue,
    background_work_save,
)
from scoring.services.cells import (
    CellError,
    CellProblem,
    Column,
    ExcelError,
    cell_decimal,
    cell_echo,
    cell_message,
    cell_period,
    cell_safe,
    cell_text,
    cell_unescape,
    decimal_plain,
    header_key,
    period_parse,
    sheet_columns_find,
)
from scoring.services.evaluations import vote_numbers_text
from scoring.services.excel_errors import (
    PercentCells,
    SheetLayout,
    excel_cells_read,
    excel_errors_place,
)
from scoring.services.gc_pause import gc_paused
from scoring.services.refresh import results_refresh_for_categories
from scoring.services.sql import history_copy
from scoring.services.uploads import (
    UploadRefused,
    unreadable_workbook_message,
    upload_check,
    upload_rows_check,
    upload_stored_path,
)
from scoring.services.values import (
    NOTE_UNVERIFY_PREFIX,
    NOTE_VERIFY,
    SOURCE_IMPORT_PREFIX,
    CycleLockedError,
    cycle_ensure_takes_values,
    indicator_categories,
    period_fits_frequency,
    source_import,
    source_label,
    value_entry_hint,
    value_figure_problem,
    value_method_problem,
    value_method_rule,
)
from scoring.services.workbook import cell_number

logger = logging.getLogger(__name__)

# The most specific first: a row with both 单位代码 and 单位 (the units' names, often) has its codes
# in 单位代码.
# The units' names last: a clerk's own sheet may name its units so (see UnitLookup).
UNIT_HEADERS = ("unit", "unit_code", "单位代码", "单位", "单位名称", "unit_name")
# Columns a clerk's wide sheet carries beside the figures: read past, never taken for indicators.
IGNORED_HEADERS = {
    "name",
    "unit_name",
    "单位名称",
    "category",
    "类别",
    "单位类别",
    "no",
    "no.",
    "序号",
    "编号",
    "remark",
    "remarks",
    "note",
    "notes",
    "备注",
    "说明",
}
# The template's labels: the first beside the indicator codes, the others on the header rows
# below them, which are skipped when it comes back (in whichever language it was made).
# A template made before the 填写说明 row came back without it: the label rows are found by their
# label, not by their place.
TEMPLATE_LABELS = (
    gettext_lazy("单位代码"),
    gettext_lazy("指标名称"),
    gettext_lazy("满分"),
    gettext_lazy("计分方法"),
    gettext_lazy("填写说明"),
)

TEMPLATE_ROW_FIELDS = ("name", "max_points", "method", "hint")
LONG_COLUMNS = (
    Column("unit", UNIT_HEADERS[1:]),
    Column("indicator", ("indicator_code", "指标代码", "指标")),
    Column("period", ("quarter", "期间", "季度")),
    Column("value", ("score", "数值", "值", "得分")),
)
LONG_LABELS = {
    "unit": gettext_lazy("单位代码"),
    "indicator": gettext_lazy("指标代码"),
    "period": gettext_lazy("期间"),
    "value": gettext_lazy("数值"),
}
# A very hidden sheet of the template saying which cycle and period it holds and when it was
# made, so that an upload needs no period picked and cannot undo what others saved since.
TEMPLATE_INFO_SHEET = "kaohe"
WIDE_PERIOD_MISSING = gettext_lazy(
    "每行一个单位的表需要期间：请在上传时选择期间（本系统下载的模板自带期间）。"
)
FIGURE_PLACES = Decimal("0.0001")
# An indicator code as clerks write one: Latin letters first, then letters and digits, in parts
# joined by dots, hyphens or underscores (A1.1.1, GDP, B01). A header cell written so names an
# indicator column even when the cycle has no such indicator (a typo, an old code), which is then
# refused by name; text (联系人, 考核单位的代码，如 ZJ01) and numbers name none.
INDICATOR_CODE_WRITING = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[._-][A-Za-z0-9]+)*")
HEADER_SEARCH_ROWS = 10
# What a clerk writes in the unit column of a row summing the others.
TOTAL_WORDS = frozenset({"合计", "总计", "小计", "total", "subtotal"})
# What clerks write for "no data" where the cell should be blank.
NO_DATA_MARKS = frozenset({"-", "--", "—", "——", "–", "/", "\\", "空", "无", "暂无", "n/a", "na"})
# A unit of measure under an indicator's name in a clerk's own sheet: （分）, (万元), 万元, %.
MEASURE_BRACKETED = re.compile(r"[（(\[【][^）)\]】\d]{1,10}[）)\]】]")
MEASURE_WORDS = frozenset({"分", "元", "万元", "亿元", "个", "项", "次", "人", "户", "家", "%"})
# A history reason naming an import record (see values.source_import).
IMPORT_REASON = re.compile(re.escape(SOURCE_IMPORT_PREFIX) + r".*\(#(?P<id>\d+)\)", re.S)
PROGRESS_EVERY = 500
# The record's progress is written at most this often (seconds): every row count would be a
# write per 500 rows.
PROGRESS_WRITE_INTERVAL = 0.5
STORED_PROBLEMS = 1000
LABEL_EDITS_NAMED = 10
PLACES_NAMED = 10
PERCENT_CELLS_NAMED = 10
# A quarter's new figures of which at least this share (and this many) equal the quarter
# before's stored ones are taken for last quarter's file (see _last_quarter_copy_add).
LAST_QUARTER_COPY_SHARE = Decimal("0.8")
LAST_QUARTER_COPY_MIN = 3
TEMPLATE_FIRST_ROW = len(TEMPLATE_LABELS) + 1
HEADER_FILL = PatternFill("solid", fgColor="EEF2F7")
NOT_APPLICABLE_FILL = PatternFill("solid", fgColor="D9D9D9")


# The imports of the scorer's sheets page: values, and vote counts (see vote_sheets).
SHEET_KINDS = (ImportRecord.Kind.SCORER_SHEET, ImportRecord.Kind.VOTE_SHEET)


class ImportRefused(Exception):
    """The import cannot be confirmed; the message says why."""


@dataclass
class SheetPlan:
    """What an upload would change, and what is wrong with it."""

    changes: list[list] = field(default_factory=list)
    problems: list[CellProblem] = field(default_factory=list)
    rows: int = 0
    periods: set[str] = field(default_factory=set)
    skipped_sheets: list[str] = field(default_factory=list)
    # Sheets with a unit column but no indicator code in their header, of the cycle or written
    # as one (a list of units, instructions), skipped where another sheet has data.
    skipped_without_indicators: list[str] = field(default_factory=list)
    # Cells still holding what the template was filled with, where someone has saved another
    # value since: the newer value stays.
    kept: int = 0
    # Excel numbers with more than four decimal places (a formula's result), rounded to four.
    rounded: int = 0
    # Cells of the template's label rows (name, maximum, method) typed over: they import nothing.
    label_edits: list[str] = field(default_factory=list)
    # Rows summing the others (合计), skipped: (sheet, row number).
    total_rows: list[tuple[str, int]] = field(default_factory=list)
    # Figures read from cells in a percent format, which hold the fraction (0.85 shown as 85%):
    # how many, and the sheet, reference (C2) and value read of the first PERCENT_CELLS_NAMED.
    percent_count: int = 0
    percent_cells: list[tuple[str, str, Decimal]] = field(default_factory=list)
    # Merged ranges reaching into the cells read (sheet, ["F10:F11"]), and hidden rows and
    # columns holding values read (sheet, [13], ["G"]): Excel shows them otherwise.
    merged_ranges: list[tuple[str, list[str]]] = field(default_factory=list)
    hidden: list[tuple[str, list[int], list[str]]] = field(default_factory=list)
    # What the planner of one kind of sheet says besides (see vote_sheets).
    notices: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class TemplateInfo:
    """What a downloaded template says of itself (each None when the file does not say)."""

    year: int | None
    period: str | None
    made_at: datetime | None


@dataclass
class Upload:
    """The visible sheets of an uploaded workbook, in order, its template's information, its
    number cells in a percent format and its sheets' layouts, by sheet."""

    sheets: list[tuple[str, list[list]]]
    template: TemplateInfo | None = None
    percent_cells: dict[str, PercentCells] = field(default_factory=dict)
    # Merged ranges and hidden rows and columns, by sheet (see sheet_upload_read).
    layout: dict[str, SheetLayout] = field(default_factory=dict)


# A cell read as a value: the number (None when blank), its plain digits, the problem of its
# digits whatever the indicator and whether it was rounded to four places; or why it is no number.
Reading = tuple[Decimal | None, str, str | None, bool] | CellError


@dataclass(frozen=True)
class _HeadedSheet:
    """A sheet whose header row names a unit column, and what else that row names."""

    name: str
    rows: list[list]
    header_index: int
    long: bool
    names_indicators: bool

    def data_row(self, index: int) -> bool:
        """Whether the row at `index` is below the header and none of the template's label
        rows (名称, 满分, 计分方法), which import nothing."""
        return self.header_index < index < len(self.rows) and index not in self._label_rows

    @cached_property
    def _label_rows(self) -> frozenset[int]:
        if self.long:
            return frozenset()
        unit_position = _unit_position([_code_key(cell) for cell in self.rows[self.header_index]])
        labels = _template_labels()[1]
        return frozenset(
            index
            for index in range(self.header_index + 1, len(self.rows))
            if unit_position < len(self.rows[index])
            and header_key(self.rows[index][unit_position]) in labels
        )


@dataclass
class _Repeated:
    """The problems of a sheet's values met before in another sheet (or the same), and how many
    of them differ from the value met first."""

    problems: list[CellProblem] = field(default_factory=list)
    differing: int = 0


@dataclass(frozen=True)
class UnitLookup:
    """The active units as a sheet names them, each as (pk, category id): by code as typed, by
    code in any case where that names one unit only (a clerk types zj04 for ZJ04), and by a
    name only one active unit has (clerks write names in their own sheets)."""

    by_code: dict[str, tuple[int, int]]
    by_folded_code: dict[str, tuple[int, int]]
    by_name: dict[str, tuple[int, int]]
    codes_by_name: dict[str, list[str]]

    def find(self, code: str) -> tuple[int, int] | None:
        """(pk, category) of the active unit the cell names, None when it names none."""
        return (
            self.by_code.get(code)
            or self.by_folded_code.get(code.casefold())
            or self.by_name.get(code)
        )

    def problem(self, text: str) -> str:
        """Say why the cell names no unit, and what to type instead."""
        if not text:
            return _("缺少单位代码")
        codes = self.codes_by_name.get(text)
        if codes:
            return _("“%(name)s”是 %(count)s 个单位的名称（%(codes)s），请填单位代码") % {
                "name": text,
                "count": len(codes),
                "codes": listed(sorted(codes)),
            }
        if not INDICATOR_CODE_WRITING.fullmatch(text):  # a name, not a code mistyped
            return _("找不到名为“%(name)s”的单位：请填单位代码，或单位的全称") % {
                "name": cell_echo(text)
            }
        return _("未知单位代码“%(code)s”") % {"code": cell_echo(text)}


@dataclass
class _Context:
    """Everything a row is checked against, loaded in a fixed number of queries."""

    year: int
    indicators: dict[str, Indicator]
    owned: set[int] | None
    units: UnitLookup
    applies: dict[int, set[int]]
    indicators_by_folded_code: dict[str, Indicator] = field(default_factory=dict)
    indicators_by_name: dict[str, list[Indicator]] = field(default_factory=dict)
    # The stored values of the sheet's periods only (see _current_load).
    current: dict[tuple[int, int, str], Decimal] = field(default_factory=dict)
    current_periods: set[str] = field(default_factory=set)
    # Values saved since the template was made: what each held then (None: no value).
    downloaded: dict[tuple[int, int, str], Decimal | None] = field(default_factory=dict)
    # The header keys of the indicators' codes: a header naming one is a data sheet's.
    indicator_headers: frozenset[str] = frozenset()
    # The sheet, row and reading where each (unit, indicator, period) was met first, across
    # sheets.
    seen: dict[tuple[int, int, str], tuple[str, int, Reading]] = field(default_factory=dict)
    # Values met again: by (sheet, sheet met first in).
    repeated: dict[tuple[str, str], _Repeated] = field(default_factory=dict)
    # The sheet where a wide sheet's row of each (unit, period) was met first, and how many
    # such rows each sheet has.
    rows_first: dict[tuple[int, str], str] = field(default_factory=dict)
    own_rows: Counter = field(default_factory=Counter)
    readings: dict[tuple[type, object], Reading] = field(default_factory=dict)
    # Each indicator's method rule, by id (see values.value_method_rule).
    rules: dict[int, Callable[[Decimal], str | None]] = field(default_factory=dict)
    # The quarters closed on their own, which take no change; per such quarter, how many values
    # of the file would change it and where the first is (sheet, row, column).
    closed: frozenset[str] = frozenset()
    closed_changes: dict[str, tuple[int, tuple]] = field(default_factory=dict)


def sheet_indicators(*, cycle: Cycle, user) -> QuerySet:
    """Return the indicators whose values the user may bring in by spreadsheet.

    Scorers get the leaves they own, the 考核办 all leaves; evaluation indicators are entered as
    vote counts, not values, so they are left out.
    """
    leaves = (
        Indicator.objects.filter(cycle=cycle, children__isnull=True)
        .exclude(method__in=["", Indicator.Method.EVALUATION])
        .order_by("sort_order", "code")
    )
    if not roles.user_has_role(user, roles.ADMIN):
        leaves = leaves.filter(owners=user)
    return leaves


def sheet_records_visible(*, user) -> QuerySet:
    """Return the sheet imports (values and vote counts) the user may see: their own, every one
    for the 考核办."""
    records = ImportRecord.objects.filter(kind__in=SHEET_KINDS)
    if not roles.user_has_role(user, roles.ADMIN):
        records = records.filter(uploaded_by=user)
    return records.select_related("cycle", "uploaded_by")


def sheet_template_build(*, cycle: Cycle, period: str, user) -> Workbook:
    """Return the wide template of a period: the user's indicators as columns, every active unit
    as a row filled with its current values, each value cell validated, the headers protected."""
    frequency = Indicator.Frequency.ANNUAL if period == Period.YEAR else "quarterly"
    indicators = list(sheet_indicators(cycle=cycle, user=user).filter(frequency=frequency))
    units = list(Unit.objects.filter(is_active=True).select_related("category"))
    applies = indicator_categories(indicator.pk for indicator in indicators)
    # Stamped before the values are read: a value saved meanwhile counts as saved after.
    made_at = timezone.now()
    current = _current_values([indicator.pk for indicator in indicators], [period])

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"{cycle.year}-{period}"
    unit_label, *row_labels = (str(label) for label in TEMPLATE_LABELS)
    header = [[unit_label, _("单位名称"), _("类别")], *([label, "", ""] for label in row_labels)]
    for indicator in indicators:
        # Codes too: one written as =1+2 (allowed before codes were checked, or imported) would
        # run in the scorer's Excel. The reader takes the apostrophe off again (_code_text).
        header[0].append(cell_safe(indicator.code))
        header[1].append(cell_safe(indicator.name))
        header[2].append(indicator.max_points)
        header[3].append(str(indicator.get_method_display()))
        header[4].append(cell_safe(value_entry_hint(indicator=indicator)))
    for row in header:
        sheet.append(row)
    for unit in units:
        # More digits than Excel's fifteen are written as text, which reads back as it was.
        values = [
            cell_number(current.get((unit.pk, indicator.pk, period)))
            if _applies(applies, indicator.pk, unit.category_id)
            else None
            for indicator in indicators
        ]
        sheet.append(
            [cell_safe(unit.code), cell_safe(unit.name), cell_safe(unit.category.name), *values]
        )

    last_row = max(TEMPLATE_FIRST_ROW + len(units) - 1, TEMPLATE_FIRST_ROW)
    # Per unit category, the rule of the cells of an indicator that does not apply to it.
    not_applicable: dict[int, DataValidation] = {}
    for offset, indicator in enumerate(indicators):
        column = get_column_letter(4 + offset)
        sheet.column_dimensions[column].width = 14
        rules = {None: _validation(indicator)}
        sheet.add_data_validation(rules[None])
        rows_of_rule: dict[int | None, list[int]] = defaultdict(list)
        for row, unit in enumerate(units, start=TEMPLATE_FIRST_ROW):
            if _applies(applies, indicator.pk, unit.category_id):
                rows_of_rule[None].append(row)
                continue
            # Unlocked like every row (see template_rows_sortable), yet grey and refusing any
            # entry; the import refuses a value there all the same.
            sheet.cell(row=row, column=4 + offset).fill = NOT_APPLICABLE_FILL
            if unit.category_id not in not_applicable:
                not_applicable[unit.category_id] = _not_applicable_validation(unit.category)
                sheet.add_data_validation(not_applicable[unit.category_id])
            rules[unit.category_id] = not_applicable[unit.category_id]
            rows_of_rule[unit.category_id].append(row)
        for key, rows in rows_of_rule.items():
            for first, last in _row_runs(rows):
                rules[key].add(f"{column}{first}:{column}{last}")
    sheet.column_dimensions["B"].width = 18
    template_finish(
        workbook,
        header_rows=TEMPLATE_FIRST_ROW - 1,
        freeze=f"D{TEMPLATE_FIRST_ROW}",
        info=TemplateInfo(year=cycle.year, period=period, made_at=made_at),
    )
    template_rows_sortable(
        sheet, first_row=TEMPLATE_FIRST_ROW, last_row=last_row, last_column=3 + len(indicators)
    )
    return workbook


def template_rows_sortable(sheet, *, first_row: int, last_row: int, last_column: int) -> None:
    """Let a clerk sort and filter the rows of a protected template: Excel sorts a protected
    sheet's range only when none of its cells is locked, so every cell of the rows is unlocked;
    the header rows above them stay locked. The filter buttons sit on the last header row, so
    that sorting moves the rows below it only."""
    for row in sheet.iter_rows(min_row=first_row, max_row=last_row, max_col=last_column):
        for cell in row:
            cell.protection = Protection(locked=False)
    sheet.auto_filter.ref = f"A{first_row - 1}:{get_column_letter(last_column)}{last_row}"
    # False: sorting and filtering are not among what the protection forbids.
    sheet.protection.sort = False
    sheet.protection.autoFilter = False


def _row_runs(numbers: list[int]) -> list[tuple[int, int]]:
    """Return sorted row numbers as runs (first, last): [13, 15, 16, 17] → [(13, 13), (15, 17)]."""
    runs: list[tuple[int, int]] = []
    for number in numbers:
        if runs and number == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], number)
        else:
            runs.append((number, number))
    return runs


def _not_applicable_validation(category: UnitCategory) -> DataValidation:
    """The rule of a grey cell, an indicator that does not apply to the category: any entry is
    refused (a blank one passes), saying why."""
    return validation_explained(
        DataValidation(type="textLength", operator="equal", formula1="0"),
        title=_("不适用"),
        rule=_("该指标不适用于“%(category)s”类别的单位，请留空") % {"category": category.name},
    )


def template_finish(
    workbook: Workbook, *, header_rows: int, freeze: str, info: TemplateInfo
) -> None:
    """Finish a template's sheet (the workbook's active one): its header rows shaded, they and
    the columns left of `freeze` kept in view, the sheet protected (the cells left unlocked
    take input); and add the very hidden sheet saying which cycle and period it holds and when
    it was made (see sheet_upload_read)."""
    sheet = workbook.active
    for row in sheet.iter_rows(min_row=1, max_row=header_rows):
        for cell in row:
            cell.font = Font(bold=True)
            cell.fill = HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = freeze
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False
    said = workbook.create_sheet(TEMPLATE_INFO_SHEET)
    for row in (
        ["year", info.year],
        ["period", info.period],
        ["made_at", info.made_at.isoformat()],
    ):
        said.append(row)
    said.sheet_state = "veryHidden"


def _validation(indicator: Indicator) -> DataValidation:
    method = indicator.method
    if method in (Indicator.Method.DIRECT, Indicator.Method.BONUS):
        validation = DataValidation(
            type="decimal", operator="between", formula1="0", formula2=str(indicator.max_points)
        )
        rule = _("请填 0 到 %(max)s 之间的分值") % {"max": indicator.max_points}
    elif method == Indicator.Method.DEDUCTION:
        validation = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0")
        rule = _("请填发生次数（非负整数）")
    elif method == Indicator.Method.VETO:
        validation = DataValidation(type="list", formula1='"0,1"')
        rule = _("请填 0 或 1")
    elif method == Indicator.Method.RANK:
        # A ranked figure may be below zero (a growth rate): any number.
        validation = DataValidation(
            type="decimal", operator="between", formula1="-1E+15", formula2="1E+15"
        )
        rule = _("请填数值")
    else:
        validation = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0")
        rule = _("请填非负数")
    return validation_explained(validation, title=indicator.code, rule=rule)


def validation_explained(validation: DataValidation, *, title: str, rule: str) -> DataValidation:
    """Return the validation saying `rule` under `title` as the cell is selected and when what
    was typed breaks it; a blank cell passes."""
    validation.error = rule
    validation.errorTitle = title
    validation.prompt = rule
    validation.promptTitle = title
    validation.showInputMessage = True
    validation.showErrorMessage = True
    validation.allow_blank = True
    return validation


def sheet_upload_read(*, path) -> Upload:
    """Return the workbook's visible sheets (name and rows, read with calamine, Excel error
    values as ExcelError), what its template information sheet says, if it has one, and where
    its numbers in a percent format are (calamine reads them as the fraction stored).

    Raises UploadRefused when the sheets hold more rows than SCORING_UPLOAD_MAX_ROWS.
    """
    workbook = CalamineWorkbook.from_path(str(path))
    try:
        upload = Upload(sheets=[])
        rows_read = 0
        for sheet in workbook.sheets_metadata:
            if sheet.name == TEMPLATE_INFO_SHEET and sheet.visible != SheetVisibleEnum.Visible:
                rows = workbook.get_sheet_by_name(sheet.name).to_python()
                upload.template = _template_info(rows)
            elif sheet.typ == SheetTypeEnum.WorkSheet and sheet.visible == SheetVisibleEnum.Visible:
                read = workbook.get_sheet_by_name(sheet.name)
                # Counted before the rows become Python objects, the costly part: the upload
                # counted at most the background threshold's rows (see uploads._sheet_rows).
                rows_read += read.end[0] + 1 if read.end else 0
                upload_rows_check(rows=rows_read, sheets=len(upload.sheets) + 1)
                upload.sheets.append((sheet.name, read.to_python(skip_empty_area=False)))
    finally:
        workbook.close()
    # calamine reads an error cell as a blank inside the sheet's range: a sheet without a blank
    # cell holds none, and its XML (43 MB for 200,000 rows) need not be unpacked again, nor for
    # percent cells where the workbook's styles have no percent format. Merged ranges and hidden
    # rows and columns are sought in the same scan, and in every sheet as small as those checked
    # in the request: a big sheet without a blank (a merged range leaves some) is not unpacked
    # again for hidden rows alone.
    with_blanks = {name for name, rows in upload.sheets if any("" in row for row in rows)}
    small = {
        name for name, rows in upload.sheets if len(rows) <= settings.SCORING_IMPORT_BACKGROUND_ROWS
    }
    if upload.sheets:
        marked = excel_cells_read(
            path,
            errors=with_blanks,
            percent=[name for name, _rows in upload.sheets],
            layout=with_blanks | small,
        )
        upload.layout = marked.layout
        errors = marked.errors
        if errors:
            upload.sheets = [
                (name, list(excel_errors_place(rows, errors[name])) if name in errors else rows)
                for name, rows in upload.sheets
            ]
        upload.percent_cells = marked.percent
    return upload


def _template_info(rows: Sequence[Sequence]) -> TemplateInfo:
    said = {cell_text(row[0]): row[1] for row in rows if len(row) >= 2}
    year = cell_text(said.get("year"))
    made_at = said.get("made_at")
    return TemplateInfo(
        year=whole_number(year),
        period=cell_text(said.get("period")) if said.get("period") in Period.values else None,
        made_at=parse_datetime(made_at) if isinstance(made_at, str) else None,
    )


def sheet_changes_plan(
    *,
    cycle: Cycle,
    user,
    period: str,
    upload: Upload,
    progress: Callable[[int], None] | None = None,
) -> SheetPlan:
    """Check every row of an uploaded workbook's sheets and return the changes they would make.

    Accepts wide sheets (unit code column, indicator codes as headers, values of one period:
    the template's, the one the sheet's name says, else `period`) and long sheets (unit,
    indicator, period, value), English or Chinese headers. Each problem is placed by sheet, row
    and column; a value equal to the stored one is no change, and so is a template cell still
    holding what the template was filled with where someone has saved another value since.
    Sheets without a unit column (instructions) are skipped and named, and so are sheets whose
    header names no indicator code (a list of units) where another sheet has data; a code the
    cycle does not have is refused by name, not skipped.
    """
    plan = SheetPlan()
    if sheet_plan_refused(plan, cycle=cycle, user=user):
        return plan
    context = _context_load(cycle=cycle, user=user)
    headed = []
    for sheet, rows in upload.sheets:
        header_index = _header_row_find(rows, context.indicator_headers)
        if header_index is not None:
            headed.append(_sheet_headed(context, sheet, rows, header_index))
        elif any(cell_text(cell) for row in rows for cell in row):
            plan.skipped_sheets.append(sheet)
    data = [sheet for sheet in headed if sheet.names_indicators]
    if not headed:
        first = upload.sheets[0][0] if upload.sheets else ""
        message = _(
            "找不到表头：需要“单位代码”列。表格可以每行一个单位（指标代码作列名），"
            "也可以每行一个数值（单位代码、指标代码、期间、数值四列）。"
        )
        plan.problems.append(CellProblem(first, None, None, message))
    elif not data:
        # Nothing in the file is importable: a file of another year's cycle names none of this
        # cycle's indicators, and says so; else each header lacks them.
        message = _("表头中没有可导入的指标代码")
        plan.problems += [
            _other_year_problem(cycle, upload.template, sheet.name)
            or CellProblem(sheet.name, sheet.header_index + 1, None, message)
            for sheet in headed
        ]
    else:
        plan.skipped_without_indicators = [
            sheet.name for sheet in headed if not sheet.names_indicators
        ]
    for sheet in data:
        start, keys_seen = len(plan.problems), len(context.seen)
        if sheet.long:
            _long_plan(plan, context, sheet.name, sheet.rows, sheet.header_index, progress)
        else:
            sheet_period = sheet_period_find(
                plan, cycle, upload.template, sheet.name, period, missing=WIDE_PERIOD_MISSING
            )
            if not sheet_period:
                continue
            _downloaded_load(context, sheet_period, upload.template, user)
            _wide_plan(
                plan, context, sheet.name, sheet.rows, sheet.header_index, sheet_period, progress
            )
        own_values = len(context.seen) - keys_seen
        # No row of its own: each of a long sheet's rows is a value, a wide sheet's a unit.
        if not (own_values if sheet.long else context.own_rows[sheet.name]):
            _sheet_copy_fold(plan, context, sheet.name, start, own_values)
        if sheet.name in upload.percent_cells:
            _percent_figures_add(plan, context, sheet, upload.percent_cells[sheet.name])
        if sheet.name in upload.layout:
            figures, others = _columns_read(context, sheet)
            layout_notes_add(
                plan,
                sheet=sheet.name,
                rows=sheet.rows,
                data_rows={index for index in range(len(sheet.rows)) if sheet.data_row(index)},
                read=figures | others,
                layout=upload.layout[sheet.name],
            )
    if not plan.problems:
        _last_quarter_copy_add(plan, context)
    closed_changes_add(
        plan,
        context.closed_changes,
        said=lambda count: ngettext(
            "%(quarter)s已关闭，不能再修改该季度的数据：文件中有 %(count)s 个该季度的数值"
            "与已保存的不同，此处为第一个；如需更正，请考核办重新开放该季度。",
            "%(quarter)s已关闭，不能再修改该季度的数据：文件中有 %(count)s 个该季度的数值"
            "与已保存的不同，此处为第一个；如需更正，请考核办重新开放该季度。",
            count,
        ),
    )
    return plan


def _last_quarter_copy_add(plan: SheetPlan, context: _Context) -> None:
    """Add a notice for each quarter whose new figures are mostly the quarter before's stored
    ones: last quarter's file uploaded as this quarter's (a clerk's own file says no period).

    Zeros are left out, as a count of no incident repeats every quarter. One query per quarter
    the file changes (Q2…Q4), for the quarter before's values.
    """
    quarter_before = dict(zip(QUARTERS[1:], QUARTERS[:-1], strict=True))
    figures: dict[tuple[str, str], list[tuple[tuple[int, int, str], Decimal]]] = defaultdict(list)
    for unit_id, indicator_id, period, _old, text in plan.changes:
        value = Decimal(text)
        if period in quarter_before and value:
            before = quarter_before[period]
            figures[period, before].append(((unit_id, indicator_id, before), value))
    for (period, before), pairs in figures.items():
        if len(pairs) < LAST_QUARTER_COPY_MIN:
            continue
        _current_load(context, {before})
        same = sum(context.current.get(key) == value for key, value in pairs)
        if same >= len(pairs) * LAST_QUARTER_COPY_SHARE:
            plan.notices.append(
                ngettext(
                    "文件中%(period)s的 %(count)s 个非零数值中，有 %(same)s 个与%(before)s已保存的"
                    "完全相同：请核对这是%(period)s的数据，而不是上一季度的文件。",
                    "文件中%(period)s的 %(count)s 个非零数值中，有 %(same)s 个与%(before)s已保存的"
                    "完全相同：请核对这是%(period)s的数据，而不是上一季度的文件。",
                    same,
                )
                % {
                    "period": Period(period).label,
                    "before": Period(before).label,
                    "count": len(pairs),
                    "same": same,
                }
            )


def sheet_plan_refused(plan: SheetPlan, *, cycle: Cycle, user) -> bool:
    """Whether the cycle takes no values from the user (closed, published, a draft to a
    scorer): the whole file is refused, said once in the plan."""
    try:
        cycle_ensure_takes_values(cycle=cycle, by=user)
    except CycleLockedError as error:
        plan.problems.append(CellProblem("", None, None, str(error)))
        return True
    return False


def closed_changes_add(
    plan: SheetPlan,
    closed_changes: dict[str, tuple[int, tuple]],
    *,
    said: Callable[[int], str],
) -> None:
    """Refuse the changes of a closed quarter: one problem per quarter, placed at the first of
    them (sheet, row, column) and counting them all (a whole sheet of a closed quarter is one
    mistake, not thousands), in the words `said` gives for the count (with %(quarter)s and
    %(count)s). Rows equal to the stored ones are no change and pass."""
    for quarter in QUARTERS:
        if quarter in closed_changes:
            count, (sheet, row, column) = closed_changes[quarter]
            message = said(count) % {"quarter": Period(quarter).label, "count": count}
            plan.problems.append(CellProblem(sheet, row, column, message))


def _percent_figures_add(
    plan: SheetPlan, context: _Context, sheet: _HeadedSheet, cells: PercentCells
) -> None:
    """Count in the plan those of the sheet's cells in a percent format that hold a figure (a
    number in the value column of a long sheet, in an indicator's column of a wide one, below
    the header and not on the template's label rows), keeping the first few with the value read.
    A zero reads the same either way and is left out.
    """
    columns, _others = _columns_read(context, sheet)
    for row, column in cells:
        if column not in columns or not sheet.data_row(row):
            continue
        cells_of_row = sheet.rows[row]
        raw = cells_of_row[column] if column < len(cells_of_row) else None
        if not isinstance(raw, int | float) or isinstance(raw, bool) or not raw:
            continue
        plan.percent_count += 1
        if len(plan.percent_cells) < PERCENT_CELLS_NAMED:
            reading = context.readings.get((raw.__class__, raw)) or _reading(context, raw)
            reference = f"{get_column_letter(column + 1)}{row + 1}"
            plan.percent_cells.append((sheet.name, reference, reading[0]))


def _columns_read(context: _Context, sheet: _HeadedSheet) -> tuple[set[int], set[int]]:
    """Return the positions of the sheet's columns read for figures (a long sheet's value
    column, a wide sheet's indicator columns) and of the others read (unit, indicator, period)."""
    header = sheet.rows[sheet.header_index]
    if sheet.long:
        positions, _letters, problems = sheet_columns_find(
            sheet=sheet.name, header=header, columns=LONG_COLUMNS
        )
        if problems:
            return set(), set()
        return {positions["value"]}, {positions[column.key] for column in LONG_COLUMNS[:3]}
    keys = [_code_key(cell) for cell in header]
    unit_position = _unit_position(keys)
    figures = {
        position
        for position, key in enumerate(keys)
        if key in context.indicator_headers and position != unit_position
    }
    return figures, {unit_position}


def _unit_position(keys: Sequence[str]) -> int:
    """Return the position of the unit column among a wide sheet's header keys: the most
    specific the row names (单位代码 before 单位)."""
    return next(keys.index(name) for name in _unit_headers() if name in keys)


def layout_notes_add(
    plan: SheetPlan,
    *,
    sheet: str,
    rows: list[list],
    data_rows: set[int],
    read: set[int],
    layout: SheetLayout,
) -> None:
    """Note in the plan the sheet's merged ranges that reach into the cells read (the columns
    `read` of the rows at the indexes `data_rows`) and its hidden rows and columns that hold
    values read: Excel shows them otherwise than they are imported (a merged range's value in
    its top-left cell only, the others blank; hidden values not at all)."""

    def holds_value(index: int, columns) -> bool:
        row = rows[index]
        return any(column < len(row) and cell_text(row[column]) for column in columns)

    # By the first data row from a range's top, not row by row: a range may reach row
    # 1,048,576, and a file may hold thousands of them (hundreds took 14 s row by row).
    data_rows_sorted = sorted(data_rows)

    def data_row_within(top: int, bottom: int) -> bool:
        first = bisect_left(data_rows_sorted, top)
        return first < len(data_rows_sorted) and data_rows_sorted[first] <= bottom

    merged = [
        f"{get_column_letter(left + 1)}{top + 1}:{get_column_letter(right + 1)}{bottom + 1}"
        for top, left, bottom, right in sorted(layout.merged)
        if any(left <= column <= right for column in read) and data_row_within(top, bottom)
    ]
    hidden_rows = [
        index + 1
        for index in sorted(layout.hidden_rows)
        if index in data_rows and holds_value(index, read)
    ]
    columns = [
        get_column_letter(column + 1)
        for column in sorted(layout.hidden_columns & read)
        if any(holds_value(index, [column]) for index in data_rows)
    ]
    if merged:
        plan.merged_ranges.append((sheet, merged))
    if hidden_rows or columns:
        plan.hidden.append((sheet, hidden_rows, columns))


def _sheet_headed(context: _Context, name: str, rows: list[list], index: int) -> _HeadedSheet:
    """Return what the sheet's header row names: a long sheet's indicator column, or indicator
    codes as a wide sheet's columns. A sheet naming neither (a list of units, instructions)
    holds nothing to import."""
    keys = {_code_key(cell) for cell in rows[index]}
    long = bool(keys & _long_indicator_headers())
    return _HeadedSheet(
        name=name,
        rows=rows,
        header_index=index,
        long=long,
        names_indicators=long or bool(_indicator_keys(rows[index], context.indicator_headers)),
    )


def _indicator_keys(row: Sequence, indicator_headers: frozenset[str]) -> set[str]:
    """Return the header keys of the row's cells that name indicator columns: the cycle's codes,
    and the cells written as a code (INDICATOR_CODE_WRITING) that name no other column a sheet
    may have. A code the cycle lacks is a wide sheet's column all the same, refused by name when
    the sheet is read: a clerk who mistyped every code must be told which."""
    keys = set()
    for cell in row:
        key = _code_key(cell)
        if key in indicator_headers or (
            key not in _sheet_headers() and INDICATOR_CODE_WRITING.fullmatch(_code_text(cell))
        ):
            keys.add(key)
    return keys


def _header_row_find(rows: Sequence[Sequence], indicator_headers: frozenset[str]) -> int | None:
    """Return the index of the header row: of the first rows, the one that names a unit column
    and the most columns a sheet may have, indicator codes included (the first of equals), None
    when none names a unit column. A title or a line of measurement units above the header may
    say 单位 too ("填报单位：区发改局 … 单位 万元").
    """
    unit_names = set(_unit_headers())
    found, most = None, 0
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        keys = {_code_key(cell) for cell in row}
        if not keys & unit_names:
            continue
        named = len((keys & _sheet_headers()) | _indicator_keys(row, indicator_headers))
        if named > most:
            found, most = index, named
    return found


def _code_text(raw) -> str:
    """Return a cell holding a code (a unit's, an indicator's in a header) as clean text,
    without the apostrophe the template writes before a code Excel would run as a formula."""
    if raw.__class__ is str:
        return _code_string(raw)
    return cell_unescape(cell_text(raw))


@lru_cache(maxsize=65536)
def _code_string(text: str) -> str:
    # Cached: a long sheet names a unit and an indicator on each of its 200,000 rows, from a
    # few thousand codes.
    return cell_unescape(cell_text(text))


def _code_key(raw) -> str:
    """Return a header cell as headers are matched (header_key), its code unescaped."""
    return header_key(_code_text(raw))


@lru_cache(maxsize=1)
def _unit_headers() -> tuple[str, ...]:
    """Return the headers of the unit column as header keys, the most specific first, the
    template's label (in every language) last."""
    names = [header_key(name) for name in UNIT_HEADERS]
    names += sorted(_template_labels()[0] - set(names))
    return tuple(names)


@lru_cache(maxsize=1)
def _long_indicator_headers() -> frozenset[str]:
    indicator = LONG_COLUMNS[1]
    return frozenset(header_key(name) for name in (indicator.key, *indicator.headers))


@lru_cache(maxsize=1)
def _sheet_headers() -> frozenset[str]:
    """Return the header keys of the columns a sheet may have besides the indicators' codes."""
    names = {header_key(name) for column in LONG_COLUMNS for name in (column.key, *column.headers)}
    names |= {header_key(name) for name in IGNORED_HEADERS}
    return frozenset(names | set(_unit_headers()))


@lru_cache(maxsize=1)
def _template_labels() -> tuple[frozenset[str], dict[str, str]]:
    """Return the template's unit column label and its header rows' labels (TEMPLATE_LABELS),
    each in every language, as header keys; a row label maps to what its row shows."""
    unit, rows = set(), {}
    for language, _name in settings.LANGUAGES:
        with override(language):
            first, *others = (header_key(label) for label in TEMPLATE_LABELS)
        unit.add(first)
        rows |= dict(zip(others, TEMPLATE_ROW_FIELDS, strict=True))
    return frozenset(unit), rows


def _label_cell_edited(indicator: Indicator, shown: str, raw) -> bool:
    """Whether a label row's cell says something other than what the template wrote there."""
    if not cell_text(raw):
        return False
    if shown == "name":
        return cell_text(cell_unescape(raw)) != cell_text(indicator.name)
    if shown == "max_points":
        try:
            return cell_decimal(raw) != indicator.max_points
        except CellError:
            return True
    if shown == "hint":
        written = said_in_every_language(lambda: value_entry_hint(indicator=indicator))
    else:
        written = said_in_every_language(lambda: Indicator.Method(indicator.method).label)
    return header_key(raw) not in written


def said_in_every_language(say: Callable[[], str]) -> set[str]:
    """Return what `say` gives in each of the site's languages, as header keys: a template
    made in either comes back."""
    said = set()
    for language, _name in settings.LANGUAGES:
        with override(language):
            said.add(header_key(say()))
    return said


def sheet_period_find(
    plan, cycle: Cycle, template: TemplateInfo | None, sheet: str, picked: str, *, missing: str
) -> str | None:
    """Return the period of a sheet without a period column, or None with the problem added
    (`missing` when nothing says one): the one the sheet's name says ("Q2", "二季度",
    "2026-Q2"), else the template's, else the one picked at upload; a period picked that
    differs from the file's is a mistake, not a choice, and so is another year than the
    cycle's."""
    other_year = _other_year_problem(cycle, template, sheet)
    if other_year:
        plan.problems.append(other_year)
        return None
    title_period = _title_period(sheet)[1]
    if template and template.period and title_period and title_period != template.period:
        # A renamed template sheet, or another period's sheet pasted in: which is meant?
        message = _(
            "工作表“%(sheet)s”的名称是%(named)s，而这个文件是%(template)s的模板：请把这些数据"
            "放进%(named)s的模板，或把工作表名称改回。"
        ) % {
            "sheet": sheet,
            "named": Period(title_period).label,
            "template": Period(template.period).label,
        }
        plan.problems.append(CellProblem(sheet, None, None, message))
        return None
    named = title_period or (template and template.period)
    if named and picked and named != picked:
        message = _(
            "工作表“%(sheet)s”是%(named)s的数据，上传时选择的是%(picked)s：请改选%(named)s，"
            "或选“按文件”。"
        ) % {"sheet": sheet, "named": Period(named).label, "picked": Period(picked).label}
        plan.problems.append(CellProblem(sheet, None, None, message))
        return None
    if not (named or picked):
        plan.problems.append(CellProblem(sheet, None, None, str(missing)))
        return None
    return named or picked


def _other_year_problem(
    cycle: Cycle, template: TemplateInfo | None, sheet: str
) -> CellProblem | None:
    """Return the problem of a sheet whose name or template says another year than the
    cycle's, None when it says the cycle's or none."""
    title_year = _title_period(sheet)[0]
    year = title_year or (template and template.year)
    if year in (None, cycle.year):
        return None
    message = _(
        "这是 %(file)s 年考核的数据，当前导入的是 %(year)s 年的考核：请切换到 %(file)s 年，"
        "或下载 %(year)s 年的模板。"
    ) % {"file": year, "year": cycle.year}
    return CellProblem(sheet, None, None, message)


def _title_period(title: str) -> tuple[int | None, str | None]:
    """Return the year and the period a sheet's name says ("2026-Q2", "二季度"), each None
    when it says none."""
    return period_parse(title) or (None, None)


def _context_load(*, cycle: Cycle, user) -> _Context:
    indicators = {indicator.code: indicator for indicator in indicators_scored(cycle=cycle)}
    owned = None
    if not roles.user_has_role(user, roles.ADMIN):
        owned = set(sheet_indicators(cycle=cycle, user=user).values_list("pk", flat=True))
    indicators_named = {}
    for indicator in indicators.values():
        indicators_named.setdefault(cell_text(indicator.name), []).append(indicator)
    # A name that is a column a sheet may have (备注) names no indicator's column.
    names = {name for name in indicators_named if header_key(name) not in _sheet_headers()}
    return _Context(
        year=cycle.year,
        closed=frozenset(q for q in QUARTERS if cycle.period_is_locked(q)),
        indicators=indicators,
        indicator_headers=frozenset(header_key(text) for text in (*indicators, *names)),
        owned=owned,
        units=unit_lookup_load(),
        applies=indicator_categories(indicator.pk for indicator in indicators.values()),
        indicators_by_folded_code=codes_folded_unique(indicators),
        indicators_by_name=indicators_named,
    )


def codes_folded_unique(by_code: dict) -> dict:
    """Return the values by their code in lower case where that names one only: a clerk types
    zj04 for ZJ04, a2.2.3 for A2.2.3."""
    folded = Counter(code.casefold() for code in by_code)
    return {code.casefold(): item for code, item in by_code.items() if folded[code.casefold()] == 1}


def unit_lookup_load() -> UnitLookup:
    """Return the active units as sheets name them (one query)."""
    units, named = {}, {}
    for code, pk, category_id, name in Unit.objects.filter(is_active=True).values_list(
        "code", "pk", "category_id", "name"
    ):
        units[code] = (pk, category_id)
        named.setdefault(cell_text(name), []).append(code)
    return UnitLookup(
        by_code=units,
        by_folded_code=codes_folded_unique(units),
        by_name={
            name: units[codes[0]]
            for name, codes in named.items()
            if len(codes) == 1 and name not in units
        },
        codes_by_name=named,
    )


def _current_load(context: _Context, periods: set[str]) -> None:
    """Load the stored values of the periods the sheets hold: by the fourth quarter a cycle's
    other periods hold three times as many values, each a Decimal to build."""
    periods = periods - context.current_periods
    if periods:
        leaves = [indicator.pk for indicator in context.indicators.values()]
        context.current.update(_current_values(leaves, sorted(periods)))
        context.current_periods |= periods


def _downloaded_load(context: _Context, period: str, template: TemplateInfo | None, user) -> None:
    """Load, for each value of the period that others saved or deleted since the template was
    made, what it held then (None: no value).

    A value this scorer saved by importing a file of the same template is theirs, not another's:
    uploading the corrected template again must change it again.
    """
    if template is None or template.made_at is None:
        return
    made_at, history = template.made_at, IndicatorValue.history.model
    leaves = [indicator.pk for indicator in context.indicators.values()]
    own_imports = ImportRecord.objects.filter(
        uploaded_by=user, template_made_at=made_at, status=ImportRecord.Status.IMPORTED
    ).values("imported_at")
    saved = IndicatorValue.objects.filter(
        indicator_id__in=leaves, period=period, updated_at__gt=made_at
    ).exclude(updated_at__in=own_imports)
    deleted = history.objects.filter(
        indicator_id__in=leaves, period=period, history_date__gt=made_at, history_type="-"
    )
    # By unit, indicator and period, not by row: a workbook import recreates its rows.
    then = history.objects.filter(
        unit_id=OuterRef("unit_id"),
        indicator_id=OuterRef("indicator_id"),
        period=period,
        history_date__lte=made_at,
    ).order_by("-history_date", "-history_id")
    for changed in (deleted, saved):  # a value deleted, then saved again: saved
        rows = changed.annotate(
            then=Subquery(then.values("value")[:1]),
            then_type=Subquery(then.values("history_type")[:1]),
        ).values_list("unit_id", "indicator_id", "then", "then_type")
        context.downloaded.update(
            ((unit_id, indicator_id, period), None if kind == "-" else value)
            for unit_id, indicator_id, value, kind in rows
        )


def _applies(applies: dict[int, set[int]], indicator_id: int, category_id: int) -> bool:
    categories = applies.get(indicator_id)
    return categories is None or category_id in categories


def _current_values(
    indicator_ids: Sequence[int], periods: Sequence[str]
) -> dict[tuple[int, int, str], Decimal]:
    return {
        (unit_id, indicator_id, period): value
        for unit_id, indicator_id, period, value in IndicatorValue.objects.filter(
            indicator_id__in=indicator_ids, period__in=periods
        ).values_list("unit_id", "indicator_id", "period", "value")
    }


def _indicator_problem(
    context: _Context, text: str, period: str | None
) -> tuple[Indicator | None, str, bool]:
    """Return the indicator the cell names (see _indicator_find) if values of the period may be
    imported for it, else None, why not and whether the period is what is wrong; with the
    period unknown, whether they may be for some period."""
    indicator, problem = _indicator_find(context, text)
    if indicator is None:
        return None, problem, False
    code = indicator.code
    if indicator.method == Indicator.Method.EVALUATION:
        message = _("%(code)s 是综合评价指标，按测评票数计分，不能导入数值") % {"code": code}
        return None, message, False
    if not _importable(context, indicator):
        message = _("您不是指标 %(code)s 的评分账号，不能导入它的数据") % {"code": code}
        return None, message, False
    if period and not period_fits_frequency(frequency=indicator.frequency, period=period):
        message = _("指标 %(code)s %(frequency)s，不能填在期间 %(period)s") % {
            "code": code,
            "frequency": indicator.get_frequency_display(),
            "period": period,
        }
        return None, message, True
    return indicator, "", False


def _indicator_find(context: _Context, text: str) -> tuple[Indicator | None, str]:
    """Return the indicator the cell names, or None and what to type instead: its code as
    written or in another case (where that names one), or its name, where that names one the
    user may import (else one of the cycle, for the checks to say why it may not be)."""
    indicator = context.indicators.get(text) or context.indicators_by_folded_code.get(
        text.casefold()
    )
    if indicator is not None:
        return indicator, ""
    named = context.indicators_by_name.get(text, [])
    importable = [indicator for indicator in named if _importable(context, indicator)]
    if len(importable) == 1 or len(named) == 1:
        return (importable or named)[0], ""
    if named:
        codes = listed(sorted(indicator.code for indicator in importable or named))
        message = _("“%(name)s”是 %(count)s 个指标的名称（%(codes)s），请填指标代码")
        return None, message % {"name": text, "count": len(importable or named), "codes": codes}
    if not text:
        return None, _("缺少指标代码")
    if not INDICATOR_CODE_WRITING.fullmatch(text):  # a name, not a code mistyped
        message = _("找不到名为“%(name)s”的指标：请填指标代码，或您可导入的指标的全称")
        return None, message % {"name": cell_echo(text)}
    return None, _("未知指标代码“%(code)s”") % {"code": cell_echo(text)}


def _importable(context: _Context, indicator: Indicator) -> bool:
    """Whether the user may import values of the indicator (evaluations are votes, not values)."""
    return indicator.method != Indicator.Method.EVALUATION and (
        context.owned is None or indicator.pk in context.owned
    )


def _value_add(plan, context, unit, indicator, period, raw, sheet, row, column) -> None:
    """Check one value of `unit` (id, category id) and add it to the plan as a change (or a
    problem placed at sheet, row and column).

    Called once per value, 200,000 times for a big sheet: positional arguments, the cached
    reading and inlined lookups keep it to a few dictionary lookups and the method's rule.
    """
    unit_id, category_id = unit
    indicator_id = indicator.id
    key = (unit_id, indicator_id, period)
    reading = context.readings.get((raw.__class__, raw)) or _reading(context, raw)
    unreadable = isinstance(reading, CellError)
    if not unreadable and reading[0] is None:
        return  # a blank cell brings nothing, so it repeats nothing either
    other = context.seen.get(key)
    if other is not None:
        _duplicate_add(plan, context, (sheet, row, column), other, reading)
        return
    context.seen[key] = (sheet, row, reading)
    if unreadable:
        plan.problems.append(CellProblem(sheet, row, column, str(reading)))
        return
    value, text, figure_problem, rounded = reading
    old = context.current.get(key)
    if context.downloaded and key in context.downloaded:
        then = context.downloaded[key]
        if value == then:
            plan.kept += 1
            return
        if value != old:
            message = _(
                "下载模板后，此值已在别处由 %(then)s 改为 %(now)s：请核对后重新填写，或下载新的模板"
            ) % {
                "then": _("空白") if then is None else decimal_plain(then),
                "now": _("空白") if old is None else decimal_plain(old),
            }
            plan.problems.append(CellProblem(sheet, row, column, message))
            return
    categories = context.applies.get(indicator_id)
    if categories is not None and category_id not in categories:
        message = _("指标 %(code)s 不适用于该单位的类别") % {"code": indicator.code}
        plan.problems.append(CellProblem(sheet, row, column, message))
        return
    rule = context.rules.get(indicator_id) or context.rules.setdefault(
        indicator_id, value_method_rule(indicator)
    )
    problem = rule(value) or figure_problem
    if problem:
        plan.problems.append(CellProblem(sheet, row, column, problem))
        return
    plan.rounded += rounded
    if old == value:
        return
    if period in context.closed:
        count, first = context.closed_changes.get(period, (0, (sheet, row, column)))
        context.closed_changes[period] = (count + 1, first)
        return
    shown_old = None if old is None else decimal_plain(old)
    plan.changes.append([unit_id, indicator_id, period, shown_old, text])


def _duplicate_add(plan, context, place: tuple, other: tuple, reading: Reading) -> None:
    """Add the problem of a value at `place` (sheet, row, column) whose unit, indicator and
    period the sheet and row of `other` had, counting it against the pair of sheets."""
    sheet, row, column = place
    other_sheet, other_row, other_reading = other
    if other_sheet == sheet:
        message = _("重复：与第 %(row)s 行的单位、指标、期间相同") % {"row": other_row}
    else:
        message = _("重复：与工作表 %(sheet)s 第 %(row)s 行的单位、指标、期间相同") % {
            "sheet": other_sheet,
            "row": other_row,
        }
    problem = CellProblem(sheet, row, column, message)
    plan.problems.append(problem)
    repeated = context.repeated.setdefault((sheet, other_sheet), _Repeated())
    repeated.problems.append(problem)
    # Readings are cached by cell content: the same content is the same reading.
    same = reading is other_reading or (
        not isinstance(reading, CellError)
        and not isinstance(other_reading, CellError)
        and reading[0] == other_reading[0]
    )
    repeated.differing += not same


def _sheet_copy_fold(
    plan: SheetPlan, context: _Context, sheet: str, start: int, own_values: int
) -> None:
    """Say in one line that the sheet repeats another, where each of its rows repeats one of
    that sheet's (Excel's copy of a sheet, "2026-Q4 (2)"), instead of a problem per cell: the
    problems from `start` on, the sheet's, lose those of each repeated value and those that
    the other sheet has at the same place. The values that differ are counted, its
    `own_values` (where the other sheet's cell is blank) too, which must be fewer than those
    repeated."""
    pairs = [pair for pair in context.repeated if pair[0] == sheet]
    if len(pairs) != 1 or pairs[0][1] == sheet:
        return
    original = pairs[0][1]
    repeated = context.repeated[pairs[0]]
    if len(repeated.problems) <= own_values:
        return  # as much its own as repeated: a sheet of other indicators for the same units
    differing = repeated.differing + own_values
    if differing:
        message = ngettext(
            "工作表“%(copy)s”与“%(sheet)s”内容重复，其中 %(count)s 个数值不同："
            "请核对后删除其中一张",
            "工作表“%(copy)s”与“%(sheet)s”内容重复，其中 %(count)s 个数值不同："
            "请核对后删除其中一张",
            differing,
        )
    else:
        message = _("工作表“%(copy)s”与“%(sheet)s”内容重复，请删除其中一张")
    message %= {"copy": sheet, "sheet": original, "count": differing}
    shown_there = {
        (problem.row, problem.column, problem.message)
        for problem in plan.problems[:start]
        if problem.sheet == original
    }
    folded = {id(problem) for problem in repeated.problems}
    plan.problems[start:] = [
        CellProblem(sheet, None, None, message),
        *(
            problem
            for problem in plan.problems[start:]
            if id(problem) not in folded
            and (problem.row, problem.column, problem.message) not in shown_there
        ),
    ]


def _reading(context: _Context, raw) -> Reading:
    """Read the cell as a number, its plain digits, why it fits no value column whatever the
    indicator (the number None when blank) and whether it was rounded, or why it is no number,
    into the cache that _value_add looks in first.

    An Excel number with more than four decimal places is a formula's result (=100/3 shows as
    33.33): it is rounded half up to the four places a value keeps. Typed text keeps its digits
    and is refused instead, since nobody computed it.

    Cached by type and content: a sheet repeats the same figures (0, full marks, round scores)
    in thousands of cells, and reading a float to Excel's digits and back to plain text, then
    checking those digits, is a large share of a cell's cost. The type is part of the key because
    True == 1 hashes alike, yet a TRUE cell is no number.
    """
    try:
        value = cell_decimal(raw)
    except CellError as error:
        reading = no_data_mark_error(raw) or error
    else:
        if value is None:
            reading = (None, "", None, False)
        else:
            # Compared by exponent, not by quantizing: a huge figure (1E+25) cannot be
            # quantized, and is refused as too large below.
            places = FIGURE_PLACES.as_tuple().exponent
            rounded = isinstance(raw, float) and value.as_tuple().exponent < places
            if rounded:
                value = value.quantize(FIGURE_PLACES, rounding=ROUND_HALF_UP)
            reading = (value, decimal_plain(value), value_figure_problem(value), rounded)
    context.readings[raw.__class__, raw] = reading
    return reading


def no_data_mark_error(raw) -> CellError | None:
    """Return what to do with a clerk's mark for "nothing to report" (-, /, 无): leave the cell
    blank; None for other text."""
    text = cell_text(raw)
    if text.casefold() in NO_DATA_MARKS and not isinstance(raw, ExcelError):
        return CellError(_("“%(text)s”不是数值：无数据请留空") % {"text": text})
    return None


def _wide_columns(plan, context, sheet, header, header_number, period):
    """Return the unit column's position and the (position, letter, indicator) of each value
    column.

    The unit column is the most specific the row names (单位代码 before 单位); other unit
    columns, such as 单位 beside 单位代码 holding the names, are read past.
    """
    keys = [_code_key(cell) for cell in header]
    unit_names = _unit_headers()
    unit_position = _unit_position(keys)
    ignored = {header_key(name) for name in IGNORED_HEADERS} | set(unit_names)
    columns, seen_codes = [], {}
    for position, cell in enumerate(header):
        text, letter = _code_text(cell), get_column_letter(position + 1)
        if position == unit_position or not text or keys[position] in ignored:
            continue
        indicator, problem, _period_wrong = _indicator_problem(context, text, period)
        # By indicator: a column headed by its code and another by its name repeat it too.
        seen = indicator.code if indicator else text
        if seen in seen_codes:
            indicator = None
            problem = _("指标 %(code)s 重复出现（另见 %(other)s 列）") % {
                "code": seen,
                "other": seen_codes[seen],
            }
        seen_codes.setdefault(seen, letter)
        if indicator is None:
            plan.problems.append(CellProblem(sheet, header_number, letter, problem))
        else:
            columns.append((position, letter, indicator))
    return unit_position, columns


def _wide_unit_problem(context: _Context, code: str, unit, seen_units: dict[int, int]) -> str:
    if unit is None:
        return context.units.problem(code)
    if unit[0] in seen_units:
        return _("单位 %(code)s 重复（另见第 %(row)s 行）") % {
            "code": code,
            "row": seen_units[unit[0]],
        }
    return ""


def _wide_plan(plan, context, sheet, rows, header_index, period, progress):
    unit_position, columns = _wide_columns(
        plan, context, sheet, rows[header_index], header_index + 1, period
    )
    unit_letter = get_column_letter(unit_position + 1)
    _current_load(context, {period})
    plan.periods.add(period)
    labels = _template_labels()[1]
    seen_units: dict[int, int] = {}
    for index in range(header_index + 1, len(rows)):
        row, number = rows[index], index + 1
        code = _code_text(row[unit_position]) if unit_position < len(row) else ""
        shown = labels.get(header_key(code))
        if shown:
            plan.label_edits += [
                f"{sheet}!{letter}{number}"
                for position, letter, indicator in columns
                if position < len(row) and _label_cell_edited(indicator, shown, row[position])
            ]
            continue
        if not any(cell_text(cell) for cell in row):
            continue
        unit = context.units.find(code)
        if unit is None and row_is_total(code, row):
            plan.total_rows.append((sheet, number))
            continue
        if unit is None and not code and not seen_units and _measure_line(row, columns):
            continue
        plan.rows += 1
        if progress and plan.rows % PROGRESS_EVERY == 0:
            progress(plan.rows)
        width = len(row)
        problem = _wide_unit_problem(context, code, unit, seen_units)
        if problem:
            raw = row[unit_position] if unit_position < width else None
            plan.problems.append(
                CellProblem(sheet, number, unit_letter, cell_message(raw, problem))
            )
        else:
            seen_units[unit[0]] = number
            if context.rows_first.setdefault((unit[0], period), sheet) == sheet:
                context.own_rows[sheet] += 1
        for position, letter, indicator in columns:
            raw = row[position] if position < width else None
            if problem:  # the row's figures are checked all the same: every problem at once
                _value_alone_check(plan, context, indicator, raw, sheet, number, letter)
            else:
                _value_add(plan, context, unit, indicator, period, raw, sheet, number, letter)


def row_is_total(code: str, row: Sequence) -> bool:
    """Whether the row is a total (合计, 总计, 小计 in its unit cell or, that being blank, in its
    first cell written), which sums the units' rows and imports nothing."""
    text = code or next((cell_text(cell) for cell in row if cell_text(cell)), "")
    return text.replace(" ", "").casefold() in TOTAL_WORDS


def _measure_line(row: Sequence, columns: list[tuple[int, str, Indicator]]) -> bool:
    """Whether a row without a unit holds only units of measure ("（分）", "万元") under the
    indicators' names: a line of the clerk's own sheet below its header, before any unit."""
    texts = [cell_text(row[position]) for position, _letter, _indicator in columns]
    texts = [text for text in texts if text]
    return bool(texts) and all(
        MEASURE_BRACKETED.fullmatch(text) or text in MEASURE_WORDS for text in texts
    )


def _long_plan(plan, context, sheet, rows, header_index, progress):
    positions, letters, problems = sheet_columns_find(
        sheet=sheet, header=rows[header_index], columns=LONG_COLUMNS, header_row=header_index + 1
    )
    if problems:
        # Named as the clerk's header would name it, without the English keys also read.
        plan.problems += [
            CellProblem(sheet, header_index + 1, None, _("缺少“%(column)s”列") % {"column": label})
            for (key, label) in LONG_LABELS.items()
            if key not in positions
        ]
        return
    # The rows are read in place, by position: a row object per row was a third of the check.
    unit_at, indicator_at, period_at, value_at = (positions[column.key] for column in LONG_COLUMNS)
    width = max(positions.values()) + 1
    # Read each distinct period text once: a sheet writes the same few on every row.
    texts = {
        cell_text(row[period_at]) if period_at < len(row) else ""
        for row in rows[header_index + 1 :]
    }
    periods = {text: _period_read(text, context.year) for text in texts}
    _current_load(context, {period for period in periods.values() if isinstance(period, str)})
    # A sheet names the same few indicators and periods on every row: check each pair once.
    indicator_checks: dict[tuple[str, str | None], tuple[Indicator | None, str, bool]] = {}
    for index in range(header_index + 1, len(rows)):
        row, number = rows[index], index + 1
        if len(row) < width:
            row = [*row, *[None] * (width - len(row))]
        code, raw = _code_text(row[unit_at]), row[value_at]
        period_text = cell_text(row[period_at])
        if not (code or period_text or cell_text(row[indicator_at]) or cell_text(raw)):
            continue
        unit = context.units.find(code)
        if unit is None and row_is_total(code, row):
            plan.total_rows.append((sheet, number))
            continue
        plan.rows += 1
        if progress and plan.rows % PROGRESS_EVERY == 0:
            progress(plan.rows)
        # Each cell is checked whatever is wrong with the others: every problem is said at once.
        if unit is None:
            message = cell_message(row[unit_at], context.units.problem(code))
            plan.problems.append(CellProblem(sheet, number, letters["unit"], message))
        period = periods[period_text] if period_text else CellError(_("缺少期间"))
        if isinstance(period, CellError):
            message = cell_message(row[period_at], str(period))
            plan.problems.append(CellProblem(sheet, number, letters["period"], message))
            period = None
        else:
            plan.periods.add(period)
        pair = (_code_text(row[indicator_at]), period)
        checked = indicator_checks.get(pair)
        if checked is None:
            checked = indicator_checks[pair] = _indicator_problem(context, *pair)
        indicator, problem, period_wrong = checked
        if indicator is None:
            # An indicator of the year in a quarter's row: the period is what to change.
            letter = letters["period" if period_wrong else "indicator"]
            message = cell_message(row[indicator_at], problem)
            plan.problems.append(CellProblem(sheet, number, letter, message))
        if raw is None or (isinstance(raw, str) and not cell_text(raw)):
            plan.problems.append(CellProblem(sheet, number, letters["value"], _("缺少数值")))
        elif unit is None or period is None or indicator is None:
            _value_alone_check(plan, context, indicator, raw, sheet, number, letters["value"])
        else:
            _value_add(plan, context, unit, indicator, period, raw, sheet, number, letters["value"])


def _period_read(text: str, year: int) -> str | CellError:
    """Return the period a long sheet's cell names, or why it names none of the cycle's."""
    try:
        return cell_period(text, year=year)
    except CellError as error:
        return error


def _figure_read(plan, context, raw, sheet, row, column) -> tuple | None:
    """Return the cell's reading (value, text, figure problem, rounded), read once per distinct
    cell, or None with the problem noted when the cell holds no number."""
    reading = context.readings.get((raw.__class__, raw)) or _reading(context, raw)
    if isinstance(reading, CellError):
        plan.problems.append(CellProblem(sheet, row, column, str(reading)))
        return None
    return reading


def _value_alone_check(plan, context, indicator, raw, sheet, row, column) -> None:
    """Check a value whose row has its unit, period or indicator wrong: whether it is a number,
    and one its indicator (when known) can take."""
    reading = _figure_read(plan, context, raw, sheet, row, column)
    if reading is None:
        return
    value, _text, figure_problem, _rounded = reading
    if value is None:
        return
    method_problem = indicator and value_method_problem(indicator=indicator, value=value)
    if method_problem or figure_problem:
        plan.problems.append(CellProblem(sheet, row, column, method_problem or figure_problem))


def sheet_import_start(*, cycle: Cycle, user, period: str, upload: UploadedFile) -> ImportRecord:
    """Guard the upload, record it and check it: at once for a small file, in the background
    (the `sheet_import_prepare_task` task, with progress on the record) for a big one.

    Raises UploadRefused, before any heavy work, for a file that may not be read at all.
    """
    from scoring.tasks import sheet_import_prepare_task  # the task module imports this one

    record = upload_record_create(
        kind=ImportRecord.Kind.SCORER_SHEET, upload=upload, user=user, cycle=cycle, period=period
    )
    return upload_prepare_start(
        record=record, task=sheet_import_prepare_task, prepare=sheet_import_prepare
    )


def upload_record_create(*, kind: str, upload: UploadedFile, user, **fields) -> ImportRecord:
    """Guard the upload (upload_check) and keep it on a new import record, to be checked.

    Raises UploadRefused, before any heavy work, for a file that may not be read at all.
    """
    info = upload_check(name=upload.name, file=upload, size=upload.size)
    return ImportRecord.objects.create(
        kind=kind,
        status=ImportRecord.Status.PROCESSING,
        file_name=info.name,
        size=info.size,
        sha256=info.sha256,
        uploaded_by=user,
        total_rows=info.rows,
        upload=upload,
        **fields,
    )


def upload_prepare_start(
    *, record: ImportRecord, task, prepare: Callable[..., ImportRecord]
) -> ImportRecord:
    """Check the recorded upload with `prepare`: at once for a small file, through the
    background `task` (in the page's language) for one beyond SCORING_IMPORT_BACKGROUND_ROWS."""
    if record.total_rows <= settings.SCORING_IMPORT_BACKGROUND_ROWS:
        return prepare(record=record)
    background_task_enqueue(task=task, work=record, record_id=record.pk, language=get_language())
    # Where the task ran at once (a backend without a worker), the preview it stored may hold
    # 200,000 changes: decoding them is left to whoever reads them.
    return ImportRecord.objects.defer("changes").get(pk=record.pk)


@gc_paused()
def sheet_import_prepare(*, record: ImportRecord) -> ImportRecord:
    """Read the record's stored upload, check it and store the preview (changes or problems,
    and notices worth knowing that do not stop the import).

    Progress is written to the record as rows are checked, for the progress bar of big files.
    Raises BackgroundSuperseded, the preview unwritten, when the check was taken from this
    attempt meanwhile (scoring.services.background).
    """

    written_at = time.monotonic()

    def progress(rows: int) -> None:
        nonlocal written_at
        if time.monotonic() - written_at >= PROGRESS_WRITE_INTERVAL:
            record.processed_rows = rows
            background_work_save(work=record, fields=["processed_rows"])
            written_at = time.monotonic()

    path = upload_stored_path(record)
    try:
        upload = sheet_upload_read(path=path)
    except UploadRefused as refused:
        plan = SheetPlan(problems=[CellProblem("", None, None, str(refused))])
    except Exception:  # calamine raises its own error types for unreadable files
        logger.warning("Upload #%s unreadable", record.pk, exc_info=True)
        plan = SheetPlan(problems=[CellProblem("", None, None, unreadable_workbook_message())])
    else:
        # The votes module builds on this one: imported here, as the file asks for it.
        from scoring.services.vote_sheets import vote_changes_plan, vote_sheets_found

        if vote_sheets_found(upload=upload):
            record.kind = ImportRecord.Kind.VOTE_SHEET
            plan_changes = vote_changes_plan
        else:
            plan_changes = sheet_changes_plan
        plan = plan_changes(
            cycle=record.cycle,
            user=record.uploaded_by,
            period=record.period,
            upload=upload,
            progress=progress,
        )
        record.template_made_at = upload.template and upload.template.made_at
    record.processed_rows = plan.rows
    record.total_rows = max(record.total_rows, plan.rows)
    record.errors = [problem_json(problem) for problem in plan.problems[:STORED_PROBLEMS]]
    record.problem_count = len(plan.problems)
    record.notices = _notices(record, plan)
    record.changes = [] if plan.problems else plan.changes
    record.rows_changed = len(record.changes)
    record.period = next(iter(plan.periods)) if len(plan.periods) == 1 else ""
    if plan.problems:
        record.status = ImportRecord.Status.FAILED
    elif record.changes:
        record.status = ImportRecord.Status.PENDING
    else:
        record.status = ImportRecord.Status.UNCHANGED
    background_work_save(
        work=record,
        fields=[
            "processed_rows",
            "total_rows",
            "errors",
            "problem_count",
            "notices",
            "changes",
            "rows_changed",
            "period",
            "template_made_at",
            "status",
            "kind",
        ],
    )
    return record


def _notices(record: ImportRecord, plan: SheetPlan) -> list[str]:
    """Return what the uploader should know of the file that does not stop its import."""
    notices = []
    if plan.skipped_sheets:
        notices.append(
            _("未读取的工作表（没有“单位代码”列）：%(sheets)s")
            % {"sheets": listed(plan.skipped_sheets)}
        )
    if plan.skipped_without_indicators:
        notices.append(
            _("未读取的工作表（表头中没有可导入的指标代码）：%(sheets)s")
            % {"sheets": listed(plan.skipped_without_indicators)}
        )
    if plan.kept:
        notices.append(
            ngettext(
                "%(count)s 个单元格在您下载模板后已在别处被修改，文件中仍是下载时的值："
                "保留了新值，不列入变更。",
                "%(count)s 个单元格在您下载模板后已在别处被修改，文件中仍是下载时的值："
                "保留了新值，不列入变更。",
                plan.kept,
            )
            % {"count": plan.kept}
        )
    if plan.label_edits:
        shown = listed(plan.label_edits[:LABEL_EDITS_NAMED])
        if len(plan.label_edits) > LABEL_EDITS_NAMED:
            shown += _(" 等 %(count)s 处") % {"count": len(plan.label_edits)}
        notices.append(
            _(
                "表头的指标名称、满分、计分方法和填写说明只供参考，改动不会导入（%(cells)s）："
                "指标由考核办在指标体系中维护。"
            )
            % {"cells": shown}
        )
    if plan.total_rows:
        by_sheet: dict[str, list[int]] = {}
        for sheet, number in plan.total_rows:
            by_sheet.setdefault(sheet, []).append(number)
        places = [
            _("工作表“%(sheet)s”第 %(rows)s 行")
            % {"sheet": sheet, "rows": _places_named(_runs(numbers))}
            for sheet, numbers in by_sheet.items()
        ]
        notices.append(
            _("合计行不导入，已跳过：%(places)s")
            % {"places": pgettext("between clauses", "；").join(places)}
        )
    if plan.percent_count:
        notices.append(_percent_notice(plan.percent_cells, plan.percent_count))
    for sheet, ranges in plan.merged_ranges:
        notices.append(
            _(
                "工作表“%(sheet)s”的 %(ranges)s 是合并单元格：只有左上角的单元格有值，"
                "其余单元格按空白导入。请取消合并，每格分别填写。"
            )
            % {"sheet": sheet, "ranges": _places_named(ranges)}
        )
    for sheet, rows, columns in plan.hidden:
        places = [_("第 %(row)s 行") % {"row": _places_named(_runs(rows))}] if rows else []
        if columns:
            places.append(_("%(column)s 列") % {"column": _places_named(columns)})
        notices.append(
            _(
                "工作表“%(sheet)s”中隐藏的行或列有数据（%(places)s），也会导入："
                "请在 Excel 中取消隐藏后核对。"
            )
            % {"sheet": sheet, "places": listed(places)}
        )
    notices += plan.notices
    if plan.rounded:
        notices.append(
            ngettext(
                "%(count)s 个数值超过 4 位小数（如公式的计算结果），已四舍五入保留 4 位。",
                "%(count)s 个数值超过 4 位小数（如公式的计算结果），已四舍五入保留 4 位。",
                plan.rounded,
            )
            % {"count": plan.rounded}
        )
    earlier = (
        ImportRecord.objects.filter(
            kind=record.kind,
            cycle=record.cycle,
            sha256=record.sha256,
            status=ImportRecord.Status.IMPORTED,
        )
        .exclude(pk=record.pk)
        .order_by("-imported_at")
        .first()
    )
    if earlier is not None:
        notices.append(
            _("同一文件已于 %(when)s 导入过（导入记录 #%(id)s）。")
            % {"when": _when(earlier.imported_at), "id": earlier.pk}
        )
    if plan.problems or not plan.changes:
        return notices  # nothing to confirm, so no other upload to confirm instead
    pending = (
        ImportRecord.objects.filter(
            kind=record.kind,
            cycle=record.cycle,
            uploaded_by=record.uploaded_by,
            status=ImportRecord.Status.PENDING,
            period__in=plan.periods,
        )
        .exclude(pk=record.pk)
        .order_by("-uploaded_at", "-pk")
        .first()
    )
    if pending is not None:
        # Both change the same values: the one confirmed second would find them changed.
        notices.append(
            _(
                "您在 %(when)s 上传的“%(name)s”（导入记录 #%(id)s）也是这一期间的数据，"
                "还没有确认：请只确认其中一次，放弃另一次。"
            )
            % {"when": _when(pending.uploaded_at), "name": pending.file_name, "id": pending.pk}
        )
    return notices


def _when(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _places_named(places: list[str]) -> str:
    """Return the first places (cells, ranges, rows) joined as a list, saying how many there
    are when not all are named."""
    shown = listed(places[:PLACES_NAMED])
    if len(places) > PLACES_NAMED:
        shown += _(" 等 %(count)s 处") % {"count": len(places)}
    return shown


def _runs(numbers: list[int]) -> list[str]:
    """Return sorted row numbers as runs: [13, 15, 16, 17] → ["13", "15–17"]."""
    return [f"{first}–{last}" if last > first else str(first) for first, last in _row_runs(numbers)]


def _percent_notice(cells: list[tuple[str, str, Decimal]], count: int) -> str:
    """Say which figures were read from cells in a percent format: the fraction stored, not the
    percentage Excel shows (the first cell's for example)."""
    value = cells[0][2]
    return ngettext(
        "%(cells)s 设置了百分比格式：导入的是单元格中存储的小数（如 %(stored)s），"
        "而不是显示的百分数（%(shown)s）。若该指标应填百分数，"
        "请将单元格改为“常规”格式后重新填写。",
        "%(cells)s 设置了百分比格式：导入的是单元格中存储的小数（如 %(stored)s），"
        "而不是显示的百分数（%(shown)s）。若该指标应填百分数，"
        "请将单元格改为“常规”格式后重新填写。",
        count,
    ) % {
        "cells": percent_cells_named(cells, count),
        "stored": decimal_plain(value),
        "shown": decimal_plain(value * 100),
    }


def percent_cells_named(cells: Sequence[tuple[str, str, object]], count: int) -> str:
    """Name the first cells in a percent format (sheet, reference, value) and how many there
    are in all, each sheet before its first cell: Sheet1!C2、C3、Q2!D5 等 12 处."""
    named, sheet_named = [], None
    for sheet, reference, _value in cells:
        named.append(reference if sheet == sheet_named else f"{sheet}!{reference}")
        sheet_named = sheet
    shown = listed(named)
    if count > len(cells):
        shown += _(" 等 %(count)s 处") % {"count": count}
    return shown


def sheet_changes_first(*, record: ImportRecord, limit: int) -> tuple[list[list], int]:
    """Return the first `limit` previewed changes of the record and how many there are.

    The database slices the stored preview: loading all 200,000 changes of a big sheet to show
    the first thousand took the preview page a third of a second.
    """
    if connection.vendor == "postgresql":
        first = "jsonb_path_query_array(changes, '$[0 to $last]', jsonb_build_object('last', %s))"
        count = "jsonb_array_length(changes)"
    else:
        first = (
            "(SELECT json_group_array(json(change.value)) FROM json_each(changes) AS change "
            "WHERE change.key <= %s)"
        )
        count = "json_array_length(changes)"
    table = connection.ops.quote_name(ImportRecord._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {first}, {count} FROM {table} WHERE id = %s", [limit - 1, record.pk]
        )
        shown, total = cursor.fetchone()
    return json.loads(shown), total


@dataclass(frozen=True)
class ChangesSummary:
    """How many of an import's changes give an indicator its first value, and how many
    overwrite one."""

    indicator: Indicator
    new: int
    overwritten: int


def sheet_changes_summary(*, record: ImportRecord) -> list[ChangesSummary]:
    """Return, per indicator in the tree's order, how many of the record's changes are new
    values (or vote rows) and how many overwrite stored ones; counted by the database over all
    of them."""
    elements, item = _changes_unpacked()
    records = connection.ops.quote_name(ImportRecord._meta.db_table)
    # A vote row's change names its rater group before the old counts (see vote_sheets).
    old = item.format(4 if record.kind == ImportRecord.Kind.VOTE_SHEET else 3)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {item.format(1)}, SUM(CASE WHEN {old} IS NULL THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN {old} IS NULL THEN 0 ELSE 1 END) "
            f"FROM {records}, {elements} WHERE {records}.id = %s GROUP BY 1",
            [record.pk],
        )
        counts = {int(indicator): (new, overwritten) for indicator, new, overwritten in cursor}
    indicators = Indicator.objects.filter(pk__in=counts).order_by("sort_order", "code")
    return [ChangesSummary(indicator, *counts[indicator.pk]) for indicator in indicators]


def sheet_changes_shown(*, record: ImportRecord, changes: list[list]) -> list[dict]:
    """Return the record's changes as the preview lists them: unit, indicator, period (and a
    vote row's rater group), old and new (a vote row's four counts as 30/10/0/0)."""
    votes = record.kind == ImportRecord.Kind.VOTE_SHEET
    units = Unit.objects.in_bulk({change[0] for change in changes})
    indicators = Indicator.objects.in_bulk({change[1] for change in changes})
    groups = RaterGroup.objects.in_bulk({change[3] for change in changes}) if votes else {}
    rows = []
    for unit_id, indicator_id, period, *changed in changes:
        row = {
            "unit": units.get(unit_id),
            "indicator": indicators.get(indicator_id),
            "period": Period(period).label,
        }
        if votes:
            group_id, old, new, _version = changed
            row["group"] = groups.get(group_id)
            row["old"] = None if old is None else vote_numbers_text(old)
            row["new"] = vote_numbers_text(new)
        else:
            row["old"], row["new"] = changed
        rows.append(row)
    return rows


def sheet_changes_workbook(*, record: ImportRecord) -> Workbook:
    """Return every previewed change of the record as a worksheet (unit, indicator, period, old
    and new value; a vote row's rater group and its old and new counts), for the scorer to read
    beyond what the page lists."""
    changes = ImportRecord.objects.values_list("changes", flat=True).get(pk=record.pk)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("变更"))
    header = [_("单位代码"), _("单位名称"), _("指标代码"), _("指标名称"), _("期间")]
    if record.kind == ImportRecord.Kind.VOTE_SHEET:
        kinds = [str(Vote._meta.get_field(kind).verbose_name) for kind in Vote.KINDS]
        header.append(_("测评群体"))
        header += [_("原%(kind)s") % {"kind": kind} for kind in kinds]
        header += [_("新%(kind)s") % {"kind": kind} for kind in kinds]
    else:
        header += [_("原值"), _("新值")]
    sheet.append(header)
    for row, change in zip(
        sheet_changes_shown(record=record, changes=changes), changes, strict=True
    ):
        unit, indicator = row["unit"], row["indicator"]
        texts = (
            (unit.code, unit.name) if unit else ("", ""),
            (indicator.code, indicator.name) if indicator else ("", ""),
        )
        cells = [*(cell_safe(text) for pair in texts for text in pair), str(row["period"])]
        if "group" in row:
            *_keys, old, new, _version = change
            group = row["group"].name if row["group"] else ""
            cells += [cell_safe(group), *(old or [None] * len(Vote.KINDS)), *new]
        else:
            *_keys, old, new = change
            cells += [None if old is None else cell_number(Decimal(old)), cell_number(Decimal(new))]
        sheet.append(cells)
    return workbook


def sheet_import_outdated(*, record: ImportRecord) -> bool:
    """Whether the import failed because the data changed between its preview and its
    confirmation, not because of anything in its file."""
    return record.status == ImportRecord.Status.FAILED and any(
        error.get("outdated") for error in record.errors[:1]
    )


def problem_json(problem: CellProblem) -> dict:
    return {
        "sheet": problem.sheet,
        "row": problem.row,
        "column": problem.column,
        "message": problem.message,
    }


def sheet_import_commit(*, record: ImportRecord, by) -> int:
    """Write the previewed changes of a pending import, all or none; return how many.

    Refuses when the cycle was locked meanwhile. When any value changed since the preview
    (someone else saved it) nothing is written and the import fails for good, naming the values:
    the scorer uploads again and sees the new preview.
    """
    return import_commit_recorded(
        record=record,
        write=lambda: _import_write(record=record, by=by),
        stale_said=lambda count: ngettext(
            "预览之后有 %(count)s 个数值已被修改，请重新上传文件并查看新的预览。",
            "预览之后有 %(count)s 个数值已被修改，请重新上传文件并查看新的预览。",
            count,
        ),
    )


def import_commit_recorded(
    *, record: ImportRecord, write: Callable[[], int], stale_said: Callable[[int], str]
) -> int:
    """Run the `write` of a pending import and return what it returns. When it finds the import
    out of date (ImportOutdated, ImportStale: rolled back), the record fails for good, keeping
    the problems, and ImportRefused says so (for stale rows in the words `stale_said` gives for
    their count, with %(count)s)."""
    try:
        return write()
    except ImportOutdated as outdated:
        ImportRecord.objects.filter(pk=record.pk).update(
            status=ImportRecord.Status.FAILED,
            errors=[problem_json(CellProblem("", None, None, str(outdated))) | OUTDATED],
            problem_count=1,
        )
        raise
    except ImportStale as stale:
        ImportRecord.objects.filter(pk=record.pk).update(
            status=ImportRecord.Status.FAILED,
            errors=stale.problems,
            problem_count=stale.count,
        )
        raise ImportRefused(stale_said(stale.count) % {"count": stale.count}) from None


def import_pending_lock(
    *, record: ImportRecord, by, deferred: Sequence[str] = ()
) -> tuple[ImportRecord, Cycle]:
    """Lock a pending import (read without its `deferred` fields) and its cycle for its
    uploader's confirmation; refuse one that is not pending, not theirs, or whose cycle takes
    no values from them any more."""
    record = ImportRecord.objects.select_for_update().defer(*deferred).get(pk=record.pk)
    if record.status != ImportRecord.Status.PENDING:
        raise ImportRefused(
            _("这次导入的状态是“%(status)s”，不能确认。") % {"status": record.get_status_display()}
        )
    if record.uploaded_by_id != by.pk:
        raise ImportRefused(_("只有上传文件的人可以确认这次导入。"))
    # Locked as values_save locks it: a cycle closed meanwhile waits for this import or refuses it.
    cycle = Cycle.objects.select_for_update().get(pk=record.cycle_id)
    try:
        cycle_ensure_takes_values(cycle=cycle, by=by)
    except CycleLockedError as error:
        raise ImportRefused(str(error)) from None
    return record, cycle


class ImportOutdated(ImportRefused):
    """The units or indicators the preview named are gone: the import can never be written."""


class ImportStale(Exception):
    """Values changed since the preview: how many, and the first of them as stored problems
    (see _stale_problems)."""

    def __init__(self, count: int, problems: list[dict]):
        super().__init__(count)
        self.count, self.problems = count, problems


# Why a pending import can no longer be confirmed: what it names is gone (for good), or the
# indicators are another scorer's now (until the 考核办 gives them back).
TARGETS_GONE = gettext_lazy(
    "预览之后有单位或指标已被删除或重新导入，这次导入已失效：请重新下载模板，填好后重新上传。"
)
INDICATORS_NO_LONGER_OWNED = gettext_lazy(
    "预览之后您已不再负责指标 %(codes)s，不能确认这次导入：请放弃它，或请考核办重新分配指标。"
)
# What the stored problems of an import that went out of date between its preview and its
# confirmation say of themselves: the file is not wrong, the data changed (see sheet_record).
OUTDATED = {"outdated": True}
WRITE_ATTEMPTS = 2


@gc_paused()
@transaction.atomic
def _import_write(*, record: ImportRecord, by) -> int:
    """The changes never come into Python: the database unpacks the stored preview into a
    scratch table, checks it against the stored values and writes it, set-based. Decoding
    200,000 changes, then sending them back with COPY, took over half a second of the commit.
    """
    record, cycle = import_pending_lock(record=record, by=by, deferred=("changes", "errors"))
    now = timezone.now()
    with connection.cursor() as cursor:
        count = _scratch_fill(cursor, record)
        _closed_since_refuse(cursor, cycle=cycle, by=by)
        _targets_ensure(cursor, cycle=cycle, by=by)
        reason = source_import(file_name=record.file_name, record_id=record.pk)
        for _attempt in range(WRITE_ATTEMPTS):
            stale = _stale_count(cursor)
            if stale:
                count -= _stored_as_in_file_drop(cursor)
                stale = _stale_count(cursor)
            # Not written: someone saved a value between the check and the write. The check
            # again says which, or finds it saved as the file has it, and the write is tried
            # once more without it.
            if stale or _values_write_all(cursor, count=count, by=by, now=now, reason=reason):
                break
        else:
            stale = max(_stale_count(cursor), 1)
        if stale:
            raise ImportStale(stale, _stale_problems(cursor))
        # What the refresh needs is categories, not 5,000 unit instances to read them from.
        cursor.execute(
            f"SELECT DISTINCT u.category_id, r.period FROM sheet_import_rows r "
            f"JOIN {connection.ops.quote_name(Unit._meta.db_table)} u ON u.id = r.unit_id"
        )
        touched = cursor.fetchall()
        cursor.execute("DROP TABLE sheet_import_rows")
    _results_refresh(cycle=record.cycle, touched=touched)
    record.status = ImportRecord.Status.IMPORTED
    record.imported_at = now
    record.rows_changed = count
    record.save(update_fields=["status", "imported_at", "rows_changed"])
    return count


def sheet_import_discard(*, record: ImportRecord, by) -> None:
    """Set a pending import aside unwritten, or one whose background check or write was
    interrupted (scoring.services.background), for its uploader who decided against it."""
    if record.uploaded_by_id != by.pk:
        raise ImportRefused(_("只有上传文件的人可以放弃这次导入。"))
    with transaction.atomic():
        background_interrupted_mark(queryset=ImportRecord.objects.filter(pk=record.pk))
        discarded = ImportRecord.objects.filter(
            pk=record.pk,
            status__in=[
                ImportRecord.Status.PENDING,
                ImportRecord.Status.CHECK_INTERRUPTED,
                ImportRecord.Status.WRITE_INTERRUPTED,
            ],
        ).update(status=ImportRecord.Status.DISCARDED)
    if not discarded:
        record.refresh_from_db(fields=["status"])
        raise ImportRefused(
            _("这次导入的状态是“%(status)s”，不能放弃。") % {"status": record.get_status_display()}
        )


def _targets_ensure(cursor, *, cycle: Cycle, by) -> None:
    """Refuse the import when a unit or indicator of the scratch table is gone (deleted, or
    the tree imported again since the preview) or the user no longer owns an indicator (the
    考核办 may have given it to another scorer)."""
    quote = connection.ops.quote_name
    cursor.execute(
        f"SELECT EXISTS (SELECT 1 FROM sheet_import_rows r WHERE NOT EXISTS "
        f"(SELECT 1 FROM {quote(Unit._meta.db_table)} u WHERE u.id = r.unit_id))"
    )
    [(units_gone,)] = cursor.fetchall()
    cursor.execute("SELECT DISTINCT indicator_id FROM sheet_import_rows")
    brought = {indicator_id for (indicator_id,) in cursor.fetchall()}
    existing = dict(Indicator.objects.filter(cycle=cycle, pk__in=brought).values_list("pk", "code"))
    if units_gone or len(existing) < len(brought):
        raise ImportOutdated(str(TARGETS_GONE))
    owned = set(sheet_indicators(cycle=cycle, user=by).values_list("pk", flat=True))
    if lost := sorted(code for pk, code in existing.items() if pk not in owned):
        raise ImportRefused(str(INDICATORS_NO_LONGER_OWNED) % {"codes": listed(lost)})


def _changes_unpacked() -> tuple[str, str]:
    """Return the SQL that makes each of a record's stored changes a row (`change`), and the
    expression of a change's item by its index ({}), SQL NULL for a JSON null."""
    if connection.vendor == "postgresql":
        return "jsonb_array_elements(changes) AS change", "change ->> {}"
    # SQLite: json_each's rows also have an id column, hence the qualified record id below.
    return "json_each(changes) AS change", "json_extract(change.value, '$[{}]')"


def _scratch_fill(cursor, record: ImportRecord) -> int:
    """Unpack the record's previewed changes into the scratch table sheet_import_rows (one row
    per change: unit, indicator, period, old and new value); return how many there are."""
    quote = connection.ops.quote_name
    elements, item = _changes_unpacked()
    records = quote(ImportRecord._meta.db_table)
    cursor.execute("DROP TABLE IF EXISTS sheet_import_rows")
    cursor.execute(
        "CREATE TEMPORARY TABLE sheet_import_rows (unit_id bigint, indicator_id bigint, "
        "period varchar(2), old numeric(20, 4), value numeric(20, 4))"
    )
    unit, indicator, period, old, new = (item.format(n) for n in range(5))
    cursor.execute(
        f"INSERT INTO sheet_import_rows SELECT CAST({unit} AS bigint), "
        f"CAST({indicator} AS bigint), {period}, CAST({old} AS numeric), CAST({new} AS numeric) "
        f"FROM {records}, {elements} WHERE {records}.id = %s",
        [record.pk],
    )
    count = cursor.rowcount
    if connection.vendor == "postgresql":
        # Without statistics the planner guesses a tiny table and may join it row by row.
        cursor.execute("ANALYZE sheet_import_rows")
    return count


def _closed_since_refuse(cursor, *, cycle: Cycle, by) -> None:
    """Refuse the import when one of its previewed changes (in sheet_import_rows) is of a
    quarter closed since the preview, naming the quarter."""
    if not cycle.frozen_quarters:
        return
    cursor.execute("SELECT DISTINCT period FROM sheet_import_rows")
    try:
        cycle_ensure_takes_values(cycle=cycle, by=by, periods=[row[0] for row in cursor])
    except CycleLockedError as error:
        raise ImportRefused(str(error)) from None


# The previewed changes whose old value differs from what is stored now (a value stored where
# none was, or gone where one was, too).
STALE_ROWS = (
    "FROM sheet_import_rows r LEFT JOIN {values} v ON v.indicator_id = r.indicator_id "
    "AND v.unit_id = r.unit_id AND v.period = r.period {joins}"
    "WHERE v.value IS DISTINCT FROM r.old"
)


def _stale_count(cursor) -> int:
    """Return how many previewed old values differ from what is stored now."""
    values = connection.ops.quote_name(IndicatorValue._meta.db_table)
    cursor.execute(f"SELECT count(*) {STALE_ROWS.format(values=values, joins='')}")
    return cursor.fetchone()[0]


def _stored_as_in_file_drop(cursor) -> int:
    """Leave out the changes whose new value is stored already (saved since the preview as the
    file has it, often by another import of the same file): no conflict, and nothing to write.
    Return how many."""
    values = connection.ops.quote_name(IndicatorValue._meta.db_table)
    cursor.execute(
        f"DELETE FROM sheet_import_rows WHERE EXISTS (SELECT 1 FROM {values} v "
        f"WHERE v.indicator_id = sheet_import_rows.indicator_id "
        f"AND v.unit_id = sheet_import_rows.unit_id AND v.period = sheet_import_rows.period "
        f"AND v.value = sheet_import_rows.value)"
    )
    return cursor.rowcount


def _stale_problems(cursor) -> list[dict]:
    """Return the first values changed since the preview as stored problems, each naming the
    unit and the indicator (name and code), the period, the value previewed, the one stored
    now, the file's, and who changed it where (the entry grid, an import by its record)."""
    quote = connection.ops.quote_name
    history = IndicatorValue.history.model
    rows = STALE_ROWS.format(
        values=quote(IndicatorValue._meta.db_table),
        joins=f"JOIN {quote(Unit._meta.db_table)} u ON u.id = r.unit_id "
        f"JOIN {quote(Indicator._meta.db_table)} i ON i.id = r.indicator_id ",
    )
    # The value's last history row says who changed it (found through the unit's index): not
    # one recording a verification given or taken back, which changes no figure.
    last_change = (
        f"SELECT h.history_id FROM {quote(history._meta.db_table)} h "
        f"WHERE h.unit_id = r.unit_id AND h.indicator_id = r.indicator_id "
        f"AND h.period = r.period AND COALESCE(h.history_change_reason, '') NOT LIKE %s "
        f"AND COALESCE(h.history_change_reason, '') NOT LIKE %s "
        f"ORDER BY h.history_date DESC, h.history_id DESC LIMIT 1"
    )
    cursor.execute(
        f"SELECT u.code, u.name, i.code, i.name, r.period, r.old, v.value, r.value, "
        f"({last_change}) {rows} ORDER BY u.code, i.code, r.period LIMIT {STORED_PROBLEMS}",
        [f"%：{NOTE_VERIFY}", f"%：{NOTE_UNVERIFY_PREFIX}%"],
    )
    found = cursor.fetchall()
    changes = history.objects.select_related("history_user").in_bulk(
        [row[-1] for row in found if row[-1] is not None]
    )
    return [_stale_problem(row[:-1], changes.get(row[-1])) for row in found]


def _stale_problem(row: tuple, change) -> dict:
    unit_code, unit_name, code, name, period, old, now, new = row
    shown = {
        "unit": _("%(name)s（%(code)s）") % {"name": unit_name, "code": unit_code},
        "indicator": f"{code} {name}",
        "period": str(Period(period).label),
        "then": _figure_shown(old),
        "now": _figure_shown(now),
        "file": _figure_shown(new),
        "by": _change_source(change),
    }
    return stale_problem_json(shown)


def stale_problem_json(shown: dict[str, str]) -> dict:
    """Return a change since the preview as a stored problem: its message and, for the page's
    table, what `shown` says of it (unit, indicator, period, then, now, file and by, as text)."""
    message = (
        _(
            "%(unit)s %(indicator)s %(period)s：预览时为 %(then)s，现为 %(now)s（%(by)s），"
            "文件中为 %(file)s"
        )
        % shown
    )
    return problem_json(CellProblem("", None, None, message)) | OUTDATED | {"changed": shown}


def _figure_shown(figure) -> str:
    """A stored figure as a page shows it: plain digits, 空白 when there is none."""
    return _("空白") if figure is None else decimal_plain(Decimal(str(figure)))


def _change_source(change) -> str:
    """Say who changed a value and where, from its history row: an import by its record."""
    if change is None:
        return _("来源不明")
    imported = IMPORT_REASON.fullmatch(change.history_change_reason or "")
    if imported:
        where = _("导入记录 #%(id)s") % {"id": imported["id"]}
    else:
        where = source_label(change.history_change_reason)
    who = str(change.history_user or "")
    if who and where:
        return _("%(who)s，%(where)s") % {"who": who, "where": where}
    return who or where or _("来源不明")


def _values_write_all(cursor, *, count: int, **write) -> bool:
    """Write the changes (see _values_write); return False, with nothing written, when not all
    `count` could be: a value was saved by someone else since the stale check."""
    try:
        with transaction.atomic():  # a savepoint, so that the caller can count the stale ones
            written = _values_write(cursor, **write)
            if written != count:
                transaction.set_rollback(True)
    except IntegrityError:  # an inserted value met one saved since the check
        return False
    return written == count


def _values_write(cursor, *, by, now, reason: str) -> int:
    """Write the scratch table's changes and one history row each, set-based; return how many.

    A change the preview saw as new is inserted, and one with an old value updates the row only
    while it still holds that value, so a value saved by someone else since the preview is
    never overwritten. A plain INSERT is a quarter cheaper than INSERT ... ON CONFLICT, which
    probes the unique index before each row. The ORM's bulk_create spends most of its time
    building model instances: for 200,000 values it took over a minute where these statements
    take seconds (bench/import_bench.py).
    """
    quote = connection.ops.quote_name
    values = quote(IndicatorValue._meta.db_table)
    stamp = connection.ops.adapt_datetimefield_value(now)
    # A changed value has to be verified again.
    update = (
        f"UPDATE {values} SET value = r.value, version = {values}.version + 1, "
        f"entered_by_id = %s, updated_at = %s, verified_by_id = NULL, verified_at = NULL "
        f"FROM sheet_import_rows r "
        f"WHERE r.old IS NOT NULL AND {values}.indicator_id = r.indicator_id "
        f"AND {values}.unit_id = r.unit_id AND {values}.period = r.period "
        f"AND {values}.value = r.old"
    )
    insert = (
        f"INSERT INTO {values} (unit_id, indicator_id, period, value, version, "
        f"entered_by_id, updated_at) "
        f"SELECT unit_id, indicator_id, period, value, 1, %s, %s FROM sheet_import_rows "
        f"WHERE old IS NULL"
    )
    if connection.vendor == "postgresql":
        # One statement: the history reads the written rows as RETURNING hands them over,
        # instead of joining 200,000 of them back from the values table (a second off).
        history_model = IndicatorValue.history.model
        columns = [quote(field.column) for field in history_model.tracked_fields]
        returned = ", ".join(f"{values}.{column}" for column in columns)
        written = f"SELECT {', '.join(columns)}, %s, %s, %s, %s FROM"
        cursor.execute(
            f"WITH updated AS ({update} RETURNING {returned}), "
            f"inserted AS ({insert} RETURNING {', '.join(columns)}) "
            f"INSERT INTO {quote(history_model._meta.db_table)} ({', '.join(columns)}, "
            f"history_date, history_change_reason, history_type, history_user_id) "
            f"{written} updated UNION ALL {written} inserted",
            [by.pk, stamp, by.pk, stamp, stamp, reason, "~", by.pk, stamp, reason, "+", by.pk],
        )
        return cursor.rowcount
    # SQLite has no INSERT inside WITH: the history copies the rows written, those that bear
    # this import's user and time (an update skipped as stale does not), a new one at its
    # first version.
    cursor.execute(update, [by.pk, stamp])
    cursor.execute(insert, [by.pk, stamp])
    written = IndicatorValue.objects.filter(entered_by=by, updated_at=now)
    return sum(
        history_copy(queryset=rows, history_type=history_type, reason=reason, by=by)
        for history_type, rows in (
            ("+", written.filter(version=1)),
            ("~", written.filter(version__gt=1)),
        )
    )


def _results_refresh(*, cycle: Cycle, touched: list[tuple[int, str]]) -> None:
    """Recompute the results of the categories and periods (category id, period) the import
    touched."""
    results_refresh_for_categories(
        cycle=cycle,
        category_ids={category_id for category_id, _ in touched},
        periods={period for _, period in touched},
    )
