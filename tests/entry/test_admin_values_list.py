"""The admin's list of values: searched through units and indicators, sorted by unit id."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scoring.models import IndicatorValue

pytestmark = pytest.mark.django_db

URL = "/admin/scoring/indicatorvalue/"


@pytest.fixture
def admin_client(client, admin_user):
    admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    return client


@pytest.fixture
def values(open_cycle, scorer, district):
    units, (x1, x2) = district(cycle=open_cycle, owner=scorer, units=3, indicators=2)
    x2.name = "招商引资"
    x2.save()
    return IndicatorValue.objects.bulk_create(
        IndicatorValue(unit=unit, indicator=indicator, period="Q1", value=1)
        for unit in units
        for indicator in (x1, x2)
    )


def listed(page):
    return len(re.findall(r'name="_selected_action"', page))


@pytest.mark.parametrize(
    ("term", "count"),
    [("ZJ002", 2), ("第3镇", 2), ("x01", 3), ("招商", 3), ("第1镇 招商", 1), ("无此单位", 0)],
)
def test_the_search_finds_values_by_unit_or_indicator_code_and_name(
    admin_client, values, term, count
):
    page = admin_client.get(URL, {"q": term}).content.decode()
    assert listed(page) == count


def test_the_search_never_matches_text_across_the_values_joins(admin_client, values):
    with CaptureQueriesContext(connection) as queries:
        admin_client.get(URL, {"q": "第1镇"})
    on_values = [q["sql"] for q in queries.captured_queries if "scoring_indicatorvalue" in q["sql"]]
    assert on_values and not any("LIKE" in sql for sql in on_values)


def test_sorting_by_unit_sorts_by_the_units_id(admin_client, values):
    with CaptureQueriesContext(connection) as queries:
        page = admin_client.get(URL, {"o": "1"}).content.decode()
    assert listed(page) == 6
    (listing,) = [
        q["sql"]
        for q in queries.captured_queries
        if "scoring_indicatorvalue" in q["sql"] and "ORDER BY" in q["sql"]
    ]
    order = listing.split("ORDER BY")[1]
    assert "unit_id" in order and "cadre_unitcategory" not in order
