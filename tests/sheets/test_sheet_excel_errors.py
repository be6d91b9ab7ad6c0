"""Excel error values (#DIV/0!, #N/A…) are refused where they stand, never read as blanks."""

import io
import re

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from scoring.models import ImportRecord, IndicatorValue
from scoring.services.sheets import sheet_import_start, sheet_template_build
from tests.sheets.excel_error_cells import error_cells_write, part_rewrite
from tests.sheets.records import record_problems

DIV0 = "单元格是 Excel 错误值 #DIV/0!（公式没有算出结果）"
NA = "单元格是 Excel 错误值 #N/A（公式没有算出结果）"


def _saved(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _book(rows, title="Sheet1") -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.title = title
    for row in rows:
        workbook.active.append(row)
    return _saved(workbook)


def _start(district, scorer, data: bytes, period="Q1"):
    upload = SimpleUploadedFile("sheet.xlsx", data)
    return sheet_import_start(cycle=district["cycle"], user=scorer, period=period, upload=upload)


def _refused(record):
    return record.status == ImportRecord.Status.FAILED and record.changes == []


def test_an_error_in_the_templates_value_cell_is_named_not_skipped(district, scorer):
    workbook = sheet_template_build(cycle=district["cycle"], period="Q1", user=scorer)
    workbook.active["E6"] = 0  # ZJ01's SAFE, to be a failed formula
    workbook.active["D7"] = 9  # ZJ02's GDP, a real change
    data = error_cells_write(_saved(workbook), {"E6": "#DIV/0!"})
    record = _start(district, scorer, data, period="")
    assert record_problems(record, with_sheet=True) == [("2026-Q1", 6, "E", DIV0)]
    assert _refused(record)
    assert IndicatorValue.objects.count() == 1


def test_an_error_in_a_long_sheets_value_is_no_missing_value(district, scorer):
    data = error_cells_write(
        _book([["单位代码", "指标代码", "期间", "数值"], ["ZJ01", "GDP", "Q1", 0]]),
        {"D2": "#DIV/0!"},
    )
    record = _start(district, scorer, data)
    assert record_problems(record, with_sheet=True) == [("Sheet1", 2, "D", DIV0)]
    assert _refused(record)


def test_an_error_in_a_code_cell_says_the_formula_failed(district, scorer):
    long = error_cells_write(
        _book([["单位代码", "指标代码", "期间", "数值"], ["ZJ01", "GDP", "Q1", 3]]),
        {"A2": "#N/A", "B2": "#N/A", "C2": "#N/A"},
    )
    assert record_problems(_start(district, scorer, long), with_sheet=True) == [
        ("Sheet1", 2, "A", NA),
        ("Sheet1", 2, "C", NA),
        ("Sheet1", 2, "B", NA),
    ]
    wide = error_cells_write(_book([["单位代码", "GDP"], ["ZJ01", 3]]), {"A2": "#N/A"})
    assert record_problems(_start(district, scorer, wide), with_sheet=True) == [
        ("Sheet1", 2, "A", NA)
    ]


def test_an_error_beside_the_read_columns_is_no_problem(district, scorer):
    # 单位名称 filled by a VLOOKUP that found nothing: the column is not read.
    data = error_cells_write(
        _book([["单位代码", "单位名称", "GDP"], ["ZJ02", "东城", 7]]), {"B2": "#N/A"}
    )
    record = _start(district, scorer, data)
    assert (record.errors, record.rows_changed) == ([], 1)


def test_an_error_is_placed_in_a_sheet_whose_data_starts_at_b3(district, scorer):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["B3"], sheet["C3"], sheet["D3"] = "单位代码", "GDP", "SAFE"
    sheet["B4"], sheet["C4"], sheet["D4"] = "ZJ01", 18, 1
    sheet["B5"], sheet["C5"], sheet["D5"] = "ZJ02", 9, 0
    data = error_cells_write(_saved(workbook), {"D5": "#VALUE!"})
    record = _start(district, scorer, data)
    assert record_problems(record, with_sheet=True) == [
        ("Sheet", 5, "D", "单元格是 Excel 错误值 #VALUE!（公式没有算出结果）")
    ]


def test_the_error_reader_takes_a_path_bytes_or_a_file_left_where_it_was(tmp_path):
    from scoring.services.excel_errors import excel_errors_read

    workbook = openpyxl.Workbook()
    workbook.active.title = "R&D <一>"
    workbook.active.append(["单位代码", "GDP"])
    workbook.active.append(["ZJ01", 1])
    workbook.create_sheet("clean").append(["x"])
    data = error_cells_write(_saved(workbook), {"B2": "#REF!"})

    def relative_targets(relations: str) -> str:
        # openpyxl names the sheet parts by an absolute path; Excel by one relative to xl/.
        assert 'Target="/xl/worksheets/sheet1.xml"' in relations
        return relations.replace('"/xl/worksheets/', '"worksheets/')

    relative = part_rewrite(data, "xl/_rels/workbook.xml.rels", relative_targets)
    path = tmp_path / "errors.xlsx"
    path.write_bytes(relative)
    expected = {"R&D <一>": {(1, 1): "#REF!"}}
    assert excel_errors_read(data) == expected
    assert excel_errors_read(path) == expected
    assert excel_errors_read(str(path)) == expected
    stream = io.BytesIO(relative)
    stream.seek(7)
    assert excel_errors_read(stream) == expected
    assert stream.tell() == 7
    assert excel_errors_read(data, sheets={"clean"}) == {}


def test_error_cells_that_do_not_say_where_they_are_are_placed_by_counting():
    from scoring.services.excel_errors import excel_errors_read

    data = _book([["单位代码", "GDP", "SAFE"], ["ZJ01", 1, 2], ["ZJ02", 3, 4]])

    def without_references(sheet: str) -> str:
        # r is optional on rows and cells: B3 becomes the second cell of the third row.
        sheet = sheet.replace('<row r="3">', "<row>")
        return re.sub(r'<c r="B3"[^>]*>.*?</c>', '<c t="e"><f>1/0</f><v>#DIV/0!</v></c>', sheet)

    data = part_rewrite(data, "xl/worksheets/sheet1.xml", without_references)
    assert excel_errors_read(data) == {"Sheet1": {(2, 1): "#DIV/0!"}}


UNCOMPUTED = (
    "单元格的公式没有保存计算结果（文件不是 Excel 或 WPS 保存的）：请在 Excel 或 WPS 中打开文件、"
    "保存后再上传，或把公式换成数值"
)


def test_a_formula_saved_without_its_result_is_named_not_skipped(district, scorer):
    # A file written by a program (openpyxl here) holds the formula only: Excel shows 16 on
    # opening, the import read a blank and left the figure out without a word.
    data = _book([["unit", "GDP", "TAX"], ["ZJ01", "=10+6", 90], ["ZJ02", "=10+7", "=80+1"]])
    record = _start(district, scorer, data)
    assert record_problems(record) == [
        (2, "B", UNCOMPUTED),
        (3, "B", UNCOMPUTED),
        (3, "C", UNCOMPUTED),
    ]
    assert _refused(record)


def test_formulas_saved_with_their_result_import_the_result(district, scorer):
    data = _book([["unit", "GDP", "TAX"], ["ZJ01", "=10+6", '=""']])

    def computed(sheet: str) -> str:
        # As Excel and WPS save them: the result beside the formula, "" as an empty text.
        sheet = sheet.replace("<f>10+6</f><v /></c>", "<f>10+6</f><v>16</v></c>")
        empty_text = '<c r="C2" t="str"><f>""</f><v></v></c>'
        return sheet.replace('<c r="C2"><f>""</f><v /></c>', empty_text)

    record = _start(district, scorer, part_rewrite(data, "xl/worksheets/sheet1.xml", computed))
    assert record.errors == []
    assert [change[3:] for change in record.changes] == [["15", "16"]]


def test_formulas_without_results_are_found_by_counting_too():
    from scoring.services.excel_errors import excel_errors_read

    data = _book([["单位代码", "GDP"], ["ZJ01", 1], ["ZJ02", "=1+2"]])
    data = part_rewrite(
        data, "xl/worksheets/sheet1.xml", lambda sheet: sheet.replace('<row r="3">', "<row>")
    )
    assert excel_errors_read(data) == {"Sheet1": {(2, 1): "#公式未计算"}}


# Each way a program may save B2's formula, and whether it saved the result.
FORMULA_CELLS = {
    '<c r="B2"><f>10+6</f></c>': False,
    '<c r="B2"><f>10+6</f><v/></c>': False,
    '<c r="B2"><f>10+6</f><v /></c>': False,
    '<c r="B2"><f>10+6</f><v></v></c>': False,
    '<c r="B2"><f>10+6</f><v> </v></c>': False,
    '<c r="B2"><f t="shared" ref="B2:B3" si="0">10+6</f></c>': False,
    '<c r="B2"><f t="shared" si="0"/></c>': False,
    '<c r="B2"><f t="shared" si="0"/><v/></c>': False,
    '<c r="B2"><f>10+6</f><v>16</v></c>': True,
    '<c r="B2"><f t="shared" si="0"/><v>16</v></c>': True,
    '<c r="B2" t="str"><f>""</f><v></v></c>': True,
}


def _prefixed(sheet: str) -> str:
    # As some systems write it: every element with the x: prefix of the main namespace.
    sheet = re.sub(r"<(/?)([A-Za-z])", r"<\1x:\2", sheet)
    return sheet.replace(' xmlns="', ' xmlns:x="', 1)


@pytest.mark.parametrize("prefix", [False, True], ids=["no prefix", "x: prefix"])
@pytest.mark.parametrize("cell, computed", FORMULA_CELLS.items())
def test_every_way_of_saving_a_formula_without_its_result_is_found(cell, computed, prefix):
    from scoring.services.excel_errors import excel_errors_read

    def formula_written(sheet: str) -> str:
        sheet, count = re.subn(r'<c r="B2".*?</c>', cell, sheet)
        assert count == 1
        return _prefixed(sheet) if prefix else sheet

    data = _book([["单位代码", "GDP"], ["ZJ01", 1], ["ZJ02", 2]])
    data = part_rewrite(data, "xl/worksheets/sheet1.xml", formula_written)
    expected = {} if computed else {"Sheet1": {(1, 1): "#公式未计算"}}
    assert excel_errors_read(data) == expected
