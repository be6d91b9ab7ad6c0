"""The 考核办 backs a cycle up and brings it back from the page, as a person would."""

import io
from decimal import Decimal

import openpyxl
import pytest

from cadre.models import Unit
from scoring.models import ImportRecord, IndicatorValue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_admin_downloads_uploads_previews_and_confirms_a_cycle(
    demo_district, page, login, screenshot, tmp_path
):
    login("admin", "Kaohe@2026")
    page.goto("/entry/cycles/")
    page.click("p.workbook-link a")
    page.wait_for_load_state()
    screenshot("workbook-index")
    with page.expect_download() as download:
        page.click("a.workbook-download[data-year='2026']")
    assert download.value.suggested_filename == "kaohe-workbook-2026.xlsx"
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)

    workbook = openpyxl.load_workbook(path)
    values = workbook["values"]
    unit, indicator, period, value = (cell.value for cell in values[2])
    values.cell(row=2, column=4).value = 0
    units = workbook["units"]
    code, name = units["A2"].value, units["B2"].value
    units["B2"].value = name + "（新）"
    buffer = io.BytesIO()
    workbook.save(buffer)
    page.set_input_files(
        "input[name=file]",
        files=[
            {
                "name": "kaohe-2026-edited.xlsx",
                "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "buffer": buffer.getvalue(),
            }
        ],
    )
    page.click("form.upload-form button[type=submit]")
    page.wait_for_selector("button.confirm-import")
    screenshot("workbook-preview")

    assert "2026 年度考核周期已存在（填报中）" in page.inner_text("p.cycle-verdict")
    changed = page.inner_text("table.master-changed[data-sheet=units]")
    assert code in changed and f"→ {name}（新）" in changed
    assert page.inner_text("tr[data-sheet=values] td:nth-child(3)") == "1"
    entry = page.inner_text("table.workbook-entries tbody tr")
    assert unit in entry and indicator in entry and "→ 0" in entry
    assert IndicatorValue.objects.get(
        unit__code=unit, indicator__code=indicator, indicator__cycle__year=2026, period=period
    ).value == Decimal(str(value)), "nothing is written before the confirmation"

    # Over SCORING_IMPORT_BACKGROUND_ROWS rows: the worker writes it (at once in tests) and
    # the file's page says when it is done.
    page.click("button.confirm-import")
    page.wait_for_selector("h2.imported")
    screenshot("workbook-imported")
    assert "已导入，写入" in page.inner_text("h2.imported")
    page.click("text=← 整套考核数据")
    assert "kaohe-2026-edited.xlsx" in page.inner_text("table.import-history")
    stored = IndicatorValue.objects.get(
        unit__code=unit, indicator__code=indicator, indicator__cycle__year=2026, period=period
    )
    assert stored.value == 0
    assert Unit.objects.get(code=code).name == name + "（新）"
    record = ImportRecord.objects.get(kind="workbook")
    assert (record.status, record.uploaded_by.username) == ("imported", "admin")
