"""Every dashboard page costs the same number of queries for 40 units as for 400."""

from datetime import date

import pytest

from cadre.models import GrowthRecord, Official
from tests.dashboard.factories import units_make, year_store

pytestmark = pytest.mark.django_db

# Session, user, groups, cycles, result periods, categories, areas, then the page's own reads.
MAX_QUERIES = 20


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
        "/dashboard/whatif/",
    ],
)
def test_pages_run_a_fixed_number_of_queries(
    leader_client, district, url, django_assert_max_num_queries
):
    with django_assert_max_num_queries(MAX_QUERIES):
        response = leader_client.get(url)
    assert response.status_code == 200
