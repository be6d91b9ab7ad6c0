"""Codes that Excel would run as formulas are written as text into the template and read back
as the codes they are."""

from io import BytesIO

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile

from cadre.models import Unit
from scoring.services.sheets import sheet_import_start, sheet_template_build
from tests.sheets.records import record_changes


def test_a_code_like_a_formula_is_text_in_the_template_and_found_when_it_comes_back(
    district, scorer, make_indicator
):
    towns = district["units"]["ZJ01"].category
    formula_unit = Unit.objects.create(code="=1+2", name="公式镇", category=towns, sort_order=9)
    formula_indicator = make_indicator("=9+9", 10, parent=district["indicators"]["GDP"].parent)
    formula_indicator.owners.add(scorer)

    buffer = BytesIO()
    sheet_template_build(cycle=district["cycle"], period="Q1", user=scorer).save(buffer)
    workbook = openpyxl.load_workbook(BytesIO(buffer.getvalue()))
    sheet = workbook.active
    header = {cell.value: cell for cell in sheet[1]}
    unit_cell = next(row[0] for row in sheet.iter_rows(min_row=6) if "=1+2" in row[0].value)
    # Text in Excel, not a formula it would run on opening.
    assert (unit_cell.value, unit_cell.data_type) == ("'=1+2", "s")
    assert header["'=9+9"].data_type == "s"

    sheet.cell(row=unit_cell.row, column=header["'=9+9"].column, value=7)
    filled = BytesIO()
    workbook.save(filled)
    upload = SimpleUploadedFile("template.xlsx", filled.getvalue())
    record = sheet_import_start(cycle=district["cycle"], user=scorer, period="", upload=upload)

    assert (record.status, record.errors) == ("pending", [])
    district["units"]["=1+2"] = formula_unit
    district["indicators"]["=9+9"] = formula_indicator
    assert record_changes(record, district) == {("=1+2", "=9+9", "Q1"): (None, "7")}


def test_escaped_codes_in_a_long_sheet_name_their_unit_and_indicator(
    district, scorer, make_indicator, xlsx
):
    """As the admin's exports write them (cell_safe): with the apostrophe."""
    towns = district["units"]["ZJ01"].category
    district["units"]["=1+2"] = Unit.objects.create(code="=1+2", name="公式镇", category=towns)
    indicator = make_indicator("=9+9", 10, parent=district["indicators"]["GDP"].parent)
    indicator.owners.add(scorer)
    district["indicators"]["=9+9"] = indicator
    upload = xlsx([["unit", "indicator", "period", "value"], ["'=1+2", "'=9+9", "Q1", 5]])
    record = sheet_import_start(cycle=district["cycle"], user=scorer, period="", upload=upload)
    assert record_changes(record, district) == {("=1+2", "=9+9", "Q1"): (None, "5")}
