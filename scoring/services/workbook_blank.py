"""The blank interchange workbook: what a new district fills in to set up its first cycle.

Every sheet of the format with its header row in the clerk's language, the settings sheet
holding the defaults (so only the year is to check), drop-down lists on the choice columns
and a notes sheet saying what each column takes. The import ignores the notes sheet, as it
ignores every sheet it does not know.
"""

from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, pgettext
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from cadre.models import Official
from cadre.words import listed
from scoring.models import Cycle, Indicator, Period
from scoring.services.workbook import (
    ADJUSTMENTS,
    INDICATORS,
    OFFICIALS,
    RATER_GROUPS,
    RESPONSIBILITIES,
    SETTING_ALIASES,
    SETTINGS,
    SHEETS,
    UNITS,
    VALUES,
    VOTES,
    Sheet,
    settings_rows,
)

# What a column takes, by column key; a sheet's own note for a key comes first.
COLUMN_NOTES = {
    "code": gettext_lazy("代码：字母、数字和 . _ -，以字母或数字开头，本表内不重复"),
    "name": gettext_lazy("名称"),
    "unit": gettext_lazy("考核单位代码（units 表或系统中已有的单位）"),
    "indicator": gettext_lazy("末级指标代码（indicators 表）"),
    "period": gettext_lazy("期间：Q1、Q2、Q3、Q4（季度）或 Y（全年）"),
}
SHEET_COLUMN_NOTES = {
    (SETTINGS.name, "key"): gettext_lazy(
        "设置项：年度必填；其余各项已填系统默认值，可以修改，删去的一行保持默认"
    ),
    (SETTINGS.name, "value"): gettext_lazy(
        "取值；季度权重、测评票分值各填 4 个以逗号分隔的数字，季度权重合计 1"
    ),
    (UNITS.name, "category"): gettext_lazy("单位类别代码（categories 表）"),
    (OFFICIALS.name, "name"): gettext_lazy("姓名"),
    (OFFICIALS.name, "role"): gettext_lazy("班子角色：从下拉列表选择"),
    (INDICATORS.name, "parent"): gettext_lazy(
        "上级指标代码；一级指标留空；上级指标的行须在其下级之前"
    ),
    (INDICATORS.name, "max_points"): gettext_lazy(
        "分值：下级分值之和等于上级，一级指标合计 1000（加分、一票否决指标不计入）"
    ),
    (INDICATORS.name, "method"): gettext_lazy("计分方法：末级指标从下拉列表选择；有下级的指标留空"),
    (INDICATORS.name, "frequency"): gettext_lazy("频次：按季度或按年度；留空为按季度"),
    (INDICATORS.name, "categories"): gettext_lazy("适用的单位类别代码，以逗号分隔；留空为全部类别"),
    (INDICATORS.name, "target"): gettext_lazy("目标值：目标完成率指标必填，大于 0"),
    (INDICATORS.name, "floor"): gettext_lazy("完成率下限：完成率低于它得 0 分；留空为 0"),
    (INDICATORS.name, "cap"): gettext_lazy(
        "完成率上限：留空为 1；大于 1 时完成率超过 100% 的单位按上限计分，"
        "得分可超过该指标的分值（分值 × 上限）"
    ),
    (INDICATORS.name, "lower_is_better"): gettext_lazy(
        "越低越好（如单位 GDP 能耗）：是 / 否；留空为否"
    ),
    (INDICATORS.name, "step"): gettext_lazy(
        "排名赋分：每低一个名次扣的分；留空则从分值线性降到末位得分"
    ),
    (INDICATORS.name, "min_share"): gettext_lazy(
        "排名赋分：末位得分占分值的比例，0 到 1；留空为 0"
    ),
    (INDICATORS.name, "per_incident"): gettext_lazy("扣分指标：每次扣的分，必填"),
    (INDICATORS.name, "lead_department"): gettext_lazy("牵头部门名称，可留空"),
    (RESPONSIBILITIES.name, "official"): gettext_lazy("干部代码（officials 表）"),
    (RESPONSIBILITIES.name, "indicator"): gettext_lazy("该干部在本单位负责的指标代码"),
    (RATER_GROUPS.name, "weight"): gettext_lazy("权重：不小于 0 的数字"),
    (RATER_GROUPS.name, "categories"): gettext_lazy(
        "该群体评议的单位类别代码，以逗号分隔；留空为全部单位（双向考核：部门评镇街、镇街评部门）"
    ),
    (RATER_GROUPS.name, "indicators"): gettext_lazy(
        "该群体评议的综合评价指标代码，以逗号分隔；留空为全部综合评价指标（如双向互评只由部门、镇街评议）"
    ),
    (VALUES.name, "value"): gettext_lazy(
        "数值：直接赋分、加分填分数，扣分填次数，一票否决填 0 或 1，其余填实际值"
    ),
    (VOTES.name, "indicator"): gettext_lazy("综合评价指标代码"),
    (VOTES.name, "rater_group"): gettext_lazy("测评群体代码（rater_groups 表）"),
    (VOTES.name, "excellent"): gettext_lazy("票数：整数"),
    (VOTES.name, "competent"): gettext_lazy("票数：整数"),
    (VOTES.name, "basic"): gettext_lazy("票数：整数"),
    (VOTES.name, "incompetent"): gettext_lazy("票数：整数"),
    (ADJUSTMENTS.name, "points"): gettext_lazy("调整分值：加分为正数，减分为负数"),
    (ADJUSTMENTS.name, "reason"): gettext_lazy("调整事由"),
    (ADJUSTMENTS.name, "approved_by"): gettext_lazy("批准人"),
}
# Wide enough for a Chinese header and a typical entry.
COLUMN_WIDTH = 16
LAST_ROW = 1048576


def workbook_blank_year(*, years: Iterable[int]) -> int:
    """The year a blank workbook proposes: the one after the newest of the cycles' years,
    else this year."""
    return max(years, default=timezone.localdate().year - 1) + 1


def workbook_blank(*, year: int) -> Workbook:
    """Return an interchange workbook holding no data, ready to be filled in and imported."""
    chinese = (get_language() or "").startswith("zh")
    book = Workbook()
    _notes_sheet(book.active, chinese=chinese)
    for sheet in SHEETS:
        worksheet = book.create_sheet(sheet.name)
        worksheet.append([_header(column, chinese) for column in sheet.columns])
        worksheet.freeze_panes = "A2"
        for index, _column in enumerate(sheet.columns, start=1):
            worksheet.column_dimensions[get_column_letter(index)].width = COLUMN_WIDTH
        for cell in worksheet[1]:
            cell.font = Font(bold=True)
        if sheet is SETTINGS:
            keys = {english: alias for alias, english in SETTING_ALIASES.items()}
            for key, value in settings_rows(Cycle(year=year)):
                worksheet.append([keys[key] if chinese else key, value])
            worksheet.column_dimensions["A"].width = 2 * COLUMN_WIDTH
        for key, choices in _choices(sheet):
            _choice_list(worksheet, sheet, key, choices)
    return book


def _header(column, chinese: bool) -> str:
    return column.headers[0] if chinese else column.key


def _choices(sheet: Sheet) -> list[tuple[str, list[str]]]:
    """The choice columns of the sheet and the names the drop-down list offers."""
    yes_no = [_("是"), _("否")]
    periods = list(Period.values)
    lists = {
        OFFICIALS.name: [("role", Official.Role.labels)],
        INDICATORS.name: [
            ("method", Indicator.Method.labels),
            ("frequency", Indicator.Frequency.labels),
            ("lower_is_better", yes_no),
        ],
        VALUES.name: [("period", periods)],
        VOTES.name: [("period", periods)],
        ADJUSTMENTS.name: [("period", periods)],
    }
    return [(key, [str(label) for label in labels]) for key, labels in lists.get(sheet.name, [])]


def _choice_list(worksheet, sheet: Sheet, key: str, choices: list[str]) -> None:
    """A drop-down list on the column below its header; typing something else warns (the
    import still reads the stored values, such as direct or principal)."""
    letter = get_column_letter([column.key for column in sheet.columns].index(key) + 1)
    validation = DataValidation(
        type="list",
        formula1='"{}"'.format(",".join(choices)),
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="warning",
        errorTitle=_("不在列表中"),
        error=_("应为以下之一：%(choices)s") % {"choices": listed(choices)},
    )
    validation.add(f"{letter}2:{letter}{LAST_ROW}")
    worksheet.add_data_validation(validation)


def _notes_sheet(worksheet, *, chinese: bool) -> None:
    worksheet.title = pgettext("the blank workbook's sheet of notes", "说明")
    worksheet.append(
        [
            _(
                "每个工作表第 1 行是表头，请从第 2 行起填写；没有数据的工作表保留表头即可。"
                "工作表顺序不限，多余的列和本说明表导入时忽略。"
                "填好后在“整套考核数据”页面上传导入，先预览，确认后才写入。"
            )
        ]
    )
    worksheet.append([])
    worksheet.append([_("工作表"), _("列"), _("填写说明")])
    for cell in worksheet[3]:
        cell.font = Font(bold=True)
    for sheet in SHEETS:
        for column in sheet.columns:
            note = SHEET_COLUMN_NOTES.get((sheet.name, column.key)) or COLUMN_NOTES.get(
                column.key, ""
            )
            worksheet.append([sheet.name, _header(column, chinese), str(note)])
    worksheet.column_dimensions["A"].width = COLUMN_WIDTH
    worksheet.column_dimensions["B"].width = COLUMN_WIDTH
    worksheet.column_dimensions["C"].width = 90
    for row in worksheet.iter_rows(min_row=4, min_col=3, max_col=3):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")
