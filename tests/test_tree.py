from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from scoring.models import Cycle, Indicator
from scoring.services.tree import indicator_tree_problems


def test_a_sound_tree_has_no_problems(make_indicator):
    area = make_indicator("A1", 1000, method="")
    make_indicator("A1.1", 600, parent=area)
    make_indicator("A1.2", 400, parent=area)
    make_indicator("B1", 30, method="bonus")
    assert indicator_tree_problems(cycle=area.cycle) == []


def test_the_thousand_counts_the_maximum_not_what_a_cap_above_1_lets_a_unit_reach(
    make_indicator, admin_client
):
    area = make_indicator("A1", 1000, method="")
    make_indicator("A1.1", 600, "completion", parent=area, target=Decimal(8), cap=Decimal("1.2"))
    make_indicator("A1.2", 400, parent=area)

    assert indicator_tree_problems(cycle=area.cycle) == []
    page = admin_client.get("/admin/scoring/indicator/add/").content.decode()
    assert "大于 1 时（如 1.2），完成率超过 100% 的单位得分可超过本指标分值" in page


def test_children_that_do_not_add_up_are_named(make_indicator):
    area = make_indicator("A1", 1000, method="")
    make_indicator("A1.1", 600, parent=area)
    make_indicator("A1.2", 300, parent=area)
    problems = indicator_tree_problems(cycle=area.cycle)
    assert problems == ["A1 的下级分值合计 900.00，与其分值 1000.00 不符。"]


def test_areas_must_add_up_to_a_thousand(make_indicator):
    make_indicator("A1", 500)
    make_indicator("A2", 400)
    assert indicator_tree_problems(cycle=make_indicator("B1", 20, method="bonus").cycle) == [
        f"一级指标分值合计 {Decimal('900.00')}，应为 1000。"
    ]


def test_leaf_without_method_and_parent_with_method_are_named(make_indicator):
    area = make_indicator("A1", 1000, method="direct")
    make_indicator("A1.1", 1000, parent=area, method="")
    problems = indicator_tree_problems(cycle=area.cycle)
    assert "指标 A1 有下级指标，不应设置计分方法。" in problems
    assert "末级指标 A1.1 没有计分方法。" in problems


def test_a_parent_from_another_cycle_is_refused(make_indicator):
    area = make_indicator("A1", 1000, method="")
    later = Cycle.objects.create(year=2027)
    child = Indicator(cycle=later, code="A1.1", name="科技创新", max_points=1000, parent=area)
    with pytest.raises(ValidationError) as refused:
        child.full_clean()
    assert refused.value.message_dict == {
        "parent": ["上级指标须属于同一考核周期：A1 A1 属于2026年度考核。"]
    }
    child.parent = Indicator.objects.create(cycle=later, code="A1", name="A1", max_points=1000)
    child.full_clean()
