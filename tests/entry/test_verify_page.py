"""The verify page: counts that open the values in the grid, and a question before all of
them are verified at once."""

from decimal import Decimal

import pytest

from scoring.models import IndicatorValue

pytestmark = pytest.mark.django_db


@pytest.fixture
def unverified(open_cycle, scorer, district):
    """Three units × two indicators of unverified Q1 values; return the indicators."""
    units, indicators = district(cycle=open_cycle, owner=scorer, units=3, indicators=2)
    IndicatorValue.objects.bulk_create(
        IndicatorValue(indicator=i, unit=u, period="Q1", value=Decimal(5))
        for u in units
        for i in indicators
    )
    return indicators


def test_each_indicators_count_opens_its_values_in_the_grid(
    client, open_cycle, admin_user, unverified
):
    client.force_login(admin_user)
    page = client.get(f"/entry/verify/?cycle={open_cycle.pk}&period=Q1").content.decode()
    first, second = unverified
    grid = f"/entry/?cycle={open_cycle.pk}&amp;period=Q1&amp;indicator={first.pk}"
    assert f'<a href="{grid}" title="在填报表中查看这些数据">3</a>' in page
    grid_page = client.get(grid.replace("&amp;", "&")).content.decode()
    assert first.name in grid_page and second.name not in grid_page


def test_verifying_every_indicator_asks_first_naming_how_many_values(
    client, open_cycle, admin_user, unverified
):
    client.force_login(admin_user)
    page = client.get(f"/entry/verify/?cycle={open_cycle.pk}&period=Q1").content.decode()
    # confirm.js asks with the form's data-confirm, which the form sets while every box is
    # ticked (by 全选 or one by one) and removes otherwise.
    assert 'data-confirm-all="将把本期间全部 6 项未审核的数据标记为已审核。确定？"' in page
    assert "this.setAttribute('data-confirm', this.getAttribute('data-confirm-all'))" in page
    assert "this.removeAttribute('data-confirm')" in page
