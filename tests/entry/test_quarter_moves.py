"""Closing, publishing and reopening one quarter of an open cycle: the rules, the snapshot,
the frozen results and the history."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from cadre import roles
from cadre.models import UnitCategory
from scoring.models import (
    PERIOD_ROW,
    Cycle,
    Grade,
    Indicator,
    QuarterState,
    ResultSnapshot,
    UnitResult,
)
from scoring.selectors import cycle_state_moves
from scoring.services.cycles import (
    CycleStateError,
    cycle_close,
    cycle_publish,
    cycle_quarter_close,
    cycle_quarter_publish,
    cycle_quarter_reopen,
    cycle_reopen,
    cycle_results_recompute,
)
from scoring.services.refresh import results_refresh_all
from scoring.services.values import CellInput, values_save
from tests.closed_quarters import stored_results
from tests.entry.conftest import user_with_role
from tests.quarters import TOTALS, quarter_district

pytestmark = pytest.mark.django_db
PERIODS = list(PERIOD_ROW)


@pytest.fixture
def district():
    return quarter_district()


def _total(cycle, code, period) -> str:
    return str(UnitResult.objects.get(cycle=cycle, unit__code=code, period=period).total)


def test_quarters_close_in_order(district):
    cycle, admin = district["cycle"], district["admin"]
    with pytest.raises(CycleStateError, match="请先关闭第一季度：季度按顺序关闭，第二季度在其后"):
        cycle_quarter_close(cycle=cycle, quarter="Q2", by=admin)
    cycle_quarter_close(cycle=cycle, quarter="Q1", by=admin)
    cycle = cycle_quarter_close(cycle=cycle, quarter="Q2", by=admin)
    assert (cycle.state_q1, cycle.state_q2, cycle.state_q3) == ("closed", "closed", "open")
    with pytest.raises(CycleStateError, match="第一季度当前为“已关闭”，不能改为“已关闭”"):
        cycle_quarter_close(cycle=cycle, quarter="Q1", by=admin)


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("zh-hans", "请先关闭第一季度、第二季度：季度按顺序关闭，第三季度在其后。"),
        ("en", "Close Q1, Q2 first: quarters close in order, and Q3 comes after them."),
    ],
)
def test_closing_a_quarter_out_of_order_names_the_earlier_ones_in_the_pages_language(
    district, language, said
):
    with translation.override(language), pytest.raises(CycleStateError) as refused:
        cycle_quarter_close(cycle=district["cycle"], quarter="Q3", by=district["admin"])
    assert refused.value.messages == [said]


def test_only_the_kaoheban_moves_a_quarter_and_only_a_quarter(district):
    cycle = district["cycle"]
    leader = user_with_role("leader", roles.LEADER)
    with pytest.raises(PermissionDenied):
        cycle_quarter_close(cycle=cycle, quarter="Q1", by=leader)
    with pytest.raises(CycleStateError, match="期间“Y”不是季度"):
        cycle_quarter_close(cycle=cycle, quarter="Y", by=district["admin"])
    cycle.refresh_from_db()
    assert cycle.state_q1 == QuarterState.OPEN


def test_a_draft_cycle_has_no_quarter_to_close(district):
    cycle = district["cycle"]
    Cycle.objects.filter(pk=cycle.pk).update(state=Cycle.State.DRAFT)
    with pytest.raises(CycleStateError, match="当前为“草稿”，不能单独关闭季度"):
        cycle_quarter_close(cycle=cycle, quarter="Q1", by=district["admin"])


def test_a_quarter_is_published_once_closed_and_its_snapshot_holds_that_quarter(district):
    cycle, admin = district["cycle"], district["admin"]
    with pytest.raises(CycleStateError, match="第一季度当前为“填报中”，不能改为“已发布”"):
        cycle_quarter_publish(cycle=cycle, quarter="Q1", by=admin)
    cycle_quarter_close(cycle=cycle, quarter="Q1", by=admin)
    snapshot = cycle_quarter_publish(cycle=cycle, quarter="Q1", by=admin)
    cycle.refresh_from_db()
    assert cycle.state_q1 == QuarterState.PUBLISHED
    assert cycle.published_periods == ["Q1"]
    assert snapshot.period == "Q1" and snapshot.published_by == admin
    assert sorted((row["unit"], row["period"], row["total"]) for row in snapshot.results) == [
        ("ZJ01", "Q1", TOTALS["ZJ01"]["Q1"]),
        ("ZJ02", "Q1", TOTALS["ZJ02"]["Q1"]),
    ]


def test_a_quarter_is_not_closed_while_the_tree_breaks_a_rule(district):
    # Once closed, the quarter's part of the tree could no longer be mended.
    cycle, admin = district["cycle"], district["admin"]
    Indicator.objects.filter(cycle=cycle, code="A1").update(max_points=300)
    with pytest.raises(CycleStateError, match="指标体系还有问题，不能关闭季度；请修正后再关闭"):
        cycle_quarter_close(cycle=cycle, quarter="Q1", by=admin)
    cycle.refresh_from_db()
    assert cycle.state_q1 == QuarterState.OPEN


def test_a_quarter_is_not_published_while_the_tree_breaks_a_rule(district):
    cycle, admin = district["cycle"], district["admin"]
    cycle_quarter_close(cycle=cycle, quarter="Q1", by=admin)
    Indicator.objects.filter(cycle=cycle, code="A1").update(max_points=300)
    with pytest.raises(CycleStateError, match="指标体系还有问题，不能发布季度结果"):
        cycle_quarter_publish(cycle=cycle, quarter="Q1", by=admin)
    assert not ResultSnapshot.objects.exists()
    cycle.refresh_from_db()
    assert cycle.state_q1 == QuarterState.CLOSED


def _grade(cycle, code, period) -> str:
    return UnitResult.objects.get(cycle=cycle, unit__code=code, period=period).grade


def test_a_closed_quarter_keeps_its_results_when_the_settings_or_the_units_change(district):
    cycle, admin = district["cycle"], district["admin"]
    cycle_quarter_close(cycle=cycle, quarter="Q1", by=admin)
    # The 良好 line raised past ZJ01's 800 and ZJ02 moved to another category: every result
    # still open moves, and the admin's saves recompute them all.
    Cycle.objects.filter(pk=cycle.pk).update(good_min=850)
    district["units"]["ZJ02"].category = UnitCategory.objects.create(code="JJ", name="部门")
    district["units"]["ZJ02"].save()
    # As the admin's save of the cycle does, with the cycle as saved.
    results_refresh_all(cycle=Cycle.objects.get(pk=cycle.pk))
    assert _total(cycle, "ZJ01", "Q1") == TOTALS["ZJ01"]["Q1"]
    assert _grade(cycle, "ZJ01", "Q1") == Grade.GOOD
    assert UnitResult.objects.get(cycle=cycle, unit__code="ZJ02", period="Q1").rank == 2
    assert UnitResult.objects.get(cycle=cycle, unit__code="ZJ02", period="Q2").rank == 1


def test_publishing_keeps_what_closing_computed_and_reopening_computes_anew(district):
    cycle, admin = district["cycle"], district["admin"]
    cycle_quarter_close(cycle=cycle, quarter="Q1", by=admin)
    # A setting changed behind the refusals' back while Q1 was closed: Q1 keeps its grades.
    Cycle.objects.filter(pk=cycle.pk).update(good_min=850)
    # As the admin's save of the cycle does, with the cycle as saved.
    results_refresh_all(cycle=Cycle.objects.get(pk=cycle.pk))
    assert _grade(cycle, "ZJ01", "Q1") == Grade.GOOD
    snapshot = cycle_quarter_publish(cycle=cycle, quarter="Q1", by=admin)
    assert _grade(cycle, "ZJ01", "Q1") == Grade.GOOD
    assert {row["unit"]: row["grade"] for row in snapshot.results}["ZJ01"] == Grade.GOOD
    # Reopening unfreezes the quarter: it is computed with the settings as they are now.
    cycle_quarter_reopen(cycle=cycle, quarter="Q1", by=admin, reason="更正")
    assert _grade(cycle, "ZJ01", "Q1") == Grade.FAIR
    assert Cycle.objects.get(pk=cycle.pk).published_periods == []


def test_reopening_computes_the_quarter_and_the_year_and_leaves_the_other_quarters(district):
    cycle, admin = district["cycle"], district["admin"]
    cycle_quarter_close(cycle=cycle, quarter="Q1", by=admin)
    Cycle.objects.filter(pk=cycle.pk).update(good_min=850)
    results_refresh_all(cycle=Cycle.objects.get(pk=cycle.pk))
    others = UnitResult.objects.filter(cycle=cycle).exclude(period__in=["Q1", "Y"])
    others_stored = set(others.values_list("pk", "computed_at"))
    assert others_stored

    cycle_quarter_reopen(cycle=cycle, quarter="Q1", by=admin, reason="更正")

    # The other quarters' results are not written again: nothing they are scored from changed.
    assert set(others.values_list("pk", "computed_at")) == others_stored
    assert _grade(cycle, "ZJ01", "Q1") == Grade.FAIR
    reopened = stored_results(cycle, PERIODS)
    # Every result is what a full computation stores.
    results_refresh_all(cycle=Cycle.objects.get(pk=cycle.pk))
    assert stored_results(cycle, PERIODS) == reopened


def test_reopening_takes_a_reason_and_an_open_cycle(district):
    cycle, admin = district["cycle"], district["admin"]
    cycle_quarter_close(cycle=cycle, quarter="Q1", by=admin)
    cycle_quarter_close(cycle=cycle, quarter="Q2", by=admin)
    with pytest.raises(ValidationError, match="重新开放必须说明理由"):
        cycle_quarter_reopen(cycle=cycle, quarter="Q1", by=admin, reason="  ")
    # Q1 reopens with Q2 still closed: a correction of Q1 leaves Q2 as it stands.
    cycle = cycle_quarter_reopen(cycle=cycle, quarter="Q1", by=admin, reason="统计局更正一季度数据")
    assert (cycle.state_q1, cycle.state_q2) == ("open", "closed")
    cycle_close(cycle=cycle, by=admin)
    with pytest.raises(CycleStateError, match="请先重新开放整个周期，再重新开放其中的季度"):
        cycle_quarter_reopen(cycle=cycle, quarter="Q2", by=admin, reason="更正")


def test_the_cycle_covers_its_quarters_and_reopening_it_leaves_theirs(district):
    cycle, admin = district["cycle"], district["admin"]
    cycle_quarter_close(cycle=cycle, quarter="Q1", by=admin)
    cycle_quarter_publish(cycle=cycle, quarter="Q1", by=admin)
    cycle = cycle_close(cycle=cycle, by=admin)
    assert [cycle.period_state(p) for p in ["Q1", "Q2", "Q3", "Q4", "Y"]] == [
        "published",
        "closed",
        "closed",
        "closed",
        "closed",
    ]
    # A closed cycle's quarter may be published on its own, before the year.
    cycle_quarter_publish(cycle=cycle, quarter="Q2", by=admin)
    cycle = Cycle.objects.get(pk=cycle.pk)
    assert cycle.published_periods == ["Q1", "Q2"]
    cycle_publish(cycle=cycle, by=admin)
    assert Cycle.objects.get(pk=cycle.pk).published_periods == ["Q1", "Q2", "Q3", "Q4", "Y"]
    cycle = cycle_reopen(cycle=cycle, by=admin, reason="更正四季度")
    assert cycle.published_periods == ["Q1", "Q2"]
    assert not cycle.period_is_locked("Q4") and cycle.period_is_locked("Q2")


def test_every_quarter_move_is_in_the_history_with_who_and_why(district):
    cycle, admin = district["cycle"], district["admin"]
    cycle_quarter_close(cycle=cycle, quarter="Q1", by=admin)
    cycle_quarter_publish(cycle=cycle, quarter="Q1", by=admin)
    cycle_quarter_reopen(cycle=cycle, quarter="Q1", by=admin, reason="统计局更正")
    moves = [
        (move["cycle"], move["before"], move["after"], move["who"], move["source"])
        for move in cycle_state_moves()
    ]
    assert moves == [
        (
            "2026 · 第一季度",
            "已发布",
            "填报中",
            admin,
            "周期管理页面：重新开放：统计局更正",
        ),
        ("2026 · 第一季度", "已关闭", "已发布", admin, "周期管理页面"),
        ("2026 · 第一季度", "填报中", "已关闭", admin, "周期管理页面"),
    ]


def test_a_value_of_the_year_still_moves_the_year_after_q1_closed(district):
    cycle, admin = district["cycle"], district["admin"]
    cycle_quarter_close(cycle=cycle, quarter="Q1", by=admin)
    leaf = district["leaves"][0]
    values_save(
        cycle=cycle,
        cells=[CellInput(unit=district["units"]["ZJ01"], indicator=leaf, period="Q3", raw="250")],
        by=admin,
        source="填报页面",
    )
    # 350 + 0.25 × 250 = 412.5
    assert Decimal(_total(cycle, "ZJ01", "Y")) == Decimal("412.50")
    assert _total(cycle, "ZJ01", "Q1") == TOTALS["ZJ01"]["Q1"]


def test_a_forced_recompute_takes_the_closed_quarters_along_with_its_reason(district):
    cycle, admin = district["cycle"], district["admin"]
    cycle_quarter_close(cycle=cycle, quarter="Q1", by=admin)
    Cycle.objects.filter(pk=cycle.pk).update(good_min=850)
    cycle_results_recompute(cycle=cycle)
    assert _grade(cycle, "ZJ01", "Q1") == Grade.GOOD
    cycle_results_recompute(cycle=cycle, locked_reason="分数线更正", by=admin)
    assert _grade(cycle, "ZJ01", "Q1") == Grade.FAIR
    assert Cycle.history.latest().history_change_reason == "强制重新计算：分数线更正"
