"""A unit's page shows every indicator's points to the cent; where an area's rows so shown add
up to other cents than the area's figure (the exact points added, rounded once), the page says
so beside the area's name: a reader adding the rows with a calculator is told why."""

import re
from decimal import Decimal

import pytest

from scoring.models import IndicatorValue
from scoring.services.compute import results_compute
from tests.dashboard.factories import tree_make, units_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def thirds(cycle, category, make_indicator, leader_client):
    """Q1 of ZJ0001: 创新发展 (A1) holds its direct 5 and three completions of 2 against a target
    of 3 for up to 10 points, 6.6666666667 each: 25.0000000001 in all, 25.01 in cents added up;
    the other areas hold a direct 200 each."""
    leaves = tree_make(cycle=cycle)
    (unit,) = units_make(category=category, count=1)
    area = leaves[0].parent
    thirds = [
        make_indicator(
            f"A1.{number}", 10, "completion", parent=area, target=Decimal(3), sort_order=10 + number
        )
        for number in (2, 3, 4)
    ]
    IndicatorValue.objects.bulk_create(
        [IndicatorValue(indicator=leaves[0], unit=unit, period="Q1", value=Decimal(5))]
        + [
            IndicatorValue(indicator=leaf, unit=unit, period="Q1", value=Decimal(200))
            for leaf in leaves[1:]
        ]
        + [
            IndicatorValue(indicator=third, unit=unit, period="Q1", value=Decimal(2))
            for third in thirds
        ]
    )
    results_compute(cycle=cycle)
    return leader_client.get(f"/dashboard/unit/{unit.code}/?cycle=2026&period=Q1").content.decode()


def _areas_shown(page: str) -> dict[str, str]:
    """Each area's 本单位 figure in the areas' table."""
    body = re.search(r'id="unit-areas">.*?<tbody>(.*?)</tbody>', page, re.S).group(1)
    return dict(
        re.findall(r'<tr><td>(.*?)</td><td class="num">.*?</td><td class="num">(.*?)</td>', body)
    )


def _area_headings(page: str) -> dict[str, tuple[str, list[str]]]:
    """Each area's heading in the indicators' table, with the points of its rows."""
    table = re.search(r'id="unit-indicators">(.*?)</table>', page, re.S).group(1)
    headings = {}
    for group in table.split("<tbody>")[1:]:
        heading = re.search(r'scope="rowgroup">(.*?)</th>', group).group(1)
        name = heading.split(" <span")[0]
        headings[name] = (heading, re.findall(r"<strong>(.*?)</strong>", group))
    return headings


def test_an_area_whose_rows_as_shown_add_up_otherwise_says_why(thirds):
    heading, points = _area_headings(thirds)["创新发展"]
    assert _areas_shown(thirds)["创新发展"] == "25.00"
    assert points == ["5.00", "6.67", "6.67", "6.67"]
    assert heading == (
        '创新发展 <span class="secondary rounding-note">各项得分按四舍五入显示，相加为 25.01；'
        "本项得分 25.00 由未舍入的分数相加而得</span>"
    )


def test_an_area_whose_rows_add_up_in_cents_has_no_note(thirds):
    heading, points = _area_headings(thirds)["协调发展"]
    assert (heading, points) == ("协调发展", ["200.00"])
    assert _areas_shown(thirds)["协调发展"] == "200.00"
