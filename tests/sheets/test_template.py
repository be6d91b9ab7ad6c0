from decimal import Decimal
from io import BytesIO

import openpyxl

from scoring.services.sheets import sheet_template_build


def _saved(workbook):
    buffer = BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return openpyxl.load_workbook(buffer)


def test_the_template_lists_the_scorers_indicators_and_every_unit_with_current_values(
    district, scorer
):
    sheet = _saved(sheet_template_build(cycle=district["cycle"], period="Q1", user=scorer)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert sheet.title == "2026-Q1"
    assert rows[0] == ("单位代码", "单位名称", "类别", "GDP", "SAFE", "TAX", "VETO")
    assert rows[1][0] == "指标名称"
    assert rows[2][3:] == (20, 10, 30, 0)
    assert rows[3][3:] == ("直接赋分", "扣分", "目标完成率", "一票否决")
    assert [row[0] for row in rows[5:]] == ["ZJ01", "ZJ02", "JJ01"]
    assert Decimal(str(rows[5][3])) == Decimal(15)
    assert rows[6][1] == "'=东城街道", "a unit name must never run as a formula"


def test_the_template_says_under_each_indicator_what_to_type_as_the_grid_does(district, scorer):
    sheet = _saved(sheet_template_build(cycle=district["cycle"], period="Q1", user=scorer)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[4] == (
        "填写说明",
        None,
        None,
        "填得分 0–20",
        "填次数（每次扣 2 分）",
        "填实际值（目标 100）",
        "填 0 或 1（1 = 否决）",
    )
    assert sheet["D5"].protection.locked and sheet["D5"].font.bold


def test_the_template_guards_its_headers_and_ranges(district, scorer):
    sheet = _saved(sheet_template_build(cycle=district["cycle"], period="Q1", user=scorer)).active
    assert sheet.protection.sheet
    assert sheet.freeze_panes == "D6"
    assert all(cell.protection.locked for row in sheet["A1:G5"] for cell in row)
    rules = {str(rule.sqref): rule for rule in sheet.data_validations.dataValidation}
    assert (rules["D6:D8"].type, rules["D6:D8"].formula2) == ("decimal", "20.00")
    assert rules["E6:E8"].type == "whole"
    assert rules["G6:G8"].formula1 == '"0,1"'
    assert rules["F6:F7"].type == "decimal", "TAX applies to the towns only"


def test_the_rows_sort_and_filter_in_excel_below_the_locked_headers(district, scorer):
    """Excel sorts a protected sheet's range only when none of its cells is locked."""
    sheet = _saved(sheet_template_build(cycle=district["cycle"], period="Q1", user=scorer)).active
    assert not any(cell.protection.locked for row in sheet["A6:G8"] for cell in row)
    assert sheet.auto_filter.ref == "A5:G8"
    assert sheet.protection.sort is False and sheet.protection.autoFilter is False


def test_a_cell_of_an_indicator_that_does_not_apply_stays_grey_and_refuses_any_entry(
    district, scorer
):
    sheet = _saved(sheet_template_build(cycle=district["cycle"], period="Q1", user=scorer)).active
    assert sheet["F8"].value is None, "TAX does not apply to a department"
    assert sheet["F8"].fill.fgColor.rgb.endswith("D9D9D9")
    assert not sheet["F7"].fill.fgColor.rgb.endswith("D9D9D9")
    rules = {str(rule.sqref): rule for rule in sheet.data_validations.dataValidation}
    refusing = rules["F8"]
    assert (refusing.type, refusing.operator, refusing.formula1) == ("textLength", "equal", "0")
    assert refusing.showErrorMessage and refusing.allow_blank
    assert refusing.error == "该指标不适用于“经济部门”类别的单位，请留空"


def test_an_admin_gets_every_indicator_and_the_year_template_only_annual_ones(district, admin_user):
    sheet = sheet_template_build(cycle=district["cycle"], period="Q1", user=admin_user).active
    assert [cell.value for cell in sheet[1]][3:] == ["EDU", "GDP", "SAFE", "TAX", "VETO"]
    sheet = sheet_template_build(cycle=district["cycle"], period="Y", user=admin_user).active
    assert [cell.value for cell in sheet[1]] == ["单位代码", "单位名称", "类别"]
