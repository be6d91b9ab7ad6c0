"""Report A6: the cycle is closed while a clerk types; their save shows what was not saved."""

from decimal import Decimal

import pytest

from scoring.models import Cycle, IndicatorValue
from scoring.services.values import SOURCE_ENTRY, CellInput, values_save
from tests.entry.conftest import grid_post

pytestmark = pytest.mark.django_db


def test_a_save_after_the_cycle_closed_redraws_the_grid_read_only_with_what_was_typed(
    client, open_cycle, scorer, district
):
    (town1, town2, town3), (x1, x2) = district(
        cycle=open_cycle, owner=scorer, units=3, indicators=2
    )
    values_save(
        cycle=open_cycle,
        cells=[
            CellInput(unit=unit, indicator=indicator, period="Q1", raw="5", version=0)
            for unit, indicator in ((town1, x1), (town1, x2), (town3, x1))
        ],
        by=scorer,
        source=SOURCE_ENTRY,
    )
    # The scorer loaded the grid, then 考核办 closed the cycle.
    Cycle.objects.filter(pk=open_cycle.pk).update(state=Cycle.State.CLOSED)
    client.force_login(scorer)
    typed = {
        (town1, x1, 1): "6",  # changed
        (town1, x2, 1): "",  # emptied
        (town2, x1, 0): "7",  # new
        (town2, x2, 0): "8..5",  # not even a number: shown as typed
        (town3, x1, 1): "5.0",  # what is stored: nothing lost
    }
    response = client.post(
        f"/entry/?cycle={open_cycle.year}&period=Q1", grid_post(open_cycle, "Q1", typed)
    )
    page = response.content.decode()
    assert "不能再修改任何数据" in page
    assert "您填的 4 个数值未保存，已在表中标出：请抄下交给考核办。" in page
    assert "本周期已关闭，数据只能查看，不能修改。" in page
    assert 'id="save"' not in page
    assert '<small class="why">您填的 6 未保存</small>' in page
    shown = {
        (unit.code, cell.indicator.code): (cell.text, cell.unsaved_text)
        for unit, cells in response.context["grid"].rows
        for cell in cells
    }
    assert shown == {
        ("ZJ001", "X01"): ("5", "6"),
        ("ZJ001", "X02"): ("5", "—"),
        ("ZJ002", "X01"): ("", "7"),
        ("ZJ002", "X02"): ("", "8..5"),
        ("ZJ003", "X01"): ("5", ""),
        ("ZJ003", "X02"): ("", ""),
    }
    assert response.context["grid"].unsaved == 4
    assert sorted(IndicatorValue.objects.values_list("value", flat=True)) == [Decimal(5)] * 3


def test_a_refused_save_of_an_open_cycle_marks_nothing_unsaved(
    client, open_cycle, scorer, district
):
    (town1, _town2), (x1,) = district(cycle=open_cycle, owner=scorer, units=2, indicators=1)
    client.force_login(scorer)
    response = client.post(
        f"/entry/?cycle={open_cycle.year}&period=Q1",
        grid_post(open_cycle, "Q1", {(town1, x1, 0): "11"}),
    )
    assert response.context["grid"].unsaved == 0
    assert "未保存，已在表中标出" not in response.content.decode()


def test_a_cycle_closed_while_the_save_runs_leaves_the_grid_read_only(
    client, open_cycle, scorer, district, monkeypatch
):
    (town1, _town2), (x1,) = district(cycle=open_cycle, owner=scorer, units=2, indicators=1)

    def closed_meanwhile(**kwargs):
        # 考核办 closes the cycle after the page read it open, before the save locks it.
        Cycle.objects.filter(pk=open_cycle.pk).update(state=Cycle.State.CLOSED)
        return values_save(**kwargs)

    monkeypatch.setattr("scoring.views_entry.values_save", closed_meanwhile)
    client.force_login(scorer)
    page = client.post(
        f"/entry/?cycle={open_cycle.year}&period=Q1",
        grid_post(open_cycle, "Q1", {(town1, x1, 0): "6"}),
    ).content.decode()
    assert "您填的 1 个数值未保存" in page
    assert 'id="save"' not in page
    assert "disabled" in page
