"""导出Excel on the dashboard hands over the scoring service's results workbook."""

from io import BytesIO

import openpyxl
import pytest

from scoring.models import UnitResult

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
