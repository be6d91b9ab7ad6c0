"""The dashboard's wide tables on a tablet (768 px) and a laptop (1366 px), in Chromium."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RANKING = "/dashboard/?cycle=2026&period=Q3&category=ZJ"
UNIT = "/dashboard/unit/ZJ01/?cycle=2026&period=Q3"
# What decides a unit's standing must be readable without scrolling sideways.
STANDING = ["Rank", "Change", "Unit", "Total", "Grade", "Bonus", "Adjustment", "Marks", "Missing"]


def header_right_edges(page, table) -> dict[str, float]:
    return page.locator(f"{table} thead th").evaluate_all(
        "cells => Object.fromEntries(cells.map("
        "c => [c.innerText.trim(), c.getBoundingClientRect().right]))"
    )


def test_the_ranked_table_is_usable_on_a_tablet(demo_district, page, leader_in, screenshot):
    leader_in("en")
    page.set_viewport_size({"width": 768, "height": 1024})
    page.goto(RANKING)
    page.wait_for_selector("[data-chart=totals][data-rendered] svg")
    edges = header_right_edges(page, "#ranked-table")
    assert list(edges)[: len(STANDING)] == STANDING
    assert all(edges[name] <= 768 for name in STANDING), edges
    wrap = page.locator("#ranked-table").locator("xpath=..")
    # More columns to the right: the wrap says so (its right edge fades).
    assert "more-right" in wrap.get_attribute("class")
    assert wrap.evaluate("w => getComputedStyle(w).maskImage") != "none"
    screenshot("dashboard-layout-ranking-768")

    unit_cell = page.locator("#ranked-table tbody tr:first-child td.pin-unit")
    rank_cell = page.locator("#ranked-table tbody tr:first-child td.pin-rank")
    rank_before = rank_cell.bounding_box()
    wrap.evaluate("w => { w.scrollLeft = w.scrollWidth; w.dispatchEvent(new Event('scroll')); }")
    page.wait_for_function(
        "() => document.querySelector('#ranked-table').parentElement"
        ".classList.contains('more-left')"
    )
    assert "more-right" not in wrap.get_attribute("class")
    # Rank and unit stay in view, side by side, while the areas scroll past.
    rank_after, unit_after = rank_cell.bounding_box(), unit_cell.bounding_box()
    assert rank_after == rank_before
    assert unit_after["x"] == pytest.approx(rank_after["x"] + rank_after["width"], abs=1)
    assert unit_cell.evaluate(
        "cell => document.elementFromPoint(cell.getBoundingClientRect().left + 5,"
        " cell.getBoundingClientRect().top + 5).closest('td') === cell"
    )
    screenshot("dashboard-layout-ranking-768-scrolled")

    page.set_viewport_size({"width": 1366, "height": 900})
    page.wait_for_function(
        "() => !document.querySelector('#ranked-table').parentElement"
        ".classList.contains('more-right')"
    )
    assert wrap.evaluate("w => w.scrollWidth <= w.clientWidth")
    screenshot("dashboard-layout-ranking-1366")


def test_the_bars_of_the_totals_chart_start_at_zero(demo_district, page, leader_in):
    leader_in("en")
    page.goto(RANKING)
    page.wait_for_selector("[data-chart=totals][data-rendered] svg")
    labels = page.locator("[data-chart=totals] svg text").evaluate_all(
        "texts => texts.map(t => t.textContent)"
    )
    # The value axis runs 0, 200, … 1,000: bar lengths compare the totals themselves.
    assert "0" in labels and "1,000" in labels


BROKEN_TERMS = """table => {
  // Bracketed terms of the explanations that a line break splits.
  const broken = [];
  for (const cell of table.querySelectorAll("td.explanation")) {
    const text = cell.firstChild;
    for (const match of text.data.matchAll(/\\([^()]*\\)/g)) {
      const range = document.createRange();
      range.setStart(text, match.index);
      range.setEnd(text, match.index + match[0].length);
      const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
      if (tops.size > 1) broken.push(match[0]);
    }
  }
  return broken;
}"""


@pytest.mark.parametrize(("language", "width"), [("en", 1366), ("zh-hans", 768)])
def test_a_units_explanations_are_readable(
    demo_district, page, leader_in, screenshot, language, width
):
    leader_in(language)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(UNIT)
    table = page.locator("#unit-indicators")
    table.scroll_into_view_if_needed()
    card = page.locator("#unit-indicators").locator("xpath=ancestor::section").bounding_box()
    box = table.bounding_box()
    # The table fits its card: nothing (entered at, explanation) is cut or off-screen.
    assert box["x"] + box["width"] <= card["x"] + card["width"]
    assert table.locator("xpath=..").evaluate("w => w.scrollWidth <= w.clientWidth")
    explanation = table.locator("tbody tr:not(.area-row) td.explanation").first.bounding_box()
    assert explanation["x"] + explanation["width"] <= width
    assert explanation["width"] >= (400 if width > 1000 else 200)
    assert table.evaluate(BROKEN_TERMS) == []
    assert table.locator("td.explanation .entered").count() > 10
    screenshot(f"dashboard-layout-unit-{language}-{width}")


WHATIF = (
    "/dashboard/whatif/?cycle=2026&period=Q1&category=ZJ&run=1&indicator=A1.1.1&max_points=20"
    "&weight_q1=0.25&weight_q2=0.25&weight_q3=0.25&weight_q4=0.25"
)


def test_the_what_if_results_fit_a_tablet(demo_district, page, leader_in, screenshot):
    """Eight English headers made the results 15 px wider than a 768 px tablet: the whole
    page scrolled sideways. The table scrolls in its box instead, the page not at all."""
    leader_in("en")
    page.set_viewport_size({"width": 768, "height": 1024})
    page.goto(WHATIF)
    table = page.locator("#whatif-table")
    assert table.locator("tbody tr").count() == 12
    assert page.evaluate("document.documentElement.scrollWidth") <= 768
    card = table.locator("xpath=ancestor::section").bounding_box()
    wrap = table.locator("xpath=..").bounding_box()
    assert wrap["x"] + wrap["width"] <= card["x"] + card["width"]
    # A fall in the sandbox reads with the same minus sign as every other change.
    changes = table.locator("tbody td:nth-child(4)").all_inner_texts()
    assert any(text.startswith("−") for text in changes) and not any("-" in t for t in changes)
    screenshot("dashboard-layout-whatif-en-768")


def test_each_line_of_the_rank_trend_is_named_where_it_ends(demo_district, page, leader_in):
    """Twelve towns in nine colours and a legend showing six at a time: no line could be told
    from another. Each is named at its latest quarter, and the quarters not yet ranked (Q4 of
    the open year) are left off the axis."""
    leader_in("zh-hans")
    page.goto(RANKING)
    page.wait_for_selector("[data-chart=trend][data-rendered] svg")
    lefts = page.locator("[data-chart=trend] svg text").evaluate_all(
        "texts => Object.fromEntries(texts.map(t => [t.textContent,"
        " t.getBoundingClientRect().left]))"
    )
    towns = page.locator("#ranked-table td.pin-unit a").all_inner_texts()
    assert "第三季度" in lefts and "第四季度" not in lefts
    # Every town is named beside the last quarter, not in a legend under the chart.
    assert len(towns) == 12
    assert all(lefts[town] > lefts["第三季度"] for town in towns), lefts
    assert "1/2" not in lefts
