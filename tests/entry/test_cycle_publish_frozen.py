"""Publishing freezes the results a cycle was closed with: closed means nobody can change a
score, so a unit moved to another category or an official transferred after the close changes
nothing in what is published. The close computes the results a last time."""

import pytest

from cadre.models import Official, Unit, UnitCategory
from scoring.models import Cycle, Indicator, OfficialScore, UnitResult
from scoring.services.cycles import cycle_close, cycle_publish
from scoring.services.refresh import results_refresh_unlocked
from tests.locked_years import district_make, year_scored

pytestmark = pytest.mark.django_db


@pytest.fixture
def units():
    return district_make()


@pytest.fixture
def open_year(units):
    cycle = year_scored(year=2026, state=Cycle.State.OPEN, units=units)
    # A tree that adds up, as publishing demands: A1 (130) and an annual area of 870.
    Indicator.objects.filter(cycle=cycle, code="A1").update(max_points=130)
    Indicator.objects.create(
        cycle=cycle, code="A2", name="综合评价", max_points=870, method="direct", frequency="annual"
    )
    return cycle


def standings(cycle) -> dict[str, tuple]:
    rows = UnitResult.objects.filter(cycle=cycle, period="Y").select_related("unit", "category")
    return {row.unit.code: (row.category.code, row.total, row.rank, row.grade) for row in rows}


def scored_at(cycle) -> dict[str, tuple]:
    rows = OfficialScore.objects.filter(cycle=cycle, period="Y").select_related("official", "unit")
    return {row.official.code: (row.unit.code, row.score) for row in rows}


def test_moves_after_the_close_change_nothing_in_what_is_published(open_year, units, admin_user):
    cycle_close(cycle=open_year, by=admin_user)
    closed_with, scores_closed_with = standings(open_year), scored_at(open_year)
    # After the close: a town becomes a department, a principal moves to another town, and
    # the admin's saves recompute what is still taking input.
    Unit.objects.filter(code="ZJ04").update(category=UnitCategory.objects.get(code="JJ"))
    Official.objects.filter(code="ZJ01-01").update(unit=units["ZJ02"])
    results_refresh_unlocked()
    snapshot = cycle_publish(cycle=open_year, by=admin_user)
    assert standings(open_year) == closed_with
    assert scored_at(open_year) == scores_closed_with
    published = {row["unit"]: row["category"] for row in snapshot.results if row["period"] == "Y"}
    assert published["ZJ04"] == "ZJ"


def test_the_close_computes_the_results_from_the_master_data_of_the_close(open_year, admin_user):
    """A move that reached no recomputation while open is in the results closed with."""
    Unit.objects.filter(code="ZJ04").update(category=UnitCategory.objects.get(code="JJ"))
    cycle_close(cycle=open_year, by=admin_user)
    assert standings(open_year)["ZJ04"][0] == "JJ"
