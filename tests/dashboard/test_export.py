"""导出Excel on the dashboard hands over the scoring service's results workbook."""

from decimal import ROUND_HALF_UP, Decimal
from io import BytesIO

import openpyxl
import pytest

from cadre.models import Unit
from scoring.models import Cycle, IndicatorValue, QuarterState, UnitResult
from scoring.services.compute import results_compute

pytestmark = pytest.mark.django_db


def test_the_dashboard_exports_the_period_as_a_workbook(leader_client, stored_year):
    response = leader_client.get("/dashboard/export/?cycle=2025&period=Y")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="results-2025-Y.xlsx"'
    workbook = openpyxl.load_workbook(BytesIO(response.content))
    text = " ".join(
        str(cell) for sheet in workbook for row in sheet.iter_rows(values_only=True) for cell in row
    )
    assert "镇街单位1" in text


@pytest.mark.parametrize("asked", ["Q4", "Q9"])
def test_a_period_without_results_is_not_exported_as_another_one(leader_client, stored_year, asked):
    UnitResult.objects.filter(period="Q4").delete()
    response = leader_client.get(f"/dashboard/export/?cycle=2025&period={asked}", follow=True)
    assert "Content-Disposition" not in response
    assert "还没有考核结果，不能导出" in response.content.decode()


def test_the_exported_parts_add_up_to_the_total_in_excel(
    leader_client, category, make_indicator, cycle
):
    """The year's bonus is a quarter's 2.53 weighted by 0.25, 0.6325; the total 500.64 was
    rounded once from 500.003 + 0.6325. Cells holding 500.00 and 0.63 made Excel's sum of
    the row 500.63, and 50.00 / 100 × 1000 gave 500.00, not the 500.003 beside it."""
    unit = Unit.objects.create(code="ZJ01", name="城关街道", category=category)
    annual = make_indicator("A", 100, frequency="annual")
    bonus = make_indicator("B", 10, "bonus")
    IndicatorValue.objects.create(indicator=annual, unit=unit, period="Y", value=Decimal("50.0003"))
    IndicatorValue.objects.create(indicator=bonus, unit=unit, period="Q1", value=Decimal("2.53"))
    results_compute(cycle=cycle)
    response = leader_client.get(f"/dashboard/export/?cycle={cycle.year}&period=Y")
    sheet = openpyxl.load_workbook(BytesIO(response.content)).active
    header = [cell.value for cell in sheet[2]]
    cells = {name: sheet.cell(row=3, column=header.index(name) + 1) for name in header}
    value = {
        name: Decimal(str(cells[name].value))
        for name in ["得分", "适用满分", "千分制得分", "加分", "柔性调整", "总分"]
    }
    assert value["总分"] == Decimal("500.64")
    parts = value["千分制得分"] + value["加分"] + value["柔性调整"]
    assert parts.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) == value["总分"]
    assert value["得分"] / value["适用满分"] * 1000 == value["千分制得分"] == Decimal("500.003")
    # Excel shows each with the places the unit's page gives it, "得分 50.0003 / 适用满分
    # 100.00 × 1000 = 500.003；加分 0.633": with two places the row read 500.00 + 0.63 beside
    # a total of 500.64.
    assert {name: cells[name].number_format for name in ["得分", "千分制得分", "加分"]} == {
        "得分": "0.0000",
        "千分制得分": "0.000",
        "加分": "0.000",
    }
    unit_page = leader_client.get(f"/dashboard/unit/ZJ01/?cycle={cycle.year}&period=Y")
    line = "得分 50.0003 / 适用满分 100.00 × 1000 = 500.003；加分 0.633"
    assert line in unit_page.content.decode()


def _title(response) -> str:
    return openpyxl.load_workbook(BytesIO(response.content)).active["A1"].value


def test_a_period_still_taking_input_is_exported_as_provisional(leader_client, stored_year):
    """A year printed while its cycle is open, or a quarter still open, says it is not final;
    a closed quarter of the open cycle, and the published year, read as final."""
    final = _title(leader_client.get("/dashboard/export/?cycle=2025&period=Y"))
    assert final == "2025年度考核 全年 考核结果 · 镇街"
    stored_year.state, stored_year.state_q1 = Cycle.State.OPEN, QuarterState.CLOSED
    stored_year.save()
    for period in ["Y", "Q2"]:
        title = _title(leader_client.get(f"/dashboard/export/?cycle=2025&period={period}"))
        assert title.endswith("（临时结果：仍在填报中，关闭后才是正式结果）")
    assert "临时" not in _title(leader_client.get("/dashboard/export/?cycle=2025&period=Q1"))


def test_every_ranked_row_is_bordered_with_its_grade_coloured(leader_client, stored_year):
    """Cells share their looks (see reports._CellStyles): each row still gets its own grade's
    colour, points their two places, and no other cell a colour or a number format."""
    response = leader_client.get("/dashboard/export/?cycle=2025&period=Y")
    sheet = openpyxl.load_workbook(BytesIO(response.content)).active
    header = [cell.value for cell in sheet[2]]
    rows = list(sheet.iter_rows(min_row=3, max_row=sheet.max_row))
    grades = {row[header.index("等次")].value for row in rows}
    assert len(grades) >= 2, "the ranking should show several grades"
    fills = {"优秀": "C6EFCE", "良好": "DDEBF7", "一般": "FFEB9C", "较差": "FFC7CE"}
    for row in rows:
        cells = dict(zip(header, row, strict=True))
        assert all(cell.border.left.style == "thin" for cell in row)
        grade = cells["等次"]
        assert grade.fill.fgColor.rgb == f"00{fills[grade.value]}"
        assert cells["总分"].fill.fill_type is None
        assert cells["总分"].number_format == "0.00"
        assert cells["名次"].number_format == cells["单位名称"].number_format == "General"
