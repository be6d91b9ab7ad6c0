"""A scorer brings a quarter's figures in from Excel, as a new user would."""

from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command

from scoring.models import ImportRecord, Indicator, IndicatorValue
from tests.browser.uploads import xlsx_download, xlsx_upload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(db):
    with open("/dev/null", "w") as quiet:
        call_command("load_demo", stdout=quiet)


def _upload(page, workbook, name):
    page.select_option("select[name=period]", "Q3")
    xlsx_upload(page, workbook, name)


def test_a_scorer_downloads_fills_uploads_previews_and_confirms(
    demo, page, login, screenshot, tmp_path
):
    login("scorer", "Kaohe@2026")
    page.goto("/entry/sheets/")
    screenshot("sheets-index")
    name, workbook = xlsx_download(page, "a[data-period=Q3]", tmp_path)
    assert name == "kaohe-2026-Q3.xlsx"
    template = tmp_path / name
    sheet = workbook.active
    assert sheet.protection.sheet and sheet["A1"].value == "单位代码"
    column = next(cell.column for cell in sheet[4] if cell.value == "直接赋分")
    first_code = sheet.cell(row=1, column=column).value
    first_max = Decimal(str(sheet.cell(row=3, column=column).value))
    unit_code = sheet["A6"].value
    sheet.cell(row=6, column=column).value = float(first_max) / 2
    sheet.cell(row=7, column=column).value = float(first_max) / 4

    bad = openpyxl.load_workbook(template)
    bad.active.cell(row=6, column=column).value = float(first_max) + 100
    bad.active.cell(row=7, column=column).value = "八十"
    before = list(IndicatorValue.objects.order_by("pk").values_list("pk", "value"))
    _upload(page, bad, "bad.xlsx")
    screenshot("sheets-errors")
    errors = page.locator(".import-errors tbody tr")
    assert errors.count() == 2
    assert "分值应在 0 到" in errors.nth(0).inner_text()
    assert "应为数字，实为“八十”" in errors.nth(1).inner_text()
    assert page.locator("button.confirm-import").count() == 0
    assert list(IndicatorValue.objects.order_by("pk").values_list("pk", "value")) == before

    page.goto("/entry/sheets/")
    _upload(page, workbook, "三季度.xlsx")
    screenshot("sheets-preview")
    changes = page.locator(".import-changes tbody tr")
    assert changes.count() == 2
    assert "→" in changes.first.inner_text() and unit_code in changes.first.inner_text()
    page.click("button.confirm-import")
    page.wait_for_load_state()
    screenshot("sheets-imported")
    assert "已导入“三季度.xlsx”：2 个数值已更新。" in page.locator(".messages").inner_text()
    history = page.locator(".import-history tbody tr").first.inner_text()
    assert "三季度.xlsx" in history and "已导入" in history
    value = IndicatorValue.objects.get(
        unit__code=unit_code, indicator__code=first_code, indicator__cycle__year=2026, period="Q3"
    )
    assert value.value == first_max / 2
    record = ImportRecord.objects.get(status="imported")
    assert value.history.first().history_change_reason == f"导入 三季度.xlsx (#{record.pk})"


def test_every_problem_of_a_refused_sheet_reads_whole_on_a_tablet(
    demo, page, login, live_server, tmp_path
):
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.set_viewport_size({"width": 768, "height": 900})
    login("scorer", "Kaohe@2026")
    page.goto("/entry/sheets/")
    _name, workbook = xlsx_download(page, "a[data-period=Q3]", tmp_path)
    sheet = workbook.active
    deduction = Indicator.objects.filter(
        cycle__year=2026, method="deduction", owners__username="scorer"
    ).first()
    column = next(cell.column for cell in sheet[1] if cell.value == deduction.code)
    sheet.cell(row=6, column=column).value = "1.5"
    _upload(page, workbook, "deductions.xlsx")

    problem = page.locator(".import-errors tbody tr td").last
    assert "number of incidents" in problem.inner_text()
    # The whole message is on screen: no sideways scrolling inside the table to read its end.
    wrap = page.locator(".import-errors .table-wrap")
    assert wrap.evaluate("box => box.scrollWidth <= box.clientWidth")
    assert problem.bounding_box()["x"] + problem.bounding_box()["width"] <= 768
