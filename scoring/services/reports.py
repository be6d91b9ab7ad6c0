"""Reports of stored results: the JSON export and the printable workbook for leaders."""

import re
from collections import defaultdict
from collections.abc import Iterable
from copy import copy
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from cadre.models import UnitCategory
from cadre.words import listed
from scoring.models import Cycle, Grade, Indicator, OfficialScore, Period, UnitResult
from scoring.services.cells import cell_safe
from scoring.services.compute import normalised, two_places
from scoring.services.explain import (
    points_shown,
    unit_total_parts,
    units_not_assessed,
    units_not_assessed_note,
)

GRADE_FILLS = {
    Grade.EXCELLENT: "C6EFCE",
    Grade.GOOD: "DDEBF7",
    Grade.FAIR: "FFEB9C",
    Grade.POOR: "FFC7CE",
}
ADJUST_FLAG = "adjust"
NOT_APPLICABLE = "—"
# The export names grades in Chinese whatever the language of the request.
GRADE_NAMES = {
    Grade.EXCELLENT: "优秀",
    Grade.GOOD: "良好",
    Grade.FAIR: "一般",
    Grade.POOR: "较差",
}
SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
TEN_PLACES = Decimal("1E-10")


def _results(*, cycle: Cycle, period: str):
    return (
        UnitResult.objects.filter(cycle=cycle, period=period)
        .select_related("unit", "category")
        .order_by("category__sort_order", "category__code", "rank", "unit__code")
    )


def results_export_data(*, cycle: Cycle, period: str) -> dict:
    """Return the results of one period as plain data (codes and two-decimal strings)."""
    units = [
        {
            "unit": result.unit.code,
            "category": result.category.code,
            "total": two_places(result.total),
            "rank": result.rank,
            "grade": GRADE_NAMES[result.grade],
            "vetoed": result.vetoed,
            "flags": [ADJUST_FLAG] if result.needs_adjustment else [],
            "missing": sorted(result.missing),
        }
        for result in _results(cycle=cycle, period=period)
    ]
    officials = []
    if period == Period.YEAR:
        officials = [
            {"official": code, "unit": unit_code, "score": two_places(score)}
            for code, unit_code, score in OfficialScore.objects.filter(cycle=cycle, period=period)
            .order_by("unit__code", "official__code")
            .values_list("official__code", "unit__code", "score")
        ]
    return {"year": cycle.year, "period": period, "units": units, "officials": officials}


def _areas(*, cycle: Cycle) -> list[Indicator]:
    """Areas that count towards the thousand points, in tree order."""
    return [
        area
        for area in Indicator.objects.filter(cycle=cycle, parent=None)
        if not area.is_outside_thousand
    ]


def _area_cell(result: UnitResult, area: Indicator) -> Decimal | str:
    """An area's subtotal; "—" where none of its indicators applies to the unit, as the
    dashboard shows it, rather than a 0 that reads as scored."""
    points = result.area_points.get(area.code)
    return NOT_APPLICABLE if points is None else Decimal(points)


@dataclass(frozen=True)
class PointsPlaces:
    """Points written as stored, shown with the places a page shows them with (804.629 where
    two places would not add up to the score the page derives from them)."""

    points: Decimal
    places: int

    @classmethod
    def as_shown(cls, points: Decimal, shown: str) -> "PointsPlaces":
        """The points with as many places as `shown`, their text on a page, has."""
        return cls(points=points, places=len(shown.partition(".")[2]))


class _CellStyles:
    """The few looks of a ranking's cells (bordered; points with two places; a grade's
    colour), each set once through openpyxl's style descriptors and copied to the cells alike.

    Setting a style object on a cell hashes it, field by field, into the workbook's style
    registry: a province's report (5,000 rows of 20 cells) spent 11 s of CPU on it. Copying
    the cell's style array, as openpyxl's own worksheet copier does, takes microseconds."""

    def __init__(self):
        thin = Side(style="thin", color="999999")
        self.border = Border(top=thin, bottom=thin, left=thin, right=thin)
        self.grade_fills = {
            grade: PatternFill("solid", fgColor=color) for grade, color in GRADE_FILLS.items()
        }
        self.prepared = {}

    def apply(self, cell, *, number_format: str | None, grade: str | None) -> None:
        """Style the cell: bordered, points shown with their places, a grade coloured."""
        key = (number_format, grade)
        prepared = self.prepared.get(key)
        if prepared is not None:
            cell._style = copy(prepared)
            return
        cell.border = self.border
        if number_format:
            cell.number_format = number_format
        if grade is not None:
            cell.fill = self.grade_fills[grade]
        self.prepared[key] = copy(cell._style)


def ranking_sheet_write(
    sheet,
    *,
    title: str,
    headers: list[str],
    rows: Iterable[tuple[list, str | None]],
    widths: list[int],
    grade_column: int,
    note: str = "",
) -> None:
    """Write a ranking as every export prints one: the title across the table, a grey header
    row, each row's cells bordered with points shown to two places and its grade (the
    `grade_column`-th cell, None for no grade) coloured; `note` below; the header frozen and
    repeated on each printed page, landscape, as wide as the page."""
    sheet.append([cell_safe(title)])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append(headers)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.fill = PatternFill("solid", fgColor="D9D9D9")
    styles = _CellStyles()
    for row, (values, grade) in enumerate(rows, start=3):
        for column, value in enumerate(values, start=1):
            number_format = "0.00" if isinstance(value, Decimal) else None
            if isinstance(value, PointsPlaces):
                value, number_format = value.points, f"0.{'0' * value.places}"
            styles.apply(
                sheet.cell(row=row, column=column, value=value),
                number_format=number_format,
                grade=grade if column == grade_column else None,
            )
    if note:
        # Below the ranking, a row apart: what the period's results leave out and why.
        sheet.append([])
        sheet.append([cell_safe(note)])
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "D3"
    sheet.print_title_rows = "1:2"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def _result_cells(result: UnitResult, areas: list[Indicator]) -> list:
    # Points go in unrounded, so that a sum or a quotient Excel makes of the cells comes out
    # as the total does; the parts of the total are shown with the places the unit's page
    # gives them, where two places would not add up to the total as shown.
    thousand = normalised(earned=result.earned, applicable_max=result.applicable_max)
    shown = unit_total_parts(result=result)
    return (
        [result.rank, cell_safe(result.unit.code), cell_safe(result.unit.name)]
        + [_area_cell(result, area) for area in areas]
        + [
            PointsPlaces.as_shown(result.earned, points_shown(shown.earned)),
            result.applicable_max,
            PointsPlaces.as_shown(
                thousand.quantize(TEN_PLACES, rounding=ROUND_HALF_UP),
                points_shown(shown.normalised),
            ),
            PointsPlaces.as_shown(result.bonus, points_shown(shown.bonus)),
            result.adjustment,
            result.total,
            str(Grade(result.grade).label),
            _("是") if result.vetoed else "",
            _("是") if result.needs_adjustment else "",
            cell_safe(listed(sorted(result.missing))),
        ]
    )


def _sheet_write(
    sheet, *, title: str, areas: list[Indicator], results: list[UnitResult], note: str = ""
):
    headers = (
        [_("名次"), _("单位代码"), _("单位名称")]
        + [cell_safe(area.name) for area in areas]
        + [_("得分"), _("适用满分"), _("千分制得分"), _("加分"), _("柔性调整"), _("总分")]
        + [_("等次"), _("一票否决"), _("重点调整"), _("缺报指标")]
    )
    ranking_sheet_write(
        sheet,
        title=title,
        headers=headers,
        rows=((_result_cells(result, areas), result.grade) for result in results),
        widths=[6, 10, 18] + [10] * (len(headers) - 3),
        grade_column=len(headers) - 3,
        note=note,
    )


def results_workbook_build(*, cycle: Cycle, period: str) -> Workbook:
    """Build the printable results report: one sheet per category, ranked, grades coloured,
    its title saying so where the period still takes input."""
    by_category = defaultdict(list)
    for result in _results(cycle=cycle, period=period):
        by_category[result.category_id].append(result)
    areas = _areas(cycle=cycle)
    not_assessed = units_not_assessed(cycle=cycle, period=period, category_ids=by_category)
    workbook = Workbook()
    workbook.remove(workbook.active)
    period_label = str(Period(period).label)
    # A printout of results still taking input must not pass for the final ones.
    provisional = (
        "" if cycle.period_is_locked(period) else _("（临时结果：仍在填报中，关闭后才是正式结果）")
    )
    for category in UnitCategory.objects.filter(pk__in=by_category):
        sheet = workbook.create_sheet(title=SHEET_TITLE_FORBIDDEN.sub("_", category.name)[:31])
        title = _("%(cycle)s %(period)s 考核结果 · %(category)s") % {
            "cycle": cycle,
            "period": period_label,
            "category": category.name,
        }
        _sheet_write(
            sheet,
            title=title + provisional,
            areas=areas,
            results=by_category[category.pk],
            note=units_not_assessed_note(period=period, units=not_assessed.get(category.pk, [])),
        )
    if not workbook.worksheets:
        workbook.create_sheet(title=_("无结果"))
    return workbook
