"""The grid answers the keyboard and the mouse as a spreadsheet does: a click selects the cell so
that typing replaces its value, Esc puts the value back, Ctrl+S saves, Tab runs from the end of
a row to the start of the next, and the focused cell never hides under the unit column or the
header row that stay in place while the grid scrolls."""

from decimal import Decimal

import pytest

from tests.browser.entry_grid import cells, dialogs, focused_name, open_grid, stored

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Where the focused cell's box is against the unit column of its row and the header row.
COVERED = """() => {
    const cell = document.activeElement.closest('td').getBoundingClientRect();
    const unit = document.activeElement.closest('tr').firstElementChild.getBoundingClientRect();
    const head = document.querySelector('.grid-wrap thead').getBoundingClientRect();
    return {left: unit.right - cell.left, top: head.bottom - cell.top};
}"""


def test_typing_into_a_clicked_cell_replaces_its_value_and_esc_puts_it_back(page, demo_district):
    open_grid(page, "Q3")  # the demo's third quarter is filled in
    cell = cells(page).nth(3)
    before = cell.input_value()
    assert before

    cell.click()
    page.keyboard.type("7")
    assert cell.input_value() == "7"
    page.keyboard.press("Escape")
    assert cell.input_value() == before
    # Put back, nothing is unsaved: leaving does not ask.
    asked = dialogs(page, accept=True)
    page.reload()
    assert asked == []


def test_a_second_click_in_the_cell_places_the_caret(page, demo_district):
    open_grid(page, "Q3")
    cell = cells(page).nth(3)
    cell.click()
    cell.click()
    selected = cell.evaluate("input => input.selectionEnd - input.selectionStart")
    assert selected == 0


def test_ctrl_s_saves_the_grid(page, demo_district):
    open_grid(page, "Q4")
    cell = cells(page).first
    cell.click()
    page.keyboard.type("6")
    page.keyboard.press("Control+S")
    page.wait_for_load_state()
    assert "已保存 1 项" in page.locator(".messages").inner_text()
    assert stored(cells(page).first) == Decimal("6")


def test_tab_from_the_last_cell_of_a_row_goes_to_the_first_cell_of_the_next(page, demo_district):
    open_grid(page, "Q4")
    rows = page.locator("tbody tr")
    rows.nth(0).locator("td.cell input").last.click()
    page.keyboard.press("Tab")
    assert focused_name(page) == rows.nth(1).locator("td.cell input").first.get_attribute("name")


def test_a_focused_cell_never_hides_under_the_unit_column_or_the_header(
    page, demo_district, screenshot
):
    page.set_viewport_size({"width": 700, "height": 600})
    open_grid(page, "Q4")
    row = page.locator("tbody tr").nth(12)
    inputs = row.locator("td.cell input")
    assert page.evaluate(
        "(w => w.scrollWidth > w.clientWidth)(document.querySelector('.grid-wrap'))"
    )

    inputs.last.click()
    for _ in range(inputs.count() - 1):
        page.keyboard.press("Shift+Tab")
        assert page.evaluate(COVERED)["left"] <= 1
    screenshot("entry-grid-shift-tab-to-the-first-column")
    for _ in range(12):
        page.keyboard.press("ArrowUp")
        assert page.evaluate(COVERED)["top"] <= 1


def test_stepping_through_the_period_picker_with_the_arrows_waits_for_enter(page, demo_district):
    cycle = open_grid(page, "Q4")
    picker = page.locator("#picker select[name=period]")
    picker.focus()
    loads = []
    page.on("request", lambda request: request.is_navigation_request() and loads.append(request))
    # Chromium reports every arrow step on a closed select as a change: each one loaded a page,
    # so Q4 → Q2 took two page loads, the focus back at the top after each.
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    page.wait_for_timeout(1000)
    assert loads == []
    assert page.url.endswith(f"/entry/?cycle={cycle.year}&period=Q4")
    assert picker.input_value() == "Q2"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("period=Q2")
    # Picked with the mouse, a period still opens at once.
    with page.expect_navigation():
        page.locator("#picker select[name=period]").select_option("Q3")
    assert page.url.endswith("period=Q3")
