"""A rater group's weight and a cycle setting typed in Chromium with a Chinese input method:
the full-width ０．３ it commits reaches the server, which reads it as 0.3 (a number input
would drop it)."""

from decimal import Decimal

import pytest

from scoring.models import Cycle, RaterGroup
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_weight_typed_in_full_width_digits_is_saved(page, admin_user, screenshot):
    cycle = Cycle.objects.create(year=2026)
    log_in(page, "admin", "password")
    page.goto("/admin/scoring/ratergroup/add/")
    page.select_option("select[name=cycle]", str(cycle.pk))
    page.fill("input[name=code]", "LD")
    page.fill("input[name=name]", "区领导")
    page.focus("input[name=weight]")
    page.keyboard.insert_text("０．３")  # what an input method commits
    assert page.input_value("input[name=weight]") == "０．３"
    screenshot("rater-group-weight-typed")

    page.click("input[name=_save]")
    page.wait_for_load_state()

    assert RaterGroup.objects.get().weight == Decimal("0.3")


def test_a_cycle_setting_typed_in_full_width_digits_is_saved(page, admin_user, screenshot):
    cycle = Cycle.objects.create(year=2026)
    log_in(page, "admin", "password")
    page.goto(f"/admin/scoring/cycle/{cycle.pk}/change/")
    page.fill("input[name=alpha_principal]", "")
    page.focus("input[name=alpha_principal]")
    page.keyboard.insert_text("０．３")  # what an input method commits
    assert page.input_value("input[name=alpha_principal]") == "０．３"
    screenshot("cycle-setting-typed")

    page.click("input[name=_save]")
    page.wait_for_load_state()

    cycle.refresh_from_db()
    assert cycle.alpha_principal == Decimal("0.3")
