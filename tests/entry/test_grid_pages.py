"""The grid a category and a page of units at a time: what a district and a province see."""

import json
import re

import pytest

from cadre.models import Unit, UnitCategory
from scoring.models import IndicatorValue
from scoring.selectors import GRID_ALL_CELLS_MAX, GRID_PAGE_UNITS
from tests.entry.conftest import grid_post, grid_url

pytestmark = pytest.mark.django_db


def rows(page):
    return re.findall(r'<tr data-unit-name="([^"]+)"', page)


def units_in(code, count, *, start=1):
    """Make `count` active units of a category (created with it), cheaply."""
    category, _ = UnitCategory.objects.get_or_create(
        code=code, defaults={"name": f"类别{code}", "sort_order": ord(code[0])}
    )
    return Unit.objects.bulk_create(
        Unit(code=f"{code}{n:04d}", name=f"{code}单位{n}", category=category, sort_order=n)
        for n in range(start, start + count)
    )


# The session, the user and their groups, the cycles, the indicators and their categories, the
# categories with their active units, the units shown (id, name, code), the page's units, the
# stored values, (only when the category spans pages) the cells it still misses, and whether
# the user reviews talent awards (for the top bar).
GRID_QUERIES = 12


@pytest.mark.parametrize("units", [30, 300])
def test_a_categorys_page_takes_the_same_queries_at_30_and_300_units(
    scorer_client, open_cycle, scorer, district, units, django_assert_max_num_queries
):
    made_units, indicators = district(cycle=open_cycle, owner=scorer, units=units, indicators=3)
    IndicatorValue.objects.bulk_create(
        IndicatorValue(unit=unit, indicator=indicators[0], period="Q1", value=1)
        for unit in made_units
    )
    with django_assert_max_num_queries(GRID_QUERIES):
        page = scorer_client.get(grid_url(open_cycle, category="ZJ")).content.decode()
    assert len(rows(page)) == min(units, GRID_PAGE_UNITS)


def test_a_province_sized_grid_shows_the_first_category_a_page_of_100_units_at_a_time(
    scorer_client, open_cycle, scorer, district
):
    # 1,200 units in three categories × 20 indicators: 24,000 cells, past what 全部类别 allows.
    district(cycle=open_cycle, owner=scorer, units=0, indicators=20)
    units_in("A", 400)
    units_in("B", 400)
    units_in("C", 400)
    assert 1_200 * 20 > GRID_ALL_CELLS_MAX
    page = scorer_client.get(grid_url(open_cycle)).content.decode()
    shown = rows(page)
    assert len(shown) == GRID_PAGE_UNITS
    assert shown[0] == "A单位1" and all(name.startswith("A") for name in shown)
    assert "第 1 / 4 页" in page
    assert f"?cycle={open_cycle.year}&amp;period=Q1&amp;category=A&amp;page=2" in page
    assert "本页待填" in page and "本类别共待填" in page
    assert 'data-count="8000"' in page  # 400 units × 20 indicators, nothing stored yet
    # The paste can tell a unit of another page from a title row.
    other = json.loads(re.search(r'id="other-page-units"[^>]*>(.*?)</script>', page).group(1))
    assert len(other) == 300 and ["A单位101", "A0101"] in other

    second = scorer_client.get(grid_url(open_cycle, category="B", page=2)).content.decode()
    assert rows(second)[0] == "B单位101" and len(rows(second)) == GRID_PAGE_UNITS

    refused = scorer_client.get(grid_url(open_cycle, category="all")).content.decode()
    assert "请选择一个类别填报" in refused
    assert len(rows(refused)) == GRID_PAGE_UNITS and rows(refused)[0] == "A单位1"


def test_the_pager_keeps_the_indicator_picked(scorer_client, open_cycle, scorer, district):
    _units, (x1, _x2) = district(cycle=open_cycle, owner=scorer, units=250, indicators=2)
    page = scorer_client.get(grid_url(open_cycle, indicator=x1.pk)).content.decode()
    assert f"category=all&amp;indicator={x1.pk}&amp;page=3" in page
    third = scorer_client.get(grid_url(open_cycle, indicator=x1.pk, page=3)).content.decode()
    assert len(rows(third)) == 50


def test_a_small_district_sees_all_categories_at_once_or_one_picked(
    scorer_client, open_cycle, scorer, district
):
    district(cycle=open_cycle, owner=scorer, units=3, indicators=2)
    units_in("B", 2)
    page = scorer_client.get(grid_url(open_cycle)).content.decode()
    assert len(rows(page)) == 5
    assert "pager" not in page and "本类别共待填" not in page
    picked = scorer_client.get(grid_url(open_cycle, category="B")).content.decode()
    assert rows(picked) == ["B单位1", "B单位2"]
    assert '<strong id="missing-count">4</strong> / 4' in picked


def test_a_category_no_indicator_applies_to_is_not_offered(
    scorer_client, open_cycle, scorer, district
):
    _units, (x1, x2) = district(cycle=open_cycle, owner=scorer, units=2, indicators=2)
    other = units_in("B", 2)[0].category
    for indicator in (x1, x2):
        indicator.categories.add(other)
    page = scorer_client.get(grid_url(open_cycle)).content.decode()
    assert rows(page) == ["B单位1", "B单位2"]
    assert 'value="ZJ"' not in page


def test_a_save_from_a_page_goes_back_to_that_page(scorer_client, open_cycle, scorer, district):
    made_units, (x1,) = district(cycle=open_cycle, owner=scorer, units=150, indicators=1)
    response = scorer_client.post(
        grid_url(open_cycle, category="ZJ", page=2),
        grid_post(open_cycle, "Q1", {(made_units[120], x1, 0): "5"}),
    )
    assert response.status_code == 302
    assert response.url.endswith("&category=ZJ&page=2")
    assert IndicatorValue.objects.get().unit == made_units[120]
