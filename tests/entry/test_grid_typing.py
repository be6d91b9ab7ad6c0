"""Report C6: what a clerk's Chinese input method types is read, or refused saying what to type."""

from decimal import Decimal

import pytest

from scoring.models import IndicatorValue
from tests.entry.conftest import grid_post

pytestmark = pytest.mark.django_db


def test_an_ideographic_full_stop_is_a_decimal_point_and_spaces_or_percent_are_refused(
    client, open_cycle, scorer, district
):
    (town1, town2, town3, town4), (x1,) = district(
        cycle=open_cycle, owner=scorer, units=4, indicators=1
    )
    client.force_login(scorer)
    typed = {
        (town1, x1, 0): "7。5",
        (town2, x1, 0): "1 0",
        (town3, x1, 0): "85%",
        (town4, x1, 0): "1,5",
    }
    page = client.post(
        f"/entry/?cycle={open_cycle.year}&period=Q1", grid_post(open_cycle, "Q1", typed)
    ).content.decode()
    assert "数字中间不能有空格" in page
    assert "不要带 %：如 85% 请填 85" in page
    assert "逗号只能用来分隔千位，如 1,234；小数请用小数点，如 1.5" in page
    assert list(IndicatorValue.objects.values_list("value", flat=True)) == [Decimal("7.5")]
