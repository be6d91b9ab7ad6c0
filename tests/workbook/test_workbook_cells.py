"""Cells of the interchange workbook as clerks and other systems leave them: failed formulas,
name columns beside code columns, periods with their year, long figures."""

import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from openpyxl import load_workbook

from scoring.models import Adjustment, IndicatorValue
from scoring.services.workbook import WorkbookInvalid
from tests.sheets.excel_error_cells import error_cells_write, part_rewrite
from tests.workbook.conftest import (
    HEADERS,
    database_snapshot,
    export_bytes,
    import_bytes,
    sheets_read,
    small_cycle_sheets,
    xlsx,
)

pytestmark = pytest.mark.django_db

DIV0 = "单元格是 Excel 错误值 #DIV/0!（公式没有算出结果）"
# The parts openpyxl gives the sheets of conftest.xlsx, in the order of small_cycle_sheets.
PARTS = {name: f"xl/worksheets/sheet{index}.xml" for index, name in enumerate(HEADERS, start=1)}


def _problems(data: bytes):
    with pytest.raises(WorkbookInvalid) as raised:
        import_bytes(data)
    return [(p.sheet, p.row, p.column, p.message) for p in raised.value.problems]


@pytest.fixture
def existing_cycle():
    """The clean workbook already imported: a bad file must leave this exactly as it is."""
    import_bytes(xlsx(small_cycle_sheets()))
    return database_snapshot()


def test_an_error_in_an_indicators_step_is_named_not_taken_for_blank(existing_cycle):
    # Row 4 is A1.2, the rank indicator; L its step.
    data = error_cells_write(xlsx(small_cycle_sheets()), {"L4": "#DIV/0!"}, PARTS["indicators"])
    assert _problems(data) == [("indicators", 4, "L", DIV0)]
    assert database_snapshot() == existing_cycle


def test_a_formula_saved_without_its_result_is_named_not_taken_for_blank(existing_cycle):
    # As a program that does not compute writes it: Excel shows 2 in A1.2's step, calamine
    # reads a blank.
    def uncomputed(sheet: str) -> str:
        sheet, count = re.subn(r'<c r="L4".*?</c>', '<c r="L4"><f>1+1</f><v/></c>', sheet)
        assert count == 1
        return sheet

    data = part_rewrite(xlsx(small_cycle_sheets()), PARTS["indicators"], uncomputed)
    message = (
        "单元格的公式没有保存计算结果（文件不是 Excel 或 WPS 保存的）：请在 Excel 或 WPS 中"
        "打开文件、保存后再上传，或把公式换成数值"
    )
    assert _problems(data) == [("indicators", 4, "L", message)]
    assert database_snapshot() == existing_cycle


def test_an_error_in_a_text_cell_is_named_once(existing_cycle):
    data = error_cells_write(
        xlsx(small_cycle_sheets()), {"B3": "#N/A", "A4": "#N/A"}, PARTS["units"]
    )
    message = "单元格是 Excel 错误值 #N/A（公式没有算出结果）"
    assert _problems(data) == [("units", 3, "B", message), ("units", 4, "A", message)]
    assert database_snapshot() == existing_cycle


def test_an_error_in_a_sheet_starting_at_column_b_names_the_column_excel_shows(existing_cycle):
    book = load_workbook(io.BytesIO(xlsx(small_cycle_sheets())))
    book["values"].insert_cols(1)
    buffer = io.BytesIO()
    book.save(buffer)
    # Row 3 is ZJ02's A1.1 in Q1; its value now in E.
    data = error_cells_write(buffer.getvalue(), {"E3": "#DIV/0!"}, PARTS["values"])
    assert _problems(data) == [("values", 3, "E", DIV0)]
    assert database_snapshot() == existing_cycle


def test_the_code_columns_are_read_beside_the_name_columns():
    sheets = small_cycle_sheets()
    names = {"ZJ01": "城关街道", "ZJ02": "东城街道", "JJ01": "区发改局"}
    sheets["values"] = [
        [names[unit], unit, f"{indicator} 的名称", indicator, period, value]
        for unit, indicator, period, value in sheets["values"]
    ]
    headers = {**HEADERS, "values": ["单位", "单位代码", "指标", "指标代码", "期间", "数值"]}
    import_bytes(xlsx(sheets, headers=headers))
    assert IndicatorValue.objects.get(unit__code="ZJ02", indicator__code="A1.1").value == Decimal(
        "7.25"
    )


def test_periods_are_read_as_the_scorers_sheet_reads_them(existing_cycle):
    sheets = small_cycle_sheets()
    spellings = ["2027-Q1", "2027年一季度", "一季度", "2027 Q1"]
    for row, period in zip(sheets["values"][:4], spellings, strict=True):
        row[2] = period
    sheets["adjustments"][0][1] = "2027Q1"
    import_bytes(xlsx(sheets), file_name="periods.xlsx")
    assert IndicatorValue.objects.filter(period="Q1").count() == 5
    assert Adjustment.objects.get().period == "Q1"
    sheets["values"][0][2] = "2026-Q1"
    sheets["adjustments"][0][1] = "2026年一季度"
    assert _problems(xlsx(sheets)) == [
        ("values", 2, "C", "“2026-Q1”是 2026 年的期间，这里导入的是 2027 年的考核"),
        ("adjustments", 2, "B", "“2026年一季度”是 2026 年的期间，这里导入的是 2027 年的考核"),
    ]


def test_a_long_text_in_a_number_cell_is_quoted_cut_short(existing_cycle):
    sheets = small_cycle_sheets()
    sheets["values"][0][3] = "说明" * 2500
    assert _problems(xlsx(sheets)) == [("values", 2, "D", f"应为数字，实为“{'说明' * 25}…”")]


def test_a_figure_of_more_than_fifteen_digits_survives_export_and_import():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite keeps fifteen significant digits of a decimal")
    sheets = small_cycle_sheets()
    sheets["values"][3][3] = "123456789012.3456"  # JJ01's A1.2, a rank figure
    import_bytes(xlsx(sheets))
    exported = export_bytes(2027)
    cells = [row[3] for row in sheets_read(exported)["values"] if row[:2] == ["JJ01", "A1.2"]]
    assert cells == ["123456789012.3456"], "text: a number keeps fifteen digits in Excel"
    import_bytes(exported, file_name="again.xlsx")
    value = IndicatorValue.objects.get(unit__code="JJ01", indicator__code="A1.2").value
    assert value == Decimal("123456789012.3456")
