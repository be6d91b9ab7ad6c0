"""The what-if of a closed quarter ranks the units that quarter assessed, as its ranking does:
a unit retired since is still there (and may be changed), one created since is not."""

import pytest

from cadre.models import Unit
from scoring.services.cycles import cycle_quarter_close
from scoring.services.refresh import results_refresh_unlocked
from tests.quarters import ranked_district

pytestmark = pytest.mark.django_db

WHATIF = (
    "/dashboard/whatif/?cycle=2026&category=ZJ&run=1"
    "&weight_q1=0.25&weight_q2=0.25&weight_q3=0.25&weight_q4=0.25"
)


@pytest.fixture
def district():
    """Q1 closed with the four towns; then ZJ04 retired and ZJ05 created, as the admin does."""
    made = ranked_district()
    cycle_quarter_close(cycle=made["cycle"], quarter="Q1", by=made["admin"])
    Unit.objects.filter(code="ZJ04").update(is_active=False)
    Unit.objects.create(code="ZJ05", name="新设街道", category=made["towns"], sort_order=9)
    results_refresh_unlocked()
    return made


def _rows(response) -> dict:
    return {row.unit.code: row for row in response.context["rows"]}


def test_a_closed_quarters_whatif_ranks_the_units_it_assessed(leader_client, district):
    response = leader_client.get(f"{WHATIF}&period=Q1&indicator=R&max_points=500")
    rows = _rows(response)
    assert sorted(rows) == ["ZJ01", "ZJ02", "ZJ03", "ZJ04"]
    # Nothing that counts changed: the sandbox ranks them as the quarter was closed.
    assert {code: (row.sandbox.total, row.sandbox.rank) for code, row in rows.items()} == {
        code: (row.real.total, row.real.rank) for code, row in rows.items()
    }
    units = dict(response.context["form"].fields["unit"].choices)
    assert "ZJ04" in units and "ZJ05" not in units


def test_the_retired_units_value_can_be_tried_in_the_closed_quarter(leader_client, district):
    # ZJ04 led the rank indicator with 95: at 40 it comes last on it.
    response = leader_client.get(
        f"{WHATIF}&period=Q1&unit=ZJ04&value_indicator=R&value_period=Q1&value=40"
    )
    rows = _rows(response)
    assert rows["ZJ04"].sandbox.total < rows["ZJ04"].real.total
    assert rows["ZJ01"].rank_change > 0


def test_an_open_quarters_whatif_ranks_the_units_taking_part(leader_client, district):
    rows = _rows(leader_client.get(f"{WHATIF}&period=Q2&indicator=R&max_points=500"))
    assert sorted(rows) == ["ZJ01", "ZJ02", "ZJ03", "ZJ05"]
