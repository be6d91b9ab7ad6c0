"""The interchange workbook: a whole cycle in one .xlsx, for bulk import, backup and moving.

Import reads every sheet with python-calamine, collects every problem at once (sheet, row,
column) and writes nothing unless the file is clean; then it replaces the cycle's contents in
one transaction. Export writes the same format with openpyxl, so that export → import → export
gives the same cell values.
"""

import dataclasses
import io
import logging
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from itertools import islice
from xml.etree import ElementTree

from django.db import connection
from django.db.models import (
    Max,
    Model,
    Q,
    QuerySet,
)
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from python_calamine import CalamineError, CalamineWorkbook

from cadre.models import Official, Unit, UnitCategory
from cadre.validators import code_problem
from cadre.words import listed
from scoring.models import (
    QUARTERS,
    Adjustment,
    Cycle,
    Indicator,
    IndicatorValue,
    OfficialScore,
    RaterGroup,
    Responsibility,
    UnitResult,
    Vote,
)
from scoring.services.cells import (
    CellError,
    CellProblem,
    Column,
    ExcelError,
    SheetRow,
    cell_bool,
    cell_count,
    cell_decimal,
    cell_echo,
    cell_list,
    cell_period,
    cell_prose,
    cell_safe,
    cell_text,
    cell_unescape,
    choice_values_by_name,
    decimal_fit_problem,
    decimal_plain,
    sheet_rows_error_problems,
    sheet_rows_read,
)
from scoring.services.closed_quarters import (
    closed_quarter_placings,
    unit_category_move_refusal,
    unit_moves_cycles_lock,
)
from scoring.services.excel_errors import excel_errors_place, excel_errors_read
from scoring.services.history import (
    cycle_tree_delete,
    history_record,
    master_data_history_record,
)
from scoring.services.refresh import results_refresh_all, results_refresh_unlocked
from scoring.services.sql import history_copy, table_name
from scoring.services.tree import TreeNode, indicator_tree_load, tree_nodes_problems
from scoring.services.uploads import unreadable_workbook_message
from scoring.services.values import (
    CycleLockedError,
    cycle_ensure_editable,
    period_fits_frequency,
    source_verified,
    value_problem,
)

logger = logging.getLogger(__name__)

BATCH = 5000


@dataclass(frozen=True)
class Sheet:
    """A sheet of the workbook: its English name, the Chinese names people give it, its columns."""

    name: str
    aliases: tuple[str, ...]
    columns: tuple[Column, ...]


CODE = Column("code", ("代码", "编码"))
NAME = Column("name", ("名称",))
UNIT = Column("unit", ("单位代码", "单位", "所在单位"))
INDICATOR = Column("indicator", ("指标代码", "指标"))
PERIOD = Column("period", ("期间",))

SETTINGS = Sheet(
    "settings",
    ("设置", "参数"),
    (Column("key", ("设置项", "项目")), Column("value", ("值", "取值"))),
)
CATEGORIES = Sheet("categories", ("单位类别", "类别"), (CODE, NAME))
UNITS = Sheet("units", ("考核单位", "单位"), (CODE, NAME, Column("category", ("类别", "单位类别"))))
OFFICIALS = Sheet(
    "officials",
    ("干部",),
    (CODE, Column("name", ("姓名", "名称")), UNIT, Column("role", ("班子角色", "角色"))),
)

INDICATORS = Sheet(
    "indicators",
    ("考核指标", "指标"),
    (
        CODE,
        NAME,
        Column("parent", ("上级", "上级指标")),
        Column("max_points", ("分值", "满分")),
        Column("method", ("计分方法",)),
        Column("frequency", ("频次",), required=False),
        Column("categories", ("适用类别",), required=False),
        Column("target", ("目标值",), required=False),
        Column("floor", ("完成率下限",), required=False),
        Column("cap", ("完成率上限",), required=False),
        Column("lower_is_better", ("越低越好",), required=False),
        Column("step", ("每名次扣分",), required=False),
        Column("min_share", ("末位得分比例",), required=False),
        Column("per_incident", ("每次扣分",), required=False),
        Column("lead_department", ("牵头部门",), required=False),
    ),
)
RESPONSIBILITIES = Sheet(
    "responsibilities",
    ("指标责任人", "责任人"),
    (Column("official", ("干部", "责任人")), INDICATOR),
)
RATER_GROUPS = Sheet(
    "rater_groups",
    ("测评群体",),
    (
        CODE,
        NAME,
        Column("weight", ("权重",)),
        # An extension of the interchange format: other systems ignore it as an extra column.
        Column("categories", ("评议类别",), required=False),
        Column("indicators", ("评议指标",), required=False),
    ),
)
VALUES = Sheet(
    "values", ("指标数据", "数据"), (UNIT, INDICATOR, PERIOD, Column("value", ("数值", "值")))
)
VOTES = Sheet(
    "votes",
    ("测评票数", "票数"),
    (
        UNIT,
        INDICATOR,
        PERIOD,
        Column("rater_group", ("测评群体",)),
        Column("excellent", ("优秀",)),
        Column("competent", ("称职",)),
        Column("basic", ("基本称职",)),
        Column("incompetent", ("不称职",)),
    ),
)
ADJUSTMENTS = Sheet(
    "adjustments",
    ("柔性考核调整", "柔性考核"),
    (
        UNIT,
        PERIOD,
        Column("points", ("调整分值", "分值")),
        Column("reason", ("调整事由", "事由")),
        Column("approved_by", ("批准人",)),
    ),
)
SHEETS = (
    SETTINGS,
    CATEGORIES,
    UNITS,
    OFFICIALS,
    INDICATORS,
    RESPONSIBILITIES,
    RATER_GROUPS,
    VALUES,
    VOTES,
    ADJUSTMENTS,
)

# Each settings key names a Cycle field, or the fields one comma-separated cell holds.
# The word for what a sheet's codes name, in "unknown … code" messages (translated only when
# one is shown).
CODE_WORDS = {
    CATEGORIES.name: gettext_lazy("类别"),
    UNITS.name: gettext_lazy("单位"),
    OFFICIALS.name: gettext_lazy("干部"),
    INDICATORS.name: gettext_lazy("指标"),
    RATER_GROUPS.name: gettext_lazy("测评群体"),
}


def unknown_code(sheet: Sheet, code: str) -> str:
    return _("未知的%(what)s代码“%(code)s”") % {
        "what": CODE_WORDS[sheet.name],
        "code": cell_echo(code),
    }


SETTING_FIELDS = {
    "name": ("name",),
    "quarter_weights": ("weight_q1", "weight_q2", "weight_q3", "weight_q4"),
    "bonus_cap": ("bonus_cap",),
    "excellent_share": ("excellent_share",),
    "excellent_min": ("excellent_min",),
    "good_min": ("good_min",),
    "fair_min": ("fair_min",),
    "alpha_principal": ("alpha_principal",),
    "alpha_member": ("alpha_member",),
    "vote_values": ("vote_excellent", "vote_competent", "vote_basic", "vote_incompetent"),
    "star_share": ("star_share",),
}
SETTING_ALIASES = {
    "年度": "year",
    "名称": "name",
    "季度权重": "quarter_weights",
    "加分上限": "bonus_cap",
    "优秀比例": "excellent_share",
    "优秀分数线": "excellent_min",
    "良好分数线": "good_min",
    "一般分数线": "fair_min",
    "主要负责人关联系数": "alpha_principal",
    "其他干部关联系数": "alpha_member",
    "测评票分值": "vote_values",
    "十星级子节点比例": "star_share",
}
SHARE_SETTINGS = {"excellent_share", "alpha_principal", "alpha_member", "star_share"}


class WorkbookInvalid(Exception):
    """The workbook cannot be imported; `problems` says everything that is wrong with it."""

    def __init__(self, problems: list[CellProblem]):
        super().__init__(_("工作簿有 %(count)s 处问题。") % {"count": len(problems)})
        self.problems = problems


@dataclass
class Contents:
    """A workbook's clean contents, keyed by codes, ready to be written."""

    year: int | None = None
    settings: dict = field(default_factory=dict)
    categories: list[tuple[str, str]] = field(default_factory=list)
    units: list[tuple[str, str, str]] = field(default_factory=list)
    officials: list[tuple[str, str, str, str]] = field(default_factory=list)
    indicators: list[dict] = field(default_factory=list)
    responsibilities: list[tuple[str, str]] = field(default_factory=list)
    rater_groups: list[tuple[str, str, Decimal]] = field(default_factory=list)
    # The categories each rater group rates, by group code (a group absent rates all).
    rater_group_categories: dict[str, list[str]] = field(default_factory=dict)
    # The evaluation indicators each rater group rates, by group code (a group absent rates all).
    rater_group_indicators: dict[str, list[str]] = field(default_factory=dict)
    values: list[tuple[str, str, str, Decimal]] = field(default_factory=list)
    votes: list[tuple] = field(default_factory=list)
    adjustments: list[tuple[str, str, Decimal, str, str]] = field(default_factory=list)
    # The units sheet's rows (row, unit code, category code) moving a stored unit to another
    # category: checked again when written, under lock (see workbook_cycle_lock).
    unit_moves: list[tuple[SheetRow, str, str]] = field(default_factory=list)
    # The name the file gives each sheet, by its English name: problems found when written
    # name the sheet as the file does too.
    sheet_names: dict[str, str] = field(default_factory=dict)


# What a code written with characters a code may not hold was most likely meant to be: the
# other sheets name "ZJ 01" or "ZJ/01" as ZJ01.
CODE_STRAY = re.compile(r"[^A-Za-z0-9._-]|^[._-]+")


class Refusals:
    """The codes the workbook cannot use, and the rows of other sheets that fell with them.

    A unit refused in its own sheet (a bad code, an unknown category) takes down every
    official, value, vote and adjustment that names it, and an official taken down its
    responsibilities. One message at the root, saying how many rows it took down and where,
    tells the clerk what to mend; hundreds that each name the unit again bury it. A code no
    sheet defines is such a root too, at the first row naming it.
    """

    def __init__(self, problems: list[CellProblem]):
        self.problems = problems
        # (the sheet defining the code, the code) → the root problem's index in `problems`.
        self.roots: dict[tuple[str, str], int] = {}
        self.fallen: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))

    def refuse(self, sheet: str, code: str, root: int) -> None:
        """Note that the sheet's code cannot be used, because of the problem `root`."""
        for alias in {code, CODE_STRAY.sub("", code)}:
            self.roots.setdefault((sheet, alias), root)

    def root(self, sheet: str, code: str) -> int | None:
        return self.roots.get((sheet, code))

    def fall(self, root: int, sheet: str, row: int) -> None:
        self.fallen[root][sheet].add(row)

    def finish(self) -> None:
        """Tell each root problem how many rows it took down, sheet by sheet."""
        for root, sheets in self.fallen.items():
            rows = {sheet: len(numbers) for sheet, numbers in sheets.items()}
            problem = self.problems[root]
            where = listed(
                _("%(sheet)s %(count)s 行") % {"sheet": sheet, "count": count}
                for sheet, count in rows.items()
            )
            message = _("%(message)s（因此另有 %(count)s 行无法导入：%(sheets)s）") % {
                "message": problem.message,
                "count": sum(rows.values()),
                "sheets": where,
            }
            self.problems[root] = dataclasses.replace(problem, message=message)


class SheetReader:
    """Reads the cells of one sheet's rows, noting every problem instead of stopping."""

    def __init__(self, sheet: Sheet, problems: list[CellProblem], refusals: Refusals):
        self.sheet = sheet
        self.problems = problems
        self.refusals = refusals
        self.required = {column.key for column in sheet.columns if column.required}
        self.row_start = 0
        self.row_root: int | None = None
        self.choice_names: dict = {}

    def row_begin(self) -> None:
        """Start reading a row: its own problems and the refused codes it names count from
        here (see row_refuse)."""
        self.row_start = len(self.problems)
        self.row_root = None

    def row_refuse(self, code: str) -> None:
        """Refuse the row's code, whose row was not taken: the rows naming it fall with its
        first problem, or with the refused code it named itself."""
        own = self.row_start if len(self.problems) > self.row_start else None
        root = own if own is not None else self.row_root
        if code and root is not None:
            self.refusals.refuse(self.sheet.name, code, root)

    def unusable(self, row: SheetRow, key: str, sheet: str, code: str, message: str) -> None:
        """Note that the row names a code of `sheet` it cannot use: the first row naming it
        says so, later ones fall with it (or with the row that defined it and was refused)."""
        root = self.refusals.root(sheet, code)
        if root is None:
            before = len(self.problems)
            self.problem(row, key, message)
            if len(self.problems) == before:
                return
            root = before
            self.refusals.refuse(sheet, code, root)
        else:
            self.refusals.fall(root, self.sheet.name, row.number)
        self.row_root = root

    def problem(self, row: SheetRow, key: str, message: str) -> None:
        # A missing required column is reported once, at the header, not on every row; a cell
        # holding an Excel error once, as such, where the rows were read (see _rows).
        if isinstance(row.cells.get(key), ExcelError):
            return
        if key in row.letters or key not in self.required:
            self.problems.append(row.place(self.sheet.name, key, message))

    def text(self, row: SheetRow, key: str, *, required: bool = True, prose=False) -> str:
        """Return the cell's text; prose (names, reasons) keeps its full-width punctuation."""
        text = (cell_prose if prose else cell_text)(row.cells.get(key))
        if required and not text:
            self.problem(row, key, _("不能为空"))
        return text

    def code(self, row: SheetRow, key: str = "code") -> str:
        """Return the cell's code, noting a problem for one the models' code rule refuses (a
        "/" would break the unit's pages, a leading "=" would run in Excel)."""
        code = self.text(row, key)
        problem = code and code_problem(code)
        if problem:
            self.problem(row, key, problem)
        return code

    def number(
        self,
        row: SheetRow,
        key: str,
        *,
        required: bool = False,
        model_field=None,
        at_least: Decimal | None = None,
        at_most: Decimal | None = None,
    ) -> Decimal | None:
        try:
            number = cell_decimal(row.cells.get(key))
        except CellError as error:
            self.problem(row, key, str(error))
            return None
        if number is None:
            if required:
                self.problem(row, key, _("不能为空"))
            return None
        message = None
        if at_least is not None and number < at_least:
            message = _("不能小于 %(min)s，实为 %(value)s") % {"min": at_least, "value": number}
        elif at_most is not None and number > at_most:
            message = _("不能大于 %(max)s，实为 %(value)s") % {"max": at_most, "value": number}
        elif model_field is not None:
            message = decimal_fit_problem(value=number, model_field=model_field)
        if message:
            self.problem(row, key, message)
            return None
        return number

    def count(self, row: SheetRow, key: str) -> int | None:
        try:
            count = cell_count(row.cells.get(key))
        except CellError as error:
            self.problem(row, key, str(error))
            return None
        if count is None:
            self.problem(row, key, _("不能为空"))
        return count

    def boolean(self, row: SheetRow, key: str) -> bool | None:
        try:
            return cell_bool(row.cells.get(key))
        except CellError as error:
            self.problem(row, key, str(error))
            return None

    def choice(self, row: SheetRow, key: str, choices, *, default: str | None = None):
        """Return the choice's value for a cell holding its value or its label (in any
        language: a blank workbook downloaded in Chinese may be imported in English)."""
        text = cell_text(row.cells.get(key))
        if not text and default is not None:
            return default
        if choices not in self.choice_names:  # read once per sheet, not per row
            self.choice_names[choices] = choice_values_by_name(choices.choices)
        known = self.choice_names[choices]
        if text.lower() in known:
            return known[text.lower()]
        self.problem(
            row,
            key,
            _("应为 %(choices)s 之一，实为“%(text)s”")
            % {"choices": " / ".join(choices.values), "text": cell_echo(text)},
        )
        return None

    def reference(self, row: SheetRow, key: str, known, sheet: Sheet) -> str | None:
        """Return the code in the cell when it is known to `sheet`, note the problem otherwise."""
        code = self.text(row, key)
        if code and code not in known:
            self.unusable(row, key, sheet.name, code, unknown_code(sheet, code))
            return None
        return code or None

    def unique(self, row: SheetRow, key: str, seen: dict, identity) -> bool:
        """Note a duplicate when the identity was seen on an earlier row."""
        if identity in seen:
            self.problem(row, key, _("与第 %(row)s 行重复") % {"row": seen[identity]})
            return False
        seen[identity] = row.number
        return True


def _model_field(model: type[Model], name: str):
    return model._meta.get_field(name)


# --- reading -------------------------------------------------------------------------------


def _sheets_read(data: bytes, problems: list[CellProblem]) -> dict[str, tuple[Iterator, bool, str]]:
    """Return each sheet's rows by its English name, whether any of its cells holds an Excel
    error, and the name the file gives it (考核指标 for indicators), noting the sheets that
    are missing."""
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        errors = excel_errors_read(data)
    except (CalamineError, ValueError, OSError, KeyError, ElementTree.ParseError) as error:
        logger.warning("Workbook unreadable: %s", error)
        raise WorkbookInvalid(
            [CellProblem("-", None, None, unreadable_workbook_message())]
        ) from error
    present = {" ".join(name.split()).lower(): name for name in book.sheet_names}
    sheets = {}
    for sheet in SHEETS:
        found = next(
            (present[n.lower()] for n in (sheet.name, *sheet.aliases) if n.lower() in present),
            None,
        )
        if found is None:
            problems.append(
                CellProblem(
                    sheet.name,
                    None,
                    None,
                    _(
                        "缺少工作表“%(sheet)s”：没有数据也须保留这张工作表，"
                        "只在第 1 行写表头 %(columns)s"
                    )
                    % {
                        "sheet": " / ".join((sheet.name, *sheet.aliases)),
                        "columns": ", ".join(column.key for column in sheet.columns),
                    },
                )
            )
            continue
        worksheet = book.get_sheet_by_name(found)
        rows = worksheet.iter_rows()
        first_column = worksheet.start[1] if worksheet.start else 0
        sheet_errors = errors.get(found, {})
        if first_column or sheet_errors:
            # iter_rows starts each row at the first used column: counted from A instead, a
            # problem names the column Excel shows.
            rows = excel_errors_place(rows, sheet_errors, first_column=first_column)
        sheets[sheet.name] = (rows, bool(sheet_errors), found)
    return sheets


def _rows(sheet: Sheet, sheets: dict, problems: list[CellProblem]) -> list[SheetRow]:
    if sheet.name not in sheets:
        return []
    source, has_errors, _found = sheets[sheet.name]
    rows, header_problems = sheet_rows_read(sheet=sheet.name, rows=source, columns=sheet.columns)
    problems += header_problems
    # The export escapes text Excel would run as a formula; the import takes the escape back.
    for row in rows:
        row.cells = {key: cell_unescape(value) for key, value in row.cells.items()}
    if has_errors:
        problems += sheet_rows_error_problems(sheet=sheet.name, rows=rows)
    return rows


def _settings_read(
    rows: list[SheetRow], reader: SheetReader, contents: Contents
) -> dict[str, SheetRow]:
    """Read the settings sheet; return the row of each key (to place later problems)."""
    seen: dict = {}
    keys: dict[str, SheetRow] = {}
    for row in rows:
        key = cell_text(row.cells.get("key"))
        key = SETTING_ALIASES.get(key, key.lower())
        if not reader.unique(row, "key", seen, key):
            continue
        keys[key] = row
        if key == "year":
            year = reader.number(
                row, "value", required=True, at_least=Decimal(2000), at_most=Decimal(2100)
            )
            if year is not None and year == year.to_integral_value():
                contents.year = int(year)
            elif year is not None:
                reader.problem(row, "value", _("年度应为整数，实为 %(value)s") % {"value": year})
        elif key == "name":
            contents.settings["name"] = reader.text(row, "value", required=False, prose=True)
        elif key in SETTING_FIELDS:
            _setting_read(row, reader, key, contents.settings)
        else:
            reader.problem(row, "key", _("未知的设置项“%(key)s”") % {"key": cell_echo(key)})
    if "year" not in keys:
        reader.problems.append(CellProblem(SETTINGS.name, None, None, _("缺少设置项 year（年度）")))
    return keys


def _setting_read(row: SheetRow, reader: SheetReader, key: str, settings: dict) -> None:
    names = SETTING_FIELDS[key]
    share = Decimal(1) if key in SHARE_SETTINGS or len(names) > 1 else None
    if len(names) == 1:
        settings[names[0]] = reader.number(
            row,
            "value",
            required=True,
            model_field=_model_field(Cycle, names[0]),
            at_least=Decimal(0),
            at_most=share,
        )
        return
    items = cell_list(row.cells.get("value"))
    if len(items) != len(names):
        reader.problem(
            row,
            "value",
            _("应为 %(count)s 个以逗号分隔的数字，实为“%(text)s”")
            % {"count": len(names), "text": cell_echo(cell_text(row.cells.get("value")))},
        )
        return
    for name, item in zip(names, items, strict=True):
        single = SheetRow(number=row.number, cells={"value": item}, letters=row.letters)
        settings[name] = reader.number(
            single,
            "value",
            required=True,
            model_field=_model_field(Cycle, name),
            at_least=Decimal(0),
            at_most=share,
        )


def _settings_check(
    cycle: Cycle | None, contents: Contents, reader: SheetReader, keys: dict[str, SheetRow]
) -> None:
    """Check the rules across settings: quarter weights add up to 1, thresholds are ordered.

    Keys the sheet leaves out keep the cycle's current setting (the default for a new cycle).
    """
    if any(value is None for value in contents.settings.values()):
        return
    merged = {
        name: contents.settings.get(name, getattr(cycle or Cycle(), name))
        for names in SETTING_FIELDS.values()
        for name in names
    }

    def at(key: str, message: str) -> None:
        if key in keys:
            reader.problem(keys[key], "value", message)
        else:
            reader.problems.append(CellProblem(SETTINGS.name, None, None, message))

    weights = sum(merged[name] for name in SETTING_FIELDS["quarter_weights"])
    if weights != 1:
        at("quarter_weights", _("季度权重合计应为 1，实为 %(sum)s") % {"sum": weights})
    if not merged["excellent_min"] >= merged["good_min"] >= merged["fair_min"]:
        at(
            "excellent_min" if "excellent_min" in keys else "good_min",
            _("分数线应满足 优秀 ≥ 良好 ≥ 一般，实为 %(excellent)s、%(good)s、%(fair)s")
            % {
                "excellent": merged["excellent_min"],
                "good": merged["good_min"],
                "fair": merged["fair_min"],
            },
        )


def _coded_rows(rows: list[SheetRow], reader: SheetReader) -> Iterator[tuple[SheetRow, str, str]]:
    """Yield the rows whose code is present, good and unique, with their code and name; a row
    whose code is bad is refused (the rows naming its code fall with it)."""
    seen: dict = {}
    for row in rows:
        reader.row_begin()
        code = reader.code(row)
        name = reader.text(row, "name", prose=True)
        if code and code_problem(code):
            reader.row_refuse(code)
        elif code and reader.unique(row, "code", seen, code):
            yield row, code, name


def _indicators_read(
    rows: list[SheetRow], reader: SheetReader, categories: set[str], contents: Contents
) -> dict[str, SheetRow]:
    """Read the indicator rows (parents before children) and check the tree rules."""
    by_code: dict[str, SheetRow] = {}
    seen: dict = {}
    all_codes = {cell_text(row.cells.get("code")) for row in rows}
    for row in rows:
        reader.row_begin()
        code = reader.code(row)
        parent = cell_text(row.cells.get("parent")) or None
        if parent and parent not in by_code:
            message = (
                _("上级指标“%(code)s”应排在其下级之前")
                if parent in all_codes
                else _("未知的上级指标代码“%(code)s”")
            ) % {"code": cell_echo(parent)}
            reader.problem(row, "parent", message)
        indicator = {
            "code": code,
            "name": reader.text(row, "name", prose=True),
            "parent": parent,
            "max_points": reader.number(
                row,
                "max_points",
                required=True,
                at_least=Decimal(0),
                model_field=_model_field(Indicator, "max_points"),
            ),
            "method": reader.choice(row, "method", Indicator.Method, default=""),
            "frequency": reader.choice(
                row, "frequency", Indicator.Frequency, default=Indicator.Frequency.QUARTERLY
            ),
            "categories": _codes_cell(row, reader, "categories", categories, CATEGORIES),
            "lower_is_better": reader.boolean(row, "lower_is_better"),
            "lead_department": cell_prose(row.cells.get("lead_department")),
        }
        for key in ("target", "floor", "cap", "step", "min_share", "per_incident"):
            indicator[key] = reader.number(
                row,
                key,
                at_least=Decimal(0),
                at_most=Decimal(1) if key == "min_share" else None,
                model_field=_model_field(Indicator, key),
            )
        _indicator_parameters_check(row, reader, indicator)
        if indicator["max_points"] is None or indicator["method"] is None:
            # No leaf to check values against: the values naming it fall with this row.
            reader.row_refuse(code)
        if code and reader.unique(row, "code", seen, code):
            by_code[code] = row
            contents.indicators.append(indicator)
    nodes = [
        TreeNode(row["code"], row["parent"], row["max_points"], row["method"] or "")
        for row in contents.indicators
        if row["max_points"] is not None and row["method"] is not None
    ]
    for problem in tree_nodes_problems(nodes=nodes):
        if problem.code is None:
            letter = rows[0].letters.get(problem.field) if rows else None
            reader.problems.append(CellProblem(INDICATORS.name, None, letter, problem.message))
        else:
            reader.problem(by_code[problem.code], problem.field, problem.message)
    return by_code


def _codes_cell(
    row: SheetRow, reader: SheetReader, key: str, known: set[str], of: Sheet
) -> list[str]:
    """Return the known codes of the comma-separated cell `key`, rows of the sheet `of`; an
    unknown code is a problem, one refused in `of` takes the row down with it."""
    codes = cell_list(row.cells.get(key))
    unknown = []
    for code in codes:
        refused = reader.refusals.root(of.name, code)
        if refused is not None:
            reader.refusals.fall(refused, reader.sheet.name, row.number)
        elif code not in known:
            unknown.append(code)
    if unknown:
        reader.problem(row, key, unknown_code(of, listed(unknown)))
    return [code for code in codes if code in known]


def _indicator_parameters_check(row: SheetRow, reader: SheetReader, indicator: dict) -> None:
    """The parameters each method needs, as the model's constraints demand them."""
    method = indicator["method"]
    if method == Indicator.Method.COMPLETION and not indicator["target"]:
        reader.problem(row, "target", _("目标完成率指标须填写大于 0 的目标值"))
    if method == Indicator.Method.DEDUCTION and indicator["per_incident"] is None:
        reader.problem(row, "per_incident", _("扣分指标须填写每次扣分"))
    floor, cap = indicator["floor"], indicator["cap"]
    if (floor if floor is not None else 0) > (cap if cap is not None else 1):
        reader.problem(row, "cap", _("完成率上限不能小于下限"))


@dataclass(frozen=True)
class Leaf:
    """What the values and votes sheets need to know about a scorable indicator."""

    indicator: Indicator
    frequency: str
    categories: frozenset[str]


def _leaves(contents: Contents) -> tuple[dict[str, Leaf], set[str]]:
    parents = {row["parent"] for row in contents.indicators if row["parent"]}
    leaves = {
        row["code"]: Leaf(
            Indicator(code=row["code"], method=row["method"], max_points=row["max_points"]),
            row["frequency"],
            frozenset(row["categories"]),
        )
        for row in contents.indicators
        if row["code"] not in parents and row["method"] and row["max_points"] is not None
    }
    return leaves, {row["code"] for row in contents.indicators}


def _rated_indicators_cell(
    row: SheetRow, reader: SheetReader, leaves: dict[str, Leaf], codes: set[str]
) -> list[str]:
    """Return the evaluation indicators a rater group's row names, noting any other."""
    named = _codes_cell(row, reader, "indicators", codes, INDICATORS)
    others = [
        code
        for code in named
        if code not in leaves or leaves[code].indicator.method != Indicator.Method.EVALUATION
    ]
    if others:
        reader.problem(
            row,
            "indicators",
            _("%(codes)s 不是综合评价指标：测评群体只评议综合评价指标")
            % {"codes": cell_echo(listed(others))},
        )
    return [code for code in named if code not in others]


class CellsChecker:
    """Checks the (unit, indicator, period) cells shared by the values and votes sheets."""

    def __init__(
        self, reader: SheetReader, unit_categories: dict, leaves: dict, codes: set, year: int | None
    ):
        self.reader = reader
        self.unit_categories = unit_categories
        self.leaves = leaves
        self.codes = codes
        self.year = year

    def read(self, row: SheetRow) -> tuple[str | None, Leaf, str] | None:
        """Return the row's unit (None when it cannot be used: the row's figures are still
        checked against its indicator), indicator and period; None when those cannot be."""
        reader = self.reader
        reader.row_begin()
        unit = reader.reference(row, "unit", self.unit_categories, UNITS)
        indicator = reader.text(row, "indicator")
        leaf = self.leaves.get(indicator)
        if indicator and leaf is None:
            message = (
                _("指标“%(code)s”有下级指标或没有计分方法，不能填报数据")
                % {"code": cell_echo(indicator)}
                if indicator in self.codes
                else unknown_code(INDICATORS, indicator)
            )
            reader.unusable(row, "indicator", INDICATORS.name, indicator, message)
        period = self._period(row, leaf)
        if unit and leaf and leaf.categories and self.unit_categories[unit] not in leaf.categories:
            reader.problem(
                row,
                "unit",
                _("指标 %(indicator)s 不适用于单位 %(unit)s 的类别")
                % {"indicator": indicator, "unit": unit},
            )
            return None
        if leaf and period:
            return unit, leaf, period
        return None

    def _period(self, row: SheetRow, leaf: Leaf | None) -> str | None:
        try:
            period = cell_period(row.cells.get("period"), year=self.year)
        except CellError as error:
            self.reader.problem(row, "period", str(error))
            return None
        if leaf and not period_fits_frequency(frequency=leaf.frequency, period=period):
            self.reader.problem(
                row,
                "period",
                _("按年度指标只填 Y，按季度指标只填 Q1–Q4，实为 %(period)s") % {"period": period},
            )
            return None
        return period


def _values_read(rows, checker: CellsChecker, contents: Contents) -> None:
    reader = checker.reader
    seen: dict = {}
    for row in rows:
        place = checker.read(row)
        value = reader.number(row, "value", required=True)
        if place is None or value is None:
            continue
        unit, leaf, period = place
        message = value_problem(indicator=leaf.indicator, value=value)
        if message:
            reader.problem(row, "value", message)
        elif unit and reader.unique(row, "unit", seen, (unit, leaf.indicator.code, period)):
            contents.values.append((unit, leaf.indicator.code, period, value))


def _votes_read(rows, checker: CellsChecker, groups: set[str], contents: Contents) -> None:
    reader = checker.reader
    seen: dict = {}
    for row in rows:
        place = checker.read(row)
        group = reader.reference(row, "rater_group", groups, RATER_GROUPS)
        counts = [reader.count(row, key) for key in Vote.KINDS]
        if place is None or None in counts:
            continue
        unit, leaf, period = place
        if leaf.indicator.method != Indicator.Method.EVALUATION:
            reader.problem(
                row,
                "indicator",
                _("指标“%(code)s”不是综合评价指标，不能录入票数") % {"code": leaf.indicator.code},
            )
        elif unit and group and not _group_rates(contents, group, checker.unit_categories[unit]):
            reader.problem(
                row,
                "rater_group",
                _("测评群体 %(group)s 不评议单位 %(unit)s 的类别（%(category)s）")
                % {"group": group, "unit": unit, "category": checker.unit_categories[unit]},
            )
        elif group and not _group_rates_indicator(contents, group, leaf.indicator.code):
            reader.problem(
                row,
                "rater_group",
                _("测评群体 %(group)s 不评议指标 %(code)s")
                % {"group": group, "code": leaf.indicator.code},
            )
        elif (
            unit
            and group
            and reader.unique(row, "unit", seen, (unit, leaf.indicator.code, period, group))
        ):
            contents.votes.append((unit, leaf.indicator.code, period, group, *counts))


def _group_rates(contents: Contents, group: str, category: str) -> bool:
    rated = contents.rater_group_categories.get(group)
    return not rated or category in rated


def _group_rates_indicator(contents: Contents, group: str, indicator: str) -> bool:
    rated = contents.rater_group_indicators.get(group)
    return not rated or indicator in rated


def workbook_contents_read(
    *, data: bytes, progress: Callable[[int], None] | None = None
) -> tuple[Contents, Cycle | None, list[CellProblem]]:
    """Read and check a workbook against the database without writing anything.

    Returns the clean contents, the existing cycle of its year (or None) and every problem.
    `progress` is told the rows read so far after each sheet (for a big file's progress bar).
    """
    problems: list[CellProblem] = []
    sheets = _sheets_read(data, problems)
    rows = {}
    for sheet in SHEETS:
        rows[sheet.name] = _rows(sheet, sheets, problems)
        if progress is not None:
            progress(sum(map(len, rows.values())))
    refusals = Refusals(problems)
    readers = {sheet.name: SheetReader(sheet, problems, refusals) for sheet in SHEETS}
    contents = Contents()

    setting_rows = _settings_read(rows["settings"], readers["settings"], contents)
    cycle = Cycle.objects.filter(year=contents.year).first() if contents.year else None
    _settings_check(cycle, contents, readers["settings"], setting_rows)
    if cycle is not None:
        problem = _cycle_replace_problem(cycle=cycle)
        if problem:
            readers["settings"].problem(setting_rows["year"], "value", problem)

    reader = readers["categories"]
    for _row, code, name in _coded_rows(rows["categories"], reader):
        contents.categories.append((code, name))
    categories = set(UnitCategory.objects.values_list("code", flat=True))
    categories |= {code for code, _name in contents.categories}

    reader = readers["units"]
    unit_categories = dict(Unit.objects.values_list("code", "category__code"))
    stored_categories, moved = dict(unit_categories), []
    for row, code, name in _coded_rows(rows["units"], reader):
        category = reader.reference(row, "category", categories, CATEGORIES)
        if category:
            contents.units.append((code, name, category))
            unit_categories[code] = category
            if stored_categories.get(code, category) != category:
                moved.append((row, code, category))
        else:
            reader.row_refuse(code)
    reader.problems.extend(unit_moves_problems(moved))
    contents.unit_moves = moved

    reader = readers["officials"]
    officials = set(Official.objects.values_list("code", flat=True))
    for row, code, name in _coded_rows(rows["officials"], reader):
        unit = reader.reference(row, "unit", unit_categories, UNITS)
        role = reader.choice(row, "role", Official.Role)
        if unit and role:
            contents.officials.append((code, name, unit, role))
            officials.add(code)
        else:
            reader.row_refuse(code)

    _indicators_read(rows["indicators"], readers["indicators"], categories, contents)
    if INDICATORS.name in sheets and not rows["indicators"]:
        # A cycle without a tree scores nobody, and an import replaces the stored tree whole.
        problems.append(
            CellProblem(
                INDICATORS.name,
                None,
                None,
                _("没有任何指标：请填写指标体系，一级指标分值合计 1000，末级指标须有计分方法"),
            )
        )
    leaves, indicator_codes = _leaves(contents)

    reader = readers["responsibilities"]
    seen: dict = {}
    for row in rows["responsibilities"]:
        reader.row_begin()
        official = reader.reference(row, "official", officials, OFFICIALS)
        indicator = reader.reference(row, "indicator", indicator_codes, INDICATORS)
        if official and indicator and reader.unique(row, "official", seen, (official, indicator)):
            contents.responsibilities.append((official, indicator))

    reader = readers["rater_groups"]
    weight_field = _model_field(RaterGroup, "weight")
    for row, code, name in _coded_rows(rows["rater_groups"], reader):
        weight = reader.number(
            row, "weight", required=True, at_least=Decimal(0), model_field=weight_field
        )
        rated = _codes_cell(row, reader, "categories", categories, CATEGORIES)
        rated_indicators = _rated_indicators_cell(row, reader, leaves, indicator_codes)
        if weight is not None:
            contents.rater_groups.append((code, name, weight))
            if rated:
                contents.rater_group_categories[code] = rated
            if rated_indicators:
                contents.rater_group_indicators[code] = rated_indicators
        else:
            reader.row_refuse(code)
    groups = {code for code, _name, _weight in contents.rater_groups}

    checker = CellsChecker(
        readers["values"], unit_categories, leaves, indicator_codes, contents.year
    )
    _values_read(rows["values"], checker, contents)
    checker = CellsChecker(
        readers["votes"], unit_categories, leaves, indicator_codes, contents.year
    )
    _votes_read(rows["votes"], checker, groups, contents)
    _adjustments_read(rows["adjustments"], readers["adjustments"], unit_categories, contents)
    refusals.finish()
    contents.sheet_names = {name: found for name, (_rows, _errors, found) in sheets.items()}
    return contents, cycle, _named_as_in_file(problems, contents)


def _named_as_in_file(problems: list[CellProblem], contents: Contents) -> list[CellProblem]:
    """Return the problems naming each sheet as the file does: a clerk whose sheet is 考核指标
    looks for no sheet "indicators"."""
    names = contents.sheet_names
    return [replace(problem, sheet=names.get(problem.sheet, problem.sheet)) for problem in problems]


def unit_moves_problems(moved: list[tuple[SheetRow, str, str]]) -> list[CellProblem]:
    """Return a problem, on its category cell, for each row (row, unit code, category code)
    moving a stored unit that holds a result in a closed quarter of a cycle still taking input,
    whatever the file's year: units are shared by every year (see
    `unit_category_move_refusal`)."""
    if not moved:
        return []
    units = Unit.objects.in_bulk([code for _row, code, _category in moved], field_name="code")
    placings = closed_quarter_placings(unit_ids=[unit.pk for unit in units.values()])
    category_ids = dict(UnitCategory.objects.values_list("code", "pk"))
    problems = []
    for row, code, category in moved:
        refusal = unit_category_move_refusal(
            unit=units[code],
            category_id=category_ids.get(category),
            placings=placings.get(units[code].pk, []),
        )
        if refusal:
            problems.append(row.place(UNITS.name, "category", refusal))
    return problems


def _adjustments_read(rows, reader: SheetReader, units: dict, contents: Contents) -> None:
    points_field = _model_field(Adjustment, "points")
    for row in rows:
        reader.row_begin()
        unit = reader.reference(row, "unit", units, UNITS)
        period = None
        if reader.text(row, "period"):
            try:
                period = cell_period(row.cells.get("period"), year=contents.year)
            except CellError as error:
                reader.problem(row, "period", str(error))
        points = reader.number(row, "points", required=True, model_field=points_field)
        reason = reader.text(row, "reason", prose=True)
        approved_by = reader.text(row, "approved_by", prose=True)
        if unit and period and points is not None and reason and approved_by:
            contents.adjustments.append((unit, period, points, reason, approved_by))


# --- writing -------------------------------------------------------------------------------


def workbook_cycle_lock(*, contents: Contents) -> Cycle | None:
    """Lock and return the stored cycle of the contents' year (None for a new one) for an
    import to replace: values saved meanwhile wait for the import, which they lock the cycle
    for too. Raises WorkbookInvalid for a cycle that is closed or published, or has a closed
    quarter. Call inside a transaction.

    A file moving a stored unit to another category locks as well, in the same statement,
    every cycle whose closed quarters may refuse that (`unit_moves_cycles_lock`), and checks
    its moves again under those locks (`unit_moves_problems`).
    """
    year = contents.year
    if contents.unit_moves:
        unit_moves_cycles_lock(also=Q(year=year))
        problems = unit_moves_problems(contents.unit_moves)
        if problems:
            raise WorkbookInvalid(_named_as_in_file(problems, contents))
    cycle = Cycle.objects.select_for_update().filter(year=year).first()
    if cycle is not None:
        problem = _cycle_replace_problem(cycle=cycle)
        if problem:
            problems = [CellProblem(SETTINGS.name, None, None, problem)]
            raise WorkbookInvalid(_named_as_in_file(problems, contents))
    return cycle


def workbook_contents_write(
    *, cycle: Cycle | None, contents: Contents, reason: str, by
) -> tuple[Cycle, int, list[Cycle]]:
    """Write a clean workbook's contents: create the cycle of their year, or replace the
    contents of the cycle given (locked by workbook_cycle_lock), and recompute its results.
    Categories, units and officials are created or updated by code, never deleted. Units are
    shared by every year: a file adding a unit or moving one to another category recomputes
    the other cycles still taking input too, as the admin's save of a unit does. Return the
    cycle, how many rows were written and the other cycles recomputed."""
    if cycle is not None:
        _verifications_keep(cycle=cycle)
        owners = _owners_by_code(cycle=cycle)
        _cycle_contents_delete(cycle=cycle, reason=reason, by=by)
        replaced = True
    else:
        cycle = Cycle(year=contents.year)
        owners, replaced = {}, False
    for name, value in contents.settings.items():
        setattr(cycle, name, value)
    cycle._change_reason = reason
    if by is not None:
        cycle._history_user = by
    cycle.save()
    regrouped = _units_regrouped(contents)
    changed = _master_data_write(contents)
    changed += _cycle_contents_write(
        cycle=cycle, contents=contents, reason=reason, by=by, replaced=replaced
    )
    _owners_restore(cycle=cycle, owners=owners)
    master_data_history_record(reason=reason, by=by, cycle=cycle)
    # The old results were deleted with the old contents.
    results_refresh_all(cycle=cycle)
    others = results_refresh_unlocked(recomputed=cycle) if regrouped else []
    return cycle, changed, others


def _units_regrouped(contents: Contents) -> bool:
    """Whether writing the contents adds a unit or moves one to another category, which moves
    the rankings of every cycle (a new name moves none): one query, before the write."""
    stored = dict(
        Unit.objects.filter(
            code__in=[code for code, _name, _category in contents.units]
        ).values_list("code", "category__code")
    )
    return any(stored.get(code) != category for code, _name, category in contents.units)


def _cycle_replace_problem(*, cycle: Cycle) -> str | None:
    """Return why the file may not replace the cycle, or None: a closed or published cycle
    refuses any change, and so does a cycle with a closed quarter, whose values, votes,
    adjustments and indicator tree the import would replace with everything else."""
    try:
        cycle_ensure_editable(cycle=cycle, periods=QUARTERS)
    except CycleLockedError as error:
        if cycle.is_locked:
            return str(error)
        return _("整套导入会替换整个周期的数据和指标体系：%(problem)s") % {"problem": error}
    return None


def _owners_by_code(*, cycle: Cycle) -> dict[str, list[int]]:
    """Return the scorer accounts of the cycle's indicators by indicator code: the workbook
    does not carry them, and a re-import must not take an indicator from its scorers."""
    owners = defaultdict(list)
    links = Indicator.owners.through.objects.filter(indicator__cycle=cycle)
    for code, user_id in links.values_list("indicator__code", "user_id"):
        owners[code].append(user_id)
    return owners


def _owners_restore(*, cycle: Cycle, owners: dict[str, list[int]]) -> None:
    """Give the scorers back the indicators the re-import kept (by code)."""
    through = Indicator.owners.through
    indicators = _ids(Indicator, owners, cycle=cycle)
    through.objects.bulk_create(
        through(indicator_id=indicators[code], user_id=user_id)
        for code, user_ids in owners.items()
        if code in indicators
        for user_id in user_ids
    )


def _upsert(model: type[Model], rows: list[dict], fields: list[str]) -> int:
    """Create or update rows by code; return how many were created or changed.

    The workbook has no sort-order column: a stored row keeps its place, a new one comes after
    the stored ones in the file's order."""
    existing = model.objects.in_bulk([row["code"] for row in rows], field_name="code")
    ordered = "sort_order" in fields
    last = model.objects.aggregate(last=Max("sort_order"))["last"] or 0 if ordered else 0
    new, changed = [], []
    for row in rows:
        instance = existing.get(row["code"])
        if ordered:
            kept = instance.sort_order if instance else last + row["sort_order"]
            row = {**row, "sort_order": kept}
        if instance is None:
            new.append(model(**row))
        elif any(getattr(instance, name) != row[name] for name in fields):
            for name in fields:
                setattr(instance, name, row[name])
            changed.append(instance)
    model.objects.bulk_create(new, batch_size=BATCH)
    model.objects.bulk_update(changed, fields, batch_size=BATCH)
    return len(new) + len(changed)


def _ids(model: type[Model], codes: Iterable[str] | None = None, **filters) -> dict[str, int]:
    queryset = model.objects.filter(**filters)
    if codes is not None:
        queryset = queryset.filter(code__in=set(codes))
    return dict(queryset.values_list("code", "pk"))


def _master_data_write(contents: Contents) -> int:
    changed = _upsert(
        UnitCategory,
        [
            {"code": code, "name": name, "sort_order": order}
            for order, (code, name) in enumerate(contents.categories, start=1)
        ],
        ["name", "sort_order"],
    )
    categories = _ids(UnitCategory)
    changed += _upsert(
        Unit,
        [
            {"code": code, "name": name, "category_id": categories[category], "sort_order": order}
            for order, (code, name, category) in enumerate(contents.units, start=1)
        ],
        ["name", "category_id", "sort_order"],
    )
    units = _ids(Unit, (unit for _code, _name, unit, _role in contents.officials))
    changed += _upsert(
        Official,
        [
            {"code": code, "name": name, "unit_id": units[unit], "role": role}
            for code, name, unit, role in contents.officials
        ],
        ["name", "unit_id", "role"],
    )
    return changed


def _cycle_contents_delete(*, cycle: Cycle, reason: str, by) -> None:
    """Delete the cycle's indicators, values, votes, rater groups, adjustments and results."""
    for queryset in _inputs_with_history(cycle):
        history_copy(queryset=queryset, history_type="-", reason=reason, by=by)
        # A plain delete() would send a signal, and so write one history row, per row.
        queryset._raw_delete(queryset.db)
    UnitResult.objects.filter(cycle=cycle).delete()
    OfficialScore.objects.filter(cycle=cycle).delete()
    cycle_tree_delete(cycle=cycle, reason=reason, by=by)


def _inputs_with_history(cycle: Cycle) -> list[QuerySet]:
    return [
        IndicatorValue.objects.filter(indicator__cycle=cycle),
        Vote.objects.filter(indicator__cycle=cycle),
        Adjustment.objects.filter(cycle=cycle),
    ]


def _bulk_create(model: type[Model], instances: Iterable[Model]) -> int:
    """Create the instances in batches without holding them all in memory; return the count."""
    instances = iter(instances)
    created = 0
    while batch := list(islice(instances, BATCH)):
        model.objects.bulk_create(batch)
        created += len(batch)
    return created


def _verifications_keep(*, cycle: Cycle) -> None:
    """Keep who verified each of the cycle's values, and when, by unit, indicator code, period
    and figure, in the scratch table kept_verifications, before a re-import replaces them."""
    values, indicators = table_name(IndicatorValue), table_name(Indicator)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS kept_verifications")
        cursor.execute(
            f"CREATE TEMPORARY TABLE kept_verifications AS "
            f"SELECT v.unit_id, i.code, v.period, v.value, v.verified_by_id, v.verified_at "
            f"FROM {values} v JOIN {indicators} i ON i.id = v.indicator_id "
            f"WHERE i.cycle_id = %s AND v.verified_by_id IS NOT NULL",
            [cycle.pk],
        )


def _verifications_restore(*, cycle: Cycle, reason: str, by) -> None:
    """Give back the verification of every value the re-import left as it was: re-importing
    the same workbook must not undo the 考核办's review. A changed value is checked again.

    Each value given back gets a 审核 history row, as verifying on the page writes, after its
    row of the import's creation: its history says the import verified it again."""
    values, indicators = table_name(IndicatorValue), table_name(Indicator)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {values} SET verified_by_id = k.verified_by_id, verified_at = k.verified_at "
            f"FROM kept_verifications k, {indicators} i "
            f"WHERE i.id = {values}.indicator_id AND i.cycle_id = %s AND i.code = k.code "
            f"AND {values}.unit_id = k.unit_id AND {values}.period = k.period "
            f"AND {values}.value = k.value",
            [cycle.pk],
        )
        cursor.execute("DROP TABLE kept_verifications")
    # The import created every value of the cycle unverified: those verified now were given back.
    history_record(
        queryset=IndicatorValue.objects.filter(indicator__cycle=cycle, verified_at__isnull=False),
        reason=source_verified(source=reason),
        by=by,
        history_type="~",
    )


def _cycle_contents_write(
    *, cycle: Cycle, contents: Contents, reason: str, by, replaced: bool
) -> int:
    indicators = {
        indicator.code: indicator.pk
        for indicator in indicator_tree_load(cycle=cycle, rows=contents.indicators)
    }
    groups = RaterGroup.objects.bulk_create(
        RaterGroup(cycle=cycle, code=code, name=name, weight=weight)
        for code, name, weight in contents.rater_groups
    )
    group_ids = {group.code: group.pk for group in groups}
    categories = _ids(UnitCategory)
    RaterGroup.categories.through.objects.bulk_create(
        RaterGroup.categories.through(
            ratergroup_id=group_ids[group], unitcategory_id=categories[category]
        )
        for group, rated in contents.rater_group_categories.items()
        for category in rated
    )
    RaterGroup.indicators.through.objects.bulk_create(
        RaterGroup.indicators.through(
            ratergroup_id=group_ids[group], indicator_id=indicators[indicator]
        )
        for group, rated in contents.rater_group_indicators.items()
        for indicator in rated
    )
    officials = _ids(Official, (official for official, _indicator in contents.responsibilities))
    Responsibility.objects.bulk_create(
        (
            Responsibility(official_id=officials[official], indicator_id=indicators[indicator])
            for official, indicator in contents.responsibilities
        ),
        batch_size=BATCH,
    )
    units = _ids(Unit)
    changed = len(indicators) + len(groups) + len(contents.responsibilities)
    changed += _bulk_create(
        IndicatorValue,
        (
            IndicatorValue(
                indicator_id=indicators[indicator],
                unit_id=units[unit],
                period=period,
                value=value,
                entered_by=by,
            )
            for unit, indicator, period, value in contents.values
        ),
    )
    changed += _bulk_create(
        Vote,
        (
            Vote(
                indicator_id=indicators[indicator],
                unit_id=units[unit],
                period=period,
                rater_group_id=group_ids[group],
                **dict(zip(Vote.KINDS, counts, strict=True)),
            )
            for unit, indicator, period, group, *counts in contents.votes
        ),
    )
    changed += _bulk_create(
        Adjustment,
        (
            Adjustment(
                cycle=cycle,
                unit_id=units[unit],
                period=period,
                points=points,
                reason=text,
                approved_by=approved_by,
                created_by=by,
            )
            for unit, period, points, text, approved_by in contents.adjustments
        ),
    )
    for queryset in _inputs_with_history(cycle):
        history_copy(queryset=queryset, history_type="+", reason=reason, by=by)
    if replaced:
        _verifications_restore(cycle=cycle, reason=reason, by=by)
    return changed


# --- export --------------------------------------------------------------------------------


def cell_number(value: Decimal | None):
    """Return a Decimal as the cell Excel should hold: an int or float when that keeps every
    digit, else plain text (never an exponent such as 1E+1), None when blank.

    Every digit means within Excel's fifteen significant digits, to which cell_decimal reads a
    number back: 123456789012.3456 is a float, but would come back as 123456789012.346.
    """
    if value is None:
        return None
    as_float = float(value)
    if Decimal(format(as_float, ".15g")) != value:
        return decimal_plain(value)
    return int(value) if value == value.to_integral_value() else as_float


def workbook_export(*, cycle: Cycle) -> Workbook:
    """Return the cycle as an interchange workbook (write-only: save it once)."""
    book = Workbook(write_only=True)
    for sheet, rows in (
        (SETTINGS, settings_rows(cycle)),
        (CATEGORIES, UnitCategory.objects.values_list("code", "name")),
        (UNITS, Unit.objects.values_list("code", "name", "category__code")),
        (OFFICIALS, _official_rows()),
        (INDICATORS, _indicator_rows(cycle)),
        (RESPONSIBILITIES, _responsibility_rows(cycle)),
        (RATER_GROUPS, _rater_group_rows(cycle)),
        (VALUES, _value_rows(cycle)),
        (VOTES, _vote_rows(cycle)),
        (ADJUSTMENTS, _adjustment_rows(cycle)),
    ):
        worksheet = book.create_sheet(sheet.name)
        worksheet.append([column.key for column in sheet.columns])
        for row in rows:
            worksheet.append([cell_safe(value) for value in row])
    return book


def settings_rows(cycle: Cycle) -> Iterator[list]:
    yield ["year", cycle.year]
    yield ["name", cycle.name]
    for key, names in SETTING_FIELDS.items():
        if key == "name":
            continue
        numbers = [getattr(cycle, name) for name in names]
        cell = ",".join(map(decimal_plain, numbers)) if len(names) > 1 else cell_number(numbers[0])
        yield [key, cell]


def _official_rows():
    # Not the model's ordering, whose role-first order would shuffle units of other categories.
    return Official.objects.order_by(
        "unit__category__sort_order", "unit__sort_order", "unit__code", "code"
    ).values_list("code", "name", "unit__code", "role")


def _indicator_rows(cycle: Cycle) -> Iterator[list]:
    indicators = (
        Indicator.objects.filter(cycle=cycle)
        .select_related("parent")
        .prefetch_related("categories")
        .order_by("sort_order", "code")
    )
    parents = set(
        Indicator.objects.filter(cycle=cycle, parent__isnull=False).values_list(
            "parent_id", flat=True
        )
    )
    for node in indicators:
        head = [node.code, node.name, node.parent.code if node.parent else None]
        head.append(cell_number(node.max_points))
        if node.pk in parents:
            yield [*head, node.method or None, *[None] * 9, node.lead_department or None]
            continue
        yield [
            *head,
            node.method,
            node.frequency,
            ",".join(sorted(category.code for category in node.categories.all())) or None,
            cell_number(node.target),
            cell_number(node.floor),
            cell_number(node.cap),
            "yes" if node.lower_is_better else "no",
            cell_number(node.step),
            cell_number(node.min_share),
            cell_number(node.per_incident),
            node.lead_department or None,
        ]


def _responsibility_rows(cycle: Cycle):
    return (
        Responsibility.objects.filter(indicator__cycle=cycle)
        .order_by("official__code", "indicator__sort_order", "indicator__code")
        .values_list("official__code", "indicator__code")
    )


def _rater_group_rows(cycle: Cycle) -> Iterator[list]:
    for group in cycle.rater_groups.prefetch_related("categories", "indicators"):
        rated = [
            ",".join(sorted(row.code for row in rows.all())) or None
            for rows in (group.categories, group.indicators)
        ]
        yield [group.code, group.name, cell_number(group.weight), *rated]


def _value_rows(cycle: Cycle) -> Iterator[list]:
    rows = (
        IndicatorValue.objects.filter(indicator__cycle=cycle)
        .order_by("unit__code", "indicator__sort_order", "indicator__code", "period")
        .values_list("unit__code", "indicator__code", "period", "value")
    )
    for unit, indicator, period, value in rows.iterator(chunk_size=BATCH):
        yield [unit, indicator, period, cell_number(value)]


def _vote_rows(cycle: Cycle):
    return (
        Vote.objects.filter(indicator__cycle=cycle)
        .order_by(
            "unit__code", "indicator__sort_order", "indicator__code", "period", "rater_group__code"
        )
        .values_list("unit__code", "indicator__code", "period", "rater_group__code", *Vote.KINDS)
        .iterator(chunk_size=BATCH)
    )


def _adjustment_rows(cycle: Cycle) -> Iterator[list]:
    rows = cycle.adjustments.order_by("unit__code", "period", "pk").values_list(
        "unit__code", "period", "points", "reason", "approved_by"
    )
    for unit, period, points, reason, approved_by in rows:
        yield [unit, period, cell_number(points), reason, approved_by]
