"""Units are shared by every year: a workbook that adds a unit to a category or moves one to
another recomputes the rankings of every cycle still taking input, not only its own year's."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from cadre.models import Unit
from scoring.models import Cycle, ImportRecord, UnitResult
from scoring.services import compute
from scoring.services.cycles import cycle_quarter_close
from tests.quarters import next_year_workbook, ranked_district
from tests.workbook.conftest import import_bytes

pytestmark = pytest.mark.django_db

TOWNS = [["ZJ01", "单位ZJ01", "ZJ"], ["ZJ02", "单位ZJ02", "ZJ"], ["ZJ03", "单位ZJ03", "ZJ"]]


@pytest.fixture
def district():
    return ranked_district()


@pytest.fixture
def computed_years(monkeypatch) -> list[int]:
    """The year of each cycle the scoring service computes from now on, in order."""
    computed, real = [], compute.results_compute

    def counted(*, cycle, **kwargs):
        computed.append(cycle.year)
        return real(cycle=cycle, **kwargs)

    monkeypatch.setattr(compute, "results_compute", counted)
    return computed


def _q1_ranking(cycle) -> dict[str, tuple[str, int]]:
    """2026's Q1 ranking as the ranking page shows it: each unit's category and rank."""
    return {
        code: (category, rank)
        for code, category, rank in UnitResult.objects.filter(cycle=cycle, period="Q1").values_list(
            "unit__code", "category__code", "rank"
        )
    }


def test_a_unit_moved_by_next_years_workbook_leaves_this_years_ranking_at_once(district):
    cycle, admin = district["cycle"], district["admin"]
    assert _q1_ranking(cycle)["ZJ04"] == ("ZJ", 1)

    import_bytes(next_year_workbook([*TOWNS, ["ZJ04", "单位ZJ04", "JJ"]]), by=admin)

    # ZJ04 led the towns on both indicators: without it, ZJ01 leads them.
    assert _q1_ranking(cycle) == {
        "ZJ01": ("ZJ", 1),
        "ZJ02": ("ZJ", 2),
        "ZJ03": ("ZJ", 3),
        "ZJ04": ("JJ", 1),
    }


def test_a_unit_added_by_next_years_workbook_is_ranked_this_year_at_once(district):
    cycle, admin = district["cycle"], district["admin"]

    import_bytes(next_year_workbook([["ZJ05", "新设街道", "ZJ"]]), by=admin)

    ranking = _q1_ranking(cycle)
    assert sorted(ranking) == ["ZJ01", "ZJ02", "ZJ03", "ZJ04", "ZJ05"]
    assert ranking["ZJ05"] == ("ZJ", 5)  # nothing entered for it in 2026 yet


def test_each_cycle_is_recomputed_once(district, computed_years):
    import_bytes(next_year_workbook([["ZJ05", "新设街道", "ZJ"]]), by=district["admin"])
    assert sorted(computed_years) == [2026, 2027]


def test_closed_years_keep_their_ranking(district):
    cycle, admin = district["cycle"], district["admin"]
    Cycle.objects.filter(pk=cycle.pk).update(state=Cycle.State.CLOSED)
    before = _q1_ranking(cycle)

    import_bytes(next_year_workbook([["ZJ05", "新设街道", "ZJ"]]), by=admin)

    assert _q1_ranking(cycle) == before


def test_a_new_name_only_recomputes_no_other_year(district, computed_years):
    import_bytes(next_year_workbook([["ZJ04", "城东街道", "ZJ"]]), by=district["admin"])
    assert Unit.objects.get(code="ZJ04").name == "城东街道"
    assert computed_years == [2027]


def _confirmed_on_the_page(data: bytes, admin) -> list[str]:
    """Upload the file on the workbook page as the 考核办, confirm it; return the messages."""
    client = Client()
    client.force_login(admin)
    client.post("/entry/workbook/", {"file": SimpleUploadedFile("2027.xlsx", data)})
    record = ImportRecord.objects.get(kind="workbook", status="pending")
    response = client.post(f"/entry/workbook/imports/{record.pk}/confirm/", follow=True)
    return [str(message) for message in response.context["messages"]]


def test_the_page_says_which_other_years_a_new_unit_recomputed(district):
    cycle, admin = district["cycle"], district["admin"]
    cycle_quarter_close(cycle=cycle, quarter="Q1", by=admin)

    messages = _confirmed_on_the_page(next_year_workbook([["ZJ05", "新设街道", "ZJ"]]), admin)

    assert messages[1:] == [
        "已重新计算 2026年度考核 的考核结果；已关闭或已发布的周期保持原结果。",
        "2026年度考核 第一季度已关闭，其结果保持关闭时的计算，全年也按这些季度关闭时的得分计入："
        "停止参加考核的单位不再计入全年，其他单位这些季度的得分不变；此后新增或调入类别的单位"
        "在这些季度按 0 分计。",
    ]


def test_a_big_workbook_written_by_the_worker_names_the_other_years_on_its_page(district, settings):
    cycle, admin = district["cycle"], district["admin"]
    cycle_quarter_close(cycle=cycle, quarter="Q1", by=admin)
    settings.SCORING_IMPORT_BACKGROUND_ROWS = 1  # the worker writes it (at once in tests)

    messages = _confirmed_on_the_page(next_year_workbook([["ZJ05", "新设街道", "ZJ"]]), admin)

    assert messages == [], "the page's confirmation handed the write to the worker"
    record = ImportRecord.objects.get(kind="workbook")
    assert record.status == "imported"
    client = Client()
    client.force_login(admin)
    page = client.get(f"/entry/workbook/imports/{record.pk}/").content.decode()
    assert page.count('class="recomputed"') == 2
    assert "已重新计算 2026年度考核 的考核结果；已关闭或已发布的周期保持原结果。" in page
    assert "2026年度考核 第一季度已关闭，其结果保持关闭时的计算" in page


def test_the_record_of_a_new_name_only_names_no_other_year(district, settings):
    settings.SCORING_IMPORT_BACKGROUND_ROWS = 1
    admin = district["admin"]
    _confirmed_on_the_page(next_year_workbook([["ZJ04", "城东街道", "ZJ"]]), admin)

    record = ImportRecord.objects.get(kind="workbook", status="imported")
    client = Client()
    client.force_login(admin)
    page = client.get(f"/entry/workbook/imports/{record.pk}/").content.decode()
    assert "已导入，写入" in page and 'class="recomputed"' not in page


def test_the_command_says_which_other_years_a_new_unit_recomputed(district, tmp_path):
    source = tmp_path / "2027.xlsx"
    source.write_bytes(next_year_workbook([["ZJ05", "新设街道", "ZJ"]]))
    printed = io.StringIO()

    call_command("import_workbook", str(source), "--yes", stdout=printed)

    *_, imported, recomputed = printed.getvalue().splitlines()
    assert imported.startswith("2027")
    assert recomputed == "已重新计算 2026年度考核 的考核结果；已关闭或已发布的周期保持原结果。"


def test_the_command_names_no_other_year_when_only_a_name_changed(district, tmp_path):
    source = tmp_path / "2027.xlsx"
    source.write_bytes(next_year_workbook([["ZJ04", "城东街道", "ZJ"]]))
    printed = io.StringIO()

    call_command("import_workbook", str(source), "--yes", stdout=printed)

    assert "已重新计算" not in printed.getvalue()
    assert printed.getvalue().splitlines()[-1].startswith("2027")


def test_the_page_names_no_other_year_when_only_a_name_changed(district):
    messages = _confirmed_on_the_page(
        next_year_workbook([["ZJ04", "城东街道", "ZJ"]]), district["admin"]
    )
    [imported] = messages
    assert imported.startswith("已导入“2027.xlsx”：新建 2027")
