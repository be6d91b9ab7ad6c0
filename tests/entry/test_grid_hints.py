"""Report C2: each column of the grid says in one line what to type."""

from decimal import Decimal

import pytest

pytestmark = pytest.mark.django_db


def test_each_column_carries_what_to_type_by_method(
    client, open_cycle, scorer, district, make_indicator
):
    district(cycle=open_cycle, owner=scorer, units=2, indicators=1)
    for code, method, params in [
        ("TAX", "completion", {"target": Decimal(100)}),
        ("ENERGY", "completion", {"target": Decimal("0.45"), "lower_is_better": True}),
        ("SAFE", "deduction", {"per_incident": Decimal(2)}),
        ("GROWTH", "rank", {}),
    ]:
        make_indicator(code, 15, method, **params).owners.add(scorer)
    client.force_login(scorer)
    response = client.get(f"/entry/?cycle={open_cycle.year}&period=Q1")
    grid = response.context["grid"]
    assert '<span class="meta type-hint">填次数（每次扣 2 分）</span>' in response.content.decode()
    assert {indicator.code: indicator.entry_hint for indicator in grid.indicators} == {
        "X01": "填得分 0–10",
        "TAX": "填实际值（目标 100）",
        "ENERGY": "填实际值（目标 0.45，越低越好）",
        "SAFE": "填次数（每次扣 2 分）",
        "GROWTH": "填原始数值，按排名计分",
    }
