"""A unit's page answers why it lost points and how it moved since the quarter before, for a
leader and for the unit's liaison, without showing the liaison a quarter not published."""

import re

import pytest
from django.test import Client

from cadre import roles
from scoring.services.cycles import cycle_quarter_publish, cycle_quarter_reopen
from tests.dashboard.factories import user_with_role
from tests.quarters import quarter_district, quarters_moved

pytestmark = pytest.mark.django_db

UNIT_PAGE = "/dashboard/unit/ZJ01/"


@pytest.fixture
def district():
    return quarters_moved(quarter_district())


def _table(page: str, table_id: str) -> list[list[str]]:
    """The rows of a table of the page, each as its cells' text."""
    body = re.search(rf'id="{table_id}">.*?<tbody>(.*?)</tbody>', page, re.S).group(1)
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
        ]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def test_a_leader_reads_where_the_points_went_and_what_moved_since_the_quarter_before(district):
    """ZJ01 scored 200 of 250 on each of its four indicators in Q1 and 150 in Q2: each lost
    100 points in Q2, 100 of the thousand, and 50 since Q1; its 600 is 一般, 200 short of 良好."""
    client = Client()
    client.force_login(user_with_role("leader", roles.LEADER))
    page = client.get(f"{UNIT_PAGE}?cycle=2026&period=Q2").content.decode()
    lost = _table(page, "points-lost")
    assert [row[1:] for row in lost] == [["250", "150.00", "100.00", "100.00"]] * 4
    assert lost[0][0].startswith("A1.1 创新发展指标") and "直接赋分 150" in lost[0][0]
    moved = _table(page, "points-moved")
    assert [row[1:] for row in moved] == [["200.00", "150.00", "−50.00"]] * 4
    assert "较第一季度变化最大的指标" in page
    areas = _table(page, "unit-areas")
    assert [row[-1] for row in areas] == ["−50.00"] * 4
    assert "距良好分数线还差 200.00 分。" in page
    # The first quarter has none before it in the cycle: nothing to compare.
    first = client.get(f"{UNIT_PAGE}?cycle=2026&period=Q1").content.decode()
    assert 'id="points-moved"' not in first and "较第一季度" not in first
    assert [row[1:] for row in _table(first, "points-lost")] == [
        ["250", "200.00", "50.00", "50.00"]
    ] * 4


def test_a_liaison_compares_only_with_a_quarter_they_may_read(district):
    liaison = Client()
    liaison.force_login(district["liaison"])
    cycle, admin = district["cycle"], district["admin"]
    cycle_quarter_publish(cycle=cycle, quarter="Q2", by=admin)
    page = liaison.get(f"{UNIT_PAGE}?cycle=2026&period=Q2").content.decode()
    assert [row[1:] for row in _table(page, "points-moved")] == [["200.00", "150.00", "−50.00"]] * 4
    # Q1 reopened for a correction is hidden again: Q2's page no longer compares with it.
    cycle_quarter_reopen(cycle=cycle, quarter="Q1", by=admin, reason="统计局更正")
    page = liaison.get(f"{UNIT_PAGE}?cycle=2026&period=Q2").content.decode()
    assert 'id="points-moved"' not in page and "第一季度" not in page
    assert "800.00" not in page and all(len(row) == 4 for row in _table(page, "unit-areas"))
    assert [row[1:] for row in _table(page, "points-lost")] == [
        ["250", "150.00", "100.00", "100.00"]
    ] * 4
