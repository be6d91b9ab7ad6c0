"""The verify page: counts that open the values in the grid, and a question before all of
them are verified at once."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from scoring.models import IndicatorValue, VerificationRun
from scoring.services.cycles import cycle_close
from scoring.services.verification import verification_run_perform

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
    page = client.get(f"/entry/verify/?cycle={open_cycle.year}&period=Q1").content.decode()
    first, second = unverified
    grid = f"/entry/?cycle={open_cycle.year}&amp;period=Q1&amp;indicator={first.pk}"
    assert f'<a href="{grid}" title="在填报表中查看这些数据">3</a>' in page
    grid_page = client.get(grid.replace("&amp;", "&")).content.decode()
    assert first.name in grid_page and second.name not in grid_page


def test_each_indicators_box_is_named_by_its_code_and_name_for_a_screen_reader(
    client, open_cycle, admin_user, unverified
):
    client.force_login(admin_user)
    page = client.get(f"/entry/verify/?cycle={open_cycle.pk}&period=Q1").content.decode()
    for indicator in unverified:
        assert f'value="{indicator.pk}" aria-label="{indicator.code} {indicator.name}"' in page, (
            indicator
        )


def test_verifying_every_indicator_asks_first_naming_how_many_values(
    client, open_cycle, admin_user, unverified
):
    client.force_login(admin_user)
    page = client.get(f"/entry/verify/?cycle={open_cycle.year}&period=Q1").content.decode()
    # confirm.js asks with the form's data-confirm, which the form sets while every box is
    # ticked (by 全选 or one by one) and removes otherwise.
    assert 'data-confirm-all="将把本期间全部 6 项未审核的数据标记为已审核。确定？"' in page
    assert "this.setAttribute('data-confirm', this.getAttribute('data-confirm-all'))" in page
    assert "this.removeAttribute('data-confirm')" in page


def _verify_all(client, cycle, indicators, follow=True):
    return client.post(
        f"/entry/verify/?cycle={cycle.year}&period=Q1",
        {"indicator": [indicator.pk for indicator in indicators]},
        follow=follow,
    )


def test_verifying_many_values_runs_in_the_background_and_says_how_far_it_came(
    client, open_cycle, admin_user, unverified, settings
):
    settings.SCORING_VERIFY_BACKGROUND_VALUES = 5
    client.force_login(admin_user)
    # The test settings' task backend runs the task at once; a worker would run it later.
    page = _verify_all(client, open_cycle, unverified).content.decode()
    assert "6 项数据较多，正在后台审核，进度见下方。" in page
    assert "已完成：已审核 6 项。" in page and "kaoheban" in page
    assert not IndicatorValue.objects.filter(verified_at__isnull=True).exists()
    assert set(IndicatorValue.objects.values_list("verified_by", flat=True)) == {admin_user.pk}


def test_a_background_verification_under_way_shows_its_progress_and_takes_no_second_one(
    client, open_cycle, admin_user, unverified, settings
):
    settings.SCORING_VERIFY_BACKGROUND_VALUES = 5
    VerificationRun.objects.create(
        cycle=open_cycle,
        period="Q1",
        indicator_ids=[i.pk for i in unverified],
        requested_by=admin_user,
        status=VerificationRun.Status.RUNNING,
        total=6,
        verified=2,
    )
    client.force_login(admin_user)
    page = _verify_all(client, open_cycle, unverified).content.decode()
    assert "本期间已有一次审核正在后台进行，请等它完成后再提交。" in page
    assert '<progress max="6" value="2"' in page
    assert '<meta http-equiv="refresh" content="3">' in page
    assert IndicatorValue.objects.filter(verified_at__isnull=True).count() == 6


def test_a_background_verification_leaves_values_changed_after_it_was_asked(
    open_cycle, admin_user, unverified
):
    run = VerificationRun.objects.create(
        cycle=open_cycle, period="Q1", indicator_ids=[i.pk for i in unverified], total=6
    )
    asked = timezone.now() - timedelta(minutes=1)
    VerificationRun.objects.filter(pk=run.pk).update(requested_at=asked)
    IndicatorValue.objects.update(updated_at=asked - timedelta(minutes=1))
    changed = IndicatorValue.objects.first()
    IndicatorValue.objects.filter(pk=changed.pk).update(updated_at=timezone.now())
    run = verification_run_perform(run=VerificationRun.objects.get(pk=run.pk))
    assert (run.status, run.verified) == (VerificationRun.Status.DONE, 5)
    assert list(IndicatorValue.objects.filter(verified_at__isnull=True)) == [changed]


def test_a_cycle_closed_during_a_background_verification_stops_it_saying_so(
    open_cycle, admin_user, unverified
):
    run = VerificationRun.objects.create(
        cycle=open_cycle, period="Q1", indicator_ids=[i.pk for i in unverified], total=6
    )
    cycle_close(cycle=open_cycle, by=admin_user)
    run = verification_run_perform(run=run)
    assert run.status == VerificationRun.Status.FAILED
    assert "已关闭，不能再修改任何数据" in run.message
    assert IndicatorValue.objects.filter(verified_at__isnull=True).count() == 6


def test_once_everything_is_verified_the_page_leads_to_closing(
    client, open_cycle, admin_user, unverified
):
    client.force_login(admin_user)
    page = _verify_all(client, open_cycle, unverified).content.decode()
    assert '可以到<a href="/entry/cycles/">周期状态</a>关闭季度或整个周期' in page
    IndicatorValue.objects.filter(unit=IndicatorValue.objects.first().unit).update(verified_at=None)
    page = client.get(f"/entry/verify/?cycle={open_cycle.year}&period=Q1").content.decode()
    assert 'id="verify-next"' not in page
    # A cycle with no values yet has nothing verified either.
    IndicatorValue.objects.all().delete()
    page = client.get(f"/entry/verify/?cycle={open_cycle.year}&period=Q1").content.decode()
    assert 'id="verify-next"' not in page
