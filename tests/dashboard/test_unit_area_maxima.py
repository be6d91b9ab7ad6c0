"""A unit's page gives each area the maximum the unit could earn there in the period: the
areas add up to the applicable maximum its total is divided by, so that a town's share of an
area reads right in a quarter (annual indicators wait for the year) and a department's where
some indicators apply to other categories only."""

import re
from decimal import Decimal

import pytest
from django.test import Client

from cadre import roles
from cadre.models import Unit, UnitCategory
from scoring.dashboard import selectors
from scoring.models import Cycle, Indicator
from scoring.services.compute import results_compute
from scoring.services.values import CellInput, values_save
from tests.dashboard.factories import embedded_charts, user_with_role

pytestmark = pytest.mark.django_db


def _leaf(cycle, area, code, max_points, *, frequency="quarterly", categories=()):
    leaf = Indicator.objects.create(
        cycle=cycle,
        code=code,
        name=f"指标{code}",
        parent=area,
        max_points=Decimal(max_points),
        method=Indicator.Method.DIRECT,
        frequency=frequency,
    )
    leaf.categories.set(categories)
    return leaf


@pytest.fixture
def town_page():
    """A town scored 100 on each indicator that applies to it: in A1 a quarterly indicator of
    600 and an annual one of 400; in A2 one of 1000 for towns and one of 1000 for departments.
    A department scored 300 on A1's quarterly indicator and 500 on its own of A2 in Q1."""
    towns = UnitCategory.objects.create(code="ZJ", name="镇街", sort_order=1)
    departments = UnitCategory.objects.create(code="BM", name="部门", sort_order=2)
    town = Unit.objects.create(code="ZJ01", name="城关街道", category=towns)
    cycle = Cycle.objects.create(year=2026, state=Cycle.State.OPEN)
    first = Indicator.objects.create(cycle=cycle, code="A1", name="创新发展", max_points=1000)
    second = Indicator.objects.create(
        cycle=cycle, code="A2", name="协调发展", max_points=2000, sort_order=2
    )
    quarterly = _leaf(cycle, first, "A1.1", 600)
    annual = _leaf(cycle, first, "A1.2", 400, frequency="annual")
    for_towns = _leaf(cycle, second, "A2.1", 1000, categories=[towns])
    for_departments = _leaf(cycle, second, "A2.2", 1000, categories=[departments])
    department = Unit.objects.create(code="BM01", name="区发改局", category=departments)
    admin = user_with_role("kaoheban", roles.ADMIN)
    cells = [
        CellInput(unit=town, indicator=leaf, period=period, raw="100")
        for leaf, periods in [(quarterly, ["Q1"]), (annual, ["Y"]), (for_towns, ["Q1"])]
        for period in periods
    ] + [
        CellInput(unit=department, indicator=quarterly, period="Q1", raw="300"),
        CellInput(unit=department, indicator=for_departments, period="Q1", raw="500"),
    ]
    values_save(cycle=cycle, cells=cells, by=admin, source="填报页面")
    results_compute(cycle=cycle)
    client = Client()
    client.force_login(user_with_role("leader", roles.LEADER))
    return lambda period, path="unit/ZJ01/", query="": client.get(
        f"/dashboard/{path}?cycle=2026&period={period}{query}"
    )


def _areas(page: str) -> list[list[str]]:
    body = re.search(r'id="unit-areas">.*?<tbody>(.*?)</tbody>', page, re.S).group(1)
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def test_a_quarter_counts_neither_annual_indicators_nor_other_categories_in_an_area(town_page):
    page = town_page("Q1").content.decode()
    assert "适用满分 1600.00" in page
    assert _areas(page) == [
        ["创新发展", "600.00", "100.00", "100.00"],
        ["协调发展", "1000.00", "100.00", "100.00"],
    ]


def test_the_year_counts_the_annual_indicators_of_its_areas(town_page):
    page = town_page("Y").content.decode()
    assert "适用满分 2000.00" in page
    assert [row[:2] for row in _areas(page)] == [["创新发展", "1000.00"], ["协调发展", "1000.00"]]


def test_the_compare_radar_draws_each_units_share_of_what_it_could_earn(town_page):
    """Against the areas' own maxima (1000, 2000) the town's 100 + 100 read 10 % and 5 %, and
    the department's 500 of its 1000 read a quarter."""
    response = town_page("Q1", path="compare/", query="&units=ZJ01&units=BM01")
    radar = embedded_charts(response)["radar"]
    assert [(item["name"], item["max"]) for item in radar["indicators"]] == [
        ("创新发展", "100"),
        ("协调发展", "100"),
    ]
    assert "占本单位该期间适用满分的百分比" in response.content.decode()
    assert [(line["name"], line["values"]) for line in radar["series"]] == [
        ("城关街道", ["16.7", "10.0"]),
        ("区发改局", ["50.0", "50.0"]),
    ]


def test_the_shares_of_units_compared_count_the_year_against_its_annual_indicators_too(
    town_page, django_assert_max_num_queries
):
    """In the year (Q1 weighs 0.25) the town's 25 + 100 of A1 are a share of 1000, its annual
    indicator counting, and its 25 of A2 of its 1000; the department's 75 of A1 a share of
    1000 too (it has no value for the annual one), its 125 of A2 of its own 1000. Two queries
    for any number of units."""
    town_page("Y")
    cycle = Cycle.objects.get(year=2026)
    results = selectors.units_compare(cycle=cycle, period="Y", unit_codes=["ZJ01", "BM01"])
    areas = selectors.result_areas(cycle=cycle)
    with django_assert_max_num_queries(2):
        area_rows = selectors.units_area_compared(
            cycle=cycle, period="Y", results=results, areas=areas
        )
    shares = selectors.units_area_shares(results=results, area_rows=area_rows)
    town_points = {code: Decimal(points) for code, points in results[0].area_points.items()}
    assert town_points == {"A1": Decimal("125"), "A2": Decimal("25")}
    assert shares == [
        ("城关街道", {"A1": Decimal("12.5"), "A2": Decimal("2.5")}),
        ("区发改局", {"A1": Decimal("7.5"), "A2": Decimal("12.5")}),
    ]


def test_the_compare_table_gives_each_units_area_points_out_of_its_own_maximum(town_page):
    """Beside each unit's points in an area, what it could earn there and the share: the
    points alone left the reader to find the maxima in the radar's note."""
    response = town_page("Q1", path="compare/", query="&units=ZJ01&units=BM01")
    table = response.content.decode().split('id="compare-table"')[1].split("</table>")[0]
    rows = {
        name: [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in cells]
        for name, cells in (
            (row.group(1), re.findall(r"<td[^>]*>(.*?)</td>", row.group(2)))
            for row in re.finditer(r"<tr><th>(.*?)</th>(.*?)</tr>", table)
        )
    }
    assert rows["创新发展"] == ["100.00 满分 600 · 16.7%", "300.00 满分 600 · 50.0%"]
    assert rows["协调发展"] == ["100.00 满分 1000 · 10.0%", "500.00 满分 1000 · 50.0%"]
