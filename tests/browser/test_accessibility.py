"""What a screen reader says and what a finger or a weak eye meets, in Chromium: the grid's
cells by unit and indicator name, the top bar's "Log out" beside the account it belongs to,
a tappable filter checkbox, readable language buttons."""

import pytest
from django.contrib.auth.models import User
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


LOG_OUT_BESIDE_PASSWORD = """() => {
  const logOut = document.querySelector(".topbar form.inline button").getBoundingClientRect();
  const password = document.querySelector(".topbar a[href*=password]").getBoundingClientRect();
  return Math.abs(logOut.top - password.top) < 2
    && logOut.right <= document.documentElement.clientWidth;
}"""


def test_log_out_stays_on_the_line_of_the_account_from_a_phone_to_a_small_laptop(
    demo_district, page, leader_in
):
    User.objects.filter(username="leader").update(first_name="振华", last_name="欧阳")
    leader_in("en")
    wrapped = []
    for width in range(360, 1025, 16):
        page.set_viewport_size({"width": width, "height": 800})
        if not page.evaluate(LOG_OUT_BESIDE_PASSWORD):
            wrapped.append(width)
    assert wrapped == []


def test_the_officials_young_cadre_checkbox_is_big_enough_to_tap(demo_district, page, leader_in):
    leader_in("zh-hans")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/dashboard/officials/?cycle=2026")
    box = page.get_by_role("checkbox", name="只看优秀年轻干部").bounding_box()
    assert box["width"] >= 24 and box["height"] >= 24, box


# The contrast ratio (WCAG 2) of an element's text on what shows behind it: its own background
# and its ancestors', each laid over the next one down, on the white page.
TEXT_CONTRAST = """(selector) => {
  const rgba = (css) => css.match(/[\\d.]+/g).map(Number).concat([1]).slice(0, 4);
  const element = document.querySelector(selector);
  const layers = [];
  for (let node = element; node; node = node.parentElement) {
    const colour = rgba(getComputedStyle(node).backgroundColor);
    if (colour[3] > 0) layers.unshift(colour);
    if (colour[3] === 1) break;
  }
  const shown = layers.reduce(
    (below, [r, g, b, a]) => [r, g, b].map((channel, i) => channel * a + below[i] * (1 - a)),
    [255, 255, 255]);
  const luminance = (rgb) => rgb.map((c) => c / 255)
    .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4))
    .reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
  const text = luminance(rgba(getComputedStyle(element).color).slice(0, 3));
  const back = luminance(shown);
  return (Math.max(text, back) + 0.05) / (Math.min(text, back) + 0.05);
}"""


@pytest.mark.parametrize(
    ("url", "selector"),
    [
        ("/dashboard/", ".lang button.current"),
        ("/dashboard/", ".grade-fair"),
        ("/dashboard/unit/ZJ01/?cycle=2026&period=Q3", ".badge-provisional"),
        ("/talent/registry/", ".status-applied"),
    ],
)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_small_coloured_text_is_readable_on_its_background(
    demo_district, page, leader_in, language, url, selector
):
    leader_in(language)
    page.goto(url)
    assert page.evaluate(TEXT_CONTRAST, selector) >= 4.5
