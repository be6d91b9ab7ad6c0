"""Merged ranges and hidden rows and columns in the cells read are named in a notice: Excel
shows them otherwise than they are imported."""

import re
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from scoring.services.excel_errors import excel_cells_read
from tests.sheets.excel_error_cells import part_rewrite
from tests.sheets.records import import_start, record_changes

MERGED = (
    "工作表“Sheet1”的 B4:B5 是合并单元格：只有左上角的单元格有值，其余单元格按空白导入。"
    "请取消合并，每格分别填写。"
)
HIDDEN = (
    "工作表“Sheet1”中隐藏的行或列有数据（第 5 行、C 列），也会导入：请在 Excel 中取消隐藏后核对。"
)


def _sheet(*, without_numbers=False) -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Sheet1"
    sheet.append(["统计局一季度数据"])
    sheet.merge_cells("A1:D1")  # a title above the header: no figure of it is read
    sheet.append(["unit", "GDP", "SAFE", "备注"])
    sheet.append(["ZJ01", 16, 1, "已核"])
    sheet.append(["ZJ02", 12, 2, None])
    sheet.append(["JJ01", 11, 0, None])
    sheet.merge_cells("B4:B5")  # 12 for ZJ02 shown beside JJ01 too, which gets nothing
    sheet.row_dimensions[5].hidden = True
    sheet.row_dimensions[6].hidden = True  # hidden, but empty
    sheet.column_dimensions["C"].hidden = True
    sheet.column_dimensions["D"].hidden = True  # hidden, but not read
    buffer = BytesIO()
    workbook.save(buffer)
    data = buffer.getvalue()
    if without_numbers:  # rows placed by counting, as some writers leave them
        data = part_rewrite(
            data,
            "xl/worksheets/sheet1.xml",
            lambda xml: re.sub(r'(<row\b[^>]*?) r="\d+"', r"\1", xml),
        )
    return SimpleUploadedFile("layout.xlsx", data)


@pytest.mark.parametrize("without_numbers", [False, True])
def test_merged_ranges_and_hidden_rows_and_columns_read_are_named(
    district, scorer, without_numbers
):
    record = import_start(district, scorer, _sheet(without_numbers=without_numbers))
    assert record.notices == [MERGED, HIDDEN]
    # Imported as calamine reads it: the merged range's value for its top-left cell only.
    assert ("JJ01", "GDP", "Q1") not in record_changes(record, district)
    assert record_changes(record, district)[("ZJ02", "GDP", "Q1")] == (None, "12")


def test_a_plain_sheet_has_no_such_notice(district, scorer, xlsx):
    record = import_start(district, scorer, xlsx([["unit", "GDP"], ["ZJ01", 16], ["JJ01", None]]))
    assert record.notices == []


def _sheet_rewritten(rewrite) -> SimpleUploadedFile:
    data = part_rewrite(_sheet().read(), "xl/worksheets/sheet1.xml", rewrite)
    return SimpleUploadedFile("layout.xlsx", data)


def test_a_row_numbered_with_thousands_of_digits_is_read_as_the_row_after_the_last(
    district, scorer
):
    upload = _sheet_rewritten(lambda xml: xml.replace('<row r="5"', f'<row r="{"9" * 5000}"'))
    record = import_start(district, scorer, upload)
    assert record.notices == [MERGED, HIDDEN]
    assert record_changes(record, district)[("JJ01", "SAFE", "Q1")] == (None, "0")


def test_hidden_columns_are_counted_up_to_the_last_column_a_sheet_has():
    upload = _sheet_rewritten(lambda xml: xml.replace('min="4" max="4"', 'min="4" max="99999"'))
    layout = excel_cells_read(upload.read(), layout=None).layout["Sheet1"]
    assert max(layout.hidden_columns) == 16383  # XFD
    assert {2, 3} <= layout.hidden_columns


def test_merged_ranges_below_the_data_reaching_excels_last_row_are_not_named(district, scorer):
    # Each reaches Excel's last row in a column read: checked row by row, these 300 took 14 s;
    # by search, none holds a data row, and only B4:B5 is named.
    far_merges = "".join(f'<mergeCell ref="B{row}:B1048576"/>' for row in range(20, 320))
    sheet = _sheet()
    data = part_rewrite(
        sheet.read(),
        "xl/worksheets/sheet1.xml",
        lambda xml: re.sub(r'(<mergeCells count=")\d+(">)', r"\g<1>302\2", xml).replace(
            "</mergeCells>", far_merges + "</mergeCells>"
        ),
    )
    record = import_start(district, scorer, SimpleUploadedFile("layout.xlsx", data))
    assert record.notices == [MERGED, HIDDEN]
