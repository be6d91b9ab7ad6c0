"""The row limit and the background threshold go by the rows a file holds, not by the size its
sheets declare: a file may understate its <dimension> or leave it out."""

import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from scoring.services.sheets import sheet_import_start
from scoring.services.uploads import UploadRefused, upload_check
from tests.sheets.excel_error_cells import part_rewrite

SHEET = "xl/worksheets/sheet1.xml"


def _long_sheet(rows: int) -> bytes:
    """A long sheet of a header and `rows` rows, as openpyxl writes it (dimension and all)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["unit", "indicator", "period", "value"])
    for number in range(rows):
        sheet.append(["ZJ01", "GDP", "Q1", number % 20])
    return _saved(workbook)


def _saved(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _dimension_says(data: bytes, dimension: str | None) -> bytes:
    """The file with its sheet declaring `dimension` (A1:D2), or none at all."""
    element = f'<dimension ref="{dimension}"/>' if dimension else ""
    return part_rewrite(data, SHEET, lambda xml: re.sub(r"<dimension [^>]*/>", element, xml))


def _rows(data: bytes) -> int:
    upload = SimpleUploadedFile("rows.xlsx", data)
    return upload_check(name=upload.name, file=upload, size=upload.size).rows


@pytest.mark.parametrize("dimension", ["A1:D2", None])
def test_rows_are_counted_whatever_the_sheet_declares(dimension, settings):
    settings.SCORING_IMPORT_BACKGROUND_ROWS = 50
    data = _dimension_says(_long_sheet(40), dimension)
    assert _rows(data) == 41
    # Beyond the threshold, so for the background worker: what the file holds, not 2 (or 0).
    assert _rows(_dimension_says(_long_sheet(150), dimension)) == 151


def test_rows_that_do_not_say_their_number_are_counted(settings):
    settings.SCORING_UPLOAD_MAX_ROWS = 100
    without_numbers = part_rewrite(
        _dimension_says(_long_sheet(120), None),
        SHEET,
        lambda xml: re.sub(r'(<(?:row|c)\b[^>]*?) r="[A-Z]*\d+"', r"\1", xml),
    )
    assert not re.search(r'\sr="', _sheet_xml(without_numbers))
    with pytest.raises(UploadRefused, match="121 行，超过上限 100 行"):
        _rows(without_numbers)


def _sheet_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(SHEET).decode()


def test_a_file_understating_its_rows_is_refused_at_upload(settings):
    settings.SCORING_UPLOAD_MAX_ROWS = 100
    with pytest.raises(UploadRefused, match="工作表有 121 行，超过上限 100 行"):
        _rows(_dimension_says(_long_sheet(120), "A1:D2"))


def test_a_big_file_understating_its_rows_is_refused_by_the_background_reading(
    district, scorer, settings
):
    settings.SCORING_IMPORT_BACKGROUND_ROWS = 50
    settings.SCORING_UPLOAD_MAX_ROWS = 100
    upload = SimpleUploadedFile("rows.xlsx", _dimension_says(_long_sheet(150), "A1:D2"))
    # Counted only up to the threshold at upload: the reading counts the rest.
    record = sheet_import_start(cycle=district["cycle"], user=scorer, period="", upload=upload)
    assert (record.status, record.changes) == ("failed", [])
    assert [error["message"] for error in record.errors] == [
        "工作表有 151 行，超过上限 100 行，请拆分后分别导入。"
    ]


def test_the_rows_of_all_sheets_count_together(settings):
    settings.SCORING_UPLOAD_MAX_ROWS = 100
    workbook = Workbook()
    for index in range(3):
        sheet = workbook.active if index == 0 else workbook.create_sheet()
        sheet.append(["unit", "GDP"])
        for number in range(40):
            sheet.append([f"ZJ{number:02d}", 1])
    with pytest.raises(UploadRefused, match="各工作表共有 123 行，超过上限 100 行"):
        _rows(_saved(workbook))
