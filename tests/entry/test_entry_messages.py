"""What the entry pages say after a save or a verification: a success only when something
was stored, singular and plural right in English, counts grouped the reader's way."""

import re
from decimal import Decimal

import pytest

from scoring.models import IndicatorValue, Vote
from scoring.services.values import CellInput, values_save
from tests.entry.conftest import grid_post, grid_url

pytestmark = pytest.mark.django_db

MESSAGE = re.compile(r'<li class="msg-(\w+)">(.*?)</li>')
NOTHING_CHANGED = "没有改动，未保存任何数据。"


def shown_messages(response) -> list[tuple[str, str]]:
    """The messages on the page as a person sees them: (kind, text), in order."""
    return MESSAGE.findall(response.content.decode())


def verify_url(cycle, period="Q1"):
    return f"/entry/verify/?cycle={cycle.year}&period={period}"


@pytest.fixture
def stored_five(open_cycle, scorer, district):
    """Two units and one indicator of the scorer's; the first unit's Q1 value is 5 (version 1)."""
    towns, (indicator,) = district(cycle=open_cycle, owner=scorer, units=2, indicators=1)
    values_save(
        cycle=open_cycle,
        cells=[CellInput(unit=towns[0], indicator=indicator, period="Q1", raw="5", version=0)],
        by=scorer,
        source="填报页面",
    )
    return towns, indicator


@pytest.mark.parametrize(
    ("town", "text", "version"), [(0, "5", 1), (1, "", 0)], ids=["same value", "blank"]
)
def test_a_grid_save_that_changes_nothing_says_so_as_information(
    client, open_cycle, scorer, stored_five, town, text, version
):
    towns, indicator = stored_five
    client.force_login(scorer)
    data = grid_post(open_cycle, "Q1", {(towns[town], indicator, version): text})
    response = client.post(grid_url(open_cycle), data, follow=True)
    assert shown_messages(response) == [("info", NOTHING_CHANGED)]
    assert IndicatorValue.objects.get().version == 1


def test_a_grid_save_of_refused_cells_only_shows_only_the_error(
    client, open_cycle, scorer, stored_five
):
    towns, indicator = stored_five
    client.force_login(scorer)
    data = grid_post(open_cycle, "Q1", {(towns[0], indicator, 1): "abc"})
    response = client.post(grid_url(open_cycle), data)
    assert shown_messages(response) == [("error", "1 项未保存，请查看标红的单元格。")]


def test_a_grid_save_of_good_and_refused_cells_says_both(client, open_cycle, scorer, district):
    (town1, town2), (indicator,) = district(cycle=open_cycle, owner=scorer, units=2, indicators=1)
    client.force_login(scorer)
    data = grid_post(open_cycle, "Q1", {(town1, indicator, 0): "5", (town2, indicator, 0): "x"})
    response = client.post(grid_url(open_cycle), data)
    assert shown_messages(response) == [
        ("success", "已保存 1 项（新增 1，修改 0）。"),
        ("error", "1 项未保存，请查看标红的单元格。"),
    ]


@pytest.mark.parametrize(
    ("cells", "said"),
    [
        ({(0, "6")}, "Saved 1 value (0 new, 1 changed)."),
        ({(0, "6"), (1, "7")}, "Saved 2 values (1 new, 1 changed)."),
    ],
)
def test_a_grid_save_says_value_or_values_in_english(
    english, open_cycle, scorer, district, cells, said
):
    towns, (indicator,) = district(cycle=open_cycle, owner=scorer, units=2, indicators=1)
    values_save(
        cycle=open_cycle,
        cells=[CellInput(unit=towns[0], indicator=indicator, period="Q1", raw="5")],
        by=scorer,
        source="填报页面",
    )
    english.force_login(scorer)
    versions = {0: 1, 1: 0}
    data = grid_post(
        open_cycle, "Q1", {(towns[n], indicator, versions[n]): text for n, text in cells}
    )
    response = english.post(grid_url(open_cycle), data, follow=True)
    assert shown_messages(response) == [("success", said)]


@pytest.mark.parametrize(
    ("bad", "said"),
    [
        (1, "1 value was not saved: see the cell marked in red."),
        (2, "2 values were not saved: see the cells marked in red."),
    ],
)
def test_refused_cells_are_counted_in_english(english, open_cycle, scorer, district, bad, said):
    towns, (indicator,) = district(cycle=open_cycle, owner=scorer, units=2, indicators=1)
    english.force_login(scorer)
    data = grid_post(open_cycle, "Q1", {(town, indicator, 0): "x" for town in towns[:bad]})
    response = english.post(grid_url(open_cycle), data)
    assert shown_messages(response) == [("error", said)]


@pytest.fixture
def votes_url(open_cycle, scorer, unit, make_indicator):
    evaluation = make_indicator("E1", 50, method="evaluation")
    evaluation.owners.add(scorer)
    return (
        f"/entry/votes/?cycle={open_cycle.year}&period=Q1&indicator={evaluation.pk}&unit={unit.pk}"
    )


def vote_form(group, excellent):
    return {
        f"g{group.pk}-excellent": excellent,
        **{f"g{group.pk}-{name}": 0 for name in ("competent", "basic", "incompetent")},
    }


def test_votes_saved_unchanged_say_nothing_changed(client, open_cycle, scorer, votes_url):
    group = open_cycle.rater_groups.get()
    client.force_login(scorer)
    client.post(votes_url, vote_form(group, 3), follow=True)
    response = client.post(votes_url, vote_form(group, 3), follow=True)
    assert shown_messages(response) == [("info", NOTHING_CHANGED)]
    assert Vote.objects.get().excellent == 3


def test_votes_of_one_rater_group_are_said_in_the_singular(english, open_cycle, scorer, votes_url):
    group = open_cycle.rater_groups.get()
    english.force_login(scorer)
    response = english.post(votes_url, vote_form(group, 3), follow=True)
    assert shown_messages(response) == [("success", "Saved the votes of 1 rater group.")]


@pytest.fixture
def unverified(open_cycle, scorer, district):
    """Make `units` × `indicators` unverified Q1 values; return the indicators."""

    def make(units, indicators):
        made_units, made = district(
            cycle=open_cycle, owner=scorer, units=units, indicators=indicators
        )
        IndicatorValue.objects.bulk_create(
            IndicatorValue(indicator=i, unit=u, period="Q1", value=Decimal(5))
            for u in made_units
            for i in made
        )
        return made

    return make


def test_verifying_with_no_indicator_ticked_asks_for_one(
    client, open_cycle, admin_user, unverified
):
    unverified(1, 1)
    client.force_login(admin_user)
    response = client.post(verify_url(open_cycle), {}, follow=True)
    assert shown_messages(response) == [("warning", "请至少勾选一项指标。")]
    assert not IndicatorValue.objects.filter(verified_at__isnull=False).exists()


def test_verifying_indicators_with_nothing_left_to_verify_says_so(
    client, open_cycle, admin_user, unverified
):
    (indicator,) = unverified(1, 1)
    client.force_login(admin_user)
    client.post(verify_url(open_cycle), {"indicator": [indicator.pk]}, follow=True)
    response = client.post(verify_url(open_cycle), {"indicator": [indicator.pk]}, follow=True)
    assert shown_messages(response) == [("info", "所选指标没有待审核的数据。")]


@pytest.mark.parametrize(("units", "said"), [(1, "Verified 1 value."), (2, "Verified 2 values.")])
def test_a_verification_says_value_or_values_in_english(
    english, open_cycle, admin_user, unverified, units, said
):
    (indicator,) = unverified(units, 1)
    english.force_login(admin_user)
    response = english.post(verify_url(open_cycle), {"indicator": [indicator.pk]}, follow=True)
    assert shown_messages(response) == [("success", said)]


def test_counts_of_values_are_grouped_by_thousands_in_english_only(
    client, english, open_cycle, admin_user, unverified
):
    indicators = unverified(40, 30)
    english.force_login(admin_user)
    page = english.get(verify_url(open_cycle)).content.decode()
    assert "1,200 values of Q1 are not verified yet, 1,200 in the whole cycle." in page
    response = english.post(
        verify_url(open_cycle), {"indicator": [i.pk for i in indicators]}, follow=True
    )
    assert shown_messages(response) == [("success", "Verified 1,200 values.")]
    IndicatorValue.objects.update(verified_at=None)
    english.cookies["django_language"] = "zh-hans"
    assert (
        "第一季度还有 1200 项数据未审核，本周期共 1200 项。"
        in english.get(verify_url(open_cycle)).content.decode()
    )
