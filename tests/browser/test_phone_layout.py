"""The liaison's and the leader's pages on a phone (WeChat's browser), in Chromium.

A phone's browser shrinks a page wider than the screen to fit it: the whole page, text
included, then reads at two thirds of its size, and a finger scrolls it sideways. Checked at
375 px, an iPhone's width (the phone rules apply alike to every width below 600 px; the other
widths were looked at when they were written).
"""

import pytest

from talent.models import AwardCategory, AwardRound, StarTree, Talent
from tests.browser.conftest import ARTIFACTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Kaohe@2026"
PHONE = {"width": 375, "height": 812}
Q3 = "cycle=2026&period=Q3&category=ZJ"
LIAISON_PAGES = [
    "/",
    "/dashboard/",
    "/dashboard/unit/ZJ01/?cycle=2025",
    "/dashboard/unit/ZJ01/?cycle=2025&period=Q2",
    "/entry/units/ZJ01/history/?cycle=2025",
    "/accounts/password_change/",
]
LEADER_PAGES = [
    "/",
    f"/dashboard/?{Q3}",
    f"/dashboard/distance/?{Q3}",
    "/dashboard/compare/?cycle=2026&period=Q3&units=ZJ01&units=ZJ02&units=ZJ03",
    f"/dashboard/whatif/?{Q3}",
    "/dashboard/whatif/?cycle=2026&period=Q1&category=ZJ&run=1&indicator=A1.1.1&max_points=20"
    "&weight_q1=0.25&weight_q2=0.25&weight_q3=0.25&weight_q4=0.25",
    f"/dashboard/officials/?{Q3}",
    "/dashboard/official/JJ01-01/?cycle=2026",
    f"/dashboard/unit/ZJ01/?{Q3}",
    "/dashboard/unit/JJ01/?cycle=2026&period=Y",
    "/entry/units/ZJ01/history/?cycle=2026",
    "/talent/",
    "/talent/registry/",
    lambda: f"/talent/registry/{Talent.objects.order_by('pk').first().pk}/",
    "/talent/awards/",
    lambda: f"/talent/awards/{AwardRound.objects.get().pk}/",
    lambda: f"/talent/awards/category/{AwardCategory.objects.order_by('sort_order')[0].pk}/",
    "/talent/subsidies/",
    "/talent/star/",
    lambda: f"/talent/star/{StarTree.objects.get().pk}/",
]


@pytest.fixture
def phone(open_page):
    """Open a phone's browser asking for a language."""
    return lambda language: open_page(
        language,
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize("language", ["zh-CN", "en-US"])
@pytest.mark.parametrize(
    ("username", "paths"), [("liaison", LIAISON_PAGES), ("leader", LEADER_PAGES)]
)
def test_no_page_scrolls_sideways_on_a_phone(demo_district, phone, username, paths, language):
    page = phone(language)
    page.goto("/accounts/login/")
    too_wide = {"/accounts/login/": page_width(page)}
    log_in(page, username, PASSWORD)
    for path in paths:
        path = path() if callable(path) else path
        response = page.goto(path)
        assert response.status == 200, path
        too_wide[path] = page_width(page)
    # The language switch and logging out, from the top bar.
    page.click(".lang button:not(.current)")
    page.wait_for_load_state()
    too_wide["switched language"] = page_width(page)
    page.click(".topbar form.inline button")
    page.wait_for_load_state()
    too_wide["logged out"] = page_width(page)
    assert {path: px for path, px in too_wide.items() if px > PHONE["width"]} == {}


@pytest.mark.parametrize("language", ["zh-CN", "en-US"])
def test_a_liaison_reads_each_indicators_reason_on_a_phone_without_scrolling(
    demo_district, phone, language
):
    page = phone(language)
    log_in(page, "liaison", PASSWORD)
    page.goto("/dashboard/unit/ZJ01/?cycle=2025")
    reasons = page.locator("#unit-indicators td.explanation")
    assert reasons.count() > 50
    # Each reason is across the screen under its indicator's figures, not in a column to the
    # right of them.
    first = reasons.first.bounding_box()
    assert (
        first["x"] < 40 and first["x"] + first["width"] <= PHONE["width"] and first["width"] >= 300
    )
    points = page.locator("#unit-indicators tbody tr:not(.area-row) td.num strong").first
    assert points.bounding_box()["x"] + points.bounding_box()["width"] <= PHONE["width"]
    # The top bar's links and buttons are big enough for a thumb.
    heights = page.locator(".topbar a, .topbar button").evaluate_all(
        "elements => elements.map(e => e.getBoundingClientRect().height)"
    )
    assert min(heights) >= 32, heights
    reasons.first.scroll_into_view_if_needed()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"phone-unit-{language}-375.png"))
