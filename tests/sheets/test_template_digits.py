"""A template downloaded and uploaded unchanged changes nothing, however many digits it holds."""

from decimal import Decimal
from io import BytesIO

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from scoring.models import ImportRecord, IndicatorValue
from scoring.services.sheets import sheet_import_start, sheet_template_build

SIXTEEN_DIGITS = Decimal("123456789012.3456")


def test_a_figure_of_more_than_fifteen_digits_comes_back_as_it_went(district, scorer):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite keeps fifteen significant digits of a decimal")
    IndicatorValue.objects.create(
        indicator=district["indicators"]["TAX"],
        unit=district["units"]["ZJ01"],
        period="Q1",
        value=SIXTEEN_DIGITS,
    )
    buffer = BytesIO()
    sheet_template_build(cycle=district["cycle"], period="Q1", user=scorer).save(buffer)
    # TAX is the template's third indicator (F), ZJ01 its first unit (row 6); text, since a
    # number keeps fifteen digits in Excel.
    assert openpyxl.load_workbook(BytesIO(buffer.getvalue())).active["F6"].value == (
        "123456789012.3456"
    )
    upload = SimpleUploadedFile("template.xlsx", buffer.getvalue())
    record = sheet_import_start(cycle=district["cycle"], user=scorer, period="", upload=upload)
    assert (record.status, record.changes, record.errors) == (
        ImportRecord.Status.UNCHANGED,
        [],
        [],
    )
    assert IndicatorValue.objects.get(indicator__code="TAX").value == SIXTEEN_DIGITS


def test_a_figure_of_more_than_fifteen_digits_is_written_as_text():
    from scoring.services.workbook import cell_number

    assert cell_number(SIXTEEN_DIGITS) == "123456789012.3456"
    assert cell_number(Decimal("12345678901.2345")) == 12345678901.2345
