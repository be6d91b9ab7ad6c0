"""A scorer's spreadsheet in and out: the quarter template, the upload preview and its commit.

An upload is read with python-calamine (a Rust reader, far faster than openpyxl), checked as a
whole (every problem at once, each placed by sheet, row and column), and turned into a list of
changes (old → new) stored on its ImportRecord. Nothing is written until the scorer confirms;
the confirmation writes exactly the previewed changes in one transaction, set-based, with a
history row per value that names the import.
"""

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from python_calamine import CalamineWorkbook

from cadre import roles
from cadre.models import Unit
from scoring.models import Cycle, ImportRecord, Indicator, IndicatorValue, Period
from scoring.services.cells import (
    CellError,
    CellProblem,
    Column,
    cell_decimal,
    cell_period,
    cell_safe,
    cell_text,
    decimal_plain,
    sheet_columns_find,
)
from scoring.services.refresh import results_refresh_for_categories
from scoring.services.uploads import upload_check
from scoring.services.values import (
    CycleLockedError,
    cycle_ensure_editable,
    indicator_categories,
    period_fits_frequency,
    source_import,
    value_figure_problem,
    value_method_problem,
)
from scoring.services.workbook import history_copy

UNIT_HEADERS = ("unit", "unit_code", "单位代码", "单位")
IGNORED_HEADERS = {"name", "unit_name", "单位名称", "category", "类别", "单位类别"}
# The template's header rows below the codes, skipped when it comes back.
TEMPLATE_LABELS = frozenset({"指标名称", "满分", "计分方法"})
LONG_COLUMNS = (
    Column("unit", UNIT_HEADERS[1:]),
    Column("indicator", ("indicator_code", "指标代码", "指标")),
    Column("period", ("期间", "季度")),
    Column("value", ("数值", "值", "得分")),
)
HEADER_SEARCH_ROWS = 10
PROGRESS_EVERY = 5000
STORED_PROBLEMS = 1000
TEMPLATE_FIRST_ROW = 5
HEADER_FILL = PatternFill("solid", fgColor="EEF2F7")
NOT_APPLICABLE_FILL = PatternFill("solid", fgColor="D9D9D9")


class ImportRefused(Exception):
    """The import cannot be confirmed; the message says why."""


@dataclass
class SheetPlan:
    """What an upload would change, and what is wrong with it."""

    changes: list[list] = field(default_factory=list)
    problems: list[CellProblem] = field(default_factory=list)
    rows: int = 0


# A cell read as a value: the number (None when blank), its plain digits and the problem of its
# digits whatever the indicator; or why it is no number.
Reading = tuple[Decimal | None, str, str | None] | CellError


@dataclass
class _Context:
    """Everything a row is checked against, loaded in a fixed number of queries."""

    indicators: dict[str, Indicator]
    owned: set[int] | None
    units: dict[str, tuple[int, int]]
    applies: dict[int, set[int]]
    # The stored values of the sheet's periods only (see _current_load).
    current: dict[tuple[int, int, str], Decimal] = field(default_factory=dict)
    readings: dict[tuple[type, object], Reading] = field(default_factory=dict)


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
    """Return the sheet imports the user may see: their own, every one for the 考核办."""
    records = ImportRecord.objects.filter(kind=ImportRecord.Kind.SCORER_SHEET)
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
    current = _current_values([indicator.pk for indicator in indicators], [period])

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"{cycle.year}-{period}"
    labels = ["单位代码", "单位名称", "类别"]  # fixed: the upload reads them back
    header = [
        labels,
        ["指标名称", "", ""],
        ["满分", "", ""],
        ["计分方法", "", ""],
    ]
    for indicator in indicators:
        header[0].append(indicator.code)
        header[1].append(cell_safe(indicator.name))
        header[2].append(indicator.max_points)
        header[3].append(str(indicator.get_method_display()))
    for row in header:
        sheet.append(row)
    for unit in units:
        values = [
            current.get((unit.pk, indicator.pk, period))
            if _applies(applies, indicator.pk, unit.category_id)
            else None
            for indicator in indicators
        ]
        sheet.append([unit.code, cell_safe(unit.name), cell_safe(unit.category.name), *values])

    last_row = TEMPLATE_FIRST_ROW + len(units) - 1
    for row in sheet.iter_rows(min_row=1, max_row=TEMPLATE_FIRST_ROW - 1):
        for cell in row:
            cell.font = Font(bold=True)
            cell.fill = HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for offset, indicator in enumerate(indicators):
        column = get_column_letter(4 + offset)
        sheet.column_dimensions[column].width = 14
        validation = _validation(indicator)
        sheet.add_data_validation(validation)
        validation.add(f"{column}{TEMPLATE_FIRST_ROW}:{column}{max(last_row, TEMPLATE_FIRST_ROW)}")
        for index, unit in enumerate(units):
            cell = sheet.cell(row=TEMPLATE_FIRST_ROW + index, column=4 + offset)
            if _applies(applies, indicator.pk, unit.category_id):
                cell.protection = Protection(locked=False)
            else:
                cell.fill = NOT_APPLICABLE_FILL
    sheet.column_dimensions["B"].width = 18
    sheet.freeze_panes = f"D{TEMPLATE_FIRST_ROW}"
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False
    return workbook


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
    else:
        validation = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0")
        rule = _("请填非负数")
    validation.error = rule
    validation.errorTitle = indicator.code
    validation.prompt = rule
    validation.showErrorMessage = True
    validation.allow_blank = True
    return validation


def sheet_upload_read(*, path) -> tuple[str, list[list]]:
    """Return the first sheet's name and its rows, read with calamine."""
    workbook = CalamineWorkbook.from_path(str(path))
    try:
        sheet = workbook.get_sheet_by_index(0)
        return sheet.name, sheet.to_python(skip_empty_area=False)
    finally:
        workbook.close()


def sheet_changes_plan(
    *,
    cycle: Cycle,
    user,
    period: str,
    sheet: str,
    rows: Sequence[Sequence],
    progress: Callable[[int], None] | None = None,
) -> SheetPlan:
    """Check every row of an uploaded sheet and return the changes it would make.

    Accepts the wide sheet (unit code column, indicator codes as headers, values of `period`)
    and the long sheet (unit, indicator, period, value), English or Chinese headers. Each problem
    is placed by sheet, row and column; a value equal to the stored one is no change.
    """
    plan = SheetPlan()
    try:
        cycle_ensure_editable(cycle=cycle)
    except CycleLockedError as error:
        plan.problems.append(CellProblem(sheet, None, None, str(error)))
        return plan
    header_index = _header_row_find(rows)
    if header_index is None:
        plan.problems.append(
            CellProblem(
                sheet,
                None,
                None,
                _(
                    "找不到表头：需要“单位代码”（unit）列，可以是宽表（指标代码作列名）"
                    "或长表（单位代码、指标代码、期间、数值）。"
                ),
            )
        )
        return plan
    header = {cell_text(cell).lower() for cell in rows[header_index]}
    long_names = {name.lower() for name in ("indicator", *LONG_COLUMNS[1].headers)}
    context = _context_load(cycle=cycle, user=user)
    if header & long_names:
        _long_plan(plan, context, sheet, rows, header_index, progress)
    else:
        _wide_plan(plan, context, sheet, rows, header_index, period, progress)
    return plan


def _header_row_find(rows: Sequence[Sequence]) -> int | None:
    names = {name.lower() for name in UNIT_HEADERS}
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if any(cell_text(cell).lower() in names for cell in row):
            return index
    return None


def _context_load(*, cycle: Cycle, user) -> _Context:
    indicators = {
        indicator.code: indicator
        for indicator in Indicator.objects.filter(cycle=cycle, children__isnull=True).exclude(
            method=""
        )
    }
    owned = None
    if not roles.user_has_role(user, roles.ADMIN):
        owned = set(sheet_indicators(cycle=cycle, user=user).values_list("pk", flat=True))
    units = {
        code: (pk, category_id)
        for code, pk, category_id in Unit.objects.filter(is_active=True).values_list(
            "code", "pk", "category_id"
        )
    }
    return _Context(
        indicators=indicators,
        owned=owned,
        units=units,
        applies=indicator_categories(indicator.pk for indicator in indicators.values()),
    )


def _current_load(context: _Context, periods: set[str]) -> None:
    """Load the stored values of the periods the sheet holds: by the fourth quarter a cycle's
    other periods hold three times as many values, each a Decimal to build."""
    leaves = [indicator.pk for indicator in context.indicators.values()]
    context.current = _current_values(leaves, sorted(periods))


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


def _indicator_problem(context: _Context, code: str, period: str) -> tuple[Indicator | None, str]:
    indicator = context.indicators.get(code)
    if indicator is None:
        return None, _("未知指标代码“%(code)s”") % {"code": code}
    if indicator.method == Indicator.Method.EVALUATION:
        return None, _("%(code)s 是综合评价指标，按测评票数计分，不能导入数值") % {"code": code}
    if context.owned is not None and indicator.pk not in context.owned:
        return None, _("您不是指标 %(code)s 的评分账号，不能导入它的数据") % {"code": code}
    if not period_fits_frequency(frequency=indicator.frequency, period=period):
        return None, _("指标 %(code)s %(frequency)s，不能填在期间 %(period)s") % {
            "code": code,
            "frequency": indicator.get_frequency_display(),
            "period": period,
        }
    return indicator, ""


def _value_add(plan, context, seen, unit, indicator, period, raw, sheet, row, column) -> None:
    """Check one value of `unit` (id, category id) and add it to the plan as a change (or a
    problem placed at sheet, row and column).

    Called once per value, 200,000 times for a big sheet: positional arguments, the cached
    reading and inlined lookups keep it to a few dictionary lookups and the method's rule.
    """
    unit_id, category_id = unit
    indicator_id = indicator.id
    key = (unit_id, indicator_id, period)
    other = seen.get(key)
    if other is not None:
        message = _("重复：与第 %(row)s 行的单位、指标、期间相同") % {"row": other}
        plan.problems.append(CellProblem(sheet, row, column, message))
        return
    seen[key] = row
    reading = context.readings.get((raw.__class__, raw)) or _reading(context, raw)
    if isinstance(reading, CellError):
        plan.problems.append(CellProblem(sheet, row, column, str(reading)))
        return
    value, text, figure_problem = reading
    if value is None:
        return
    categories = context.applies.get(indicator_id)
    if categories is not None and category_id not in categories:
        message = _("指标 %(code)s 不适用于该单位的类别") % {"code": indicator.code}
        plan.problems.append(CellProblem(sheet, row, column, message))
        return
    problem = value_method_problem(indicator=indicator, value=value) or figure_problem
    if problem:
        plan.problems.append(CellProblem(sheet, row, column, problem))
        return
    old = context.current.get(key)
    if old is None:
        plan.changes.append([unit_id, indicator_id, period, None, text])
    elif old != value:
        plan.changes.append([unit_id, indicator_id, period, decimal_plain(old), text])


def _reading(context: _Context, raw) -> Reading:
    """Read the cell as a number, its plain digits and why it fits no value column whatever the
    indicator (the number None when blank), or why it is no number, into the cache that
    _value_add looks in first.

    Cached by type and content: a sheet repeats the same figures (0, full marks, round scores)
    in thousands of cells, and reading a float to Excel's digits and back to plain text, then
    checking those digits, is a large share of a cell's cost. The type is part of the key because
    True == 1 hashes alike, yet a TRUE cell is no number.
    """
    try:
        value = cell_decimal(raw)
    except CellError as error:
        reading = error
    else:
        if value is None:
            reading = (None, "", None)
        else:
            reading = (value, decimal_plain(value), value_figure_problem(value))
    context.readings[raw.__class__, raw] = reading
    return reading


def _wide_columns(plan, context, sheet, header, header_number, period):
    """Return the unit column's position and the (position, letter, indicator) of each value
    column."""
    unit_names = {name.lower() for name in UNIT_HEADERS}
    unit_position, columns, seen_codes = None, [], {}
    for position, cell in enumerate(header):
        text, letter = cell_text(cell), get_column_letter(position + 1)
        if text.lower() in unit_names and unit_position is None:
            unit_position = position
            continue
        if not text or text.lower() in IGNORED_HEADERS:
            continue
        indicator, problem = _indicator_problem(context, text, period)
        if text in seen_codes:
            indicator = None
            problem = _("指标 %(code)s 重复出现（另见 %(other)s 列）") % {
                "code": text,
                "other": seen_codes[text],
            }
        seen_codes.setdefault(text, letter)
        if indicator is None:
            plan.problems.append(CellProblem(sheet, header_number, letter, problem))
        else:
            columns.append((position, letter, indicator))
    if not columns and not plan.problems:
        plan.problems.append(
            CellProblem(sheet, header_number, None, _("表头中没有可导入的指标代码"))
        )
    return unit_position, columns


def _wide_unit_problem(context, code: str, seen_units: dict[str, int]) -> str:
    if not code:
        return _("缺少单位代码")
    if code not in context.units:
        return _("未知单位代码“%(code)s”") % {"code": code}
    if code in seen_units:
        return _("单位 %(code)s 重复（另见第 %(row)s 行）") % {
            "code": code,
            "row": seen_units[code],
        }
    return ""


def _wide_plan(plan, context, sheet, rows, header_index, period, progress):
    unit_position, columns = _wide_columns(
        plan, context, sheet, rows[header_index], header_index + 1, period
    )
    unit_letter = get_column_letter(unit_position + 1)
    _current_load(context, {period})
    seen_units: dict[str, int] = {}
    seen_values: dict = {}
    for index in range(header_index + 1, len(rows)):
        row, number = rows[index], index + 1
        code = cell_text(row[unit_position]) if unit_position < len(row) else ""
        if code in TEMPLATE_LABELS or not any(cell_text(cell) for cell in row):
            continue
        plan.rows += 1
        if progress and plan.rows % PROGRESS_EVERY == 0:
            progress(plan.rows)
        problem = _wide_unit_problem(context, code, seen_units)
        if problem:
            plan.problems.append(CellProblem(sheet, number, unit_letter, problem))
            continue
        seen_units[code] = number
        unit = context.units[code]
        width = len(row)
        for position, letter, indicator in columns:
            raw = row[position] if position < width else None
            _value_add(
                plan, context, seen_values, unit, indicator, period, raw, sheet, number, letter
            )


def _long_plan(plan, context, sheet, rows, header_index, progress):
    positions, letters, problems = sheet_columns_find(
        sheet=sheet, header=rows[header_index], columns=LONG_COLUMNS, header_row=header_index + 1
    )
    plan.problems += problems
    if problems:
        return
    # The rows are read in place, by position: a row object per row was a third of the check.
    unit_at, indicator_at, period_at, value_at = (positions[column.key] for column in LONG_COLUMNS)
    width = max(positions.values()) + 1
    # Read each distinct period text once: a sheet writes the same few on every row.
    texts = {cell_text(row[period_at]) for row in rows[header_index + 1 :] if period_at < len(row)}
    periods = {text: cell_period(text) for text in texts}
    _current_load(context, {period for period in periods.values() if period})
    seen: dict = {}
    # A sheet names the same few indicators and periods on every row: check each pair once.
    indicator_checks: dict[tuple[str, str], tuple[Indicator | None, str]] = {}
    for index in range(header_index + 1, len(rows)):
        row, number = rows[index], index + 1
        if len(row) < width:
            row = [*row, *[None] * (width - len(row))]
        code, raw = cell_text(row[unit_at]), row[value_at]
        period_text = cell_text(row[period_at])
        if not (code or period_text or cell_text(row[indicator_at]) or cell_text(raw)):
            continue
        plan.rows += 1
        if progress and plan.rows % PROGRESS_EVERY == 0:
            progress(plan.rows)
        unit = context.units.get(code)
        if unit is None:
            message = _("未知单位代码“%(code)s”") % {"code": code}
            plan.problems.append(CellProblem(sheet, number, letters["unit"], message))
            continue
        period = periods.get(period_text)
        if period is None:
            message = _("期间应为 Q1、Q2、Q3、Q4 或 Y，实为“%(text)s”") % {"text": period_text}
            plan.problems.append(CellProblem(sheet, number, letters["period"], message))
            continue
        pair = (cell_text(row[indicator_at]), period)
        checked = indicator_checks.get(pair)
        if checked is None:
            checked = indicator_checks[pair] = _indicator_problem(context, *pair)
        indicator, problem = checked
        if indicator is None:
            plan.problems.append(CellProblem(sheet, number, letters["indicator"], problem))
            continue
        if raw is None or (isinstance(raw, str) and not cell_text(raw)):
            plan.problems.append(CellProblem(sheet, number, letters["value"], _("缺少数值")))
            continue
        _value_add(
            plan, context, seen, unit, indicator, period, raw, sheet, number, letters["value"]
        )


def sheet_import_start(*, cycle: Cycle, user, period: str, upload: UploadedFile) -> ImportRecord:
    """Guard the upload, record it and check it: at once for a small file, in the background
    (the `sheet_import_prepare_task` task, with progress on the record) for a big one.

    Raises UploadRefused, before any heavy work, for a file that may not be read at all.
    """
    from scoring.tasks import sheet_import_prepare_task  # the task module imports this one

    info = upload_check(name=upload.name, file=upload, size=upload.size)
    record = ImportRecord.objects.create(
        kind=ImportRecord.Kind.SCORER_SHEET,
        status=ImportRecord.Status.PROCESSING,
        cycle=cycle,
        file_name=info.name,
        size=info.size,
        sha256=info.sha256,
        uploaded_by=user,
        period=period,
        total_rows=info.rows,
        upload=upload,
    )
    if info.rows > settings.SCORING_IMPORT_BACKGROUND_ROWS:
        sheet_import_prepare_task.enqueue(record_id=record.pk)
        record.refresh_from_db()
        return record
    return sheet_import_prepare(record=record)


def sheet_import_prepare(*, record: ImportRecord) -> ImportRecord:
    """Read the record's stored upload, check it and store the preview (changes or problems).

    Progress is written to the record as rows are checked, for the progress bar of big files.
    """

    def progress(rows: int) -> None:
        ImportRecord.objects.filter(pk=record.pk).update(processed_rows=rows)

    try:
        sheet, rows = sheet_upload_read(path=record.upload.path)
    except Exception as error:  # calamine raises its own error types for unreadable files
        plan = SheetPlan(problems=[CellProblem("", None, None, _("无法读取文件：%s") % error)])
    else:
        plan = sheet_changes_plan(
            cycle=record.cycle,
            user=record.uploaded_by,
            period=record.period,
            sheet=sheet,
            rows=rows,
            progress=progress,
        )
    record.processed_rows = plan.rows
    record.total_rows = max(record.total_rows, plan.rows)
    record.errors = [_problem_json(problem) for problem in plan.problems[:STORED_PROBLEMS]]
    if len(plan.problems) > STORED_PROBLEMS:
        record.errors.append(
            {
                "sheet": "",
                "row": None,
                "column": None,
                "message": _("另有 %(count)s 个问题未列出")
                % {"count": len(plan.problems) - STORED_PROBLEMS},
            }
        )
    record.changes = [] if plan.problems else plan.changes
    record.rows_changed = len(record.changes)
    record.status = ImportRecord.Status.FAILED if plan.problems else ImportRecord.Status.PENDING
    record.save(
        update_fields=[
            "processed_rows",
            "total_rows",
            "errors",
            "changes",
            "rows_changed",
            "status",
        ]
    )
    return record


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


def _problem_json(problem: CellProblem) -> dict:
    return {
        "sheet": problem.sheet,
        "row": problem.row,
        "column": problem.column,
        "message": problem.message,
    }


@transaction.atomic
def sheet_import_commit(*, record: ImportRecord, by) -> int:
    """Write the previewed changes of a pending import, all or none; return how many.

    Refuses when the cycle was locked meanwhile or when any value changed since the preview
    (someone else saved it): the scorer uploads again and sees the new preview.

    The changes never come into Python: the database unpacks the stored preview into a scratch
    table, checks it against the stored values and writes it, set-based. Decoding 200,000
    changes, then sending them back with COPY, took over half a second of the commit.
    """
    record = ImportRecord.objects.select_for_update().defer("changes", "errors").get(pk=record.pk)
    if record.status != ImportRecord.Status.PENDING:
        raise ImportRefused(
            _("这次导入的状态是“%(status)s”，不能确认。") % {"status": record.get_status_display()}
        )
    if record.uploaded_by_id != by.pk:
        raise ImportRefused(_("只有上传文件的人可以确认这次导入。"))
    try:
        cycle_ensure_editable(cycle=record.cycle)
    except CycleLockedError as error:
        raise ImportRefused(str(error)) from None
    now = timezone.now()
    with connection.cursor() as cursor:
        count = _scratch_fill(cursor, record)
        reason = source_import(file_name=record.file_name, record_id=record.pk)
        stale = _stale_count(cursor)
        if not stale and not _values_write_all(cursor, count=count, by=by, now=now, reason=reason):
            stale = _stale_count(cursor)  # saved by someone else since the check: say how many
        if stale:
            raise ImportRefused(
                _("预览之后有 %(count)s 个数值已被修改，请重新上传文件并查看新的预览。")
                % {"count": stale}
            )
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


def _scratch_fill(cursor, record: ImportRecord) -> int:
    """Unpack the record's previewed changes into the scratch table sheet_import_rows (one row
    per change: unit, indicator, period, old and new value); return how many there are."""
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql":
        elements, item = "jsonb_array_elements(changes) AS change", "change ->> {}"
    else:  # SQLite: json_each's rows also have an id column, hence the qualified record id.
        elements, item = "json_each(changes) AS change", "json_extract(change.value, '$[{}]')"
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


def _stale_count(cursor) -> int:
    """Return how many previewed old values differ from what is stored now (a value stored
    where none was, or gone where one was, counts too)."""
    cursor.execute(
        f"SELECT count(*) FROM sheet_import_rows r "
        f"LEFT JOIN {connection.ops.quote_name(IndicatorValue._meta.db_table)} v "
        f"ON v.indicator_id = r.indicator_id AND v.unit_id = r.unit_id AND v.period = r.period "
        f"WHERE v.value IS DISTINCT FROM r.old"
    )
    return cursor.fetchone()[0]


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
