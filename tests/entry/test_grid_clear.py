"""Report B1: a value typed into the wrong unit is removed by emptying its cell in the grid."""

from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.timezone import localtime

from scoring.models import Cycle, IndicatorValue, UnitResult
from scoring.services.sheets import (
    sheet_import_commit,
    sheet_import_start,
    sheet_template_build,
)
from scoring.services.values import SOURCE_ENTRY, CellInput, source_import, values_save
from tests.entry.conftest import grid_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def saved(open_cycle, scorer, district):
    """Two towns, two indicators, town 1 holding 5 and 5 (its total 500)."""
    (town1, town2), (x1, x2) = district(cycle=open_cycle, owner=scorer, units=2, indicators=2)
    values_save(
        cycle=open_cycle,
        cells=[
            CellInput(unit=town1, indicator=x1, period="Q1", raw="5", version=0),
            CellInput(unit=town1, indicator=x2, period="Q1", raw="5", version=0),
        ],
        by=scorer,
        source=SOURCE_ENTRY,
    )
    return town1, town2, x1, x2


def post(client, cycle, cells):
    return client.post(f"/entry/?cycle={cycle.year}&period=Q1", grid_post(cycle, "Q1", cells))


@pytest.mark.parametrize("who", ["scorer", "admin_user"])
def test_the_owner_or_the_admin_empties_a_saved_cell_to_remove_its_value(
    client, open_cycle, saved, who, request
):
    town1, _town2, x1, x2 = saved
    client.force_login(request.getfixturevalue(who))
    response = post(client, open_cycle, {(town1, x2, 1): ""})
    assert response.status_code == 302
    assert list(IndicatorValue.objects.values_list("indicator__code", flat=True)) == ["X01"]
    page = client.get(response.url).content.decode()
    assert "已保存 1 项（新增 0，修改 0，清除 1）。" in page
    # Results follow, as after any change: 5 of 20 points.
    assert UnitResult.objects.get(unit=town1, period="Q1").total == Decimal("250")


def test_a_scorer_cannot_clear_a_value_of_an_indicator_they_do_not_own(
    client, open_cycle, saved, other_scorer
):
    town1, _town2, _x1, x2 = saved
    client.force_login(other_scorer)
    assert post(client, open_cycle, {(town1, x2, 1): ""}).status_code == 403
    assert IndicatorValue.objects.count() == 2


def test_a_removal_is_in_the_history_with_who_when_and_the_old_value(
    client, open_cycle, saved, admin_user, scorer
):
    town1, _town2, _x1, x2 = saved
    client.force_login(admin_user)
    post(client, open_cycle, {(town1, x2, 1): "  "})
    removal = IndicatorValue.history.get(history_type="-")
    assert (removal.value, removal.history_user, removal.history_change_reason) == (
        Decimal(5),
        admin_user,
        "填报页面",
    )
    client.force_login(scorer)
    page = client.get(f"/entry/units/{town1.code}/history/?cycle={open_cycle.year}").content
    row = next(r for r in page.decode().split("<tr>") if "已删除" in r)
    assert "X02 指标2 · 第一季度" in row
    assert '<span class="old">5</span>' in row
    assert "kaoheban" in row
    assert localtime(removal.history_date).strftime("%Y-%m-%d %H:%M:%S") in row


def test_the_history_shows_the_old_value_of_a_removal_whose_creation_was_not_recorded(
    client, open_cycle, saved, scorer
):
    _town1, town2, x1, _x2 = saved
    # Written in bulk, as values loaded before history was kept: no history row.
    IndicatorValue.objects.bulk_create(
        [IndicatorValue(indicator=x1, unit=town2, period="Q1", value=Decimal("3.5"))]
    )
    client.force_login(scorer)
    post(client, open_cycle, {(town2, x1, 1): ""})
    page = client.get(f"/entry/units/{town2.code}/history/?cycle={open_cycle.year}").content
    (row,) = [r for r in page.decode().split("<tr>") if "已删除" in r]
    assert '<span class="old">3.5</span>' in row


def test_emptying_a_cell_someone_changed_since_loading_is_a_conflict_not_a_removal(
    client, open_cycle, saved, scorer, admin_user
):
    town1, _town2, _x1, x2 = saved
    client.force_login(admin_user)
    post(client, open_cycle, {(town1, x2, 1): "6"})
    client.force_login(scorer)
    page = post(client, open_cycle, {(town1, x2, 1): ""}).content.decode()
    assert "您填的 — 未保存：kaoheban 已改为 6" in page
    assert IndicatorValue.objects.get(indicator=x2).value == Decimal(6)
    assert not IndicatorValue.history.filter(history_type="-").exists()


def test_a_cell_blank_when_loaded_clears_a_value_saved_since_by_nobody(
    client, open_cycle, saved, scorer, admin_user
):
    _town1, town2, x1, _x2 = saved
    client.force_login(admin_user)
    post(client, open_cycle, {(town2, x1, 0): "7"})
    # The scorer's page (without its script, which posts only changed cells) had it blank.
    client.force_login(scorer)
    response = post(client, open_cycle, {(town2, x1, 0): ""})
    assert response.status_code == 302
    assert IndicatorValue.objects.get(unit=town2, indicator=x1).value == Decimal(7)


def test_a_locked_cycle_refuses_a_removal(client, open_cycle, saved, scorer):
    town1, _town2, _x1, x2 = saved
    Cycle.objects.filter(pk=open_cycle.pk).update(state=Cycle.State.CLOSED)
    client.force_login(scorer)
    page = post(client, open_cycle, {(town1, x2, 1): ""}).content.decode()
    assert "不能再修改任何数据" in page
    assert IndicatorValue.objects.count() == 2


def test_outside_the_grid_a_blank_cell_never_clears(open_cycle, saved, scorer):
    town1, _town2, _x1, x2 = saved
    report = values_save(
        cycle=open_cycle,
        cells=[CellInput(unit=town1, indicator=x2, period="Q1", raw="", version=None)],
        by=scorer,
        source=source_import(file_name="一季度.xlsx"),
    )
    assert "不能清空" in report.errors[(town1.pk, x2.pk, "Q1")]
    assert IndicatorValue.objects.count() == 2


def test_a_blank_cell_in_an_uploaded_sheet_never_clears(open_cycle, saved, scorer, tmp_path):
    town1, town2, x1, x2 = saved
    workbook = openpyxl.Workbook()
    for row in (["单位代码", "X01", "X02"], [town1.code, 4, None], [town2.code, None, 3]):
        workbook.active.append(row)
    workbook.save(Path(tmp_path) / "q1.xlsx")
    upload = SimpleUploadedFile("q1.xlsx", (Path(tmp_path) / "q1.xlsx").read_bytes())
    record = sheet_import_start(cycle=open_cycle, user=scorer, period="Q1", upload=upload)
    sheet_import_commit(record=record, by=scorer)
    stored = {(v.unit_id, v.indicator_id): v.value for v in IndicatorValue.objects.all()}
    assert stored == {
        (town1.pk, x1.pk): Decimal(4),
        (town1.pk, x2.pk): Decimal(5),
        (town2.pk, x2.pk): Decimal(3),
    }


def test_a_template_downloaded_before_a_removal_does_not_bring_the_value_back(
    client, open_cycle, saved, scorer, tmp_path
):
    town1, _town2, _x1, x2 = saved
    template = Path(tmp_path) / "template.xlsx"
    sheet_template_build(cycle=open_cycle, period="Q1", user=scorer).save(template)
    client.force_login(scorer)
    post(client, open_cycle, {(town1, x2, 1): ""})
    # The template still holds the 5 it was filled with: the removal, newer, stays.
    upload = SimpleUploadedFile("template.xlsx", template.read_bytes())
    record = sheet_import_start(cycle=open_cycle, user=scorer, period="", upload=upload)
    assert record.status == "unchanged"
    assert not IndicatorValue.objects.filter(indicator=x2).exists()
