"""Workbooks made by hand with openpyxl, the way a clerk or another system would write them."""

import hashlib
import io

import pytest
from openpyxl import Workbook
from python_calamine import CalamineWorkbook

from cadre.models import Official, Unit, UnitCategory
from scoring.models import (
    Adjustment,
    Cycle,
    ImportRecord,
    Indicator,
    IndicatorValue,
    RaterGroup,
    Responsibility,
    Vote,
)
from scoring.services.workbook import SHEETS, workbook_export
from scoring.services.workbook_imports import workbook_import

# The English headers of the format, lead_department (an optional extra) left out.
HEADERS = {
    sheet.name: [column.key for column in sheet.columns if column.key != "lead_department"]
    for sheet in SHEETS
}


def small_cycle_sheets() -> dict[str, list[list]]:
    """A small but complete cycle of 2027: every sheet, every method."""
    return {
        "settings": [
            ["year", 2027],
            ["name", "2027年度综合考核"],
            ["quarter_weights", "0.2,0.2,0.3,0.3"],
            ["bonus_cap", 40],
            ["vote_values", "1,0.8,0.6,0"],
        ],
        "categories": [["ZJ", "镇街"], ["JJ", "经济部门"]],
        "units": [
            ["ZJ01", "城关街道", "ZJ"],
            ["ZJ02", "东城街道", "ZJ"],
            ["JJ01", "区发改局", "JJ"],
        ],
        "officials": [
            ["ZJ01-01", "王伟", "ZJ01", "principal"],
            ["ZJ01-02", "李娜", "ZJ01", "member"],
            ["JJ01-01", "张强", "JJ01", "principal"],
        ],
        "indicators": [
            ["A1", "经济发展", None, 600],
            ["A1.1", "地区生产总值增速", "A1", 300, "completion", "quarterly", "ZJ", 8, 0.5, 1.2],
            ["A1.2", "招商引资", "A1", 300, "rank", "quarterly", None, None, None, None, "no", 10],
            ["A2", "党的建设", None, 400],
            ["A2.1", "党建工作", "A2", 200, "direct", "quarterly"],
            ["A2.2", "安全生产", "A2", 100, "deduction", "annual", *[None] * 7, 5],
            ["A2.3", "民主测评", "A2", 100, "evaluation", "annual"],
            ["B1", "特色亮点", None, 30, "bonus", "annual"],
            ["V1", "一票否决", None, 0, "veto", "quarterly"],
        ],
        "responsibilities": [["ZJ01-02", "A1.1"], ["JJ01-01", "A2.1"]],
        "rater_groups": [["LD", "区领导", 0.6], ["FW", "服务对象", 0.4]],
        "values": [
            ["ZJ01", "A1.1", "Q1", 8.5],
            ["ZJ02", "A1.1", "Q1", 7.25],
            ["ZJ01", "A1.2", "Q1", "98765.4321"],
            ["JJ01", "A1.2", "Q1", 120],
            ["ZJ01", "A2.1", "Q1", 180.5],
            ["ZJ01", "A2.2", "Y", 2],
            ["ZJ01", "B1", "Y", 12.5],
            ["ZJ02", "V1", "Q2", 1],
        ],
        "votes": [
            ["ZJ01", "A2.3", "Y", "LD", 20, 5, 1, 0],
            ["ZJ01", "A2.3", "Y", "FW", 10, 10, 0, 1],
        ],
        "adjustments": [["ZJ01", "Q1", 5, "汛期抗洪抢险，经区委常委会研究给予加分", "区委常委会"]],
    }


def xlsx(sheets: dict[str, list[list]], headers: dict[str, list[str]] = HEADERS) -> bytes:
    """Write the sheets (data rows under the given headers) into .xlsx bytes with openpyxl."""
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        sheet.append(headers.get(name, HEADERS.get(name, [])))
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsx_chinese_named(sheets: dict[str, list[list]]) -> bytes:
    """Write the sheets (by their English names) under the Chinese names a clerk gives them
    (考核单位 for units), with the English headers."""
    chinese = {sheet.name: sheet.aliases[0] for sheet in SHEETS}
    return xlsx(
        {chinese[name]: rows for name, rows in sheets.items()},
        headers={chinese[name]: HEADERS[name] for name in sheets},
    )


def import_bytes(data: bytes, file_name: str = "cycle.xlsx", by=None):
    return workbook_import(file=io.BytesIO(data), file_name=file_name, by=by)


def export_bytes(year: int) -> bytes:
    buffer = io.BytesIO()
    workbook_export(cycle=Cycle.objects.get(year=year)).save(buffer)
    return buffer.getvalue()


def sheets_read(data: bytes) -> dict[str, list[list]]:
    """Every sheet's cell values, read back the way the importer reads them."""
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def database_snapshot() -> dict:
    """Row counts of everything an import may touch, and a checksum of the values."""
    models = [
        UnitCategory,
        Unit,
        Official,
        Cycle,
        Indicator,
        Responsibility,
        RaterGroup,
        IndicatorValue,
        Vote,
        Adjustment,
        ImportRecord,
        IndicatorValue.history.model,
    ]
    counts = {model.__name__: model.objects.count() for model in models}
    values = IndicatorValue.objects.order_by("pk").values_list(
        "unit__code", "indicator__code", "period", "value"
    )
    names = Unit.objects.order_by("code").values_list("code", "name", "category__code")
    settings = Cycle.objects.order_by("year").values_list("year", "state", "weight_q1", "bonus_cap")
    digest = hashlib.sha256(repr([list(values), list(names), list(settings)]).encode())
    return {**counts, "checksum": digest.hexdigest()}


@pytest.fixture
def small_sheets():
    return small_cycle_sheets()
