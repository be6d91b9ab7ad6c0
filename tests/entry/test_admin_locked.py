from decimal import Decimal

import pytest

from scoring.models import Adjustment, Cycle, IndicatorValue

pytestmark = pytest.mark.django_db


@pytest.fixture
def value(open_cycle, unit, make_indicator):
    indicator = make_indicator("X01", 10)
    return IndicatorValue.objects.create(indicator=indicator, unit=unit, period="Q1", value=5)


@pytest.fixture
def admin_client(client, admin_user):
    admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    return client


def test_an_admin_change_is_checked_versioned_and_recorded_as_from_the_admin(admin_client, value):
    url = f"/admin/scoring/indicatorvalue/{value.pk}/change/"
    form = {"indicator": value.indicator_id, "unit": value.unit_id, "period": "Q1", "value": "12"}
    page = admin_client.post(url, form).content.decode()
    assert "分值应在 0 到 10.00 之间，实为 12" in page
    assert admin_client.post(url, {**form, "value": "7"}).status_code == 302
    value.refresh_from_db()
    assert (value.value, value.version) == (Decimal("7"), 2)
    assert value.history.latest().history_change_reason == "后台"


@pytest.mark.parametrize("state", [Cycle.State.CLOSED, Cycle.State.PUBLISHED])
def test_the_admin_refuses_every_change_in_a_locked_cycle(admin_client, value, state, unit):
    cycle = value.indicator.cycle
    Cycle.objects.filter(pk=cycle.pk).update(state=state)
    form = {"indicator": value.indicator_id, "unit": value.unit_id, "period": "Q1", "value": "7"}
    change = f"/admin/scoring/indicatorvalue/{value.pk}/change/"
    assert admin_client.post(change, form).status_code == 403
    page = admin_client.post("/admin/scoring/indicatorvalue/add/", {**form, "period": "Q2"})
    assert "不能再修改任何数据" in page.content.decode()
    adjustment = {
        "cycle": cycle.pk,
        "unit": unit.pk,
        "period": "Q1",
        "points": "3",
        "reason": "抗洪",
        "approved_by": "区委常委会",
    }
    page = admin_client.post("/admin/scoring/adjustment/add/", adjustment)
    assert "不能再修改任何数据" in page.content.decode()
    cycle_form = admin_client.get(f"/admin/scoring/cycle/{cycle.pk}/change/").content.decode()
    assert 'name="bonus_cap"' not in cycle_form
    assert (
        admin_client.post(
            f"/admin/scoring/indicatorvalue/{value.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    value.refresh_from_db()
    assert value.value == Decimal("5")
    assert not Adjustment.objects.exists()
    assert IndicatorValue.objects.count() == 1
