"""compute_scores and export_results on the demo district."""

import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from cadre.models import Unit, UnitCategory
from scoring.models import Cycle, Grade, UnitResult
from scoring.services.reports import results_workbook_build
from tests.locked_years import district_make, year_scored

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_demo_leaves_results_and_compute_scores_recomputes(demo, capsys):
    assert UnitResult.objects.filter(cycle__year=2025).count() == 40 * 5
    assert UnitResult.objects.filter(cycle__year=2026, period="Y").count() == 40
    UnitResult.objects.filter(cycle__year=2026).delete()
    call_command("compute_scores", "2026")
    assert UnitResult.objects.filter(cycle__year=2026).count() == 40 * 4  # Q4 has no data yet
    assert "160" in capsys.readouterr().out
    with pytest.raises(CommandError, match="2030"):
        call_command("compute_scores", "2030")


def test_export_json(demo, capsys):
    call_command("export_results", "2025", "--period", "Y", "--format", "json")
    data = json.loads(capsys.readouterr().out)
    assert (data["year"], data["period"]) == (2025, "Y")
    assert len(data["units"]) == 40
    first = data["units"][0]
    assert set(first) == {
        "unit",
        "category",
        "total",
        "rank",
        "grade",
        "vetoed",
        "flags",
        "missing",
    }
    assert (first["category"], first["rank"]) == ("ZJ", 1)
    assert Decimal(first["total"]).as_tuple().exponent == -2
    assert {unit["grade"] for unit in data["units"]} <= {"优秀", "良好", "一般", "较差"}
    vetoed = [unit for unit in data["units"] if unit["vetoed"]]
    assert [unit["unit"] for unit in vetoed] == ["ZJ10"]
    assert vetoed[0]["grade"] in {"一般", "较差"}
    stored = UnitResult.objects.get(cycle__year=2025, period="Y", unit__code=first["unit"])
    assert first["total"] == f"{stored.total:.2f}"
    assert len(data["officials"]) > 100
    assert set(data["officials"][0]) == {"official", "unit", "score"}


def test_export_json_to_a_file_and_xlsx(demo, tmp_path):
    target = tmp_path / "q1.json"
    call_command("export_results", "2026", "--period", "Q1", "--out", str(target))
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["period"] == "Q1" and data["officials"] == []
    workbook_path = tmp_path / "report.xlsx"
    call_command(
        "export_results",
        "2025",
        "--format",
        "xlsx",
        "--out",
        str(workbook_path),
        stderr=open("/dev/null", "w"),  # noqa: SIM115
    )
    workbook = load_workbook(workbook_path)
    assert workbook.sheetnames == ["镇街", "经济部门", "社会事业部门", "党群部门"]
    sheet = workbook["镇街"]
    header = [cell.value for cell in sheet[2]]
    assert header[:3] == ["名次", "单位代码", "单位名称"]
    assert "创新发展" in header and "总分" in header and "等次" in header
    ranks = [row[0] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert ranks == sorted(ranks) and len(ranks) == 12
    grade_cell = sheet.cell(row=3, column=header.index("等次") + 1)
    assert grade_cell.value == "优秀"
    assert grade_cell.fill.fgColor.rgb.endswith("C6EFCE")
    last_row = sheet[sheet.max_row]
    assert all(cell.border.bottom.style == "thin" for cell in last_row)
    total_cell = last_row[header.index("总分")]
    assert total_cell.number_format == "0.00" and total_cell.value > 0


@pytest.mark.parametrize(
    "name", ['=HYPERLINK("http://x","点我")', '＝HYPERLINK("http://x","点我")']
)
def test_report_escapes_text_that_would_run_as_a_formula(
    cycle, make_units, make_indicator, put, compute, name
):
    (unit,) = make_units(1)
    Unit.objects.filter(pk=unit.pk).update(name=name)
    put(make_indicator("A", 100), {unit: "95"})
    compute()
    sheet = results_workbook_build(cycle=cycle, period="Q1").active
    name_cell = sheet.cell(row=3, column=3)
    assert name_cell.value == "'" + name
    assert name_cell.data_type == "s"
    assert sheet.cell(row=3, column=1).value == 1


def test_report_marks_an_area_that_does_not_apply_to_the_unit(
    cycle, make_units, make_indicator, put, compute
):
    (unit,) = make_units(1)
    put(make_indicator("A", 100), {unit: "95.125"})
    other_category = UnitCategory.objects.create(code="BM", name="部门")
    make_indicator("B", 100).categories.set([other_category])
    compute()
    sheet = results_workbook_build(cycle=cycle, period="Q1").active
    header = [cell.value for cell in sheet[2]]
    row = [cell.value for cell in sheet[3]]
    assert row[header.index("A")] == Decimal("95.125")
    assert sheet.cell(row=3, column=header.index("A") + 1).number_format == "0.00"
    assert row[header.index("B")] == "—"


def test_unknown_year_is_refused(db):
    with pytest.raises(CommandError):
        call_command("export_results", "1999")
    assert not Cycle.objects.exists()
    assert Grade.EXCELLENT == "excellent"


@pytest.fixture
def locked_after_a_move(db):
    """2025 scored while open, then a unit moved and another retired: recomputing it now gives
    other results. The tests lock it as they need."""
    units = district_make()
    cycle = year_scored(year=2025, state=Cycle.State.OPEN, units=units)
    Unit.objects.filter(code="ZJ02").update(category=UnitCategory.objects.get(code="JJ"))
    Unit.objects.filter(code="ZJ03").update(is_active=False)
    return cycle


def results_of(cycle):
    return sorted(
        UnitResult.objects.filter(cycle=cycle).values_list(
            "unit__code", "period", "category__code", "total", "rank", "grade"
        )
    )


@pytest.mark.parametrize(
    ("state", "label"), [(Cycle.State.CLOSED, "已关闭"), (Cycle.State.PUBLISHED, "已发布")]
)
def test_compute_scores_refuses_a_locked_cycle_and_names_the_way(locked_after_a_move, state, label):
    cycle = locked_after_a_move
    Cycle.objects.filter(pk=cycle.pk).update(state=state)
    before = results_of(cycle)
    with pytest.raises(CommandError) as refused:
        call_command("compute_scores", "2025")
    message = str(refused.value)
    assert f"2025年度考核 当前为“{label}”，结果已锁定，不能重新计算" in message
    assert "请先重新开放该周期" in message and "--force-locked" in message
    assert results_of(cycle) == before
    with pytest.raises(CommandError, match="必须说明理由"):
        call_command("compute_scores", "2025", "--force-locked", "--reason", "  ")
    assert results_of(cycle) == before


def test_compute_scores_forced_on_a_locked_cycle_records_the_reason(locked_after_a_move, capsys):
    cycle = locked_after_a_move
    Cycle.objects.filter(pk=cycle.pk).update(state=Cycle.State.PUBLISHED)
    before = results_of(cycle)
    call_command("compute_scores", "2025", "--force-locked", "--reason", "市委要求按新分类重算")
    assert results_of(cycle) != before
    assert "2025年度考核" in capsys.readouterr().out
    latest = cycle.history.latest()
    assert latest.state == Cycle.State.PUBLISHED
    assert latest.history_change_reason == "强制重新计算：市委要求按新分类重算"


def test_compute_scores_recomputes_an_open_cycle_as_before(locked_after_a_move):
    cycle = locked_after_a_move
    call_command("compute_scores", "2025")
    assert ("ZJ02", "Y", "JJ") in {row[:3] for row in results_of(cycle)}
    assert not cycle.history.exclude(history_change_reason=None).exists()
