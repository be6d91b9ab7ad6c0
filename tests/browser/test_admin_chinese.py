"""The admin site in Chromium, in Chinese on a 1366 px laptop: the reviewer picker speaks
Chinese throughout, and the change pages with wide inlines fit the window."""

import pytest

from cadre.models import Official
from talent.models import AwardCategory, AwardRound
from tests.browser.conftest import ARTIFACTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Kaohe@2026"
LAPTOP = {"width": 1366, "height": 900}


@pytest.fixture
def admin_page(browser, live_server, demo_district):
    """The demo's admin logged in, in a Chinese browser on a 1366×900 window."""
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport=LAPTOP)
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, "admin", PASSWORD)
    yield page
    context.close()


def screenshot(page, name):
    """Save the page's screenshot under test-artifacts/ for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def picker_texts(page, selector):
    """Every text the reviewer picker shows or reads out: labels, help, buttons, tooltips."""
    return page.locator(selector).evaluate(
        """picker => [
            picker.innerText,
            ...[...picker.querySelectorAll('[title], [aria-label], [placeholder]')].flatMap(
                node => ['title', 'aria-label', 'placeholder'].map(name => node.getAttribute(name))
            ),
        ].filter(Boolean).join('\\n')"""
    )


def assert_chinese_picker(texts):
    assert "评审专家" in texts
    for english in ("Choose", "Remove", "Available", "Chosen", "Filter", "click to clear"):
        assert english not in texts
    for chinese in ("选择全部 评审专家", "删除全部 评审专家", "“选择”箭头按钮", "“删除”箭头按钮"):
        assert chinese in texts


def test_the_reviewer_picker_speaks_chinese(admin_page):
    page = admin_page
    category = AwardCategory.objects.order_by("sort_order").first()
    page.goto(f"/admin/talent/awardcategory/{category.pk}/change/")
    page.locator(".selector").first.wait_for()
    screenshot(page, "admin-awardcategory-zh-hans-1366")
    assert_chinese_picker(picker_texts(page, ".selector"))
    assert page.locator("#id_reviewers_add_all").inner_text() == "选择全部 评审专家"
    assert page.locator("#id_reviewers_remove_all").inner_text() == "删除全部 评审专家"

    # The same picker in each category on the round's page.
    page.goto(f"/admin/talent/awardround/{AwardRound.objects.get().pk}/change/")
    pickers = page.locator(".selector")
    pickers.first.wait_for()
    assert pickers.count() == AwardCategory.objects.count()
    for index in range(pickers.count()):
        assert_chinese_picker(picker_texts(page, f".selector >> nth={index}"))


def test_the_change_pages_with_inlines_fit_a_laptop(admin_page):
    page = admin_page
    official = Official.objects.filter(growth_records__isnull=False).first()
    # A long detail stays in its box.
    official.growth_records.update(detail="参加区委党校中青年干部培训班，" * 20)
    pages = {
        "awardround": f"/admin/talent/awardround/{AwardRound.objects.get().pk}/change/",
        "official": f"/admin/cadre/official/{official.pk}/change/",
    }
    widths = {}
    for name, path in pages.items():
        page.goto(path)
        page.wait_for_load_state("networkidle")
        screenshot(page, f"admin-{name}-zh-hans-1366")
        widths[name] = page.evaluate("document.documentElement.scrollWidth")
    too_wide = {name: width for name, width in widths.items() if width > LAPTOP["width"]}
    assert too_wide == {}
