"""A rater group's weight and a cycle setting typed in Chromium with a Chinese input method:
the full-width ０．３ it commits reaches the server, which reads it as 0.3 (a number input
would drop it)."""

from decimal import Decimal

import pytest

from scoring.models import Cycle, RaterGroup
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def type_and_save(page, screenshot, name: str, shot: str) -> None:
    """Type ０．３ into the field as an input method commits it, and save the admin's form."""
    page.fill(f"input[name={name}]", "")
    page.focus(f"input[name={name}]")
    page.keyboard.insert_text("０．３")
    assert page.input_value(f"input[name={name}]") == "０．３"
    screenshot(shot)

    page.click("input[name=_save]")
    page.wait_for_load_state()


def test_a_weight_typed_in_full_width_digits_is_saved(page, admin_user, screenshot):
    cycle = Cycle.objects.create(year=2026)
    log_in(page, "admin", "password")
    page.goto("/admin/scoring/ratergroup/add/")
    page.select_option("select[name=cycle]", str(cycle.pk))
    page.fill("input[name=code]", "LD")
    page.fill("input[name=name]", "区领导")
    type_and_save(page, screenshot, "weight", "rater-group-weight-typed")

    assert RaterGroup.objects.get().weight == Decimal("0.3")


def test_a_cycle_setting_typed_in_full_width_digits_is_saved(page, admin_user, screenshot):
    cycle = Cycle.objects.create(year=2026)
    log_in(page, "admin", "password")
    page.goto(f"/admin/scoring/cycle/{cycle.pk}/change/")
    type_and_save(page, screenshot, "alpha_principal", "cycle-setting-typed")

    cycle.refresh_from_db()
    assert cycle.alpha_principal == Decimal("0.3")
