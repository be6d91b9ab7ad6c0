"""Every dashboard page costs the same number of queries for 40 units as for 400."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cadre import roles
from cadre.models import GrowthRecord, Official, Unit, UnitCategory
from scoring.models import Indicator, OfficialScore, RaterGroup, Vote
from scoring.templatetags.dashboard_tables import NBSP
from tests.dashboard.factories import units_make, user_with_role, year_store

pytestmark = pytest.mark.django_db

# Session, user, groups, a liaison's units, cycles, result periods, categories, areas, then the
# page's own reads; a unit's page also reads when its figures were first entered (values and
# votes) and what changed after in its indicators and its category (the master data's history).
MAX_QUERIES = 24


@pytest.fixture(params=[40, 400], ids=["40-units", "400-units"])
def district(request, published_cycle, category):
    units = units_make(category=category, count=request.param)
    year_store(cycle=published_cycle, units=units)
    officials = Official.objects.bulk_create(
        Official(code=f"{unit.code}-01", name=f"干部{unit.code}", unit=unit) for unit in units
    )
    GrowthRecord.objects.bulk_create(
        GrowthRecord(official=official, date=date(2024, 5, 1), kind="training", title="培训")
        for official in officials
    )
    OfficialScore.objects.bulk_create(
        OfficialScore(
            cycle=published_cycle,
            official=official,
            unit=official.unit,
            unit_total=Decimal(900),
            own_part=Decimal(900),
            alpha=Decimal("0.5"),
            score=Decimal(900),
        )
        for official in officials
    )
    return units


@pytest.mark.parametrize(
    "url",
    [
        "/dashboard/?period=Q3",
        "/dashboard/?period=Y",
        "/dashboard/distance/",
        "/dashboard/unit/ZJ0001/?period=Q2",
        "/dashboard/compare/?units=ZJ0001&units=ZJ0002&units=ZJ0003",
        "/dashboard/officials/?q=干部",
        "/dashboard/officials/?order=score",
        "/dashboard/officials/export/?young=0",
        "/dashboard/official/ZJ0001-01/",
        "/dashboard/whatif/",
    ],
)
def test_pages_run_a_fixed_number_of_queries(
    leader_client, district, url, django_assert_max_num_queries
):
    with django_assert_max_num_queries(MAX_QUERIES):
        response = leader_client.get(url)
    assert response.status_code == 200


@pytest.mark.parametrize(
    "url", ["/dashboard/unit/ZJ0001/?period=Q2", "/dashboard/unit/ZJ0002/?period=Y"]
)
def test_a_moved_or_retired_units_past_page_runs_as_many_queries(
    leader_client, district, url, django_assert_max_num_queries
):
    """Its page reads the category it was ranked in from its results, not from the unit."""
    elsewhere = UnitCategory.objects.create(code="JJ", name="经济部门")
    Unit.objects.filter(code="ZJ0001").update(category=elsewhere)
    Unit.objects.filter(code="ZJ0002").update(is_active=False)
    with django_assert_max_num_queries(MAX_QUERIES):
        response = leader_client.get(url)
    assert '<span class="muted">镇街 · ' in response.content.decode()
    assert {size for _result, size, _current in response.context["overview"]} == {len(district)}


@pytest.mark.parametrize(
    "url", ["/dashboard/unit/ZJ0001/?period=Y", "/dashboard/unit/ZJ0001/?period=Q2"]
)
def test_a_liaisons_unit_page_runs_a_fixed_number_of_queries(
    client, district, url, django_assert_max_num_queries
):
    liaison = user_with_role("liaison", roles.LIAISON)
    liaison.liaison_units.add(district[0])
    client.force_login(liaison)
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(url)
    assert response.status_code == 200


def _evaluations_voted(*, cycle, unit, codes: list[str]) -> None:
    """Evaluation indicators under the last area, each voted on by two rater groups."""
    area = Indicator.objects.get(cycle=cycle, code="A4")
    groups = [
        RaterGroup.objects.get_or_create(
            cycle=cycle, code=code, defaults={"name": name, "weight": Decimal("0.5")}
        )[0]
        for code, name in (("LD", "区领导"), ("FW", "服务对象"))
    ]
    for code in codes:
        indicator = Indicator.objects.create(
            cycle=cycle,
            code=code,
            name="民主测评",
            parent=area,
            max_points=Decimal(20),
            method=Indicator.Method.EVALUATION,
            frequency=Indicator.Frequency.ANNUAL,
        )
        Vote.objects.bulk_create(
            Vote(indicator=indicator, unit=unit, period="Y", rater_group=group, **counts)
            for group, counts in zip(
                groups,
                [{"excellent": 8, "competent": 2}, {"competent": 5, "basic": 1}],
                strict=True,
            )
        )


def test_the_years_evaluation_lines_show_their_vote_counts_in_one_query(
    leader_client, stored_year, town_units
):
    """The counts behind each group's mean, and the ballots in the value column, whatever the
    number of evaluation indicators: their votes are read in one query."""
    unit = town_units[0]
    url = f"/dashboard/unit/{unit.code}/?period=Y"
    _evaluations_voted(cycle=stored_year, unit=unit, codes=["A4.2"])
    with CaptureQueriesContext(connection) as one:
        page = leader_client.get(url).content.decode().replace(NBSP, " ")
    assert "区领导（优秀 8、称职 2，共 10 票）0.9600 × 0.5" in page
    assert "服务对象（称职 5、基本称职 1，共 6 票）0.7667 × 0.5" in page
    assert ">16 票<" in page
    _evaluations_voted(cycle=stored_year, unit=unit, codes=["A4.3", "A4.4", "A4.5"])
    with CaptureQueriesContext(connection) as four:
        page = leader_client.get(url).content.decode()
    assert page.count(">16 票<") == 4
    assert len(four) == len(one)
