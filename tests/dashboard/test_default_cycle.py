"""The dashboard opens on the latest year that has results: on the day the 考核办 opens the new
year, a leader following 考核结果 reads the year just published, not an empty page."""

import pytest

from scoring.models import Cycle

pytestmark = pytest.mark.django_db


def test_a_year_just_opened_leaves_the_dashboard_on_the_year_before(leader_client, stored_year):
    Cycle.objects.create(year=2026, state=Cycle.State.OPEN)
    page = leader_client.get("/dashboard/").content.decode()
    assert "2025年度考核 · 镇街 · 全年" in page and "还没有计算出考核结果" not in page
    # The new year is still there to pick, and says why it shows nothing.
    picked = leader_client.get("/dashboard/?cycle=2026").content.decode()
    assert "该周期还没有计算出考核结果。" in picked
