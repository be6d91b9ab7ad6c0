"""A scorer fills a quarter in the browser, an admin closes the cycle, the history shows it all."""

import pytest
from django.core.management import call_command

from scoring.demo import DEMO_PASSWORD
from scoring.models import Cycle, IndicatorValue
from tests.browser.conftest import ARTIFACTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GOOD = {"direct": "８", "completion": "1,050", "rank": "66.5", "deduction": "1"}


def test_scorer_fills_a_quarter_admin_closes_it_and_the_history_shows_it(
    browser, live_server, page, screenshot
):
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    cycle = Cycle.objects.get(year=2026)
    grid_url = f"/entry/?cycle={cycle.year}&period=Q4"
    log_in(page, "scorer", DEMO_PASSWORD)
    page.goto(grid_url)
    inputs = page.locator("td.cell input")
    total = inputs.count()
    assert total > 100
    assert page.locator("#missing-count").inner_text() == str(total)

    # Type the first column by keyboard: Enter moves down the column.
    first = inputs.first
    method = first.get_attribute("data-method")
    first.click()
    page.keyboard.type(GOOD[method])
    page.keyboard.press("Enter")
    second_in_column = page.evaluate("document.activeElement.name")
    assert second_in_column.split("-")[2] == first.get_attribute("name").split("-")[2]
    page.keyboard.type("abc")
    assert page.locator("td.bad small.why").first.inner_text() == "应为数字"
    for index in range(total):
        cell = inputs.nth(index)
        if not cell.input_value():
            cell.fill(GOOD[cell.get_attribute("data-method")])
    assert page.locator("#missing-count").inner_text() == "0"
    assert page.locator("#invalid-count").inner_text() == "1"
    page.locator("td.bad input").scroll_into_view_if_needed()
    screenshot("entry-grid-typed-with-a-bad-cell")

    page.click("#save")
    page.wait_for_load_state()
    assert "1 项未保存" in page.locator(".messages").inner_text()
    bad = page.locator("td.bad input")
    assert bad.input_value() == "abc"
    assert "应为数字" in page.locator("td.bad small.why").inner_text()
    assert IndicatorValue.objects.filter(indicator__cycle=cycle, period="Q4").count() == total - 1
    screenshot("entry-grid-saved-with-a-bad-cell-refused")

    bad.fill("９")
    page.click("#save")
    page.wait_for_load_state()
    assert "已保存 1 项" in page.locator(".messages").inner_text()
    assert page.locator("#missing-count").inner_text() == "0"
    assert IndicatorValue.objects.filter(indicator__cycle=cycle, period="Q4").count() == total
    first_row_direct = page.locator("tbody tr").first.locator("input[data-method=direct]").first
    first_row_direct.fill("7.5")
    page.click("#save")
    page.wait_for_load_state()
    assert "修改 1" in page.locator(".messages").inner_text()

    admin_context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    admin = admin_context.new_page()
    # Closing asks first; the admin answers yes.
    admin.on("dialog", lambda dialog: dialog.accept())
    log_in(admin, "admin", DEMO_PASSWORD)
    admin.goto("/entry/cycles/")
    admin.locator("tr", has_text="2026").get_by_role("button", name="关闭").click()
    admin.wait_for_load_state()
    assert "现为“已关闭”" in admin.locator(".messages").inner_text()
    admin.screenshot(path=str(ARTIFACTS / "entry-cycles-closed.png"), full_page=True)
    admin_context.close()

    page.goto(grid_url)
    assert page.locator(".locked-banner").is_visible()
    assert page.locator("#save").count() == 0
    assert page.locator("td.cell input:not([disabled])").count() == 0
    assert "本周期已关闭，数据只能查看" in page.locator(".locked-banner").inner_text()
    screenshot("entry-grid-closed")

    unit_code = page.locator("tbody th.unit-col a").first.get_attribute("href").split("/")[3]
    page.goto(f"/entry/units/{unit_code}/history/?cycle={cycle.year}")
    history = page.locator("table.history tbody")
    assert history.locator("tr", has_text="填报页面").count() >= 1
    changed = history.locator("tr", has_text="7.5")
    assert changed.locator(".old").inner_text() == "8"
    assert "scorer" in changed.inner_text()
    screenshot("entry-history")

    page.click("button[value=en]")
    page.wait_for_load_state()
    page.goto(grid_url)
    screenshot("entry-grid-closed-english")
    page.set_viewport_size({"width": 820, "height": 1180})
    page.goto(f"/entry/units/{unit_code}/history/?cycle={cycle.year}")
    screenshot("entry-history-english-tablet")
    page.goto(grid_url)
    screenshot("entry-grid-english-tablet")
