"""Stored results for the dashboard tests, shaped like the scoring service's output."""

import json
from decimal import Decimal

from django.contrib.auth import get_user_model

from cadre import roles
from cadre.models import Unit, UnitCategory
from scoring.models import QUARTERS, Cycle, Grade, Indicator, OfficialScore, Period, UnitResult

AREAS = [("A1", "创新发展"), ("A2", "协调发展"), ("A3", "绿色发展"), ("A4", "开放发展")]
AREA_MAX = Decimal(250)


def tree_make(*, cycle: Cycle) -> list[Indicator]:
    """Create four areas of 250 points, each with one direct indicator; return the leaves."""
    leaves = []
    for order, (code, name) in enumerate(AREAS, start=1):
        area = Indicator.objects.create(
            cycle=cycle, code=code, name=name, max_points=AREA_MAX, sort_order=order * 10
        )
        leaves.append(
            Indicator.objects.create(
                cycle=cycle,
                code=f"{code}.1",
                name=f"{name}指标",
                parent=area,
                max_points=AREA_MAX,
                method=Indicator.Method.DIRECT,
                sort_order=order * 10 + 1,
            )
        )
    return leaves


def units_make(*, category: UnitCategory, count: int, start: int = 1) -> list[Unit]:
    Unit.objects.bulk_create(
        Unit(
            code=f"{category.code}{number:04d}",
            name=f"{category.name}单位{number}",
            category=category,
            sort_order=number,
        )
        for number in range(start, start + count)
    )
    return list(Unit.objects.filter(category=category).order_by("sort_order"))


def grade_for(*, cycle: Cycle, total: Decimal, place: int, size: int, vetoed: bool) -> str:
    if total >= cycle.excellent_min and not vetoed and place <= int(size * cycle.excellent_share):
        return Grade.EXCELLENT
    if total >= cycle.good_min and not vetoed:
        return Grade.GOOD
    if total >= cycle.fair_min:
        return Grade.FAIR
    return Grade.POOR


def results_store(
    *,
    cycle: Cycle,
    period: str,
    totals: dict[Unit, Decimal],
    vetoed: frozenset = frozenset(),
    needs_adjustment: frozenset = frozenset(),
    missing: dict | None = None,
) -> list[UnitResult]:
    """Store one period's results: areas share the total evenly, ranks 1, 2, 2, 4 by total."""
    ordered = sorted(totals.items(), key=lambda item: -item[1])
    rows = []
    for unit, total in ordered:
        place = 1 + sum(1 for other in totals.values() if other > total)
        share = (total / len(AREAS)).quantize(Decimal("0.0001"))
        rows.append(
            UnitResult(
                cycle=cycle,
                unit=unit,
                period=period,
                category_id=unit.category_id,
                earned=total,
                applicable_max=Decimal(1000),
                total=total,
                rank=place,
                grade=grade_for(
                    cycle=cycle,
                    total=total,
                    place=place,
                    size=len(totals),
                    vetoed=unit in vetoed,
                ),
                vetoed=unit in vetoed,
                needs_adjustment=unit in needs_adjustment,
                area_points={code: str(share) for code, _name in AREAS},
                missing=(missing or {}).get(unit, []),
            )
        )
    return UnitResult.objects.bulk_create(rows, batch_size=2000)


def year_store(*, cycle: Cycle, units: list[Unit], base: Decimal = Decimal(950)) -> None:
    """Store Q1…Q4 and Y for the units: unit i scores base − 7·i, quarters drift a little.

    Past 60 units the step shrinks so that every total stays above 500.
    """
    step = min(Decimal(7), (Decimal(420) / len(units)).quantize(Decimal("0.01")))
    for offset, period in enumerate([*QUARTERS, Period.YEAR]):
        totals = {}
        for index, unit in enumerate(units):
            drift = Decimal((index * 3 + offset * 5) % 11) if period != Period.YEAR else 0
            totals[unit] = base - step * index + drift
        results_store(cycle=cycle, period=period, totals=totals)


def user_with_role(username: str, role: str | None):
    user = get_user_model().objects.create_user(username, password="Kaohe@2026")
    if role:
        user.groups.add(roles.role_groups_ensure()[role])
    return user


def embedded_charts(response) -> dict:
    """Return the chart data a page embeds with json_script."""
    html = response.content.decode()
    start = html.index('id="charts-data" type="application/json">') + len(
        'id="charts-data" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


def official_score_store(*, cycle: Cycle, official, unit_total: str, own_part: str, alpha: str):
    """Store an official's annual score: α × unit total + (1 − α) × own part."""
    alpha_share = Decimal(alpha)
    return OfficialScore.objects.create(
        cycle=cycle,
        official=official,
        unit=official.unit,
        unit_total=Decimal(unit_total),
        own_part=Decimal(own_part),
        alpha=alpha_share,
        score=alpha_share * Decimal(unit_total) + (1 - alpha_share) * Decimal(own_part),
    )
