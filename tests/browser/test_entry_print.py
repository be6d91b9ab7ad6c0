"""Printing the grid prints every unit, not the dozen rows its scrolling box shows on screen,
and leaves out the buttons and hints that mean nothing on paper."""

import re

import pytest

from tests.browser.entry_grid import open_grid

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
