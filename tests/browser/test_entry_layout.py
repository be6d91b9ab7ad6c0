"""The admin's entry pages on a tablet (768 px wide): nothing cut at a card's edge.

The adjustment form stacks above its list, whose every column shows; the cycles page wraps
its headings, names and dates so that the reopen reason box and the reasons of past moves
stay inside their cards. On a laptop the form and the list stand side by side again.
"""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from cadre import roles
from cadre.models import Unit, UnitCategory
from scoring.models import Adjustment, Cycle, Indicator
from scoring.services import cycles as cycle_services
from tests.browser.conftest import log_in
from tests.entry.conftest import user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "pw-Kaohe-2026"
TABLET = {"width": 768, "height": 1024}
LAPTOP = {"width": 1366, "height": 900}
REASONS = [
    "汛期抗洪抢险任务繁重，经区委常委会研究给予加分",
    "重点项目因上级政策调整暂缓，按规定酌情扣减",
    "承担全市疫情防控专项任务",
]

# Per scrolling table: how far its content runs past what the card shows (0: nothing hidden).
HIDDEN_WIDTH = """() => [...document.querySelectorAll('.table-wrap')]
    .map(wrap => wrap.scrollWidth - wrap.clientWidth)"""


@pytest.fixture
def district(db):
    """An admin; 2025 published (moved there through the services), 2026 open with three
    flexible adjustments."""
    admin = user_with_role("kaoheban", roles.ADMIN, is_staff=True)
    towns = UnitCategory.objects.create(code="ZJ", name="镇街")
    units = [
        Unit.objects.create(code=f"ZJ0{n}", name=name, category=towns)
        for n, name in enumerate(["南湖街道", "区财政局", "区民政局"], start=1)
    ]
    last_year = Cycle.objects.create(year=2025, name="2025年度领导班子综合考核")
    Indicator.objects.create(
        cycle=last_year, code="A1", name="综合", max_points=1000, method="direct"
    )
    for move in (cycle_services.cycle_open, cycle_services.cycle_close):
        move(cycle=last_year, by=admin)
    cycle_services.cycle_publish(cycle=last_year, by=admin)
    this_year = Cycle.objects.create(
        year=2026, name="2026年度领导班子综合考核", state=Cycle.State.OPEN
    )
    for unit, reason, points in zip(units, REASONS, ["5", "-3", "2.5"], strict=True):
        Adjustment.objects.create(
            cycle=this_year,
            unit=unit,
            period="Q3",
            points=Decimal(points),
            reason=reason,
            approved_by="区委常委会",
            created_by=admin,
        )
    return this_year


def box(page, selector):
    return page.locator(selector).first.bounding_box()


def in_language(page, live_server, language):
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_on_a_tablet_the_adjustment_form_stacks_above_a_list_that_shows_every_column(
    district, page, live_server, screenshot, language
):
    in_language(page, live_server, language)
    page.set_viewport_size(TABLET)
    log_in(page, "kaoheban", PASSWORD)
    page.goto(f"/entry/adjustments/?cycle={district.year}")
    form, listed = box(page, ".form-and-list > .card"), box(page, ".form-and-list > .table-wrap")
    assert listed["y"] >= form["y"] + form["height"]
    assert page.evaluate(HIDDEN_WIDTH) == [0]
    last_heading = box(page, ".form-and-list table.data thead th:last-child")
    assert last_heading["x"] + last_heading["width"] <= listed["x"] + listed["width"]
    for reason in REASONS:
        assert page.get_by_text(reason).is_visible()
    screenshot(f"entry-adjustments-tablet-{language}")

    page.set_viewport_size(LAPTOP)
    form, listed = box(page, ".form-and-list > .card"), box(page, ".form-and-list > .table-wrap")
    assert listed["x"] >= form["x"] + form["width"]
    assert page.evaluate(HIDDEN_WIDTH) == [0]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_on_a_tablet_the_reopen_reason_box_stays_inside_the_cycles_card(
    district, page, live_server, screenshot, language
):
    in_language(page, live_server, language)
    page.set_viewport_size(TABLET)
    log_in(page, "kaoheban", PASSWORD)
    page.goto("/entry/cycles/")
    assert page.evaluate(HIDDEN_WIDTH) == [0, 0]
    card = box(page, ".table-wrap.card")
    reason = box(page, "input[name=reason]")
    assert reason["width"] >= 150
    assert card["x"] < reason["x"] and reason["x"] + reason["width"] < card["x"] + card["width"]
    assert page.get_by_role(
        "button", name="Reopen" if language == "en" else "重新开放"
    ).is_visible()
    screenshot(f"entry-cycles-tablet-{language}")


# Per box the selector finds: how many pixels of its placeholder it cuts off.
PLACEHOLDER_CUT = """(selector) => [...document.querySelectorAll(selector)]
    .map(input => {
        const style = getComputedStyle(input), text = document.createElement('span');
        text.style.fontFamily = style.fontFamily;
        text.style.fontSize = style.fontSize;
        text.textContent = input.placeholder;
        document.body.append(text);
        const width = text.getBoundingClientRect().width;
        text.remove();
        const room = input.clientWidth - parseFloat(style.paddingLeft)
            - parseFloat(style.paddingRight);
        return Math.max(0, Math.ceil(width - room));
    })"""


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("viewport", [TABLET, LAPTOP])
def test_the_vote_count_boxes_show_their_whole_placeholder_inside_the_card(
    demo_district, page, live_server, screenshot, language, viewport
):
    in_language(page, live_server, language)
    page.set_viewport_size(viewport)
    log_in(page, "admin", "Kaohe@2026")
    page.goto("/entry/votes/?period=Y")
    # The vote count boxes' placeholder: "未填", "Not entered". The first indicator, 综合评价,
    # is rated by two of the demo's four rater groups (the other two rate 双向互评 only).
    cut = page.evaluate(PLACEHOLDER_CUT, ".vote-table input[placeholder]")
    assert len(cut) == 2 * 4 and set(cut) == {0}
    card, last = box(page, "#votes-form"), box(page, ".vote-table thead th:last-child")
    assert last["x"] + last["width"] <= card["x"] + card["width"]
    screenshot(f"entry-votes-{viewport['width']}-{language}")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("viewport", [TABLET, LAPTOP])
def test_the_reopen_reason_boxes_show_their_whole_placeholder(
    demo_district, page, live_server, screenshot, language, viewport
):
    """The demo's 2025 is published and 2026's first quarter closed: a reason box in the
    cycle's row and one in its quarter's, either cut at "Reason for reopenin" before."""
    cycle = Cycle.objects.get(year=2026)
    cycle_services.cycle_quarter_close(
        cycle=cycle, quarter="Q1", by=get_user_model().objects.get(username="admin")
    )
    in_language(page, live_server, language)
    page.set_viewport_size(viewport)
    log_in(page, "admin", "Kaohe@2026")
    page.goto("/entry/cycles/")
    assert page.evaluate(PLACEHOLDER_CUT, "input[name=reason]") == [0, 0]
    screenshot(f"entry-cycles-reasons-{viewport['width']}-{language}")
