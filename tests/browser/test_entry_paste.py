"""A clerk copies a block of cells from their Excel sheet and pastes it into the entry grid.

The paste goes through the system clipboard and Ctrl+V, as a person does it. Nothing is saved
until Save; leaving the page before then asks first.
"""

from decimal import Decimal

import pytest

from scoring.demo import DEMO_PASSWORD
from scoring.models import Cycle, IndicatorValue
from tests.browser.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def scorers_grid(page, login, live_server, demo_district):
    """The demo scorer's grid of the fourth quarter (nothing entered yet), with the clipboard
    allowed; returns the cycle."""
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    cycle = Cycle.objects.get(year=2026)
    login("scorer", DEMO_PASSWORD)
    page.goto(f"/entry/?cycle={cycle.year}&period=Q4")
    return cycle


def paste(page, cell, text):
    page.evaluate("text => navigator.clipboard.writeText(text)", text)
    cell.click()
    page.keyboard.press("Control+V")


def direct_columns(page):
    """The grid's columns (1-based, after the unit column) whose indicator takes points
    directly, with their first row's input."""
    first_row = page.locator("tbody tr").first
    methods = first_row.locator("td").evaluate_all(
        "cells => cells.map(c => c.querySelector('input')"
        " && c.querySelector('input').dataset.method)"
    )
    return [index + 1 for index, method in enumerate(methods) if method == "direct"]


def stored(cycle, unit_name, indicator_code):
    return IndicatorValue.objects.get(
        indicator__cycle=cycle, period="Q4", unit__name=unit_name, indicator__code=indicator_code
    ).value


def test_a_block_pasted_from_excel_fills_the_grid_rightwards_and_downwards(page, scorers_grid):
    column = direct_columns(page)[0]
    rows = page.locator("tbody tr")
    missing = int(page.locator("#missing-count").inner_text())
    cell = rows.nth(0).locator("td").nth(column - 1).locator("input")
    # As Excel puts it on the clipboard: tabs between cells, CRLF after each row, a
    # full-width digit and a stray space as clerks' sheets have them.
    paste(page, cell, "1\t2\r\n３\tabc\r\n 4 \t\r\n")

    def value(row, offset):
        return rows.nth(row).locator("td").nth(column - 1 + offset).locator("input").input_value()

    assert [value(0, 0), value(0, 1), value(1, 0), value(1, 1), value(2, 0)] == [
        "1",
        "2",
        "３",
        "abc",
        "4",
    ]
    assert value(2, 1) == ""  # a blank in the block leaves its cell alone
    note = page.locator("#paste-note")
    assert note.is_visible()
    assert note.inner_text().startswith("已粘贴 5 个单元格，尚未保存")
    assert "1 个空白格未改动" in note.inner_text()
    assert page.locator("#missing-count").inner_text() == str(missing - 5)
    assert page.locator("#invalid-count").inner_text() == "1"
    assert page.locator("td.bad small.why").inner_text() == "应为数字"
    assert page.locator("td.pasted").count() == 5
    page.screenshot(path=str(ARTIFACTS / "entry-grid-pasted.png"))
    assert not IndicatorValue.objects.filter(indicator__cycle=scorers_grid, period="Q4").exists()


def test_rows_headed_by_unit_names_go_to_their_units_whatever_the_sheets_order(page, scorers_grid):
    column = direct_columns(page)[0]
    rows = page.locator("tbody tr")
    names = rows.evaluate_all("rows => rows.slice(0, 3).map(r => r.dataset.unitName)")
    code = page.locator("thead th").nth(column).locator(".code").inner_text()
    # The clerk's sheet lists the units in another order under a title and a header row.
    block = "\r\n".join(
        ["第四季度数据", f"单位\t{code}", f"{names[2]}\t3", f"{names[0]}\t1", f"{names[1]}\t2"]
    )
    paste(page, rows.nth(0).locator("td").nth(column - 1).locator("input"), block)

    note = page.locator("#paste-note").inner_text()
    assert "已粘贴 3 个单元格" in note
    assert "各行按第一列的单位名称或代码对应" in note
    assert "各列按表头行的指标代码或名称对应" in note
    assert "1 行没有本表的单位名称或代码，未粘贴" in note  # the title
    page.click("#save")
    page.wait_for_load_state()
    assert "已保存 3 项" in page.locator(".messages").inner_text()
    assert [stored(scorers_grid, name, code) for name in names] == [
        Decimal("1"),
        Decimal("2"),
        Decimal("3"),
    ]


def test_values_that_fall_outside_the_grid_or_on_cells_that_do_not_apply_are_named(
    page, scorers_grid
):
    paste(page, page.locator("tbody tr td:last-child input").last, "1\t1\r\n")
    note = page.locator("#paste-note").inner_text()
    assert "已粘贴 1 个单元格" in note
    assert "1 个值超出表格范围，未粘贴" in note
    paste(page, page.locator("td.cell input").last, "1\r\n1\r\n1\r\n")
    assert "2 个值超出表格范围，未粘贴" in page.locator("#paste-note").inner_text()

    row_cells = page.locator("tbody tr:has(td.na)").first.locator("td")
    not_applies = row_cells.evaluate_all("cells => cells.map(c => c.classList.contains('na'))")
    start = not_applies.index(False)
    assert any(not_applies[start:])
    across = "\t".join("1" for _ in not_applies[start:])
    paste(page, row_cells.nth(start).locator("input"), across + "\r\n")
    note = page.locator("#paste-note").inner_text()
    assert f"已粘贴 {not_applies[start:].count(False)} 个单元格" in note
    assert f"{sum(not_applies[start:])} 个值落在不适用（—）的格子上，未粘贴" in note


def test_leaving_the_grid_with_pasted_cells_not_saved_asks_first(page, scorers_grid):
    column = direct_columns(page)[0]
    cell = page.locator("tbody tr").first.locator("td").nth(column - 1).locator("input")
    asked = []

    def answer(dialog):
        asked.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", answer)
    paste(page, cell, "1\r\n2\r\n")
    page.close(run_before_unload=True)
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"]


def test_leaving_the_grid_after_saving_does_not_ask(page, scorers_grid):
    column = direct_columns(page)[0]
    cell = page.locator("tbody tr").first.locator("td").nth(column - 1).locator("input")
    paste(page, cell, "1\r\n2\r\n")
    page.click("#save")
    page.wait_for_load_state()
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    page.goto("/dashboard/")
    assert asked == []
    assert page.url.endswith("/dashboard/")


def test_the_paste_note_reads_as_english_sentences_in_english(page, live_server, scorers_grid):
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.reload()
    column = direct_columns(page)[0]
    cell = page.locator("tbody tr").first.locator("td").nth(column - 1).locator("input")
    paste(page, cell, "1\t\r\n2\t\r\n")
    assert page.locator("#paste-note").inner_text() == (
        "Cells pasted: 2. Not saved yet: check them, then click Save. "
        "Blank cells in the copied block, their grid cells left as they were: 2."
    )


def test_rows_copied_from_the_template_or_after_a_serial_number_keep_their_columns(
    page, scorers_grid
):
    rows = page.locator("tbody tr")
    first, third = rows.nth(0), rows.nth(2)
    code, name, category = third.evaluate(
        "row => [row.dataset.unitCode, row.dataset.unitName, row.dataset.unitCategory]"
    )
    # A row of the template this system hands out: code, name and category before the values.
    paste(page, first.locator("td.cell input").first, f"{code}\t{name}\t{category}\t75\t92\t8\r\n")

    def values(row):
        return row.locator("td.cell input").evaluate_all("inputs => inputs.map(i => i.value)")

    assert values(third)[:3] == ["75", "92", "8"]
    assert values(first) == [""] * len(values(first))
    note = page.locator("#paste-note").inner_text()
    assert "已粘贴 3 个单元格" in note
    assert "左起 3 列是序号、单位或类别，未粘贴" in note
    assert page.locator("#invalid-count").inner_text() == "0"

    # A clerk's own sheet: 序号 first, then the unit's name, then the values.
    paste(page, first.locator("td.cell input").first, f"1\t{name}\t66\r\n")
    assert values(third)[:3] == ["66", "92", "8"]
    assert values(first) == [""] * len(values(first))
    assert "左起 2 列是序号、单位或类别，未粘贴" in page.locator("#paste-note").inner_text()


def heads(page):
    """The grid's indicator columns as (code, name), left to right."""
    return page.locator("thead th:not(.unit-col)").evaluate_all(
        "heads => heads.map(h => [h.querySelector('.code').textContent,"
        " h.querySelector('.name').textContent])"
    )


def row_values(row):
    return row.locator("td.cell input").evaluate_all(
        "inputs => inputs.map(i => i.disabled ? null : i.value)"
    )


def test_columns_headed_by_indicator_codes_go_to_their_indicators_whatever_their_order(
    page, scorers_grid
):
    rows = page.locator("tbody tr")
    (code_a, _), _between, (code_c, _) = heads(page)[:3]
    names = rows.evaluate_all("rows => rows.slice(0, 2).map(r => r.dataset.unitName)")
    # The clerk's sheet: its own column order, and a column of an indicator the scorer does
    # not enter here.
    block = "\r\n".join(
        [
            f"单位\t{code_c}\tZ9.9.9\t{code_a}",
            f"{names[1]}\t3\t99\t1",
            f"{names[0]}\t6\t99\t4",
        ]
    )
    paste(page, rows.nth(5).locator("td.cell input").last, block)
    page.screenshot(path=str(ARTIFACTS / "entry-grid-pasted-by-heads.png"))

    assert row_values(rows.nth(0))[:3] == ["4", "", "6"]
    assert row_values(rows.nth(1))[:3] == ["1", "", "3"]
    note = page.locator("#paste-note").inner_text()
    assert "已粘贴 4 个单元格" in note
    assert "各列按表头行的指标代码或名称对应。" in note
    assert "表头“Z9.9.9”不是本表的指标，这些列未粘贴。" in note
    assert "2 个值所在的列没有本表指标的表头，未粘贴。" in note
    page.click("#save")
    page.wait_for_load_state()
    assert stored(scorers_grid, names[0], code_c) == Decimal("6")
    assert stored(scorers_grid, names[1], code_a) == Decimal("1")


def test_a_block_headed_by_indicator_names_without_units_goes_down_from_the_row_pasted_into(
    page, scorers_grid
):
    rows = page.locator("tbody tr")
    (_, name_a), (_, name_b) = heads(page)[:2]
    paste(page, rows.nth(2).locator("td.cell input").first, f"{name_b}\t{name_a}\r\n8\t7\r\n")
    assert row_values(rows.nth(2))[:2] == ["7", "8"]
    assert row_values(rows.nth(3))[:2] == ["", ""]
    note = page.locator("#paste-note").inner_text()
    assert note.startswith("已粘贴 2 个单元格")
    assert "各列按表头行的指标代码或名称对应。" in note


def test_a_block_without_a_heading_still_goes_by_position(page, scorers_grid):
    rows = page.locator("tbody tr")
    paste(page, rows.nth(0).locator("td.cell input").nth(1), "5\t6\r\n")
    assert row_values(rows.nth(0))[:3] == ["", "5", "6"]
    assert "表头" not in page.locator("#paste-note").inner_text()
