"""A copy of the data sheet in the same file (Excel's "2026-Q1 (2)") is said in one line, and
blank cells repeat nothing: the real problems stay in view."""

from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from tests.sheets.records import import_start, record_changes, record_problems

HEADER = ["unit", "GDP", "SAFE", "TAX"]
ROWS = [["ZJ01", 18, None, 90], ["ZJ02", "八十", 1, None], ["JJ01", 12, 0, None]]


def _workbook(sheets: dict[str, list[list]]) -> SimpleUploadedFile:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("copies.xlsx", buffer.getvalue())


def test_a_copied_sheet_is_one_line_beside_the_real_problems(district, scorer):
    upload = _workbook({"2026-Q1": [HEADER, *ROWS], "2026-Q1 (2)": [HEADER, *ROWS]})
    record = import_start(district, scorer, upload)
    assert record_problems(record, with_sheet=True) == [
        ("2026-Q1", 3, "B", "应为数字，实为“八十”"),
        ("2026-Q1 (2)", None, None, "工作表“2026-Q1 (2)”与“2026-Q1”内容重复，请删除其中一张"),
    ]


def test_a_copy_with_other_figures_says_how_many_differ(district, scorer):
    changed = [["ZJ01", 17, None, 90], ["ZJ02", "八十", 1, None], ["JJ01", 12, 0, None]]
    record = import_start(
        district, scorer, _workbook({"2026-Q1": [HEADER, *ROWS], "2026-Q1 (2)": [HEADER, *changed]})
    )
    assert record_problems(record, with_sheet=True)[1:] == [
        (
            "2026-Q1 (2)",
            None,
            None,
            "工作表“2026-Q1 (2)”与“2026-Q1”内容重复，其中 1 个数值不同：请核对后删除其中一张",
        )
    ]


def test_a_sheet_repeating_only_some_values_names_each_one(district, scorer):
    other = [HEADER, ["ZJ01", 18, None, None], ["ZJ02", None, None, 80]]
    record = import_start(district, scorer, _workbook({"2026-Q1": [HEADER, *ROWS], "补充": other}))
    assert record_problems(record, with_sheet=True)[1:] == [
        ("补充", 2, "B", "重复：与工作表 2026-Q1 第 2 行的单位、指标、期间相同"),
    ]


def test_blank_cells_repeat_nothing(district, scorer):
    first = [HEADER, ["ZJ01", None, 2, None]]
    second = [["unit", "indicator", "period", "value"], ["ZJ01", "GDP", "Q1", 16]]
    record = import_start(district, scorer, _workbook({"宽表": first, "长表": second}))
    assert (record.status, record.errors) == ("pending", [])
    assert record_changes(record, district) == {
        ("ZJ01", "SAFE", "Q1"): (None, "2"),
        ("ZJ01", "GDP", "Q1"): ("15", "16"),
    }


def test_a_copy_filled_in_where_the_first_is_blank_is_still_a_copy(district, scorer):
    """Excel's copy of the sheet, then typed into: each of its rows is the other's unit."""
    filled = [["ZJ01", 18, 3, 90], ["ZJ02", "八十", 1, None], ["JJ01", 12, 0, None]]
    record = import_start(
        district, scorer, _workbook({"2026-Q1": [HEADER, *ROWS], "2026-Q1 (2)": [HEADER, *filled]})
    )
    assert record_problems(record, with_sheet=True)[1:] == [
        (
            "2026-Q1 (2)",
            None,
            None,
            "工作表“2026-Q1 (2)”与“2026-Q1”内容重复，其中 1 个数值不同：请核对后删除其中一张",
        )
    ]
