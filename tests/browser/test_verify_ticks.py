"""The verify pages' row checkboxes are a finger's target, as the officials filter's box is:
the browser's own 13 px box was hard to hit on a tablet."""

import pytest
from django.utils import timezone

from scoring.demo import DEMO_PASSWORD
from scoring.models import Cycle, IndicatorValue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# WCAG 2.5.8's smallest target.
TARGET_PX = 24


def boxes_sized(page) -> list[tuple[float, float]]:
    return [
        (box["width"], box["height"])
        for box in (
            checkbox.bounding_box() for checkbox in page.locator("input[type=checkbox]").all()
        )
    ]


def test_the_verify_pages_checkboxes_are_at_least_24_px(page, demo_district, login, screenshot):
    login("admin", DEMO_PASSWORD)
    cycle = Cycle.objects.get(year=2026)
    page.goto(f"/entry/verify/?cycle={cycle.year}&period=Q1")
    sizes = boxes_sized(page)
    screenshot("entry-verify-checkboxes")
    assert len(sizes) > 1
    assert all(min(size) >= TARGET_PX for size in sizes), sizes

    value = IndicatorValue.objects.filter(indicator__cycle=cycle, period="Q1").first()
    IndicatorValue.objects.filter(pk=value.pk).update(verified_at=timezone.now())
    page.goto(
        f"/entry/verify/verified/?cycle={cycle.year}&period=Q1&indicator={value.indicator_id}"
    )
    sizes = boxes_sized(page)
    screenshot("entry-verified-checkboxes")
    assert len(sizes) > 1
    assert all(min(size) >= TARGET_PX for size in sizes), sizes
