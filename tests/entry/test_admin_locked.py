from decimal import Decimal

import pytest
import tablib

from cadre.models import Official
from scoring.models import (
    Adjustment,
    Cycle,
    Indicator,
    IndicatorValue,
    RaterGroup,
    Responsibility,
)
from scoring.resources import IndicatorResource, ResponsibilityResource

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


@pytest.fixture
def locked_tree(value, make_indicator):
    """A published cycle's area, leaf (with a value), responsibility and rater group."""
    cycle = value.indicator.cycle
    official = Official.objects.create(code="O1", name="张三", unit=value.unit)
    responsibility = Responsibility.objects.create(official=official, indicator=value.indicator)
    group = RaterGroup.objects.create(cycle=cycle, code="QZ", name="群众", weight=Decimal(1))
    Cycle.objects.filter(pk=cycle.pk).update(state=Cycle.State.PUBLISHED)
    return {"indicator": value.indicator, "responsibility": responsibility, "group": group}


def test_the_indicator_tree_of_a_published_cycle_is_read_only_in_the_admin(
    admin_client, locked_tree
):
    indicator, responsibility = locked_tree["indicator"], locked_tree["responsibility"]
    change = f"/admin/scoring/indicator/{indicator.pk}/change/"
    page = admin_client.get(change).content.decode()
    assert 'name="max_points"' not in page
    form = {"cycle": indicator.cycle_id, "code": "X01", "name": "改名", "max_points": "50"}
    assert admin_client.post(change, form).status_code == 403
    page = admin_client.post("/admin/scoring/indicator/add/", {**form, "code": "X02"})
    assert "不能再修改任何数据" in page.content.decode()
    assert (
        admin_client.post(
            f"/admin/scoring/responsibility/{responsibility.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    cycle_page = admin_client.get(f"/admin/scoring/cycle/{indicator.cycle_id}/change/")
    assert 'name="rater_groups-0-weight"' not in cycle_page.content.decode()
    indicator.refresh_from_db()
    assert (indicator.name, indicator.max_points) == ("X01", Decimal(10))
    assert Indicator.objects.count() == 1
    assert Responsibility.objects.count() == 1


@pytest.mark.parametrize(
    ("model", "key"),
    [("indicator", "indicator"), ("responsibility", "responsibility"), ("indicatorvalue", None)],
)
def test_bulk_delete_in_a_locked_cycle_says_why_and_deletes_nothing(
    admin_client, locked_tree, value, model, key
):
    row = locked_tree[key] if key else value
    response = admin_client.post(
        f"/admin/scoring/{model}/",
        {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"},
        follow=True,
    )
    assert response.status_code == 200
    assert "已发布，不能再修改任何数据" in response.content.decode()
    assert type(row).objects.filter(pk=row.pk).exists()


def test_bulk_delete_in_an_open_cycle_still_deletes(admin_client, value):
    Cycle.objects.filter(pk=value.indicator.cycle_id).update(state=Cycle.State.OPEN)
    admin_client.post(
        "/admin/scoring/indicatorvalue/",
        {"action": "delete_selected", "_selected_action": [value.pk], "post": "yes"},
    )
    assert not IndicatorValue.objects.exists()


def test_the_admin_import_refuses_tree_rows_of_a_locked_cycle(locked_tree):
    indicator = locked_tree["indicator"]
    dataset = tablib.Dataset(
        (indicator.cycle.year, "X01", "改名", "50"), headers=["cycle", "code", "name", "max_points"]
    )
    result = IndicatorResource().import_data(dataset, dry_run=False)
    assert result.invalid_rows[0].error_dict == {
        "__all__": ["2026年度考核 已发布，不能再修改任何数据。"]
    }
    dataset = tablib.Dataset(("O1", "2026", "X01"), headers=["official", "cycle", "indicator"])
    result = ResponsibilityResource().import_data(dataset, dry_run=False)
    assert result.invalid_rows
    indicator.refresh_from_db()
    assert indicator.name == "X01"
