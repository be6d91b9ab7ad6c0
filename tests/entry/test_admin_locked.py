from decimal import Decimal

import pytest
import tablib
from django.utils import timezone

from cadre.models import Official, UnitCategory
from scoring.models import (
    Adjustment,
    Cycle,
    Indicator,
    IndicatorValue,
    RaterGroup,
    Responsibility,
    UnitResult,
    Vote,
)
from scoring.resources import IndicatorResource, ResponsibilityResource
from scoring.services.refresh import results_refresh_all
from tests.admin_forms import change_form_data

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
    assert "分值应在 0 到 10 之间，实为 12" in page
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


def quarter_total(unit, period="Q1"):
    return UnitResult.objects.get(unit=unit, period=period).total


def test_an_admin_value_change_recomputes_the_units_result(admin_client, value):
    results_refresh_all(cycle=value.indicator.cycle)
    assert quarter_total(value.unit) == Decimal("500")
    url = f"/admin/scoring/indicatorvalue/{value.pk}/change/"
    assert admin_client.post(url, {"value": "8"}).status_code == 302
    assert quarter_total(value.unit) == Decimal("800")


def test_an_unchanged_value_saved_in_the_admin_keeps_its_version_and_verification(
    admin_client, value, admin_user
):
    IndicatorValue.objects.filter(pk=value.pk).update(
        verified_by=admin_user, verified_at=timezone.now()
    )
    url = f"/admin/scoring/indicatorvalue/{value.pk}/change/"
    assert admin_client.post(url, {"value": "5.00"}).status_code == 302
    value.refresh_from_db()
    assert (value.version, value.verified_by) == (1, admin_user)
    assert value.history.count() == 1


def test_a_value_added_in_the_admin_is_stored_by_the_service_and_counted(admin_client, value):
    form = {"indicator": value.indicator_id, "unit": value.unit_id, "period": "Q2", "value": "6"}
    response = admin_client.post("/admin/scoring/indicatorvalue/add/", form)
    assert response.status_code == 302
    added = IndicatorValue.objects.get(period="Q2")
    assert response["Location"].endswith("/admin/scoring/indicatorvalue/")
    assert added.history.latest().history_change_reason == "后台"
    assert quarter_total(value.unit, "Q2") == Decimal("600")


def test_the_admin_refuses_a_value_the_service_refuses(admin_client, value, make_indicator):
    annual = make_indicator("X09", 10, frequency=Indicator.Frequency.ANNUAL)
    form = {"indicator": annual.pk, "unit": value.unit_id, "period": "Q1", "value": "6"}
    page = admin_client.post("/admin/scoring/indicatorvalue/add/", form).content.decode()
    assert "年度指标只在全年（Y）填报" in page
    assert not IndicatorValue.objects.filter(indicator=annual).exists()


@pytest.mark.parametrize("how", ["page", "action"])
def test_deleting_an_input_in_the_admin_recomputes_the_result(admin_client, value, unit, how):
    cycle = value.indicator.cycle
    adjustment = Adjustment.objects.create(
        cycle=cycle, unit=unit, period="Q1", points=3, reason="抗洪", approved_by="区委常委会"
    )
    results_refresh_all(cycle=cycle)
    assert quarter_total(unit) == Decimal("503")
    if how == "page":
        admin_client.post(f"/admin/scoring/adjustment/{adjustment.pk}/delete/", {"post": "yes"})
    else:
        admin_client.post(
            "/admin/scoring/adjustment/",
            {"action": "delete_selected", "_selected_action": [adjustment.pk], "post": "yes"},
        )
    assert not Adjustment.objects.exists()
    assert quarter_total(unit) == Decimal("500")


def test_an_admin_vote_change_recomputes_the_result(admin_client, value, make_indicator):
    cycle = value.indicator.cycle
    group = RaterGroup.objects.create(cycle=cycle, code="QZ", name="群众", weight=Decimal(1))
    evaluation = make_indicator("P01", 10, method="evaluation")
    vote = Vote.objects.create(
        indicator=evaluation, unit=value.unit, period="Q1", rater_group=group, excellent=1
    )
    results_refresh_all(cycle=cycle)
    assert quarter_total(value.unit) == Decimal("750")
    url = f"/admin/scoring/vote/{vote.pk}/change/"
    form = {"rater_group": group.pk, "excellent": 0, "competent": 0, "basic": 0, "incompetent": 1}
    assert admin_client.post(url, form).status_code == 302
    assert quarter_total(value.unit) == Decimal("250")


def test_a_cycle_change_in_the_admin_recomputes_the_results(admin_client, value):
    cycle = value.indicator.cycle
    results_refresh_all(cycle=cycle)
    assert quarter_total(value.unit, "Y") == Decimal("125")
    url = f"/admin/scoring/cycle/{cycle.pk}/change/"
    weights = {"weight_q1": "1", "weight_q2": "0", "weight_q3": "0", "weight_q4": "0"}
    form = {**change_form_data(admin_client, url), **weights}
    assert admin_client.post(url, form).status_code == 302
    assert quarter_total(value.unit, "Y") == Decimal("500")


def test_an_indicator_change_in_the_admin_recomputes_the_results(admin_client, value):
    indicator = value.indicator
    results_refresh_all(cycle=indicator.cycle)
    assert quarter_total(value.unit) == Decimal("500")
    other = UnitCategory.objects.create(code="BM", name="部门")
    url = f"/admin/scoring/indicator/{indicator.pk}/change/"
    form = {**change_form_data(admin_client, url), "categories": [other.pk]}
    assert admin_client.post(url, form).status_code == 302
    assert not UnitResult.objects.filter(unit=value.unit, period="Q1", total__gt=0).exists()
