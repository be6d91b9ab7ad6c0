"""What the entry grid's browser tests share: the demo scorer on a quarter's grid, the grid's
cells by their method, what is stored behind a cell, a dialog catcher."""

from scoring.demo import DEMO_PASSWORD
from scoring.models import Cycle, IndicatorValue
from tests.browser.conftest import log_in


def grid_url(cycle, period):
    return f"/entry/?cycle={cycle.year}&period={period}"


def open_grid(page, period="Q4"):
    """Log the demo scorer in and open their grid of a period of 2026 (Q4: nothing entered
    yet; Q1–Q3 filled in); return the cycle. The test asks for the demo_district fixture."""
    cycle = Cycle.objects.get(year=2026)
    log_in(page, "scorer", DEMO_PASSWORD)
    page.goto(grid_url(cycle, period))
    return cycle


def cells(page, method="direct"):
    """The grid's inputs of a scoring method, row by row."""
    return page.locator(f"td.cell input[data-method={method}]")


def stored(input_locator, period="Q4"):
    """The value stored for the cell of the input (c-<unit>-<indicator>-<version>), or None."""
    _c, unit, indicator, _version = input_locator.get_attribute("name").split("-")
    row = IndicatorValue.objects.filter(unit_id=unit, indicator_id=indicator, period=period)
    return row.values_list("value", flat=True).first()


def focused_name(page):
    return page.evaluate("document.activeElement.name || document.activeElement.tagName")


def dialogs(page, *, accept=False):
    """Record the type of every dialog the page opens, answering each (stay, by default)."""
    seen = []

    def answer(dialog):
        seen.append(dialog.type)
        dialog.accept() if accept else dialog.dismiss()

    page.on("dialog", answer)
    return seen
