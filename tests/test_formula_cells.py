"""Text Excel would run as a formula is escaped on export even behind blanks: " =7+8" too, as
the scorer's template, the admin's exports and the workbooks all go through cell_safe."""

import pytest

from cadre.models import Unit
from scoring.services.cells import cell_safe, cell_unescape
from tests.test_admin_imports import CSV, export


@pytest.mark.parametrize(
    "text",
    [
        *[" =7+8", "  +1+1", "\u3000@SUM(A1)", "\xa0-1+2", "\t=1+2", "\r=1+2", " \t=HYPERLINK()"],
        # Typed with a Chinese input method, which a Chinese Excel runs as well.
        *['＝HYPERLINK("http://x")', "＋1+1", "－1+2", "＠SUM(A1)", "\u3000＝7+8", "'＝1+1"],
    ],
)
def test_a_formula_behind_blanks_is_escaped_and_comes_back_as_it_was(text):
    assert cell_safe(text) == "'" + text
    assert cell_unescape(cell_safe(text)) == text


@pytest.mark.parametrize("text", [" -3.00", " +5", "城关 =街道", "A=1", " ", "城关＝街道"])
def test_a_number_or_an_equals_sign_inside_the_text_is_left_alone(text):
    assert cell_safe(text) == text


@pytest.mark.django_db
def test_the_admin_csv_export_escapes_a_name_starting_with_a_blank_and_an_equals_sign(
    admin_client, unit
):
    Unit.objects.filter(pk=unit.pk).update(name=" =7+8")
    exported = export(admin_client, "cadre/unit", CSV).decode("utf-8-sig")
    assert "' =7+8" in exported
