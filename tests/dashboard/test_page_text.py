"""What the dashboard's pages say: English punctuation and plurals from the translation, the
provisional year marked, an explanation that wraps between terms only."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from cadre.models import GrowthRecord, Official
from scoring.models import Cycle, Indicator, IndicatorValue, UnitResult
from scoring.templatetags.dashboard_tables import formula_breaks

pytestmark = pytest.mark.django_db

FULL_WIDTH = re.compile("[：（）、，；　]")


@pytest.fixture
def english(leader_client):
    leader_client.cookies["django_language"] = "en"
    return leader_client


def test_the_year_row_of_an_open_cycle_is_marked_provisional_on_a_quarter(
    leader_client, stored_year, town_units
):
    unit = town_units[0]
    published = leader_client.get(f"/dashboard/unit/{unit.code}/?period=Q2").content.decode()
    assert "临时结果" not in published
    stored_year.state = Cycle.State.OPEN
    stored_year.save()
    html = leader_client.get(f"/dashboard/unit/{unit.code}/?period=Q2").content.decode()
    year_row = re.search(r'<tr[^>]*><td><a href="\?cycle=2025&period=Y">.*?</tr>', html).group()
    assert "临时结果" in year_row
    quarter_row = re.search(r'<tr[^>]*><td><a href="\?cycle=2025&period=Q2">.*?</tr>', html)
    assert "临时结果" not in quarter_row.group()


def test_english_pages_join_translated_text_with_english_punctuation(
    english, stored_year, town_units
):
    stored_year.state = Cycle.State.OPEN
    stored_year.save()
    official = Official.objects.create(
        code="Y1", name="李静", unit=town_units[0], position="副镇长", rank_level="副处级"
    )
    GrowthRecord.objects.create(
        official=official, date=date(2024, 9, 1), kind="training", title="Cadre course"
    )
    ranking = english.get("/dashboard/?period=Q2").content.decode()
    assert "2025年度考核 (Open)</option>" in ranking
    summary = re.search(r'<p class="muted summary">(.*?)</p>', ranking, flags=re.S).group(1)
    assert "6 units in all:" in summary and not FULL_WIDTH.search(summary)
    distance = english.get("/dashboard/distance/?period=Q2").content.decode()
    above = town_units[0].name
    assert re.search(rf"{above} \(9\d\d\.\d\d\)</td>", distance)
    assert not re.search(r"（\d", distance)
    officials = english.get("/dashboard/officials/").content.decode()
    assert "Training: Cadre course" in officials
    header = re.search(r'<table class="data" id="officials-table">.*?</thead>', officials, re.S)
    assert "Civil-service rank" in header.group() and ">Rank<" not in header.group()


def test_the_compare_page_counts_the_chosen_units_in_english(english, stored_year, town_units):
    html = english.get(f"/dashboard/compare/?units={town_units[0].code}").content.decode()
    assert "Choose 2 to 5 units to compare; 1 is chosen." in html
    codes = "&".join(f"units={unit.code}" for unit in town_units)
    html = english.get(f"/dashboard/compare/?{codes}").content.decode()
    assert "Choose 2 to 5 units to compare; 6 are chosen." in html


def test_the_unit_page_puts_who_entered_a_value_under_its_explanation(
    english, stored_year, town_units
):
    unit = town_units[1]
    scorer = get_user_model().objects.create_user("tongji")
    IndicatorValue.objects.create(
        indicator=Indicator.objects.get(code="A1.1"),
        unit=unit,
        period="Q2",
        value=Decimal("201.5"),
        entered_by=scorer,
    )
    html = english.get(f"/dashboard/unit/{unit.code}/?period=Q2").content.decode()
    cell = re.search(r'<td class="explanation">(.*?)</td>', html, flags=re.S).group(1)
    assert re.search(r"Entered by tongji at \d{4}-\d\d-\d\d \d\d:\d\d", cell)
    header = re.search(r'id="unit-indicators">.*?</thead>', html, flags=re.S).group()
    assert "Explanation" in header and "Entered" not in header


def test_an_explanation_wraps_before_an_operator_never_inside_a_term():
    nbsp = "\u00a0"
    text = formula_breaks("第 6 名 / 共 12 个单位：10 − (6 − 1)/(12 − 1) × 10 × (1 − 0.6) = 8.18")
    assert text == (
        f"第 6 名 /{nbsp}共 12 个单位：10 −{nbsp}(6{nbsp}−{nbsp}1)/(12{nbsp}−{nbsp}1)"
        f" ×{nbsp}10 ×{nbsp}(1{nbsp}−{nbsp}0.6) ={nbsp}8.18"
    )
    assert formula_breaks("10 − 3 × 4（不低于 0） = 0.00") == (
        f"10 −{nbsp}3 ×{nbsp}4（不低于{nbsp}0） ={nbsp}0.00"
    )


def test_an_area_scored_zero_shows_0_00_not_a_dash(leader_client, stored_year, town_units):
    result = UnitResult.objects.get(unit=town_units[0], period="Y")
    result.area_points = {**result.area_points, "A1": "0.0000"}
    result.save()
    html = leader_client.get("/dashboard/?period=Y").content.decode()
    row = re.search(rf'<tr data-unit="{town_units[0].code}">.*?</tr>', html).group()
    assert re.findall(r'<td class="num area">([^<]*)</td>', row)[0] == "0.00"
