"""Publishing a quarter names what it leaves behind: the count covers every category, also
one nobody has entered a value for in the quarter, and a quarter nobody reported for at all
says so rather than "0 missing"."""

import pytest
from django.test import Client

from cadre import roles
from cadre.models import Unit, UnitCategory
from scoring.models import Cycle, Indicator
from scoring.services.values import CellInput, values_save
from tests.entry.conftest import user_with_role
from tests.entry.test_cycles_page import _cycle_forms

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client():
    """An open 2026 of one quarterly indicator of 1000 for a town and a department; the town's
    Q1 value entered, nothing for the department nor for Q2."""
    town = Unit.objects.create(
        code="ZJ01", name="城关街道", category=UnitCategory.objects.create(code="ZJ", name="镇街")
    )
    Unit.objects.create(
        code="BM01", name="区发改局", category=UnitCategory.objects.create(code="BM", name="部门")
    )
    cycle = Cycle.objects.create(year=2026, state=Cycle.State.OPEN)
    indicator = Indicator.objects.create(
        cycle=cycle, code="A1", name="综合", max_points=1000, method="direct"
    )
    admin = user_with_role("kaoheban", roles.ADMIN)
    values_save(
        cycle=cycle,
        cells=[CellInput(unit=town, indicator=indicator, period="Q1", raw="800")],
        by=admin,
        source="填报页面",
    )
    client = Client()
    client.force_login(admin)
    for quarter in ["Q1", "Q2"]:
        client.post(f"/entry/cycles/{cycle.pk}/quarters/{quarter}/move/", {"action": "close"})
    return client


def _publish_confirms(client) -> dict[str, str]:
    return {
        form["url"].split("/")[-3]: form["confirm"]
        for form in _cycle_forms(client, quarters=True)
        if form["actions"] == ["publish"]
    }


def test_the_count_takes_in_a_category_nobody_entered_in_the_quarter(admin_client):
    assert _publish_confirms(admin_client)["Q1"] == (
        "发布后，各单位即可查看 2026年度考核 第一季度的结果。该季度仍有 1 项指标缺报、"
        "1 项数据未审核。确定发布？"
    )


def test_a_quarter_nobody_reported_for_says_the_units_would_see_nothing(admin_client):
    assert _publish_confirms(admin_client)["Q2"] == (
        "2026年度考核 第二季度还没有任何数据：发布后各单位也看不到该季度的结果。确定发布？"
    )
