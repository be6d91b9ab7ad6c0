"""The votes page takes counts as a clerk types them: text inputs that keep what was typed
(Chromium's number inputs dropped "1,234" and refused full-width digits), Enter moves to the
next count instead of sending a half-filled page, Ctrl+S saves, and a count that is no whole
number comes back named by unit, rater group and column."""

import pytest

from scoring.demo import DEMO_PASSWORD
from scoring.models import Cycle, Vote
from tests.browser.entry_grid import focused_name

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def votes_page(page, login, demo_district):
    """The demo admin on the year's votes page of 2026; return its count inputs, row by row."""
    cycle = Cycle.objects.get(year=2026)
    login("admin", DEMO_PASSWORD)
    page.goto(f"/entry/votes/?cycle={cycle.year}&period=Y")
    return page.locator(".vote-table input[inputmode=numeric]")


def first_row_stored(page):
    """The counts stored for the page's first rater group (its unit and indicator), or None."""
    group = page.locator(".vote-table input[inputmode=numeric]").first.get_attribute("name")
    vote = Vote.objects.filter(
        period="Y",
        unit_id=page.locator("select[name=unit]").input_value(),
        indicator_id=page.locator("select[name=indicator]").input_value(),
        rater_group_id=group.split("-")[0][1:],
    ).first()
    return vote and (vote.excellent, vote.competent, vote.basic, vote.incompetent)


def test_enter_moves_through_the_counts_and_ctrl_s_saves_them(page, votes_page, screenshot):
    counts = votes_page
    names = [counts.nth(n).get_attribute("name") for n in range(5)]
    counts.first.click()
    for typed in ("１２", "1,234", " 3 ", "0"):
        page.keyboard.type(typed)
        page.keyboard.press("Enter")
    assert "/entry/votes/" in page.url and page.locator(".messages").count() == 0
    assert focused_name(page) == names[4], "after a group's last count, the next group's first"
    assert [counts.nth(n).input_value() for n in range(4)] == ["１２", "1,234", " 3 ", "0"]
    page.keyboard.press("Shift+Enter")
    assert focused_name(page) == names[3]

    page.keyboard.press("Control+S")
    page.wait_for_load_state()
    screenshot("votes-saved")
    assert "已保存 1 个测评群体的票数" in page.locator(".messages").inner_text()
    assert first_row_stored(page) == (12, 1234, 3, 0)


def test_enter_after_the_last_count_reaches_the_save_button_without_saving(page, votes_page):
    before = list(Vote.objects.values_list("pk", "version"))
    last = votes_page.last
    last.click()
    page.keyboard.type("5")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "save"
    assert last.input_value() == "5"
    assert list(Vote.objects.values_list("pk", "version")) == before


def test_a_fraction_comes_back_named_with_what_was_typed(page, votes_page, screenshot):
    group = page.locator(".vote-table tbody th").first.inner_text().split()[0]
    unit = page.locator("select[name=unit] option:checked").inner_text().rstrip(" ✓")
    before = first_row_stored(page)
    for n, typed in enumerate(("10", "12.5", "0", "0")):
        votes_page.nth(n).fill(typed)
    page.get_by_role("button", name="保存", exact=True).click()
    page.wait_for_load_state()
    screenshot("votes-refused")
    assert (
        f"票数有误，未保存：{unit} · {group} · 称职：应为整数，实为 12.5"
        in page.locator(".messages").inner_text()
    )
    assert votes_page.nth(1).input_value() == "12.5"
    assert first_row_stored(page) == before


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_count_column_stays_inside_the_form_on_a_tablet(
    page, live_server, votes_page, language
):
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )
    page.set_viewport_size({"width": 768, "height": 900})
    page.reload()
    form = page.locator("#votes-form").bounding_box()
    last = votes_page.last.bounding_box()
    assert last["x"] + last["width"] <= form["x"] + form["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 768
