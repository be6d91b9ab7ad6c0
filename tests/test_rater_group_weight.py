"""A rater group's weight typed as a Chinese input method types it (０．３) is read, in the
cycle's page and the rater group's own."""

from decimal import Decimal

import pytest

from scoring.models import Cycle, RaterGroup
from tests.entry.test_closed_quarters import change_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle():
    return Cycle.objects.create(year=2026)


def test_the_weight_is_a_text_input_that_opens_a_decimal_keypad(admin_client):
    page = admin_client.get("/admin/scoring/ratergroup/add/").content.decode()

    assert 'type="text" name="weight"' in page and 'inputmode="decimal"' in page
    assert 'type="number" name="weight"' not in page


def test_full_width_digits_are_read_as_the_weight(admin_client, cycle):
    response = admin_client.post(
        "/admin/scoring/ratergroup/add/",
        {"cycle": cycle.pk, "code": "LD", "name": "区领导", "weight": " ０．３ "},
    )

    assert response.status_code == 302
    assert RaterGroup.objects.get().weight == Decimal("0.3")


def test_a_weight_that_is_no_number_is_refused_in_words(admin_client, cycle):
    response = admin_client.post(
        "/admin/scoring/ratergroup/add/",
        {"cycle": cycle.pk, "code": "LD", "name": "区领导", "weight": "0.3x"},
    )

    assert response.context["adminform"].form.errors["weight"] == ["应为数字，实为“0.3x”"]
    assert not RaterGroup.objects.exists()


def test_the_cycles_page_reads_full_width_weights_too(admin_client, cycle):
    RaterGroup.objects.create(cycle=cycle, code="LD", name="区领导", weight=Decimal("0.6"))
    url = f"/admin/scoring/cycle/{cycle.pk}/change/"
    form = change_form_data(admin_client, url)

    response = admin_client.post(url, {**form, "rater_groups-0-weight": "０。４"})

    assert response.status_code == 302
    assert RaterGroup.objects.get().weight == Decimal("0.4")
