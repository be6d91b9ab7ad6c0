"""A figure typed in a cell formatted as a percentage shows as 85% but is stored, and imported, as
0.85: the preview names those cells, and imports what the file holds."""

import io
import re
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from scoring.models import ImportRecord, IndicatorValue
from scoring.services.excel_errors import excel_cells_read
from scoring.services.sheets import sheet_import_commit, sheet_template_build
from tests.sheets.excel_error_cells import error_cells_write, part_rewrite
from tests.sheets.records import import_start, record_changes

NOTICE = (
    "{cells} 设置了百分比格式：导入的是单元格中存储的小数（如 {stored}），而不是显示的百分数"
    "（{shown}）。若该指标应填百分数，请将单元格改为“常规”格式后重新填写。"
)


def _saved(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _book(rows, formats=None, title="Sheet1") -> openpyxl.Workbook:
    """A workbook of one sheet holding the rows, each cell named in `formats` given that number
    format, e.g. {"C2": "0%"}."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    for reference, number_format in (formats or {}).items():
        sheet[reference].number_format = number_format
    return workbook


def _upload(workbook, name="percent.xlsx"):
    return SimpleUploadedFile(name, _saved(workbook))


def _styles(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("xl/styles.xml").decode()


def _percent_notices(record) -> list[str]:
    return [notice for notice in record.notices if "百分比格式" in notice]


def _stored() -> dict:
    return {
        (value.unit.code, value.indicator.code, value.period): value.value
        for value in IndicatorValue.objects.select_related("unit", "indicator")
    }


def test_cells_formatted_as_percentages_are_named_and_their_fractions_imported(district, scorer):
    workbook = _book(
        [
            ["单位代码", "GDP", "TAX", "备注"],
            ["ZJ01", 18, 0.85, 0.5],
            ["ZJ02", 0.125, 0.9, None],
            ["JJ01", 0, None, None],
        ],
        {
            "C2": "0%",  # built-in 9
            "B3": "0.00%",  # built-in 10
            "C3": "0.0%",  # a custom format
            "D2": "0%",  # 备注 is not read
            "B4": "0%",  # a zero is the same either way
        },
    )
    data = _saved(workbook)
    # As Excel writes them: the built-in formats by their ids, the custom one by its code.
    cell_styles = re.search(r"<cellXfs.*</cellXfs>", _styles(data))[0]
    assert 'numFmtId="9"' in cell_styles and 'numFmtId="10"' in cell_styles
    assert re.search(r'<numFmt numFmtId="(\d+)" formatCode="0.0%"', _styles(data))
    record = import_start(district, scorer, SimpleUploadedFile("percent.xlsx", data))
    assert record.status == ImportRecord.Status.PENDING
    assert record.errors == []
    assert record.notices == [NOTICE.format(cells="Sheet1!C2、B3、C3", stored="0.85", shown="85")]
    # Imported as stored: the fraction, not the percentage Excel shows.
    assert record_changes(record, district) == {
        ("ZJ01", "GDP", "Q1"): ("15", "18"),
        ("ZJ01", "TAX", "Q1"): (None, "0.85"),
        ("ZJ02", "GDP", "Q1"): (None, "0.125"),
        ("ZJ02", "TAX", "Q1"): (None, "0.9"),
        ("JJ01", "GDP", "Q1"): (None, "0"),
    }
    assert sheet_import_commit(record=record, by=scorer) == 5
    assert _stored() == {
        ("ZJ01", "GDP", "Q1"): Decimal(18),
        ("ZJ01", "TAX", "Q1"): Decimal("0.85"),
        ("ZJ02", "GDP", "Q1"): Decimal("0.125"),
        ("ZJ02", "TAX", "Q1"): Decimal("0.9"),
        ("JJ01", "GDP", "Q1"): Decimal(0),
    }


def test_each_sheet_is_named_before_its_first_percent_cell(district, scorer):
    workbook = _book([["单位代码", "GDP"], ["ZJ01", 16], ["ZJ02", 0.4]], {"B3": "0%"}, title="Q1")
    long = workbook.create_sheet("长表")
    for row in (
        ["单位代码", "指标代码", "期间", "数值"],
        ["ZJ01", "TAX", "Q1", 0.955],
        ["JJ01", "GDP", "Q1", 7],
        ["ZJ02", "TAX", "Q1", 0.6],
    ):
        long.append(row)
    long["D2"].number_format = "0.0%"
    long["D4"].number_format = "0%"
    long["C3"].number_format = "0%"  # the period column holds no figure
    record = import_start(district, scorer, _upload(workbook))
    assert record.notices == [NOTICE.format(cells="Q1!B3、长表!D2、D4", stored="0.4", shown="40")]
    assert record_changes(record, district) == {
        ("ZJ01", "GDP", "Q1"): ("15", "16"),
        ("ZJ02", "GDP", "Q1"): (None, "0.4"),
        ("ZJ01", "TAX", "Q1"): (None, "0.955"),
        ("JJ01", "GDP", "Q1"): (None, "7"),
        ("ZJ02", "TAX", "Q1"): (None, "0.6"),
    }


def test_ten_cells_are_named_and_the_others_counted(district, scorer):
    rows = [["单位代码", "指标代码", "期间", "数值"]]
    for unit in ("ZJ01", "ZJ02", "JJ01"):
        for period in ("Q1", "Q2", "Q3", "Q4"):
            rows.append([unit, "GDP", period, round(0.01 * len(rows), 2)])
    workbook = _book(rows, {f"D{row}": "0%" for row in range(2, 14)})
    record = import_start(district, scorer, _upload(workbook))
    named = "、".join(f"D{row}" for row in range(3, 12))
    assert _percent_notices(record) == [
        NOTICE.format(cells=f"Sheet1!D2、{named} 等 12 处", stored="0.01", shown="1")
    ]
    assert len(record.changes) == 12
    assert record.errors == []


def test_plain_numbers_and_percent_signs_shown_as_text_are_no_percentages(district, scorer):
    workbook = _book(
        [["单位代码", "GDP", "TAX"], ["ZJ01", 18, 85], ["ZJ02", 0.5, 90.5]],
        {"C2": "0.00", "B3": '0.0"%"', "C3": "0.0\\%"},
    )
    record = import_start(district, scorer, _upload(workbook))
    assert record.notices == []
    assert record_changes(record, district) == {
        ("ZJ01", "GDP", "Q1"): ("15", "18"),
        ("ZJ01", "TAX", "Q1"): (None, "85"),
        ("ZJ02", "GDP", "Q1"): (None, "0.5"),
        ("ZJ02", "TAX", "Q1"): (None, "90.5"),
    }


def test_a_percent_style_on_no_number_is_no_notice(district, scorer):
    # The header's text, an empty cell and a code typed as text carry the percent style.
    workbook = _book(
        [["单位代码", "GDP", "TAX"], ["ZJ01", 18, None], ["ZJ02", 9, 80]],
        {"C1": "0%", "C2": "0%", "A3": "0.00%"},
    )
    data = _saved(workbook)
    assert re.search(r'<cellXfs.*numFmtId="9".*</cellXfs>', _styles(data)), "the style is defined"
    record = import_start(district, scorer, SimpleUploadedFile("unused.xlsx", data))
    assert (record.status, record.notices) == (ImportRecord.Status.PENDING, [])
    assert len(record.changes) == 3


def test_the_templates_percent_cells_are_named_but_not_its_label_rows(district, scorer):
    workbook = sheet_template_build(cycle=district["cycle"], period="Q1", user=scorer)
    sheet = workbook.active
    # The clerk formats the whole GDP column (D) as a percentage: its 满分 row (D3) too.
    for row in range(1, 9):
        sheet[f"D{row}"].number_format = "0%"
    sheet["D6"] = 0.75  # ZJ01's GDP
    record = import_start(district, scorer, _upload(workbook, "template.xlsx"), period="")
    assert record.notices == [NOTICE.format(cells="2026-Q1!D6", stored="0.75", shown="75")]
    assert record_changes(record, district) == {("ZJ01", "GDP", "Q1"): ("15", "0.75")}


def test_percent_cells_are_named_beside_the_problems_of_a_refused_file(district, scorer):
    workbook = _book([["单位代码", "GDP"], ["ZJ01", 0.3], ["ZJ09", 0.2]], {"B2": "0%", "B3": "0%"})
    record = import_start(district, scorer, _upload(workbook))
    assert record.status == ImportRecord.Status.FAILED
    assert [(error["row"], error["column"]) for error in record.errors] == [(3, "A")]
    assert record.notices == [NOTICE.format(cells="Sheet1!B2、B3", stored="0.3", shown="30")]


@pytest.mark.parametrize(
    ("number_format", "percent"),
    [
        ("0%", True),
        ("0.00%", True),
        ("0.0%", True),
        ("#,##0.0%;[Red]-#,##0.0%", True),
        ("[$-804]0%", True),
        ("General", False),
        ("0.00", False),
        ('0.0"%"', False),
        ("0.0\\%", False),
        ("0.0_%", False),
        ("0.0*%", False),
    ],
)
def test_a_format_is_a_percentage_where_a_percent_sign_is_not_written_as_text(
    number_format, percent
):
    workbook = _book([["x", 0.5]], {"B1": number_format})
    expected = {"Sheet1": [(0, 1)]} if percent else {}
    assert excel_cells_read(_saved(workbook)).percent == expected


def test_error_and_percent_cells_are_found_in_one_reading_with_or_without_references():
    workbook = _book(
        [["单位代码", "GDP", "TAX"], ["ZJ01", 0.5, 1], ["ZJ02", 0.25, 2]],
        {"B2": "0%", "B3": "0.00%", "C3": "0.00%"},
    )
    data = error_cells_write(_saved(workbook), {"C2": "#DIV/0!", "C3": "#N/A"})
    expected_errors = {"Sheet1": {(1, 2): "#DIV/0!", (2, 2): "#N/A"}}
    marked = excel_cells_read(data)
    assert (marked.errors, marked.percent) == (expected_errors, {"Sheet1": [(1, 1), (2, 1)]})
    assert excel_cells_read(data, errors=(), percent=["Sheet1"]).errors == {}
    assert excel_cells_read(data, errors=["Sheet1"], percent=()).percent == {}

    def without_references(sheet: str) -> str:
        # r is optional on rows and cells: the cells of row 3 are placed by counting.
        sheet = sheet.replace('<row r="3">', "<row>")
        return re.sub(r'(<c) r="[A-Z]3"', r"\1", sheet)

    counted = excel_cells_read(part_rewrite(data, "xl/worksheets/sheet1.xml", without_references))
    assert (counted.errors, counted.percent) == (expected_errors, {"Sheet1": [(1, 1), (2, 1)]})


def test_cells_cut_by_the_end_of_a_chunk_are_read_in_the_next(monkeypatch):
    from scoring.services import excel_errors

    workbook = _book(
        [["单位代码", "GDP", "TAX"], *(([f"ZJ{row:02d}", row / 100, 1]) for row in range(2, 40))],
        {f"B{row}": "0.0%" for row in range(2, 40)},
    )
    data = error_cells_write(_saved(workbook), {"C7": "#DIV/0!", "C31": "#N/A"})
    whole = excel_cells_read(data)
    assert len(whole.percent["Sheet1"]) == 38
    assert whole.errors == {"Sheet1": {(6, 2): "#DIV/0!", (30, 2): "#N/A"}}
    for chunk in (7, 31, 64, 100):
        monkeypatch.setattr(excel_errors, "CHUNK_BYTES", chunk)
        monkeypatch.setattr(excel_errors, "CELL_BYTES_MAX", 200)
        assert excel_cells_read(data) == whole
