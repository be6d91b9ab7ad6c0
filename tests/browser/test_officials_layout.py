"""The dashboard's officials table on a tablet (768 px) and a laptop (1366 px), in Chromium."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OFFICIALS = "/dashboard/officials/?cycle=2026"


# Growth records of the table that a person cannot see: cut off by the viewport's right edge,
# or covered by something else where they stand.
RECORDS_OUT_OF_SIGHT = """(table, width) => {
  const hidden = [];
  for (const item of table.querySelectorAll(".growth li")) {
    const box = item.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || box.left < 0 || box.right > width) {
      hidden.push(item.textContent);
      continue;
    }
    item.scrollIntoView({block: "center"});
    const again = item.getBoundingClientRect();
    const found = document.elementFromPoint(again.left + 2, again.top + again.height / 2);
    if (!found || !item.contains(found)) hidden.push(item.textContent);
  }
  return hidden;
}"""


@pytest.mark.parametrize(
    ("language", "width"), [("en", 768), ("zh-hans", 768), ("en", 1366), ("zh-hans", 1366)]
)
def test_the_officials_table_and_growth_records_fit_the_screen(
    demo_district, page, leader_in, screenshot, language, width
):
    leader_in(language)
    page.set_viewport_size({"width": width, "height": 1024})
    page.goto(OFFICIALS)
    table = page.locator("#officials-table")
    wrap = table.locator("xpath=..")
    # Nothing to scroll sideways: the whole table, growth records included, is on screen.
    assert wrap.evaluate("w => w.scrollWidth <= w.clientWidth"), wrap.evaluate(
        "w => [w.scrollWidth, w.clientWidth]"
    )
    assert "more-right" not in (wrap.get_attribute("class") or "")
    box = table.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    records = table.locator(".growth li")
    assert records.count() > 5
    assert table.evaluate(RECORDS_OUT_OF_SIGHT, width) == []
    # A record reads as a line or two, not a column of single words.
    first = records.first.bounding_box()
    assert first["width"] >= 200
    # Each official's records stay with that official: under their name, above the next
    # official's name.
    page.evaluate("window.scrollTo(0, 0)")
    names = table.locator("tbody td.name")
    name_box, next_name_box = names.nth(0).bounding_box(), names.nth(1).bounding_box()
    record_box = records.first.bounding_box()
    assert name_box["y"] + name_box["height"] <= record_box["y"] < next_name_box["y"]
    screenshot(f"dashboard-layout-officials-{language}-{width}")
