"""What a screen reader says, in Chromium: the grid's cells by unit and indicator name."""

import pytest
from playwright.sync_api import expect

from scoring.models import Indicator, Unit
from tests.browser.entry_grid import cells, open_grid

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_grid_cell_is_named_by_its_unit_and_indicator_and_says_why_it_is_refused(
    demo_district, page
):
    open_grid(page)
    first = cells(page).first
    _c, unit_pk, indicator_pk, _version = first.get_attribute("name").split("-")
    unit, indicator = Unit.objects.get(pk=unit_pk), Indicator.objects.get(pk=indicator_pk)

    cell = page.get_by_role("textbox", name=f"{unit.name} · {indicator.code} {indicator.name}")
    expect(cell).to_have_count(1)
    cell.fill("abc")
    cell.press("Tab")
    expect(cell).to_have_accessible_description("应为数字")

    page.click("#save")
    page.wait_for_load_state()
    expect(cell).to_have_accessible_description("应为数字，实为“abc”")
