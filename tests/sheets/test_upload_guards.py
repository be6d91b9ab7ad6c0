import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from scoring.services.uploads import UploadRefused, upload_check
from tests.sheets.excel_error_cells import part_rewrite


def _check(upload):
    return upload_check(name=upload.name, file=upload, size=upload.size)


def test_a_clean_workbook_passes_with_its_digest_and_rows(xlsx):
    upload = xlsx([["unit", "GDP"], ["ZJ01", 1], ["ZJ02", 2]])
    info = _check(upload)
    assert info.rows == 3
    assert len(info.sha256) == 64
    assert upload.tell() == 0


def test_a_csv_renamed_or_not_is_refused(xlsx):
    with pytest.raises(UploadRefused, match="只接受 Excel"):
        upload_check(name="values.csv", file=io.BytesIO(b"a,b"), size=3)
    with pytest.raises(UploadRefused, match="不是有效的 .xlsx"):
        upload_check(name="values.xlsx", file=io.BytesIO(b"unit,GDP\nZJ01,1"), size=15)


def test_a_file_over_the_size_limit_is_refused(xlsx, settings):
    settings.SCORING_UPLOAD_MAX_BYTES = 1000
    with pytest.raises(UploadRefused, match="超过上限"):
        _check(xlsx([["unit"], ["x" * 5000]]))


def test_a_sheet_declaring_too_many_rows_is_refused(xlsx, settings):
    settings.SCORING_UPLOAD_MAX_ROWS = 10
    with pytest.raises(UploadRefused, match="11 行，超过上限 10 行"):
        _check(xlsx([["unit", "GDP"]] + [["ZJ01", 1]] * 10))


def test_a_zip_bomb_is_refused_from_its_directory_alone(settings):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (50 * 1024 * 1024))
    with pytest.raises(UploadRefused, match="压缩炸弹"):
        upload_check(name="bomb.xlsx", file=buffer, size=len(buffer.getvalue()))
    settings.SCORING_UPLOAD_MAX_UNPACKED_BYTES = 10 * 1024 * 1024
    with pytest.raises(UploadRefused, match="解压后达 50.0 MB"):
        upload_check(name="bomb.xlsx", file=buffer, size=len(buffer.getvalue()))


def test_a_damaged_archive_is_refused():
    with pytest.raises(UploadRefused, match="已损坏"):
        upload_check(name="broken.xlsx", file=io.BytesIO(b"PK\x03\x04garbage"), size=11)


def _workbook_with(cells: dict[str, object], title="考核数据") -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for position, value in cells.items():
        sheet[position] = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("stray.xlsx", buffer.getvalue())


def test_a_value_typed_far_from_the_data_is_refused_naming_the_corner_it_reaches(settings):
    # calamine holds A1:XFD2000 as a grid of 33 million cells, 1.5 GB.
    upload = _workbook_with({"A1": "单位代码", "A2": "ZJ01", "B2": 5, "XFD2000": 1})
    with pytest.raises(UploadRefused) as refusal:
        _check(upload)
    assert str(refusal.value) == (
        "工作表“考核数据”的内容从 A1 一直延伸到 XFD2000（2,000 行 × 16,384 列），超过 "
        "30,000,000 个单元格的上限：多半是远处的行或列里有误填的内容，请删除后再上传。"
    )
    settings.SCORING_UPLOAD_MAX_CELLS = 40_000_000
    assert _check(upload).rows == 2000


STYLED_FAR_CELL = '<row r="9000"><c r="XFD9000" s="0"/></row>'


def test_far_cells_that_only_carry_a_style_are_no_span():
    upload = _workbook_with({"A1": "单位代码", "A2": "ZJ01"})
    data = part_rewrite(
        upload.read(),
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace(
            "</sheetData>", '<row r="9000"><c r="XFD9000" s="0"/></row></sheetData>'
        ),
    )
    assert _check(SimpleUploadedFile("styled.xlsx", data)).rows == 2


@pytest.mark.parametrize(
    ("position", "shown"),
    [("C" + "9" * 5000, "C99999999999…"), ("C4000000000", "C4000000000"), ("XFDA1", "XFDA1")],
)
def test_a_cell_placed_beyond_excels_last_row_or_column_is_refused_as_damaged(position, shown):
    # calamine would ask for hundreds of gigabytes for it, and abort the whole process.
    upload = _workbook_with({"A1": "单位代码", "C5": 1})
    data = part_rewrite(
        upload.read(),
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace('r="C5"', f'r="{position}"'),
    )
    with pytest.raises(UploadRefused) as refusal:
        _check(SimpleUploadedFile("broken.xlsx", data))
    assert str(refusal.value) == (
        f"工作表“考核数据”中有单元格的位置“{shown}”超出了 Excel 的范围（最多 1,048,576 行、"
        "16,384 列），文件已损坏：请在 Excel 中打开后另存为 .xlsx 再上传。"
    )


def test_a_span_that_may_pass_the_limit_is_measured_from_its_cells(xlsx, settings):
    # Positions of up to 2 letters and 2 digits may span 99 × 702 cells; these span 30 × 27.
    upload = xlsx([["unit", *[f"X{n}" for n in range(1, 27)]]] + [["ZJ01", *range(26)]] * 29)
    settings.SCORING_UPLOAD_MAX_CELLS = 810
    assert _check(upload).rows == 30
    settings.SCORING_UPLOAD_MAX_CELLS = 809
    with pytest.raises(UploadRefused, match="延伸到 AA30（30 行 × 27 列），超过 809 个单元格"):
        _check(upload)


@pytest.mark.parametrize(
    ("rewrite", "shown"),
    [
        # calamine reads each of these cells as in row 4,000,000,000, and aborts the process.
        (lambda xml: xml.replace('r="C5"', 'r = "C4000000000"'), "C4000000000"),
        (lambda xml: xml.replace('r="C5"', 'r="c4000000000"'), "c4000000000"),
        (lambda xml: xml.replace('<row r="5"><c r="C5"', '<row r="4000000000"><c'), "4000000000"),
        (lambda xml: xml.replace('<row r="5"><c r="C5"', '<row r = "4000000000"><c'), "4000000000"),
    ],
    ids=["spaces-around-equals", "lower-case-column", "row-placed-cell", "row-with-spaces"],
)
def test_a_cell_beyond_excel_is_refused_however_its_position_is_written(rewrite, shown):
    upload = _workbook_with({"A1": "单位代码", "C5": 1})
    data = part_rewrite(upload.read(), "xl/worksheets/sheet1.xml", rewrite)
    with pytest.raises(UploadRefused) as refusal:
        _check(SimpleUploadedFile("broken.xlsx", data))
    assert f"工作表“考核数据”中有单元格的位置“{shown}”超出了 Excel 的范围" in str(refusal.value)


def test_a_far_value_written_in_lower_case_is_refused_naming_its_corner():
    upload = _workbook_with({"A1": "单位代码", "B2": 5})
    data = part_rewrite(
        upload.read(), "xl/worksheets/sheet1.xml", lambda xml: xml.replace('r="B2"', 'r="xfd2000"')
    )
    with pytest.raises(UploadRefused, match="一直延伸到 XFD2000（2,000 行 × 16,384 列）"):
        _check(SimpleUploadedFile("lower.xlsx", data))


def test_cells_without_positions_span_as_calamine_places_them(settings):
    # A cell without r is in its row's r, one column right of the cell before it: C40.
    upload = _workbook_with({"A1": "单位代码"})
    data = part_rewrite(
        upload.read(),
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace(
            "</sheetData>",
            '<row r="40"><c><v>1</v></c><c s="0"/><c t="n"><v>3</v></c></row></sheetData>',
        ),
    )
    upload = SimpleUploadedFile("unplaced.xlsx", data)
    settings.SCORING_UPLOAD_MAX_CELLS = 120
    _check(upload)
    settings.SCORING_UPLOAD_MAX_CELLS = 119
    with pytest.raises(UploadRefused, match="延伸到 C40（40 行 × 3 列），超过 119 个单元格"):
        _check(upload)


def test_a_workbook_whose_sheet_list_is_cut_short_is_refused_as_damaged():
    upload = _workbook_with({"A1": "单位代码"})
    data = part_rewrite(upload.read(), "xl/workbook.xml", lambda xml: xml[: len(xml) // 2])
    with pytest.raises(UploadRefused, match="^“cut.xlsx”已损坏，无法打开。$"):
        _check(SimpleUploadedFile("cut.xlsx", data))


def test_a_workbook_zipped_with_a_password_is_refused_saying_so():
    # zipfile writes no "encrypted" flag, so it is set in the headers written: each entry's
    # local header (PK\3\4, flags at byte 6) and central directory record (PK\1\2, at 8).
    data = bytearray(_workbook_with({"A1": "单位代码"}).read())
    for signature, flags_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        for header in re.finditer(re.escape(signature), bytes(data)):
            data[header.start() + flags_at] |= 0x1
    with pytest.raises(UploadRefused, match="文件设置了密码，无法读取"):
        _check(SimpleUploadedFile("locked.xlsx", bytes(data)))


def test_a_far_position_said_second_in_a_cell_placed_by_counting_is_found():
    # calamine takes a cell's last r: this one is in XFD2000 (the first cell, without r,
    # has the sheet walked tag by tag).
    upload = _workbook_with({"A1": "单位代码", "B2": 5})
    data = part_rewrite(
        upload.read(),
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace('<c r="A1"', "<c").replace('r="B2"', 'r="B2" r="xfd2000"'),
    )
    with pytest.raises(UploadRefused, match="一直延伸到 XFD2000（2,000 行 × 16,384 列）"):
        _check(SimpleUploadedFile("twice.xlsx", data))
