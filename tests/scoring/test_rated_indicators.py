"""A rater group that rates some evaluation indicators only (双向考核: the towns and departments
vote on 双向互评, the district leaders on the others): naming them changes no score where the
votes were already cast that way, since an evaluation weighs the groups that voted."""

from decimal import Decimal

import pytest

from scoring.models import RaterGroup, Vote
from tests.scoring.test_explain import lines_by_code

pytestmark = pytest.mark.django_db


def test_naming_the_indicators_groups_voted_on_keeps_scores_and_explanations(
    cycle, make_units, make_indicator, compute
):
    (town,) = make_units(1)
    overall = make_indicator("MZ", 60, "evaluation")
    two_way = make_indicator("HP", 40, "evaluation")
    leaders, departments = (
        RaterGroup.objects.create(cycle=cycle, code=code, name=name, weight=Decimal(weight))
        for code, name, weight in (("LD", "区领导", "0.6"), ("BM", "部门评议", "0.4"))
    )
    Vote.objects.create(
        indicator=overall, unit=town, period="Q1", rater_group=leaders, excellent=3, basic=1
    )
    Vote.objects.create(
        indicator=two_way, unit=town, period="Q1", rater_group=departments, competent=2
    )
    before = compute()[town.code, "Q1"].total

    leaders.indicators.set([overall])
    departments.indicators.set([two_way])

    assert compute()[town.code, "Q1"].total == before
    lines = lines_by_code(cycle, town)
    # Each evaluation names the groups that rate it, none as not voted.
    assert lines["MZ"].explanation == (
        "民主测评 区领导（优秀 3、基本称职 1，共 4 票）0.9000 × 0.6，加权平均 0.9000 × 60 = 54.00"
    )
    assert lines["HP"].explanation == (
        "民主测评 部门评议（称职 2，共 2 票）0.8000 × 0.4，加权平均 0.8000 × 40 = 32.00"
    )
