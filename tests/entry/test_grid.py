from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.db import connection

from scoring.models import Cycle, IndicatorValue
from tests.entry.conftest import grid_post, grid_url

URLENCODED = "application/x-www-form-urlencoded"

pytestmark = pytest.mark.django_db


def test_the_grid_shows_the_scorers_indicators_with_maximum_and_method(
    scorer_client, open_cycle, scorer, district, make_indicator
):
    units, (x1, x2) = district(cycle=open_cycle, owner=scorer, units=2, indicators=2)
    make_indicator("NOT-MINE", 10)
    page = scorer_client.get(grid_url(open_cycle)).content.decode()
    assert "X01" in page and "X02" in page and "NOT-MINE" not in page
    assert "直接赋分 · 满分 10" in page
    assert page.count('inputmode="decimal"') == 4
    assert '<strong id="missing-count">4</strong> / 4' in page


def test_saving_keeps_valid_cells_marks_invalid_ones_and_counts_what_is_missing(
    scorer_client, open_cycle, scorer, district
):
    (town1, town2), (x1, x2) = district(cycle=open_cycle, owner=scorer, units=2, indicators=2)
    data = grid_post(open_cycle, "Q1", {(town1, x1, 0): "７", (town2, x1, 0): "11"})
    page = scorer_client.post(grid_url(open_cycle), data).content.decode()
    assert "已保存 1 项" in page
    assert "1 项未保存" in page
    assert "分值应在 0 到 10 之间，实为 11" in page
    assert 'value="11"' in page  # what was typed stays, to be corrected
    assert '<strong id="missing-count">2</strong>' in page  # the refused one is typed
    assert IndicatorValue.objects.get().value == Decimal("7")


def test_a_clean_save_goes_back_to_the_grid(scorer_client, open_cycle, scorer, district):
    (town1, _), (x1, _) = district(cycle=open_cycle, owner=scorer, units=2, indicators=2)
    response = scorer_client.post(
        grid_url(open_cycle), grid_post(open_cycle, "Q1", {(town1, x1, 0): "5"})
    )
    assert response.status_code == 302
    assert response.url == f"/entry/?cycle={open_cycle.year}&period=Q1"


def test_the_second_of_two_editors_sees_the_first_ones_value(
    client, open_cycle, scorer, admin_user, district
):
    (town1, _), (x1,) = district(cycle=open_cycle, owner=scorer, units=2, indicators=1)
    client.force_login(admin_user)
    client.post(grid_url(open_cycle), grid_post(open_cycle, "Q1", {(town1, x1, 0): "6"}))
    client.force_login(scorer)
    # The scorer's page was loaded before the admin saved: it carries version 0.
    page = client.post(
        grid_url(open_cycle), grid_post(open_cycle, "Q1", {(town1, x1, 0): "8"})
    ).content.decode()
    assert "您填的 8 未保存：kaoheban 已改为 6" in page
    assert IndicatorValue.objects.get().value == Decimal("6")


def test_a_scorer_can_neither_read_nor_write_an_indicator_they_do_not_own(
    scorer_client, open_cycle, scorer, district, make_indicator
):
    (town1, _), _mine = district(cycle=open_cycle, owner=scorer, units=2, indicators=1)
    other = make_indicator("NOT-MINE", 10)
    assert scorer_client.get(grid_url(open_cycle, indicator=other.pk)).status_code == 403
    for no_id in ("abc", "²", "9" * 5000):
        assert scorer_client.get(grid_url(open_cycle, indicator=no_id)).status_code == 403
    response = scorer_client.post(
        grid_url(open_cycle), grid_post(open_cycle, "Q1", {(town1, other, 0): "5"})
    )
    assert response.status_code == 403
    assert not IndicatorValue.objects.exists()


def test_a_field_named_like_a_cell_with_an_id_of_thousands_of_digits_is_no_cell(
    scorer_client, open_cycle, scorer, district
):
    (town1, _), (x1,) = district(cycle=open_cycle, owner=scorer, units=2, indicators=1)
    posted = grid_post(open_cycle, "Q1", {(town1, x1, 0): "5"})
    posted[f"c-{'9' * 5000}-{x1.pk}-0"] = "6"
    # As the grid's form posts it: multipart would refuse a name this long before the view.
    form = urlencode(posted)
    response = scorer_client.post(grid_url(open_cycle), form, content_type=URLENCODED)
    assert response.status_code == 302
    assert [(v.unit, v.value) for v in IndicatorValue.objects.all()] == [(town1, Decimal(5))]


@pytest.mark.parametrize("state", [Cycle.State.CLOSED, Cycle.State.PUBLISHED])
def test_a_locked_cycle_shows_the_grid_read_only_and_refuses_a_post(
    scorer_client, open_cycle, scorer, district, state
):
    (town1, _), (x1,) = district(cycle=open_cycle, owner=scorer, units=2, indicators=1)
    Cycle.objects.filter(pk=open_cycle.pk).update(state=state)
    page = scorer_client.get(grid_url(open_cycle)).content.decode()
    assert "数据只能查看，不能修改" in page
    assert 'id="save"' not in page
    page = scorer_client.post(
        grid_url(open_cycle), grid_post(open_cycle, "Q1", {(town1, x1, 0): "5"})
    ).content.decode()
    assert "不能再修改任何数据" in page
    assert not IndicatorValue.objects.exists()


# A save writes the grid (15 queries) and recomputes the touched category's quarter and year
# (18 or 19 more, whatever the number of units: the first on a connection creates its
# temporary tables). On PostgreSQL the total is the same at any size;
# SQLite's limit of 999 parameters per statement splits the bulk writes into batches that grow
# with the grid.
@pytest.mark.parametrize("units", [20, 40])
def test_a_full_grid_of_15_indicators_saves_in_one_request_with_fixed_queries(
    scorer_client, open_cycle, scorer, district, units, django_assert_max_num_queries
):
    made_units, indicators = district(cycle=open_cycle, owner=scorer, units=units, indicators=15)
    expected = 34 if connection.vendor == "postgresql" else 35 + units
    with django_assert_max_num_queries(expected):
        response = scorer_client.post(
            grid_url(open_cycle),
            grid_post(open_cycle, "Q1", {(u, i, 0): "5" for u in made_units for i in indicators}),
        )
    assert response.status_code == 302
    assert IndicatorValue.objects.count() == units * 15
    changed = {(unit, indicator, 1): "6" for unit in made_units for indicator in indicators}
    with django_assert_max_num_queries(expected):
        scorer_client.post(grid_url(open_cycle), grid_post(open_cycle, "Q1", changed))
    assert IndicatorValue.objects.filter(value=6, version=2).count() == units * 15
    with django_assert_max_num_queries(12):
        page = scorer_client.get(grid_url(open_cycle))
    assert page.content.decode().count('value="6"') == units * 15


def test_a_districts_whole_grid_of_2400_cells_saves_in_one_request(
    scorer_client, open_cycle, scorer, district
):
    # 60 units × 40 indicators, typed or pasted in one go: more fields than Django's default
    # limit of 1,000, which would answer 400 and lose the scorer's work.
    made_units, indicators = district(cycle=open_cycle, owner=scorer, units=60, indicators=40)
    response = scorer_client.post(
        grid_url(open_cycle),
        grid_post(open_cycle, "Q1", {(u, i, 0): "5" for u in made_units for i in indicators}),
    )
    assert response.status_code == 302
    assert IndicatorValue.objects.count() == 2400
