"""The talent pages in Chromium: they fit a tablet, keep what a reviewer typed, ask only when
there is something to confirm. The workbook's download table shares their tablet rule for wide
tables (table.data.stacks) and is checked with them."""

import pytest

from talent.models import AwardCategory, AwardRound, ReviewScore, StarTree, Subsidy, Talent
from talent.services.subsidies import subsidy_withdraw
from tests.browser.conftest import ARTIFACTS, TABLET, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Kaohe@2026"


def screenshot(page, name):
    """Save the page's screenshot under test-artifacts/ for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def overflow(page) -> int:
    """Return by how many pixels the page is wider than the window (0 when it fits)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("language", ["en-US", "zh-CN"])
def test_every_talent_page_fits_a_tablet(demo_district, open_page, language):
    award_round = AwardRound.objects.get()
    category = AwardCategory.objects.order_by("sort_order").first()
    paths = [
        "/talent/",
        "/talent/registry/",
        "/talent/registry/new/",
        "/talent/awards/",
        f"/talent/awards/{award_round.pk}/",
        f"/talent/awards/category/{category.pk}/",
        "/talent/subsidies/",
        "/talent/subsidies/new/",
        f"/talent/star/{StarTree.objects.get().pk}/",
    ]
    page = open_page(language)
    log_in(page, "admin", PASSWORD)
    too_wide = {}
    for path in paths:
        page.goto(path)
        if overflow(page) > 0:
            too_wide[path] = overflow(page)
    page.goto(f"/talent/awards/{award_round.pk}/")
    screenshot(page, f"talent-round-tablet-{language}")
    assert too_wide == {}
    if language == "en-US":
        assert "Winners" in page.locator("#categories thead").inner_text()


@pytest.mark.parametrize("language", ["en-US", "zh-CN"])
def test_the_admins_registry_shows_every_column_on_a_tablet_without_scrolling_sideways(
    demo_district, open_page, language
):
    # First on the registry's first page (this year, 院士), with a long e-mail to show.
    Talent.objects.filter(programme__code="ACAD", year=2026).update(
        email="zhang.weiming.research@bluesea-biotech.com.cn"
    )
    page = open_page(language)
    log_in(page, "admin", PASSWORD)
    page.goto("/talent/registry/")
    screenshot(page, f"talent-registry-tablet-{language}")
    table = page.locator("#registry")
    assert table.evaluate("t => t.parentElement.scrollWidth - t.parentElement.clientWidth") == 0
    # The field and the e-mail are read under the programme and the phone.
    first = table.locator("tbody tr").first
    assert "bluesea-biotech.com.cn" in first.inner_text()
    assert first.locator(".below").first.is_visible()
    wide = open_page(language, viewport={"width": 1366, "height": 900})
    log_in(wide, "admin", PASSWORD)
    wide.goto("/talent/registry/")
    assert wide.locator("#registry th.email").is_visible()
    assert not wide.locator("#registry tbody tr").first.locator(".below").first.is_visible()


STACKED_TABLES = {
    # page: (its path, its table, the column read under each row's first cell on a tablet)
    "award-category": (
        lambda: f"/talent/awards/category/{AwardCategory.objects.order_by('sort_order')[0].pk}/",
        "#ranking",
        "td.secondary",
    ),
    "star-tree": (
        lambda: f"/talent/star/{StarTree.objects.get().pk}/",
        "#star-children",
        "td.level",
    ),
    "workbook": (lambda: "/entry/workbook/", "table.workbook-cycles", "td.secondary"),
}


@pytest.mark.parametrize("language", ["en-US", "zh-CN"])
@pytest.mark.parametrize("name", STACKED_TABLES)
def test_a_wide_table_moves_a_column_under_its_rows_on_a_tablet_and_keeps_it_on_a_laptop(
    demo_district, open_page, name, language
):
    path_of, table_selector, secondary_cell = STACKED_TABLES[name]
    path = path_of()
    page = open_page(language)
    log_in(page, "admin", PASSWORD)
    page.goto(path)
    screenshot(page, f"stacked-{name}-768-{language}")
    table = page.locator(table_selector)
    assert table.evaluate("t => t.parentElement.scrollWidth - t.parentElement.clientWidth") == 0
    # The column's words are read under the row's name instead.
    first = table.locator("tbody tr").first
    below = first.locator(".below")
    assert below.is_visible() and not first.locator(secondary_cell).is_visible()
    assert below.inner_text().strip() == first.locator(secondary_cell).text_content().strip() != ""
    wide = open_page(language, viewport={"width": 1366, "height": 900})
    log_in(wide, "admin", PASSWORD)
    wide.goto(path)
    first = wide.locator(table_selector).locator("tbody tr").first
    assert first.locator(secondary_cell).is_visible() and not first.locator(".below").is_visible()
    assert wide.locator(f"{table_selector} th.secondary").is_visible()


def test_a_reviewer_keeps_what_they_typed_and_sees_each_bad_score_in_its_row(
    demo_district, open_page
):
    award_round = AwardRound.objects.get()
    page = open_page()
    log_in(page, "expert1", PASSWORD)
    # While the round takes nominations there is nothing to score, and no button says so.
    page.goto("/talent/awards/")
    assert page.locator("a.button", has_text="Score").count() == 0
    assert "Nominating" in page.locator("table.data").first.inner_text()
    award_round.state = AwardRound.State.REVIEWING
    award_round.save()
    page.reload()
    page.locator("a.button", has_text="Score").first.click()
    inputs = page.locator("#scores input[name^=score-]")
    for index, typed in enumerate(["105", "abc", "88.5"]):
        inputs.nth(index).fill(typed)
    page.click("#scores button")
    screenshot(page, "talent-scores-refused-en")
    assert [inputs.nth(index).input_value() for index in range(3)] == ["105", "abc", "88.5"]
    # Each bad score's message is the row right under it, and the page still fits.
    rows = page.locator("#scores tbody tr")
    assert "“105”" in rows.nth(1).inner_text() and "“abc”" in rows.nth(3).inner_text()
    assert rows.locator(".error").count() == 2
    assert inputs.nth(0).get_attribute("aria-invalid") == "true"
    assert inputs.nth(2).get_attribute("aria-invalid") is None
    assert overflow(page) == 0
    assert "2 scores are invalid, so none were saved" in page.locator(".messages").inner_text()
    assert not ReviewScore.objects.exists()
    inputs.nth(0).fill("95")
    inputs.nth(1).fill("")
    page.click("#scores button")
    assert "2 scores saved." in page.locator(".messages").inner_text()
    assert ReviewScore.objects.count() == 2


def test_confirming_winners_asks_only_when_something_would_be_confirmed(demo_district, open_page):
    category = AwardCategory.objects.order_by("sort_order").first()
    AwardRound.objects.update(state=AwardRound.State.REVIEWING)
    page = open_page()
    asked, agree = [], []

    def answer(dialog):
        asked.append(dialog.message)
        if agree:
            dialog.accept()
        else:
            dialog.dismiss()

    page.on("dialog", answer)
    log_in(page, "admin", PASSWORD)
    page.goto(f"/talent/awards/category/{category.pk}/")
    page.click("#confirm-winners")
    assert asked == []
    assert "Tick the winners" in page.locator(".messages").inner_text()
    page.check("input[name=no_winner]")
    page.click("#confirm-winners")
    assert asked == ["Winners cannot be changed once confirmed. Confirm?"]
    # Dismissed: nothing was sent, the page still says what the first click got.
    assert "Tick the winners" in page.locator(".messages").inner_text()
    assert AwardCategory.objects.get(pk=category.pk).confirmed_at is None
    agree.append(True)
    page.click("#confirm-winners")
    assert len(asked) == 2
    # Agreed: the form went to the server, which checks the rest.
    assert "The review is not finished" in page.locator(".messages").inner_text()
    screenshot(page, "talent-winners-asked-en")


@pytest.mark.parametrize("language", ["en-US", "zh-CN"])
@pytest.mark.parametrize("width", [768, 1024, 1366])
def test_a_clerk_on_a_tablet_or_laptop_sees_every_decision_button_without_scrolling_sideways(
    demo_district, open_page, language, width
):
    page = open_page(language, viewport={"width": width, "height": 900})
    log_in(page, "admin", PASSWORD)
    page.goto("/talent/subsidies/")
    screenshot(page, f"talent-subsidies-{width}-{language}")
    assert page.locator(".table-wrap").evaluate("wrap => wrap.scrollWidth - wrap.clientWidth") == 0
    # Every request says whose it is and, beside or under the name, of which programme.
    recipient = page.locator("#subsidies tbody tr").first.locator("td.recipient, td.programme")
    assert "高技能人才" in " ".join(cell for cell in recipient.all_inner_texts() if cell)
    right_edges = page.locator(
        "#subsidies td.decision button, #subsidies td.decision summary"
    ).evaluate_all("elements => elements.map(element => element.getBoundingClientRect().right)")
    # Three pending requests with two buttons each, and the approved ones' withdrawal.
    assert len(right_edges) > 6
    table_right = page.evaluate(
        "document.querySelector('#subsidies').parentElement.getBoundingClientRect().right"
    )
    assert max(right_edges) <= table_right


@pytest.mark.parametrize("language", ["en-US", "zh-CN"])
def test_no_talent_table_scrolls_sideways_on_a_small_laptop(demo_district, open_page, language):
    category = AwardCategory.objects.order_by("sort_order").first()
    paths = [
        "/talent/",
        "/talent/registry/",
        f"/talent/awards/{category.round_id}/",
        f"/talent/awards/category/{category.pk}/",
        "/talent/subsidies/",
        f"/talent/star/{StarTree.objects.get().pk}/",
    ]
    page = open_page(language, viewport={"width": 1024, "height": 768})
    log_in(page, "admin", PASSWORD)
    hidden = {}
    for path in paths:
        page.goto(path)
        widths = page.locator(".table-wrap").evaluate_all(
            "wraps => wraps.map(wrap => wrap.scrollWidth - wrap.clientWidth)"
        )
        if any(widths):
            hidden[path] = widths
    page.goto(paths[-1])
    screenshot(page, f"talent-star-1024-{language}")
    assert hidden == {}


def test_the_subsidies_list_colours_each_state_and_keeps_a_chinese_kind_on_one_line(
    demo_district, open_page
):
    approved = Subsidy.objects.filter(state=Subsidy.State.APPROVED).order_by("-requested_at")
    subsidy_withdraw(subsidy=approved.first(), by=None, reason="金额有误")
    page = open_page("zh-CN", viewport=TABLET)
    log_in(page, "admin", PASSWORD)
    page.goto("/talent/subsidies/")
    screenshot(page, "talent-subsidies-states-768-zh")
    colours = {
        state: page.locator(f"#subsidies .status-{state}").first.evaluate(
            "badge => getComputedStyle(badge).backgroundColor + ' ' + getComputedStyle(badge).color"
        )
        for state in ["pending", "approved", "withdrawn"]
    }
    plain = page.evaluate(
        """() => { const badge = document.createElement("span"); badge.className = "status";
        document.body.append(badge); return getComputedStyle(badge).backgroundColor + " "
        + getComputedStyle(badge).color; }"""
    )
    assert len({*colours.values(), plain}) == 4, colours
    # 一次性安家补贴 on one line, not broken before its last character.
    lines = page.locator("#subsidies td.kind", has_text="一次性安家补贴").evaluate_all(
        """cells => cells.map(cell => { const range = document.createRange();
        range.selectNodeContents(cell); return new Set([...range.getClientRects()]
        .map(rect => Math.round(rect.top))).size; })"""
    )
    assert lines and set(lines) == {1}, lines


@pytest.mark.parametrize("language", ["en-US", "zh-CN"])
def test_a_rounds_prize_totals_and_states_fit_a_tablet(demo_district, open_page, language):
    award_round = AwardRound.objects.get()
    page = open_page(language, viewport=TABLET)
    log_in(page, "admin", PASSWORD)
    page.goto(f"/talent/awards/{award_round.pk}/")
    screenshot(page, f"talent-round-768-{language}")
    assert page.locator(".table-wrap").evaluate("wrap => wrap.scrollWidth - wrap.clientWidth") == 0
    last_column = page.locator("#categories tbody tr").first.locator("td").last
    assert last_column.evaluate(
        "cell => cell.getBoundingClientRect().right <= cell.closest('.table-wrap')"
        ".getBoundingClientRect().right"
    )
