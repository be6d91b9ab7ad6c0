"""The grid's live check reads numbers by the server's rules (cell_decimal) and says what it
says: the ideographic full stop of a Chinese input method is a decimal point, digits split by a
space are refused rather than run together, and 85% is refused with what to type instead."""

from decimal import Decimal

import pytest

from tests.browser.entry_grid import cells, open_grid, stored

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SPACE = "数字中间不能有空格"
PERCENT = "不要带 %：如 85% 请填 85"
COMMA = "逗号只能用来分隔千位，如 1,234；小数请用小数点，如 1.5"
TYPED = {
    "7。5": "",
    "１ ０": SPACE,
    "1 0": SPACE,
    "8.5%": PERCENT,
    "８．５％": PERCENT,
    "1,5": COMMA,
}


def live_problem(cell):
    why = cell.locator("xpath=..").locator("small.why.live")
    return why.inner_text() if why.count() and why.is_visible() else ""


def test_the_live_check_reads_numbers_as_the_server_does_and_in_its_words(page, demo_district):
    open_grid(page, "Q4")
    grid = cells(page)
    for index, text in enumerate(TYPED):
        grid.nth(index).fill(text)
    assert [live_problem(grid.nth(index)) for index in range(len(TYPED))] == list(TYPED.values())

    page.click("#save")
    page.wait_for_load_state()
    assert "5 项未保存" in page.locator(".messages").inner_text()
    assert stored(grid.first) == Decimal("7.5")
    server = [
        grid.nth(index).locator("xpath=..").locator("small.why").first.inner_text()
        for index in range(1, len(TYPED))
    ]
    assert server == list(TYPED.values())[1:]
