"""After a save that refused cells, the clerk is taken to them: the first refused cell gets the
focus and is scrolled into view, and a button in the status bar goes on to the next one, round
to the first again. With 40 units only a dozen rows show at a time."""

import pytest

from tests.browser.entry_grid import focused_name, open_grid

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
REFUSED_ROWS = [15, 25, 35]

# Whether the focused cell shows: inside the window and inside the grid's scrolling box.
SHOWN = """() => {
    const cell = document.activeElement.closest('td').getBoundingClientRect();
    const wrap = document.querySelector('.grid-wrap').getBoundingClientRect();
    return cell.top >= Math.max(wrap.top, 0) && cell.bottom <= Math.min(wrap.bottom, innerHeight);
}"""


def direct_input(page, row):
    return page.locator("tbody tr").nth(row).locator("input[data-method=direct]").first


def test_after_a_save_with_refused_cells_the_first_has_the_focus_and_next_goes_round(
    page, demo_district, screenshot
):
    open_grid(page, "Q4")
    direct_input(page, 0).fill("5")
    for row in REFUSED_ROWS:
        direct_input(page, row).fill("abc")
    page.click("#save")
    page.wait_for_load_state()
    assert "3 项未保存" in page.locator(".messages").inner_text()
    refused = [direct_input(page, row).get_attribute("name") for row in REFUSED_ROWS]

    assert focused_name(page) == refused[0]
    assert page.evaluate(SHOWN)
    screenshot("entry-grid-first-refused-cell-focused")
    following = page.get_by_role("button", name="下一个有问题的单元格")
    for name in [refused[1], refused[2], refused[0]]:
        following.click()
        assert focused_name(page) == name
        assert page.evaluate(SHOWN)


def test_the_next_button_shows_only_while_cells_have_problems(page, demo_district):
    open_grid(page, "Q4")
    following = page.get_by_role("button", name="下一个有问题的单元格")
    assert following.is_hidden()
    direct_input(page, 3).fill("abc")
    assert following.is_visible()
    direct_input(page, 3).fill("3")
    assert following.is_hidden()
