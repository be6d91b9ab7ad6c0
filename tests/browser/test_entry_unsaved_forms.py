"""Every entry form that takes typing asks before the page is left with it unsaved, through one
shared script (static/js/unsaved.js): the grid, the vote counts, the adjustment form. Sending
the form itself never asks; a picker that sends its page on change asks like any link, and
shows the page's own choice again when the clerk stays."""

import pytest

from scoring.demo import DEMO_PASSWORD
from scoring.models import Cycle
from tests.browser.entry_grid import cells, dialogs, open_grid

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def admin_on(page, login, demo_district):
    """Log the demo admin in and open an entry page of 2026; return the cycle."""

    def open_page(path):
        cycle = Cycle.objects.get(year=2026)
        login("admin", DEMO_PASSWORD)
        page.goto(path.format(cycle=cycle.year))
        return cycle

    return open_page


VOTES = "/entry/votes/?cycle={cycle}&period=Y"
ADJUSTMENTS = "/entry/adjustments/?cycle={cycle}"


def test_leaving_typed_vote_counts_asks_and_saving_them_does_not(page, admin_on):
    admin_on(VOTES)
    page.locator(".vote-table input[inputmode=numeric]").first.fill("31")
    asked = dialogs(page)
    page.get_by_role("link", name="指标数据").click()
    page.wait_for_timeout(300)
    assert asked == ["beforeunload"]
    assert "/entry/votes/" in page.url

    page.get_by_role("button", name="保存", exact=True).click()
    page.wait_for_load_state()
    assert "已保存 1 个测评群体的票数" in page.locator(".messages").inner_text()
    assert asked == ["beforeunload"]


def test_the_unit_picker_of_the_votes_asks_and_shows_the_unit_again_when_staying(page, admin_on):
    admin_on(VOTES)
    unit = page.locator("select[name=unit]")
    shown = unit.input_value()
    other = unit.locator("option").nth(1).get_attribute("value")
    page.locator(".vote-table input[inputmode=numeric]").first.fill("31")
    asked = dialogs(page)
    unit.select_option(other)
    page.wait_for_timeout(300)
    assert asked == ["beforeunload"]
    assert f"unit={other}" not in page.url
    assert unit.input_value() == shown


def test_the_grids_period_picker_asks_before_leaving_unsaved_cells(page, demo_district):
    open_grid(page, "Q4")
    cells(page).first.fill("7")
    asked = dialogs(page)
    page.locator("#picker select[name=period]").select_option("Q3")
    page.wait_for_timeout(300)
    assert asked == ["beforeunload"]
    assert page.url.endswith("period=Q4")
    assert page.locator("#picker select[name=period]").input_value() == "Q4"
    assert cells(page).first.input_value() == "7"


def fill_adjustment(page, points):
    form = page.locator("form.stack-form")
    form.locator("select[name=unit]").select_option(index=1)
    form.locator("input[name=points]").fill(points)
    form.locator("textarea[name=reason]").fill("汛期抗洪抢险")
    form.locator("input[name=approved_by]").fill("区委常委会")


def test_an_adjustment_being_written_asks_before_the_language_switch_and_not_on_saving(
    page, admin_on
):
    admin_on(ADJUSTMENTS)
    fill_adjustment(page, "2")
    asked = dialogs(page)
    page.get_by_role("button", name="English").click()
    page.wait_for_timeout(300)
    assert asked == ["beforeunload"]
    assert page.locator("html").get_attribute("lang").startswith("zh")

    page.locator("form.stack-form").get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    assert "已记录柔性考核调整" in page.locator(".messages").inner_text()
    assert asked == ["beforeunload"]


def test_an_adjustment_sent_back_with_an_error_still_asks_before_leaving(page, admin_on):
    admin_on(ADJUSTMENTS)
    fill_adjustment(page, "1.5分")
    page.locator("form.stack-form").get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    assert page.locator("form.stack-form .errorlist").count() == 1
    # The fields show what was typed, so nothing looks changed; yet nothing was saved.
    asked = dialogs(page)
    page.close(run_before_unload=True)
    page.wait_for_timeout(300)
    assert asked == ["beforeunload"]


def test_an_adjustment_the_server_refuses_is_shown_unsaved_with_what_was_typed(
    page, admin_on, screenshot
):
    admin_on(ADJUSTMENTS)
    fill_adjustment(page, "0")
    form = page.locator("form.stack-form")
    form.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    assert (
        form.locator("#adjustment-unsaved").inner_text() == "这项调整未保存：请按提示改正后再保存。"
    )
    assert "调整分值不能为 0" in form.locator(".errorlist").inner_text()
    assert form.locator("input[name=points]").input_value() == "0"
    assert form.locator("textarea[name=reason]").input_value() == "汛期抗洪抢险"
    # Marked as the grid marks a cell it did not save.
    points = form.locator("input[name=points]")
    assert (
        points.evaluate("field => getComputedStyle(field).backgroundColor") == "rgb(255, 243, 224)"
    )
    screenshot("entry-adjustment-refused-unsaved")
    asked = dialogs(page)
    page.close(run_before_unload=True)
    page.wait_for_timeout(300)
    assert asked == ["beforeunload"]


def test_back_to_a_grid_kept_in_the_browsers_cache_after_a_save_that_failed(page, demo_district):
    """Chromium may show the grid from its back/forward cache after an expired page: its
    cells were held back from the save and the page marked as being sent."""
    open_grid(page, "Q4")
    cells(page).first.fill("7")
    # What a save does to the page before it is left (the submit, without the request).
    page.evaluate(
        """() => {
            const form = document.getElementById('entry-grid');
            form.dispatchEvent(new SubmitEvent('submit', {bubbles: true, cancelable: true}));
        }"""
    )
    assert page.locator("td.cell input:disabled").count() > 100
    page.evaluate("window.dispatchEvent(new PageTransitionEvent('pageshow', {persisted: true}))")
    assert page.locator("td.cell input:disabled").count() == 0
    asked = dialogs(page)
    page.close(run_before_unload=True)
    page.wait_for_timeout(300)
    assert asked == ["beforeunload"]
