"""The 考核办 brings the year's 民主测评 tallies in from Excel, as a new user would."""

import openpyxl
import pytest
from django.core.management import call_command

from scoring.models import ImportRecord, Vote
from tests.browser.uploads import xlsx_download, xlsx_upload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(db):
    with open("/dev/null", "w") as quiet:
        call_command("load_demo", stdout=quiet)


def test_the_admin_downloads_the_votes_template_fills_it_uploads_and_confirms(
    demo, page, login, screenshot, tmp_path
):
    login("admin", "Kaohe@2026")
    page.goto("/entry/sheets/")
    screenshot("vote-sheets-index")
    name, workbook = xlsx_download(page, "a[data-vote-period=Y]", tmp_path)
    assert name == "kaohe-votes-2026-Y.xlsx"
    template = tmp_path / name
    sheet = workbook.active
    assert [cell.value for cell in sheet[1]][4:] == [
        "测评群体代码",
        "测评群体名称",
        "优秀",
        "称职",
        "基本称职",
        "不称职",
    ]
    unit, indicator, group = sheet["A3"].value, sheet["C3"].value, sheet["E3"].value
    for cell, count in zip(sheet[3][6:], [20, 8, 2, 0], strict=True):
        cell.value = count
    for cell, count in zip(sheet[4][6:], ["１２", "3", None, None], strict=True):
        cell.value = count

    bad = openpyxl.load_workbook(template)
    bad.active["G3"] = 2.5
    bad.active["E4"] = "群众"
    xlsx_upload(page, bad, "bad.xlsx")
    screenshot("vote-sheets-errors")
    errors = page.locator(".import-errors tbody tr")
    assert errors.count() == 2
    assert "应为整数，实为 2.5" in errors.nth(0).inner_text()
    assert "未知测评群体“群众”" in errors.nth(1).inner_text()
    assert page.locator("button.confirm-import").count() == 0
    assert not Vote.objects.filter(indicator__cycle__year=2026, period="Y").exists()

    page.goto("/entry/sheets/")
    xlsx_upload(page, workbook, "民主测评.xlsx")
    screenshot("vote-sheets-preview")
    changes = page.locator(".import-changes tbody tr")
    assert changes.count() == 2
    assert unit in changes.first.inner_text() and "→ 20/8/2/0" in changes.first.inner_text()
    assert "→ 12/3/0/0" in changes.nth(1).inner_text()
    page.click("button.confirm-import")
    page.wait_for_load_state()
    screenshot("vote-sheets-imported")
    assert "已导入“民主测评.xlsx”：2 行票数已更新。" in page.locator(".messages").inner_text()
    history = page.locator(".import-history tbody tr").first.inner_text()
    assert "民主测评.xlsx" in history and "测评票数表" in history and "已导入" in history
    vote = Vote.objects.get(
        unit__code=unit,
        indicator__code=indicator,
        indicator__cycle__year=2026,
        rater_group__code=group,
        period="Y",
    )
    assert (vote.excellent, vote.competent, vote.basic, vote.incompetent) == (20, 8, 2, 0)
    record = ImportRecord.objects.get(status="imported")
    assert vote.history.first().history_change_reason == f"导入 民主测评.xlsx (#{record.pk})"
