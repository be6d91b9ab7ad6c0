"""Report C8: from the grid to a unit's history and back, the period stays."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_unit_link_and_the_way_back_keep_the_period(client, open_cycle, scorer, district):
    (town1, _town2), _indicators = district(cycle=open_cycle, owner=scorer, units=2, indicators=1)
    client.force_login(scorer)
    response = client.get(f"/entry/?cycle={open_cycle.year}&period=Q4")
    # The grid's unit link is /entry/units/<code>/history/?{{ grid_query }}.
    assert response.context["grid_query"] == f"cycle={open_cycle.year}&period=Q4"
    link = f'href="/entry/units/{town1.code}/history/?cycle={open_cycle.year}&amp;period=Q4"'
    assert link in response.content.decode()
    page = client.get(
        f"/entry/units/{town1.code}/history/?{response.context['grid_query']}"
    ).content.decode()
    assert f'href="/entry/?cycle={open_cycle.year}&amp;period=Q4"' in page


def test_without_a_period_the_way_back_lets_the_grid_pick_one(client, open_cycle, scorer, district):
    (town1, _town2), _indicators = district(cycle=open_cycle, owner=scorer, units=2, indicators=1)
    client.force_login(scorer)
    page = client.get(f"/entry/units/{town1.code}/history/?cycle={open_cycle.year}").content
    assert f'href="/entry/?cycle={open_cycle.year}"' in page.decode()
