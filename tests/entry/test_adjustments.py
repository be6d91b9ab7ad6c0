"""Flexible adjustments: a sane size, never 0, never recorded twice, points typed as plain
numbers; one recorded by mistake withdrawn with its reason, and shown struck through."""

import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from cadre import roles
from scoring.models import Adjustment, Cycle, UnitResult
from scoring.services.evaluations import (
    adjustment_create,
    adjustment_withdraw,
    adjustments_withdrawn,
)
from scoring.services.values import CellInput, CycleLockedError, values_save
from tests.entry.conftest import user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def record(open_cycle, admin_user, unit):
    def create(points, reason="台风灾害"):
        return adjustment_create(
            cycle=open_cycle,
            unit=unit,
            period="Q2",
            points=Decimal(points),
            reason=reason,
            approved_by="区委",
            by=admin_user,
            source="填报页面",
        )

    return create


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ("0", "调整分值不能为 0"),
        ("1e3", r"每项最多 ±100 分，实为 1E\+3"),
        ("-100.01", "每项最多 ±100 分，实为 -100.01"),
    ],
)
def test_an_adjustment_of_zero_or_beyond_100_points_is_refused(record, points, message):
    with pytest.raises(ValidationError, match=message):
        record(points)
    assert not Adjustment.objects.exists()


def test_adjustments_up_to_100_points_either_way_are_recorded(record):
    record("100")
    record("-100", reason="政策调整")
    assert Adjustment.objects.count() == 2


def test_the_same_adjustment_sent_twice_is_recorded_once(client, open_cycle, admin_user, unit):
    client.force_login(admin_user)
    url = f"/entry/adjustments/?cycle={open_cycle.year}"
    form = {"unit": unit.pk, "period": "Q2", "points": "3", "reason": "台风", "approved_by": "区委"}
    assert client.post(url, form).status_code == 302
    again = client.post(url, form, follow=True).content.decode()
    assert Adjustment.objects.count() == 1
    assert "已记录过同一单位、期间、分值和事由的调整，未重复记录。" in again
    # Another reason is another adjustment.
    assert client.post(url, {**form, "reason": "政策调整"}).status_code == 302
    assert Adjustment.objects.count() == 2


def test_an_adjustment_the_service_refuses_stays_in_the_form_marked_unsaved(
    client, open_cycle, admin_user, unit
):
    client.force_login(admin_user)
    url = f"/entry/adjustments/?cycle={open_cycle.year}"
    form = {"unit": unit.pk, "period": "Q2", "points": "0", "reason": "台风", "approved_by": "区委"}
    page = client.post(url, form).content.decode()
    assert not Adjustment.objects.exists()
    refused = page.split('<form method="post" class="stack-form unsaved" data-warn-unsaved')[1]
    refused = refused.split("</form>", 1)[0]
    assert refused.startswith(' data-dirty="1">')
    assert "这项调整未保存：请按提示改正后再保存。" in refused
    assert "调整分值不能为 0" in refused
    assert 'name="points" value="0"' in refused and ">\n台风</textarea>" in refused


@pytest.mark.parametrize(
    ("typed", "refusal"),
    [
        ("1,5", "逗号只能用来分隔千位，如 1,234；小数请用小数点，如 1.5"),
        ("5分", "应为数字，实为“5分”"),
        ("1 5", "数字中间不能有空格"),
    ],
)
def test_points_that_are_no_plain_number_are_refused_saying_what_to_type(
    client, open_cycle, admin_user, unit, typed, refusal
):
    client.force_login(admin_user)
    url = f"/entry/adjustments/?cycle={open_cycle.year}"
    form = {
        "unit": unit.pk,
        "period": "Q2",
        "points": typed,
        "reason": "台风",
        "approved_by": "区委",
    }
    page = client.post(url, form).content.decode()
    assert refusal in page
    assert not Adjustment.objects.exists()
    # A text field: a browser's number field would send "1,5" as 15 and drop "分" unseen.
    assert 'type="text" name="points"' in client.get(url).content.decode()


def test_adjustment_points_typed_full_width_on_the_entry_page_are_saved(
    client, open_cycle, admin_user, unit
):
    client.force_login(admin_user)
    url = f"/entry/adjustments/?cycle={open_cycle.year}"
    form = {"unit": unit.pk, "period": "Q2", "reason": "台风", "approved_by": "区委"}

    assert client.post(url, {**form, "points": "－２．５"}).status_code == 302

    assert Adjustment.objects.get().points == Decimal("-2.5")


def withdraw(open_cycle, adjustment, reason, by):
    adjustment_withdraw(
        cycle=open_cycle, adjustment_id=adjustment.pk, reason=reason, by=by, source="填报页面"
    )


def test_a_withdrawn_adjustment_no_longer_counts_and_its_history_keeps_who_when_why(
    record, open_cycle, admin_user, unit, make_indicator
):
    # A quarter has results once something was entered for it.
    cell = CellInput(unit=unit, indicator=make_indicator("X01", 10), period="Q2", raw="5")
    values_save(cycle=open_cycle, cells=[cell], by=admin_user, source="填报页面")
    counted = record("3")
    record("-1", reason="政策调整")
    assert UnitResult.objects.get(unit=unit, period="Q2").adjustment == Decimal("2")
    withdraw(open_cycle, counted, "  误录，  应为下一季度 ", admin_user)
    assert UnitResult.objects.get(unit=unit, period="Q2").adjustment == Decimal("-1")
    assert list(Adjustment.objects.values_list("reason", flat=True)) == ["政策调整"]
    removal = Adjustment.history.get(id=counted.pk, history_type="-")
    assert removal.history_user == admin_user
    assert removal.history_change_reason == "填报页面：撤销：误录， 应为下一季度"
    (shown,) = adjustments_withdrawn(cycle=open_cycle)
    assert (shown.points, shown.withdrawal_reason) == (Decimal("3"), "误录， 应为下一季度")


def test_a_withdrawal_needs_a_short_reason_an_open_cycle_and_an_adjustment_still_there(
    record, open_cycle, admin_user
):
    adjustment = record("3")
    with pytest.raises(ValidationError, match="撤销调整须说明理由"):
        withdraw(open_cycle, adjustment, " ", admin_user)
    with pytest.raises(ValidationError, match="理由最多 80 个字"):
        withdraw(open_cycle, adjustment, "理" * 81, admin_user)
    Cycle.objects.filter(pk=open_cycle.pk).update(state=Cycle.State.CLOSED)
    with pytest.raises(CycleLockedError):
        withdraw(open_cycle, adjustment, "误录", admin_user)
    Cycle.objects.filter(pk=open_cycle.pk).update(state=Cycle.State.OPEN)
    withdraw(open_cycle, adjustment, "误录", admin_user)
    with pytest.raises(ValidationError, match="该调整已被撤销或删除"):
        withdraw(open_cycle, adjustment, "误录", admin_user)
    assert Adjustment.history.filter(history_type="-").count() == 1


def test_the_admin_withdraws_an_adjustment_on_the_page_and_sees_it_struck_through(
    client, open_cycle, record, unit
):
    admin = user_with_role("zhaoliu", roles.ADMIN, first_name="赵六")
    adjustment = record("3")
    client.force_login(admin)
    url = f"/entry/adjustments/?cycle={open_cycle.year}&period=Q2"
    page = client.get(url).content.decode()
    assert f'name="withdraw" value="{adjustment.pk}"' in page
    assert "撤销后，城关街道 的这项调整（3.00 分）不再计入得分。确定撤销？" in page
    response = client.post(url, {"withdraw": adjustment.pk, "reason": "误录"}, follow=True)
    page = response.content.decode()
    assert "已撤销该调整，不再计入得分。" in page
    assert not Adjustment.objects.exists()
    assert '<tr class="withdrawn"><td><del>城关街道</del></td>' in page
    assert "<del>3.00</del>" in page
    assert re.search(r"已由 赵六 于 \d{4}-\d\d-\d\d \d\d:\d\d 撤销：误录", page)
    assert f'name="withdraw" value="{adjustment.pk}"' not in page
    # A withdrawal without a reason is refused and says why.
    other = record("2")
    page = client.post(url, {"withdraw": other.pk, "reason": ""}, follow=True).content.decode()
    assert "撤销调整须说明理由" in page
    assert Adjustment.objects.get() == other
    # A withdrawal of no adjustment's id is not found, and withdraws nothing.
    for no_id in ("²", "9" * 5000):
        assert client.post(url, {"withdraw": no_id, "reason": "误录"}).status_code == 404
    assert Adjustment.objects.get() == other
