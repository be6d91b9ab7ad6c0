"""Open years scored by the scoring service itself, with two quarters entered, for the tests
of closing and publishing a quarter on its own."""

from decimal import Decimal

from cadre import roles
from cadre.models import Official, Unit, UnitCategory
from scoring.models import Cycle, Indicator, RaterGroup
from scoring.services.cycles import cycle_quarter_close, cycle_quarter_publish
from scoring.services.values import CellInput, values_save
from tests.dashboard.factories import tree_make
from tests.entry.conftest import user_with_role
from tests.workbook.conftest import xlsx

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


# Per town and quarter: R (rank, 500 points, linear), B (best ratio, 500 points), V (veto).
# ZJ04 leads R and B in Q1: without it, or with a better newcomer, the others' points move.
RANKED_FIGURES = {
    "Q1": {"ZJ01": ("90", "80", "0"), "ZJ02": ("70", "100", "1"), "ZJ03": ("50", "60", "0"),
           "ZJ04": ("95", "120", "0")},
    "Q2": {"ZJ01": ("60", "50", "0"), "ZJ02": ("80", "40", "0"), "ZJ03": ("70", "45", "0"),
           "ZJ04": ("65", "55", "0")},
}  # fmt: skip


def ranked_district() -> dict:
    """2026, open: four towns (category ZJ), whose points depend on each other (rank and
    best-ratio indicators), Q1 and Q2 entered through the entry service, every quarter still
    open. Returns the cycle, the units by code, the category `towns` and the admin."""
    admin = user_with_role("kaoheban", roles.ADMIN, is_staff=True, is_superuser=True)
    towns = UnitCategory.objects.create(code="ZJ", name="镇街", sort_order=1)
    units = {
        code: Unit.objects.create(code=code, name=f"单位{code}", category=towns, sort_order=n)
        for n, code in enumerate(RANKED_FIGURES["Q1"])
    }
    cycle = Cycle.objects.create(year=2026, state=Cycle.State.OPEN)
    area = Indicator.objects.create(cycle=cycle, code="A", name="发展", max_points=1000)
    leaves = [
        Indicator.objects.create(
            cycle=cycle, code=code, name=f"指标{code}", parent=parent, max_points=points,
            method=method, sort_order=n,
        )
        for n, (code, parent, points, method) in enumerate(
            [("R", area, 500, "rank"), ("B", area, 500, "best_ratio"), ("V", None, 0, "veto")]
        )
    ]  # fmt: skip
    cells = [
        CellInput(unit=units[code], indicator=leaf, period=period, raw=raw)
        for period, rows in RANKED_FIGURES.items()
        for code, row in rows.items()
        for leaf, raw in zip(leaves, row, strict=True)
    ]
    values_save(cycle=cycle, cells=cells, by=admin, source="填报页面")
    return {"cycle": cycle, "units": units, "towns": towns, "admin": admin}


def next_year_workbook(units: list[list]) -> bytes:
    """An interchange workbook for 2027 of the categories ZJ and JJ, one indicator and the
    given rows of the units sheet (code, name, category). Units are shared by every year: what
    it does to them reaches 2026 too."""
    return xlsx(next_year_sheets(units))


def next_year_sheets(units: list[list]) -> dict[str, list[list]]:
    """The sheets of `next_year_workbook`, by their English names."""
    return {
        "settings": [["year", 2027]],
        "categories": [["ZJ", "镇街"], ["JJ", "经济部门"]],
        "units": units,
        "indicators": [["A", "发展", None, 1000], ["A.1", "党建", "A", 1000, "direct"]],
        **dict.fromkeys(
            ["officials", "responsibilities", "rater_groups", "values", "votes", "adjustments"],
            [],
        ),
    }
