from decimal import Decimal

import pytest

from scoring.models import Cycle
from scoring.services.values import (
    CycleLockedError,
    cycle_ensure_editable,
    value_entry_hint,
    value_problem,
)


@pytest.mark.parametrize(
    "method, params, value, refused",
    [
        ("direct", {}, Decimal("10"), False),
        ("direct", {}, Decimal("0"), False),
        ("direct", {}, Decimal("10.01"), True),
        ("direct", {}, Decimal("-1"), True),
        ("bonus", {}, Decimal("11"), True),
        ("veto", {}, Decimal("1"), False),
        ("veto", {}, Decimal("2"), True),
        ("deduction", {"per_incident": Decimal(2)}, Decimal("3"), False),
        ("deduction", {"per_incident": Decimal(2)}, Decimal("1.5"), True),
        ("deduction", {"per_incident": Decimal(2)}, Decimal("-1"), True),
        ("veto", {}, Decimal("0"), False),
        ("completion", {"target": Decimal(100)}, Decimal("-5"), True),
        ("completion", {"target": Decimal(100)}, Decimal("0"), False),
        ("best_ratio", {}, Decimal("-0.5"), True),
        ("best_ratio", {}, Decimal("0"), False),
        ("rank", {}, Decimal("-5"), False),
        ("rank", {}, Decimal("1.00001"), True),
        ("evaluation", {}, Decimal("1"), True),
    ],
)
def test_value_rules_per_method(make_indicator, method, params, value, refused):
    indicator = make_indicator("I1", 10, method=method, **params)
    assert (value_problem(indicator=indicator, value=value) is not None) is refused


@pytest.mark.parametrize("state", [Cycle.State.CLOSED, Cycle.State.PUBLISHED])
def test_closed_and_published_cycles_refuse_changes(cycle, state):
    cycle.state = state
    with pytest.raises(CycleLockedError, match="不能再修改"):
        cycle_ensure_editable(cycle=cycle)


@pytest.mark.parametrize("state", [Cycle.State.DRAFT, Cycle.State.OPEN])
def test_draft_and_open_cycles_accept_changes(cycle, state):
    cycle.state = state
    cycle_ensure_editable(cycle=cycle)


@pytest.mark.parametrize(
    "method, params, hint",
    [
        ("direct", {}, "填得分 0–10"),
        ("completion", {"target": Decimal("100.00")}, "填实际值（目标 100）"),
        (
            "completion",
            {"target": Decimal("0.45"), "lower_is_better": True},
            "填实际值（目标 0.45，越低越好）",
        ),
        ("rank", {}, "填原始数值，按排名计分"),
        ("rank", {"lower_is_better": True}, "填原始数值，按排名计分（越低越好）"),
        ("best_ratio", {}, "填原始数值，与最优比"),
        ("best_ratio", {"lower_is_better": True}, "填原始数值，与最优比（越低越好）"),
        ("deduction", {"per_incident": Decimal("2.00")}, "填次数（每次扣 2 分）"),
        ("deduction", {"per_incident": Decimal("0.5")}, "填次数（每次扣 0.5 分）"),
        ("bonus", {}, "填加分 0–10"),
        ("veto", {}, "填 0 或 1（1 = 否决）"),
        ("evaluation", {}, ""),
    ],
)
def test_what_to_type_in_one_line_per_method(make_indicator, method, params, hint):
    indicator = make_indicator("I1", "10.00", method=method, **params)
    assert value_entry_hint(indicator=indicator) == hint
