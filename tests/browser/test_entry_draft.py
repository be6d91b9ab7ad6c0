"""Cells a clerk typed survive a save that cannot go through: the session ended (logged out in
another tab, or timed out) or the page expired (logged in again elsewhere). The grid keeps its
unsaved cells in the tab's sessionStorage and puts them back when it opens again, except where
the value was saved since."""

from decimal import Decimal

import pytest

from scoring.demo import DEMO_PASSWORD
from scoring.models import IndicatorValue
from tests.browser.conftest import log_in
from tests.browser.entry_grid import cells, dialogs, open_grid, stored

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TYPED = ["7", "8.5", "9"]


def type_cells(page, values):
    typed = cells(page)
    for index, value in enumerate(values):
        typed.nth(index).click()
        page.keyboard.type(value)
    return typed


def log_out_elsewhere(page):
    """Log out in another tab of the same browser, as a clerk does at lunch."""
    other = page.context.new_page()
    other.goto("/entry/")
    other.get_by_role("button", name="退出").click()
    other.wait_for_load_state()
    other.close()


def log_in_here(page, username="scorer"):
    """Log in on the login page the browser was sent to, which then returns to the page."""
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()


def test_cells_typed_when_the_session_ended_come_back_after_logging_in_and_save(
    page, demo_district, screenshot
):
    open_grid(page)
    typed = type_cells(page, TYPED)
    log_out_elsewhere(page)

    page.click("#save")
    page.wait_for_url("**/accounts/login/**")
    log_in_here(page)

    assert "/entry/" in page.url
    assert [typed.nth(index).input_value() for index in range(3)] == TYPED
    assert page.locator("td.restored").count() == 3
    assert page.locator("#paste-note").inner_text().startswith("恢复了 3 个尚未保存的单元格")
    screenshot("entry-grid-restored-after-login")
    page.click("#save")
    page.wait_for_load_state()
    assert "已保存 3 项" in page.locator(".messages").inner_text()
    assert [stored(typed.nth(index)) for index in range(3)] == [Decimal(v) for v in TYPED]

    # Saved: opening the grid again brings nothing back.
    page.reload()
    assert page.locator("#paste-note").is_hidden()
    assert page.locator("td.restored").count() == 0


def test_cells_typed_on_a_page_that_expired_come_back_from_the_expired_page(
    page, demo_district, screenshot
):
    open_grid(page)
    typed = type_cells(page, TYPED)
    # Logging out and in again elsewhere gives the browser a new security token: this page's
    # form carries the old one.
    log_out_elsewhere(page)
    other = page.context.new_page()
    log_in(other, "scorer", DEMO_PASSWORD)
    other.close()

    page.click("#save")
    page.wait_for_load_state()
    assert "页面已过期" in page.locator("h1").inner_text()
    screenshot("entry-grid-save-from-an-expired-page")
    page.get_by_role("link", name="重新打开刚才的页面").click()
    page.wait_for_load_state()

    assert [typed.nth(index).input_value() for index in range(3)] == TYPED
    page.click("#save")
    page.wait_for_load_state()
    assert "已保存 3 项" in page.locator(".messages").inner_text()


def test_a_cell_saved_by_someone_else_meanwhile_keeps_their_value(page, demo_district):
    open_grid(page)
    typed = type_cells(page, TYPED[:2])
    _c, unit, indicator, _version = typed.first.get_attribute("name").split("-")
    page.context.clear_cookies(name="sessionid")  # the session timed out
    page.click("#save")
    page.wait_for_url("**/accounts/login/**")
    # Meanwhile 考核办 enters the first cell.
    IndicatorValue.objects.create(
        unit_id=unit, indicator_id=indicator, period="Q4", value=Decimal("3")
    )
    log_in_here(page)

    assert typed.first.input_value() == "3"
    assert typed.nth(1).input_value() == TYPED[1]
    assert page.locator("#paste-note").inner_text().startswith("恢复了 1 个尚未保存的单元格")


def test_restored_cells_can_be_discarded(page, demo_district):
    open_grid(page)
    typed = type_cells(page, TYPED[:2])
    asked = dialogs(page, accept=True)
    page.reload()
    assert asked == ["beforeunload"]
    assert typed.first.input_value() == TYPED[0]

    page.get_by_role("button", name="放弃这些内容").click()
    assert [typed.first.input_value(), typed.nth(1).input_value()] == ["", ""]
    assert page.locator("td.restored").count() == 0
    assert page.locator("#paste-note").is_hidden()
    page.reload()
    assert asked == ["beforeunload"]  # nothing unsaved any more: no question
    assert typed.first.input_value() == ""
