"""An official's page, opened from the officials' list as a district leader would, in Chromium."""

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OFFICIALS = "/dashboard/officials/?cycle=2026"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_name_in_the_list_opens_the_officials_page_whole_on_a_tablet(
    demo_district, page, leader_in, screenshot, language
):
    leader_in(language)
    page.set_viewport_size({"width": 768, "height": 1024})
    page.goto(OFFICIALS + "&order=score")
    name = page.locator("#officials-table td.name a").first
    official_name = name.inner_text()
    name.click()
    page.wait_for_url(re.compile(r"/dashboard/official/[^/]+/\?cycle=2026"))
    assert page.locator("h1").inner_text().startswith(official_name)

    formula = page.locator("#official-formula")
    assert formula.is_visible()
    # α × unit total + (1 − α) × own part, as the page's language writes it.
    assert re.search(r"× .+ \+ \(1 − 0\.[57]\) × .+ = \d+\.\d\d$", formula.inner_text())
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("#official-duties tbody tr").count() > 5
    # Nothing to scroll sideways, neither the page nor a table in it.
    assert page.evaluate("document.documentElement.scrollWidth") <= 768
    for wrap in page.locator(".table-wrap").all():
        assert wrap.evaluate("w => w.scrollWidth <= w.clientWidth"), wrap.evaluate(
            "w => [w.scrollWidth, w.clientWidth]"
        )
    screenshot(f"official-page-{language}-768")

    page.locator("#back-to-officials").click()
    page.wait_for_load_state()
    assert "order=score" in page.url
    assert page.locator("select[name=order]").input_value() == "score"
