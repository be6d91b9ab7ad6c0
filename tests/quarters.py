"""An open year scored by the scoring service itself, with two quarters entered, for the tests
of closing and publishing a quarter on its own."""

from decimal import Decimal

from cadre import roles
from cadre.models import Official, Unit, UnitCategory
from scoring.models import Cycle, RaterGroup
from scoring.services.cycles import cycle_quarter_close, cycle_quarter_publish
from scoring.services.values import CellInput, values_save
from tests.dashboard.factories import tree_make
from tests.entry.conftest import user_with_role

# Each town's points on every one of the four indicators, per quarter: the totals are these
# × 4 (four indicators of 250 points), so that Q1, Q2 and the year read apart on a page.
POINTS = {"ZJ01": {"Q1": "200", "Q2": "150"}, "ZJ02": {"Q1": "100", "Q2": "50"}}
# What those give: Q1 and Q2 totals, and the year's (0.25 × Q1 + 0.25 × Q2, Q3 and Q4 empty).
TOTALS = {
    "ZJ01": {"Q1": "800.00", "Q2": "600.00", "Y": "350.00"},
    "ZJ02": {"Q1": "400.00", "Q2": "200.00", "Y": "150.00"},
}


def quarter_district() -> dict:
    """An open 2026 cycle of four areas of 250 points (see tree_make), each with one quarterly
    direct indicator; two towns with a principal each; Q1 and Q2 entered by the
    考核办 through the entry service, which computes the results. Returns the cycle, the
    units by code, the leaves, the admin and a liaison of ZJ01."""
    towns = UnitCategory.objects.create(code="ZJ", name="镇街", sort_order=1)
    units = {
        code: Unit.objects.create(code=code, name=f"单位{code}", category=towns, sort_order=n)
        for n, code in enumerate(POINTS, start=1)
    }
    for code, unit in units.items():
        Official.objects.create(code=f"{code}-01", name=f"书记{code}", unit=unit, role="principal")
    cycle = Cycle.objects.create(year=2026, state=Cycle.State.OPEN)
    RaterGroup.objects.create(cycle=cycle, code="LD", name="区领导", weight=Decimal("1"))
    leaves = tree_make(cycle=cycle)
    admin = user_with_role("kaoheban", roles.ADMIN, is_staff=True)
    liaison = user_with_role("lianluo", roles.LIAISON)
    liaison.liaison_units.add(units["ZJ01"])
    cells = [
        CellInput(unit=units[code], indicator=leaf, period=period, raw=points)
        for code, by_period in POINTS.items()
        for period, points in by_period.items()
        for leaf in leaves
    ]
    values_save(cycle=cycle, cells=cells, by=admin, source="填报页面")
    return {"cycle": cycle, "units": units, "leaves": leaves, "admin": admin, "liaison": liaison}


def quarters_moved(made: dict) -> dict:
    """Move the quarters of a quarter_district: Q1 closed and published, Q2 closed, the rest
    open."""
    cycle, admin = made["cycle"], made["admin"]
    cycle_quarter_close(cycle=cycle, quarter="Q1", by=admin)
    cycle_quarter_publish(cycle=cycle, quarter="Q1", by=admin)
    made["cycle"] = cycle_quarter_close(cycle=cycle, quarter="Q2", by=admin)
    return made
