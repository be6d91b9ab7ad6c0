"""A district scored by the scoring service itself, for the tests of what a closed or published
year keeps showing after the master data changed (a unit moved or retired, an official
transferred)."""

from decimal import Decimal

from cadre.models import Official, Unit, UnitCategory
from scoring.models import Cycle, Indicator, IndicatorValue
from scoring.services.compute import results_compute

# Q1 figures per unit: rank, best ratio, direct for all, then the category's own indicator.
FIGURES = {
    "ZJ01": ("90", "80", "25", "28"),
    "ZJ02": ("70", "60", "20", "22"),
    "ZJ03": ("80", "40", "15", "18"),
    "ZJ04": ("60", "50", "10", "12"),
    "JJ01": ("50", "30", "28", "26"),
    "JJ02": ("40", "35", "24", "20"),
    "JJ03": ("45", "20", "18", "16"),
}


def district_make() -> dict[str, Unit]:
    """Four towns (镇街 ZJ) and three departments (经济部门 JJ), each with a principal."""
    towns = UnitCategory.objects.create(code="ZJ", name="镇街", sort_order=1)
    departments = UnitCategory.objects.create(code="JJ", name="经济部门", sort_order=2)
    units = {}
    for order, code in enumerate(FIGURES, start=1):
        category = towns if code.startswith("ZJ") else departments
        units[code] = Unit.objects.create(
            code=code, name=f"单位{code}", category=category, sort_order=order
        )
        Official.objects.create(
            code=f"{code}-01", name=f"书记{code}", unit=units[code], role="principal"
        )
    return units


def year_scored(*, year: int, state: str, units: dict[str, Unit]) -> Cycle:
    """A cycle whose Q1 and year are computed: a rank, a best-ratio and a direct indicator for
    every category, and a direct indicator of each category's own; then put in `state`."""
    cycle = Cycle.objects.create(year=year, state=Cycle.State.OPEN)
    area = Indicator.objects.create(cycle=cycle, code="A1", name="创新发展", max_points=100)

    def leaf(code, method, max_points, categories=(), **params):
        indicator = Indicator.objects.create(
            cycle=cycle,
            code=code,
            name=f"指标{code}",
            parent=area,
            max_points=Decimal(max_points),
            method=method,
            **params,
        )
        indicator.categories.set(categories)
        return indicator

    towns, departments = UnitCategory.objects.get(code="ZJ"), UnitCategory.objects.get(code="JJ")
    leaves = [
        leaf("A1.1", "rank", 20, min_share=Decimal("0.6")),
        leaf("A1.2", "best_ratio", 20),
        leaf("A1.3", "direct", 30),
        None,  # the category's own indicator, below
    ]
    own = {
        "ZJ": leaf("A1.4", "direct", 30, [towns]),
        "JJ": leaf("A1.5", "direct", 30, [departments]),
    }
    IndicatorValue.objects.bulk_create(
        IndicatorValue(
            indicator=indicator or own[code[:2]],
            unit=units[code],
            period="Q1",
            value=Decimal(figure),
        )
        for code, figures in FIGURES.items()
        for indicator, figure in zip(leaves, figures, strict=True)
    )
    results_compute(cycle=cycle)
    Cycle.objects.filter(pk=cycle.pk).update(state=state)
    cycle.refresh_from_db()
    return cycle
