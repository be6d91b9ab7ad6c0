"""Where a score is explained, a change of the rules under the unit's figures is said in one
line: an indicator's maximum or method, or the unit's category, changed after the unit's
figures were entered and before the result was computed."""

from decimal import Decimal

import pytest
from django.utils import timezone

from cadre.models import Unit, UnitCategory
from scoring.models import IndicatorValue
from scoring.services.explain import master_data_change_notes, unit_indicator_lines
from tests.entry.conftest import user_with_role
from tests.scoring.conftest import result_of

pytestmark = pytest.mark.django_db


def saved_by(row, user, **fields):
    """Save a change as the admin's change form does: with who made it."""
    for name, value in fields.items():
        setattr(row, name, value)
    row._history_user = user
    row.save()
    return timezone.localtime(row.history.latest().history_date).strftime("%Y-%m-%d %H:%M")


@pytest.fixture
def entered(cycle, make_units, make_indicator):
    """Two towns, each with a Q1 value of a direct indicator worth 10 and of one worth 20."""
    units = make_units(2)
    first, second = make_indicator("M1", 10), make_indicator("M2", 20)
    for unit in units:
        for indicator in (first, second):
            IndicatorValue.objects.create(indicator=indicator, unit=unit, period="Q1", value=5)
    return {"units": units, "M1": first, "M2": second}


def test_a_maximum_or_method_changed_after_entry_is_said_on_the_indicators_line(
    cycle, entered, compute
):
    clerk = user_with_role("kaoheban")
    when = saved_by(entered["M1"], clerk, max_points=Decimal(15), method="bonus")
    compute()
    result = result_of(cycle, entered["units"][0])
    notes = master_data_change_notes(result=result)
    assert notes.by_indicator == {
        entered["M1"].pk: f"录入数据后指标有改动：{when} 分值 10 → 15（kaoheban）；"
        f"{when} 计分方法 直接赋分 → 加分（kaoheban）"
    }
    lines = unit_indicator_lines(result=result, change_notes=notes.by_indicator)
    assert [line.change_note != "" for line in lines] == [True, False]
    assert notes.category == ""


def test_a_change_before_any_figure_or_after_the_result_says_nothing(
    cycle, make_units, make_indicator, compute
):
    (unit,) = make_units(1)
    indicator = make_indicator("M1", 10)
    saved_by(indicator, None, max_points=Decimal(12))
    IndicatorValue.objects.create(indicator=indicator, unit=unit, period="Q1", value=5)
    compute()
    # Changed after the result was computed: a closed year keeps the result it was closed with.
    saved_by(indicator, None, max_points=Decimal(14))
    assert master_data_change_notes(result=result_of(cycle, unit)).by_indicator == {}


def test_a_unit_moved_to_another_category_after_entry_is_said_under_its_total(
    cycle, entered, compute, admin_client
):
    unit = entered["units"][0]
    economy = UnitCategory.objects.create(code="JJ", name="经济部门")
    when = saved_by(Unit.objects.get(pk=unit.pk), None, category=economy)
    compute()
    note = f"录入数据后本单位类别有调整：{when} 类别 ZJ → 经济部门（—）"
    assert master_data_change_notes(result=result_of(cycle, unit)).category == note
    page = admin_client.get(f"/dashboard/unit/{unit.code}/?cycle=2026&period=Q1")
    text = page.content.decode()
    assert note in text
    assert "录入数据后指标有改动" not in text


def test_the_indicators_line_shows_the_change_on_the_units_page(
    cycle, entered, compute, admin_client
):
    saved_by(entered["M2"], None, max_points=Decimal(25))
    compute()
    unit = entered["units"][1]
    text = admin_client.get(f"/dashboard/unit/{unit.code}/?cycle=2026&period=Q1").content.decode()
    assert "分值 20 → 25（—）" in text


@pytest.mark.parametrize("size", [2, 8])
def test_the_notes_take_a_fixed_number_of_queries(
    cycle, make_units, make_indicator, compute, django_assert_num_queries, size
):
    units = make_units(2)
    for number in range(size):
        indicator = make_indicator(f"M{number}", 10)
        IndicatorValue.objects.create(indicator=indicator, unit=units[0], period="Q1", value=1)
        saved_by(indicator, None, max_points=Decimal(20))
    saved_by(Unit.objects.get(pk=units[0].pk), None, name="改名")
    compute()
    result = result_of(cycle, units[0])
    # first values, first votes, the indicators' history, the unit's history
    with django_assert_num_queries(4):
        notes = master_data_change_notes(result=result)
    assert len(notes.by_indicator) == size
