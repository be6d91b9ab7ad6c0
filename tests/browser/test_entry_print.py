"""Printing the grid prints every unit, not the dozen rows its scrolling box shows on screen,
and leaves out the buttons and hints that mean nothing on paper."""

import re

import pytest

from tests.browser.entry_grid import cells, open_grid

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PDF_PAGE = re.compile(rb"/Type\s*/Page[^s]")


def test_the_printed_grid_holds_every_row_without_the_controls(page, demo_district, screenshot):
    open_grid(page, "Q3")
    page.emulate_media(media="print")
    wrap = page.locator(".grid-wrap")
    assert wrap.evaluate("w => w.scrollHeight <= w.clientHeight")
    last_row = page.locator("tbody tr").last.bounding_box()
    box = wrap.bounding_box()
    assert last_row["y"] + last_row["height"] <= box["y"] + box["height"] + 1
    for control in ["#save", "#picker", ".subnav", ".hint"]:
        assert page.locator(control).is_hidden(), control
    screenshot("entry-grid-as-printed")

    pdf = page.pdf(format="A4", landscape=True)
    assert len(PDF_PAGE.findall(pdf)) >= 3  # 40 units do not fit on one or two pages


def test_a_cell_typed_but_not_saved_prints_in_italics_marked_unsaved(
    page, demo_district, screenshot
):
    open_grid(page, "Q3")
    typed, stored = cells(page).nth(0), cells(page).nth(1)
    typed.fill("7.5")
    page.emulate_media(media="print")
    assert typed.evaluate("input => getComputedStyle(input).fontStyle") == "italic"
    mark = typed.locator("xpath=..").locator("small.unsaved-mark")
    assert mark.is_visible() and mark.inner_text() == "未保存"
    assert stored.evaluate("input => getComputedStyle(input).fontStyle") == "normal"
    assert stored.locator("xpath=..").locator("small.unsaved-mark").count() == 0
    screenshot("entry-grid-printed-with-an-unsaved-cell")

    # On screen the mark is not shown; typing the stored value back takes it off paper too.
    page.emulate_media(media="screen")
    assert mark.is_hidden()
    typed.fill(typed.evaluate("input => input.defaultValue"))
    page.emulate_media(media="print")
    assert mark.is_hidden()
    assert typed.evaluate("input => getComputedStyle(input).fontStyle") == "normal"


def test_a_cell_the_save_refused_prints_marked_unsaved(page, demo_district):
    open_grid(page, "Q4")
    cells(page).nth(0).fill("abc")
    page.click("#save")
    page.wait_for_load_state()
    page.emulate_media(media="print")
    refused = cells(page).nth(0)
    assert refused.input_value() == "abc"
    assert refused.evaluate("input => getComputedStyle(input).fontStyle") == "italic"
    assert refused.locator("xpath=..").locator("small.unsaved-mark").is_visible()
