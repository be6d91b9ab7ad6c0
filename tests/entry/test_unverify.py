"""A value verified by mistake is verified no more: the 考核办 takes back the verification of
one value or a selection, for a reason the value's history keeps; never in a closed cycle."""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.utils import timezone

from scoring.models import Cycle, IndicatorValue, QuarterState
from scoring.services.values import (
    SOURCE_ENTRY,
    CycleLockedError,
    values_unverified_count,
    values_unverify,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def verified(open_cycle, scorer, district, admin_user):
    """Three units × two indicators of Q1 values, all verified; return (units, indicators)."""
    units, indicators = district(cycle=open_cycle, owner=scorer, units=3, indicators=2)
    IndicatorValue.objects.bulk_create(
        IndicatorValue(indicator=i, unit=u, period="Q1", value=Decimal("7.50"))
        for u in units
        for i in indicators
    )
    IndicatorValue.objects.update(verified_by=admin_user, verified_at=timezone.now())
    return units, indicators


def verified_page(cycle, indicator, period="Q1") -> str:
    return f"/entry/verify/verified/?cycle={cycle.year}&period={period}&indicator={indicator.pk}"


def test_a_selection_is_unverified_and_each_values_history_says_why(
    open_cycle, admin_user, verified
):
    units, (first, _second) = verified
    picked = IndicatorValue.objects.filter(indicator=first, unit__in=units[:2])
    count = values_unverify(
        cycle=open_cycle,
        values=picked,
        by=admin_user,
        reason=" 数值有误，\n退回核实 ",
        source=SOURCE_ENTRY,
    )
    assert count == 2
    assert values_unverified_count(cycle=open_cycle) == 2
    for value in picked:
        assert (value.verified_by, value.verified_at) == (None, None)
        latest = value.history.latest()
        assert latest.history_change_reason == "填报页面：撤销审核：数值有误， 退回核实"
        assert latest.history_user == admin_user
        assert latest.value == Decimal("7.50")
    # Taken back again, nothing is left to take back.
    assert (
        values_unverify(
            cycle=open_cycle, values=picked, by=admin_user, reason="再次", source="后台"
        )
        == 0
    )


def test_unverifying_needs_a_reason_and_an_open_cycle(open_cycle, admin_user, verified):
    values = IndicatorValue.objects.all()
    with pytest.raises(ValidationError, match="撤销审核须说明理由"):
        values_unverify(cycle=open_cycle, values=values, by=admin_user, reason=" ", source="后台")
    Cycle.objects.filter(pk=open_cycle.pk).update(state=Cycle.State.CLOSED)
    with pytest.raises(CycleLockedError, match="已关闭，不能再修改任何数据"):
        values_unverify(
            cycle=open_cycle, values=values, by=admin_user, reason="误审", source="后台"
        )
    assert values_unverified_count(cycle=open_cycle) == 0


def test_a_closed_quarters_verifications_stay(open_cycle, admin_user, verified):
    Cycle.objects.filter(pk=open_cycle.pk).update(state_q1=QuarterState.CLOSED)
    open_cycle.refresh_from_db()
    with pytest.raises(CycleLockedError, match="第一季度已关闭"):
        values_unverify(
            cycle=open_cycle,
            values=IndicatorValue.objects.all(),
            by=admin_user,
            reason="误审",
            source="后台",
        )
    assert values_unverified_count(cycle=open_cycle) == 0


def test_the_admin_unverifies_one_value_from_the_verify_page(
    client, open_cycle, admin_user, verified
):
    units, (first, second) = verified
    client.force_login(admin_user)
    page = client.get(f"/entry/verify/?cycle={open_cycle.year}&period=Q1").content.decode()
    assert verified_page(open_cycle, first).replace("&", "&amp;") in page
    listed = client.get(verified_page(open_cycle, first)).content.decode()
    assert listed.count('name="value"') == 3 and "7.5</td>" in listed
    one = IndicatorValue.objects.get(indicator=first, unit=units[0])
    response = client.post(
        verified_page(open_cycle, first),
        {"value": [one.pk], "reason": "统计口径有误"},
        follow=True,
    )
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["已撤销 1 项数据的审核。"]
    assert list(IndicatorValue.objects.filter(verified_at__isnull=True)) == [one]
    # The unit's history says who took the verification back, and why.
    history = client.get(f"/entry/units/{units[0].code}/history/?cycle={open_cycle.year}")
    assert "填报页面：撤销审核：统计口径有误" in history.content.decode()
    # A value of another indicator posted with this one's page is left alone.
    other = IndicatorValue.objects.get(indicator=second, unit=units[1])
    client.post(verified_page(open_cycle, first), {"value": [other.pk], "reason": "误"})
    other.refresh_from_db()
    assert other.verified_at is not None
    # Ticks that are no value's id take nothing back, and say what to do.
    response = client.post(
        verified_page(open_cycle, first), {"value": ["²", "9" * 5000], "reason": "误"}, follow=True
    )
    assert [str(m) for m in get_messages(response.wsgi_request)][-1] == "请至少勾选一项数据。"
    assert IndicatorValue.objects.filter(verified_at__isnull=True).count() == 1


@pytest.mark.parametrize("no_id", ["abc", "²", "9" * 5000])
def test_the_verified_values_of_an_indicator_that_is_no_id_are_not_found(
    client, open_cycle, admin_user, verified, no_id
):
    client.force_login(admin_user)
    url = f"/entry/verify/verified/?cycle={open_cycle.year}&period=Q1&indicator={no_id}"
    assert client.get(url).status_code == 404


def test_a_closed_cycles_verified_values_are_listed_without_a_way_to_unverify(
    client, open_cycle, admin_user, verified
):
    _units, (first, _second) = verified
    Cycle.objects.filter(pk=open_cycle.pk).update(state=Cycle.State.CLOSED)
    client.force_login(admin_user)
    page = client.get(verified_page(open_cycle, first)).content.decode()
    assert "本周期已关闭，审核不能再撤销。" in page and 'name="value"' not in page
    response = client.post(
        verified_page(open_cycle, first),
        {"value": list(IndicatorValue.objects.values_list("pk", flat=True)), "reason": "误"},
        follow=True,
    )
    assert "已关闭，不能再修改任何数据" in response.content.decode()
    assert values_unverified_count(cycle=open_cycle) == 0


@pytest.mark.parametrize("units", [3, 30])
def test_the_verified_values_page_reads_a_fixed_number_of_queries(
    client, open_cycle, admin_user, scorer, district, units, django_assert_max_num_queries
):
    made_units, (indicator,) = district(cycle=open_cycle, owner=scorer, units=units, indicators=1)
    IndicatorValue.objects.bulk_create(
        IndicatorValue(
            indicator=indicator,
            unit=unit,
            period="Q1",
            value=Decimal(5),
            verified_by=admin_user,
            verified_at=timezone.now(),
        )
        for unit in made_units
    )
    client.force_login(admin_user)
    # session, user, groups (role), cycles, the indicator, the count and page of values
    with django_assert_max_num_queries(10):
        page = client.get(verified_page(open_cycle, indicator)).content.decode()
    assert page.count('name="value"') == units
