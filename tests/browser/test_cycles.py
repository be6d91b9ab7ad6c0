"""The cycles page in the browser: Enter in the reason box reopens; publishing asks first."""

import pytest

from scoring.models import Cycle, Indicator
from tests.entry.conftest import user_with_role
from tests.quarters import quarter_district, quarters_moved

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "pw-Kaohe-2026"


@pytest.fixture
def closed_cycle(db):
    from cadre import roles

    user_with_role("kaoheban", roles.ADMIN, is_staff=True)
    cycle = Cycle.objects.create(year=2026, state=Cycle.State.CLOSED)
    Indicator.objects.create(cycle=cycle, code="A1", name="综合", max_points=1000, method="direct")
    return cycle


def test_enter_in_the_reason_box_reopens_and_never_publishes(closed_cycle, page, login):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    login("kaoheban", PASSWORD)
    page.goto("/entry/cycles/")
    page.fill("input[name=reason]", "统计局更正四季度数据")
    page.press("input[name=reason]", "Enter")
    page.wait_for_load_state()
    closed_cycle.refresh_from_db()
    assert closed_cycle.state == Cycle.State.OPEN
    assert dialogs == []


@pytest.fixture
def no_then_yes(page):
    """Answer the page's first question no and the next yes; return the questions asked."""
    answers = iter([False, True])
    questions = []

    def answer(dialog):
        questions.append(dialog.message)
        dialog.accept() if next(answers) else dialog.dismiss()

    page.on("dialog", answer)
    return questions


def test_publishing_waits_for_a_yes(closed_cycle, page, login, no_then_yes):
    questions = no_then_yes
    login("kaoheban", PASSWORD)
    page.goto("/entry/cycles/")
    # The cycle's own button, not one of its quarters'.
    publish = "td.actions-cell button[value=publish]"
    page.click(publish)
    closed_cycle.refresh_from_db()
    assert closed_cycle.state == Cycle.State.CLOSED
    page.click(publish)
    page.wait_for_load_state()
    closed_cycle.refresh_from_db()
    assert closed_cycle.state == Cycle.State.PUBLISHED
    assert "确定发布？" in questions[0]


def test_reopening_a_published_quarter_waits_for_a_yes_naming_what_the_units_lose(
    page, login, no_then_yes
):
    cycle = quarters_moved(quarter_district())["cycle"]
    questions = no_then_yes
    login("kaoheban", PASSWORD)
    page.goto("/entry/cycles/")
    first = page.locator("li[data-quarter=Q1]")
    first.locator("input[name=reason]").fill("统计局更正一季度数据")
    first.locator("button[value=reopen]").click()
    assert len(questions) == 1
    cycle.refresh_from_db()
    assert cycle.state_q1 == "published"
    first.locator("button[value=reopen]").click()
    page.wait_for_load_state()
    cycle.refresh_from_db()
    assert cycle.state_q1 == "open"
    assert "各单位在再次发布之前看不到它" in questions[0] and len(questions) == 2


def test_a_new_year_typed_with_a_chinese_input_method_creates_that_year(closed_cycle, page, login):
    login("kaoheban", PASSWORD)
    page.goto("/entry/cycles/")
    page.fill("form.cycle-create input[name=year]", "")
    page.focus("form.cycle-create input[name=year]")
    page.keyboard.insert_text("２０２８")
    # A number input would have dropped the full-width digits, unseen.
    assert page.input_value("form.cycle-create input[name=year]") == "２０２８"
    page.click("form.cycle-create button[value=create]")
    page.wait_for_load_state()
    assert Cycle.objects.filter(year=2028).exists()
