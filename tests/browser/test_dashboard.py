"""A district leader opens the dashboard and a unit page in Chromium, in Chinese and English."""

import pytest
from django.core.management import call_command

from scoring.models import Cycle, UnitResult

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_district():
    """Load the demo district, whose results the scoring service computes and stores."""
    call_command("load_demo", verbosity=0)
    return Cycle.objects.get(year=2025)


def test_a_leader_reads_the_ranked_dashboard_and_a_unit(demo_district, page, login, screenshot):
    login("leader", "Kaohe@2026")
    page.goto("/dashboard/?cycle=2025&period=Y&category=ZJ")
    page.wait_for_selector("[data-chart=trend][data-rendered] svg")
    for chart in ("totals", "grades", "trend"):
        assert page.locator(f"[data-chart={chart}] svg path").count() > 0
    stored = list(
        UnitResult.objects.filter(cycle=demo_district, period="Y", category__code="ZJ")
        .order_by("rank", "unit__sort_order")
        .values_list("rank", "unit__name", "total")
    )
    shown = page.locator("#ranked-table tbody tr").evaluate_all(
        "rows => rows.map(r => [r.cells[0].innerText, r.cells[2].innerText, r.cells[3].innerText])"
    )
    assert shown == [[str(rank), name, str(total)] for rank, name, total in stored]
    screenshot("dashboard-ranking-zh")

    page.click("#ranked-table tbody tr:nth-child(2) a")
    page.wait_for_selector("[data-chart=radar][data-rendered] svg")
    assert page.locator("#unit-indicators tbody tr").count() > 10
    assert stored[1][1] in page.locator("h1").inner_text()
    screenshot("dashboard-unit-zh")

    page.click("button[value=en]")
    page.wait_for_selector("[data-chart=radar][data-rendered] svg")
    assert "Indicator points" in page.content()
    screenshot("dashboard-unit-en")
    page.goto("/dashboard/?cycle=2025&period=Y&category=ZJ")
    page.wait_for_selector("[data-chart=totals][data-rendered] svg")
    assert "Rank" in page.locator("#ranked-table thead").inner_text()
    screenshot("dashboard-ranking-en")

    page.set_viewport_size({"width": 820, "height": 1180})
    screenshot("dashboard-ranking-tablet")
    page.emulate_media(media="print")
    assert not page.locator(".charts").is_visible()
    assert not page.locator(".tabs").is_visible()
    assert page.locator("#ranked-table").is_visible()
    screenshot("dashboard-ranking-print")
