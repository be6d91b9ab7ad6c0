"""A unit's year page explains a quarterly bonus by the quarters it was reported in: a quarter
without one is said to be unreported, as the quarter's own page says it, not weighted as 0.00
as if a 0 had been entered."""

import re
from decimal import Decimal

import pytest

from scoring.models import IndicatorValue
from scoring.services.compute import results_compute
from scoring.templatetags.dashboard_tables import NBSP
from tests.dashboard.factories import tree_make, units_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def bonus_year(cycle, category, make_indicator, leader_client):
    """The four areas with a direct figure of 200 per quarter for three towns, and a quarterly
    bonus of up to 20: none for ZJ0001, 5 in Q2 and 2.53 in Q4 for ZJ0002, 0 in Q1 for ZJ0003."""
    leaves = tree_make(cycle=cycle)
    units = units_make(category=category, count=3)
    bonus = make_indicator("B", 20, "bonus")
    IndicatorValue.objects.bulk_create(
        IndicatorValue(indicator=leaf, unit=unit, period=quarter, value=Decimal(200))
        for leaf in leaves
        for unit in units
        for quarter in ("Q1", "Q2", "Q3", "Q4")
    )
    for unit, quarter, value in [
        (units[1], "Q2", "5"),
        (units[1], "Q4", "2.53"),
        (units[2], "Q1", "0"),
    ]:
        IndicatorValue.objects.create(indicator=bonus, unit=unit, period=quarter, value=value)
    results_compute(cycle=cycle)

    def bonus_row(unit_code: str, period: str = "Y") -> tuple[str, str]:
        """The bonus row's points and explanation as the unit's page shows them."""
        page = leader_client.get(f"/dashboard/unit/{unit_code}/?cycle=2026&period={period}")
        row = re.search(
            r'<td class="indicator">B B<span.*?<strong>(.*?)</strong>.*?'
            r'<td class="explanation">(.*?)</td>',
            page.content.decode(),
            re.S,
        )
        return row.group(1), row.group(2).replace(NBSP, " ")

    return bonus_row


def test_a_bonus_reported_in_no_quarter_says_so_on_the_year_page(bonus_year):
    assert bonus_year("ZJ0001") == ("0.00", "各季度均未报加分，计 0 分（上限 20）")
    assert bonus_year("ZJ0001", "Q2") == ("0.00", "未报加分，计 0 分（上限 20）")


def test_the_year_weighs_the_quarters_a_bonus_was_reported_in_and_names_the_others(bonus_year):
    """5 × 0.25 + 2.53 × 0.25 = 1.8825: the row's 1.88, to the cent."""
    assert bonus_year("ZJ0002") == (
        "1.88",
        "季度加权 Q2 5.00 × 0.25 + Q4 2.53 × 0.25 = 1.88；第一季度、第三季度未报加分，计 0 分",
    )


def test_a_bonus_of_0_entered_is_weighted_and_the_quarters_without_one_are_unreported(
    bonus_year,
):
    assert bonus_year("ZJ0003") == (
        "0.00",
        "季度加权 Q1 0.00 × 0.25 = 0.00；第二季度、第三季度、第四季度未报加分，计 0 分",
    )
