"""A sheet whose dimension Excel stretched over styled empty cells is as big as its values."""

import zipfile

import pytest
from openpyxl import Workbook
from openpyxl.styles import PatternFill

from scoring.services.sheets import sheet_import_start
from scoring.services.uploads import UploadRefused, upload_check


def _styled_down(xlsx_path, *, rows: int, styled_to: int, values_beyond=()):
    """A sheet of `rows` rows (a header and units) with a fill on D45:D{styled_to}."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["unit", "GDP"])
    for number in range(2, rows + 1):
        sheet.append([f"ZJ{number:02d}", number % 20])
    for number in range(45, styled_to + 1):
        sheet.cell(row=number, column=4).fill = PatternFill("solid", fgColor="FFFF00")
    for number in values_beyond:
        sheet.cell(row=number, column=4, value=1)
    workbook.save(xlsx_path)
    assert f"A1:D{styled_to}" in _dimension(xlsx_path)
    return xlsx_path


def _dimension(path) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read("xl/worksheets/sheet1.xml")[:600].decode()


def _rows(path) -> int:
    with open(path, "rb") as file:
        return upload_check(name="styled.xlsx", file=file, size=path.stat().st_size).rows


def test_styled_empty_rows_below_the_data_are_no_rows(tmp_path, settings):
    settings.SCORING_UPLOAD_MAX_ROWS = 200
    settings.SCORING_IMPORT_BACKGROUND_ROWS = 50
    path = _styled_down(tmp_path / "styled.xlsx", rows=40, styled_to=2600)
    assert _rows(path) == 40, "neither refused nor sent to the background worker"


def test_values_far_down_still_count(tmp_path, settings):
    settings.SCORING_UPLOAD_MAX_ROWS = 200
    settings.SCORING_IMPORT_BACKGROUND_ROWS = 50
    beyond_limit = _styled_down(tmp_path / "a.xlsx", rows=40, styled_to=2600, values_beyond=[900])
    with pytest.raises(UploadRefused, match="900 行，超过上限 200 行"):
        _rows(beyond_limit)
    # Within the limit but beyond the threshold: as big as the dimension says.
    background = _styled_down(tmp_path / "b.xlsx", rows=40, styled_to=150, values_beyond=[60])
    assert _rows(background) == 150


def test_a_styled_template_is_checked_at_once(district, scorer, tmp_path, settings, monkeypatch):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from scoring import tasks

    settings.SCORING_IMPORT_BACKGROUND_ROWS = 50
    monkeypatch.setattr(tasks, "sheet_import_prepare", None)  # the background task may not run
    path = _styled_down(tmp_path / "styled.xlsx", rows=2, styled_to=3000)
    upload = SimpleUploadedFile("styled.xlsx", path.read_bytes())
    record = sheet_import_start(cycle=district["cycle"], user=scorer, period="Q1", upload=upload)
    assert (record.status, record.total_rows, record.errors) == ("pending", 2, [])
