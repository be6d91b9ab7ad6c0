"""A withdrawal, a reopening and an unverification need a reason: an empty one (or one of
spaces only) is refused by the browser at once, in its own words, before the confirm question
is asked and before anything is sent; the server used to refuse it only after 确定？."""

import pytest
from django.utils import timezone

from scoring.demo import DEMO_PASSWORD
from scoring.models import Adjustment, Cycle, IndicatorValue
from tests.browser.entry_grid import dialogs

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def refused_in_place(reason, seen):
    """The reason field is the invalid one, showing the browser's message, and nothing was
    asked."""
    assert seen == []
    assert reason.evaluate("field => field.matches(':invalid')")
    assert reason.evaluate("field => field.validationMessage") != ""
    assert reason.input_value() == ""


def blank_reasons_refused(form, button, seen):
    """Send the form with an empty reason, then one of spaces only: each refused in place.
    Return the reason field."""
    reason = form.locator("input[name=reason]")
    for typed in ["", "   "]:
        reason.fill(typed)
        form.get_by_role("button", name=button).click()
        refused_in_place(reason, seen)
    return reason


@pytest.fixture
def admin_page(page, demo_district, login):
    login("admin", DEMO_PASSWORD)
    return page


def test_withdrawing_an_adjustment_without_a_reason_asks_nothing(admin_page, screenshot):
    page = admin_page
    cycle = Cycle.objects.get(year=2026)
    page.goto(f"/entry/adjustments/?cycle={cycle.year}&period=Q3")
    seen = dialogs(page)
    form = page.locator("form.withdraw").first
    reason = blank_reasons_refused(form, "撤销", seen)
    screenshot("entry-adjustment-withdraw-needs-a-reason")
    assert not Adjustment.history.filter(history_type="-").exists()

    reason.fill("重复录入")
    form.get_by_role("button", name="撤销").click()
    assert seen == ["confirm"]


def test_reopening_a_published_cycle_without_a_reason_sends_nothing(admin_page):
    page = admin_page
    page.goto("/entry/cycles/")
    seen = dialogs(page)
    blank_reasons_refused(page.locator("form.reopen").first, "重新开放", seen)
    assert page.locator(".messages").count() == 0
    assert Cycle.objects.get(year=2025).state == Cycle.State.PUBLISHED


def test_unverifying_without_a_reason_sends_nothing(admin_page):
    page = admin_page
    cycle = Cycle.objects.get(year=2026)
    value = IndicatorValue.objects.filter(indicator__cycle=cycle, period="Q1").first()
    IndicatorValue.objects.filter(pk=value.pk).update(verified_at=timezone.now())
    page.goto(
        f"/entry/verify/verified/?cycle={cycle.year}&period=Q1&indicator={value.indicator_id}"
    )
    page.locator("input[name=value]").first.check()
    reason = page.locator("input[name=reason]")
    reason.fill(" ")
    page.get_by_role("button", name="撤销所选数据的审核").click()
    refused_in_place(reason, [])
    assert page.locator(".messages").count() == 0
    assert IndicatorValue.objects.get(pk=value.pk).verified_at is not None
