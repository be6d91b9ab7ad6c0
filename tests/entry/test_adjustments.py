"""Flexible adjustments: a sane size, never 0, never recorded twice."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from scoring.models import Adjustment
from scoring.services.evaluations import adjustment_create

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
    url = f"/entry/adjustments/?cycle={open_cycle.pk}"
    form = {"unit": unit.pk, "period": "Q2", "points": "3", "reason": "台风", "approved_by": "区委"}
    assert client.post(url, form).status_code == 302
    again = client.post(url, form, follow=True).content.decode()
    assert Adjustment.objects.count() == 1
    assert "已记录过同一单位、期间、分值和事由的调整，未重复记录。" in again
    # Another reason is another adjustment.
    assert client.post(url, {**form, "reason": "政策调整"}).status_code == 302
    assert Adjustment.objects.count() == 2
