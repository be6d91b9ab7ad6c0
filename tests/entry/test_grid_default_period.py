"""Report C3: the grid opens on the period that still needs work, not always on Q1."""

from decimal import Decimal

import pytest

from cadre.models import Unit, UnitCategory
from cadre.roles import user_role_names
from scoring.models import Indicator, IndicatorValue, Vote
from scoring.selectors import period_needing_entry, units_active

pytestmark = pytest.mark.django_db


def fill(units, indicators, periods):
    IndicatorValue.objects.bulk_create(
        IndicatorValue(indicator=i, unit=u, period=p, value=Decimal(5))
        for u in units
        for i in indicators
        for p in periods
    )


def opened_on(client, cycle, query=""):
    return client.get(f"/entry/?cycle={cycle.year}{query}").context["period"]


def test_the_grid_opens_on_the_first_quarter_with_empty_cells(client, open_cycle, scorer, district):
    units, indicators = district(cycle=open_cycle, owner=scorer, units=2, indicators=2)
    fill(units, indicators, ["Q1", "Q2"])
    fill(units[:1], indicators, ["Q3"])  # one town still to fill in Q3
    client.force_login(scorer)
    assert opened_on(client, open_cycle) == "Q3"
    # A period picked still wins.
    assert opened_on(client, open_cycle, "&period=Q1") == "Q1"


def test_only_the_users_own_applicable_cells_of_active_units_count(
    client, open_cycle, scorer, other_scorer, district, make_indicator
):
    units, indicators = district(cycle=open_cycle, owner=scorer, units=2, indicators=1)
    fill(units, indicators, ["Q1"])
    # Someone else's empty indicator, one that applies to departments only, and a retired town
    # with a value of its own: none of them leaves the scorer work in Q1.
    make_indicator("NOT-MINE", 10).owners.add(other_scorer)
    departments = UnitCategory.objects.create(code="BM", name="区直部门")
    elsewhere = make_indicator("DEPT", 10)
    elsewhere.categories.add(departments)
    elsewhere.owners.add(scorer)
    retired = Unit.objects.create(
        code="OLD", name="旧镇", category=units[0].category, is_active=False
    )
    fill([retired], indicators, ["Q2"])
    client.force_login(scorer)
    assert opened_on(client, open_cycle) == "Q2"


def test_when_every_cell_is_filled_the_grid_opens_on_the_last_period_with_indicators(
    client, open_cycle, scorer, district, make_indicator
):
    units, indicators = district(cycle=open_cycle, owner=scorer, units=2, indicators=1)
    fill(units, indicators, ["Q1", "Q2", "Q3", "Q4"])
    client.force_login(scorer)
    assert opened_on(client, open_cycle) == "Q4"
    annual = make_indicator("ANNUAL", 10, frequency=Indicator.Frequency.ANNUAL)
    annual.owners.add(scorer)
    assert opened_on(client, open_cycle) == "Y"
    fill(units, [annual], ["Y"])
    assert opened_on(client, open_cycle) == "Y"


def test_the_period_is_found_in_a_fixed_number_of_queries(
    open_cycle, scorer, district, make_indicator, django_assert_num_queries
):
    units, indicators = district(cycle=open_cycle, owner=scorer, units=30, indicators=12)
    fill(units, indicators, ["Q1"])
    for code in ("Y1", "Y2"):
        make_indicator(code, 10, frequency=Indicator.Frequency.ANNUAL).owners.add(scorer)
    units = units_active()
    user_role_names(scorer)  # read once per request, by the page's role check
    # The indicators, their categories, and the filled cells of each period in turn until one
    # has an empty cell: Q1's (all filled), then Q2's.
    with django_assert_num_queries(4):
        assert period_needing_entry(cycle=open_cycle, user=scorer, units=units) == "Q2"
    fill(units, indicators, ["Q2", "Q3", "Q4"])
    # Every quarter filled: one count for each of Q1–Q4 and one for the year.
    with django_assert_num_queries(7):
        assert period_needing_entry(cycle=open_cycle, user=scorer, units=units) == "Y"


def test_values_outside_an_indicators_frequency_fill_no_cell(
    client, open_cycle, scorer, district, make_indicator
):
    units, indicators = district(cycle=open_cycle, owner=scorer, units=2, indicators=1)
    fill(units[:1], indicators, ["Q1"])  # the second town still to fill in Q1
    # Figures of an annual indicator stored for a quarter (the scoring reads and ignores
    # them): they leave the second town's Q1 cell empty.
    annual = make_indicator("ANNUAL", 10, frequency=Indicator.Frequency.ANNUAL)
    annual.owners.add(scorer)
    fill(units, [annual], ["Q1"])
    client.force_login(scorer)
    assert opened_on(client, open_cycle) == "Q1"


def test_evaluation_cells_are_filled_once_every_rater_group_rating_the_unit_has_voted(
    open_cycle, admin_user, district, make_indicator, django_assert_num_queries
):
    units, _indicators = district(cycle=open_cycle, owner=admin_user, units=2, indicators=1)
    evaluation = make_indicator("EVAL", 10, "evaluation")
    leaders = open_cycle.rater_groups.get()
    peers = open_cycle.rater_groups.create(code="PEER", name="同级部门", weight=Decimal("0.5"))
    # Groups that rate the departments only, or another indicator only, leave no town empty.
    departments = UnitCategory.objects.create(code="BM", name="区直部门")
    open_cycle.rater_groups.create(
        code="TOWNS", name="镇街评议", weight=Decimal("0.3")
    ).categories.add(departments)
    other = make_indicator("EVAL2", 10, "evaluation", frequency=Indicator.Frequency.ANNUAL)
    open_cycle.rater_groups.create(
        code="SVC", name="服务对象", weight=Decimal("0.2")
    ).indicators.add(other)
    for unit, period, group in [
        (units[0], "Q1", leaders),
        (units[0], "Q1", peers),
        (units[1], "Q1", leaders),
        (units[1], "Q1", peers),
        # Q2: the second town has the leaders' votes but not yet the peers' (1/2, not ✓).
        (units[0], "Q2", leaders),
        (units[0], "Q2", peers),
        (units[1], "Q2", leaders),
    ]:
        Vote.objects.create(indicator=evaluation, unit=unit, period=period, rater_group=group)
    evaluations_only = {
        "cycle": open_cycle,
        "user": admin_user,
        "units": units_active(),
        "methods": [Indicator.Method.EVALUATION],
    }
    user_role_names(admin_user)  # read once per request, by the page's role check
    # The indicators, their categories, the rater groups, what they rate, and for Q1 and then
    # Q2 the votes of the groups rating each unit counted per unit: no question asked per vote.
    with django_assert_num_queries(6):
        assert period_needing_entry(**evaluations_only) == "Q2"
    Vote.objects.create(indicator=evaluation, unit=units[1], period="Q2", rater_group=peers)
    assert period_needing_entry(**evaluations_only) == "Q3"


def test_the_import_page_offers_the_template_of_the_quarter_still_to_fill(
    client, open_cycle, scorer, district
):
    units, indicators = district(cycle=open_cycle, owner=scorer, units=2, indicators=2)
    fill(units, indicators, ["Q1", "Q2"])
    client.force_login(scorer)
    page = client.get("/entry/sheets/").content.decode()
    # 下载本期模板 and the tabs back to the grid lead to Q3, where the work is, not to Q1.
    assert f'href="/entry/sheets/template/{open_cycle.year}/Q3.xlsx">下载本期模板' in page
    assert f'href="/entry/?cycle={open_cycle.year}&amp;period=Q3"' in page


def test_units_no_group_rates_keep_no_period_open_for_votes(
    open_cycle, admin_user, district, make_indicator
):
    units, _indicators = district(cycle=open_cycle, owner=admin_user, units=2, indicators=1)
    evaluation = make_indicator("EVAL", 10, "evaluation")
    towns = units[0].category
    leaders = open_cycle.rater_groups.get()
    leaders.categories.add(towns)  # the leaders rate the towns only
    departments = UnitCategory.objects.create(code="BM", name="区直部门")
    Unit.objects.create(code="BM01", name="发改局", category=departments)
    for unit in units:
        Vote.objects.create(indicator=evaluation, unit=unit, period="Q1", rater_group=leaders)
    evaluations_only = {
        "cycle": open_cycle,
        "user": admin_user,
        "units": units_active(),
        "methods": [Indicator.Method.EVALUATION],
    }
    # 发改局 has no votes to enter: Q1 is done, and the page opens on Q2.
    assert period_needing_entry(**evaluations_only) == "Q2"
