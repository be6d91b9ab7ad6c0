"""Benchmark of the scoring service on a synthetic cycle; prints its figures.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kaohe_bench_score \\
        python bench/scoring_bench.py --units 5000

It migrates the database it is pointed at and REPLACES every unit, official and cycle in it,
then builds one cycle (units in categories of about 500, an indicator tree using every method,
quarterly values for Q1–Q4 and annual ones for Y, votes, responsibilities) with COPY, and times:
a full `results_compute`, the recompute after one saved value, and, for comparison, one plain
`SUM … GROUP BY` over the same values.
"""

import argparse
import io
import os
import random
import resource
import sys
import time
from decimal import Decimal
from pathlib import Path
from statistics import median

from server_cpu import server_cpu_clock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from cadre.models import Official, Unit, UnitCategory  # noqa: E402
from scoring.models import (  # noqa: E402
    CategoryPoints,
    Cycle,
    Indicator,
    IndicatorValue,
    OfficialScore,
    RaterGroup,
    Responsibility,
    UnitResult,
    Vote,
)
from scoring.services.compute import results_compute  # noqa: E402
from scoring.services.refresh import results_refresh_for_changes  # noqa: E402

UNITS_PER_CATEGORY = 500
QUARTERS = ["Q1", "Q2", "Q3", "Q4"]
METHODS = ["direct", "completion", "rank", "best_ratio", "deduction", "completion", "direct"]


def copy_rows(model, columns: list[str], rows) -> int:
    """COPY rows (tuples) into the model's table in chunks; return how many."""
    table = model._meta.db_table
    count = 0
    buffer = io.StringIO()
    with connection.cursor() as cursor:
        for row in rows:
            buffer.write("\t".join(str(cell) for cell in row) + "\n")
            count += 1
            if count % 200_000 == 0:
                buffer.seek(0)
                cursor.cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)
                buffer = io.StringIO()
        buffer.seek(0)
        cursor.cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)
    return count


def indicator_plan(count: int) -> list[dict]:
    """Leaves spread over six areas; every tenth annual, a few evaluation, bonus and veto."""
    plan = []
    for number in range(count - 3):
        method = "evaluation" if number % 25 == 24 else METHODS[number % len(METHODS)]
        plan.append(
            {
                "code": f"I{number:03d}",
                "area": f"A{number % 6}",
                "method": method,
                "frequency": "annual"
                if number % 10 == 9 or method == "evaluation"
                else "quarterly",
                "restricted": number % 7 == 3,
            }
        )
    plan += [
        {
            "code": "B01",
            "area": None,
            "method": "bonus",
            "frequency": "quarterly",
            "restricted": False,
        },
        {
            "code": "B02",
            "area": None,
            "method": "bonus",
            "frequency": "annual",
            "restricted": False,
        },
        {
            "code": "V01",
            "area": None,
            "method": "veto",
            "frequency": "quarterly",
            "restricted": False,
        },
    ]
    return plan


def build(units: int, indicators: int, every_period: bool) -> tuple[Cycle, int]:
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE scoring_cycle, cadre_unitcategory, cadre_unit, cadre_official CASCADE"
        )
    rng = random.Random(7)
    categories = UnitCategory.objects.bulk_create(
        UnitCategory(code=f"C{number:02d}", name=f"类别{number}", sort_order=number)
        for number in range(max(4, units // UNITS_PER_CATEGORY))
    )
    Unit.objects.bulk_create(
        Unit(
            code=f"U{number:05d}",
            name=f"单位{number}",
            category=categories[number % len(categories)],
        )
        for number in range(units)
    )
    unit_rows = list(Unit.objects.values_list("pk", "category_id"))
    Official.objects.bulk_create(
        Official(
            code=f"O{pk}-{n}",
            name=f"干部{pk}-{n}",
            unit_id=pk,
            role="principal" if n == 0 else "member",
        )
        for pk, _ in unit_rows
        for n in range(4)
    )
    cycle = Cycle.objects.create(year=2026, state=Cycle.State.OPEN)
    groups = RaterGroup.objects.bulk_create(
        [
            RaterGroup(cycle=cycle, code="LD", name="区领导", weight=Decimal("0.6")),
            RaterGroup(cycle=cycle, code="FW", name="服务对象", weight=Decimal("0.4")),
        ]
    )
    plan = indicator_plan(indicators)
    scored = [item for item in plan if item["area"]]
    areas = {
        code: Indicator.objects.create(
            cycle=cycle, code=code, name=code, max_points=0, sort_order=n
        )
        for n, code in enumerate(sorted({item["area"] for item in scored}))
    }
    leaves = []
    for order, item in enumerate(plan, start=10):
        method = item["method"]
        leaves.append(
            Indicator(
                cycle=cycle,
                code=item["code"],
                name=item["code"],
                parent=areas.get(item["area"]),
                sort_order=order,
                max_points=Decimal(10),
                method=method,
                frequency=item["frequency"],
                target=Decimal(100) if method == "completion" else None,
                cap=Decimal("1.2"),
                step=Decimal("0.01") if method == "rank" and order % 2 else None,
                per_incident=Decimal(2) if method == "deduction" else None,
                lower_is_better=order % 5 == 0,
            )
        )
    leaves = Indicator.objects.bulk_create(leaves)
    half = categories[: len(categories) // 2]
    Indicator.categories.through.objects.bulk_create(
        Indicator.categories.through(indicator=leaf, unitcategory=category)
        for leaf, item in zip(leaves, plan, strict=True)
        if item["restricted"]
        for category in half
    )
    half_ids = {category.pk for category in half}
    applies = list(zip(leaves, plan, strict=True))

    def value_rows():
        for unit_id, category_id in unit_rows:
            strength = rng.uniform(0.7, 1.1)
            for leaf, item in applies:
                if (
                    item["restricted"]
                    and category_id not in half_ids
                    or item["method"] == "evaluation"
                ):
                    continue
                if every_period:
                    # Figures outside an indicator's frequency are read and then ignored.
                    periods = [*QUARTERS, "Y"]
                else:
                    periods = QUARTERS if item["frequency"] == "quarterly" else ["Y"]
                for period in periods:
                    if item["method"] == "veto":
                        figure = 1 if rng.random() < 0.002 else 0
                    elif item["method"] == "bonus":
                        figure = round(rng.uniform(0, 3), 2)
                    elif item["method"] == "deduction":
                        figure = rng.choice((0, 0, 0, 1, 2))
                    elif item["method"] == "direct":
                        figure = round(min(10, rng.uniform(6, 10) * strength), 2)
                    else:
                        figure = round(rng.uniform(60, 120) * strength, 2)
                    if rng.random() < 0.999:
                        yield (leaf.pk, unit_id, period, figure, 1, "2026-10-01 00:00+08")

    values = copy_rows(
        IndicatorValue,
        ["indicator_id", "unit_id", "period", "value", "version", "updated_at"],
        value_rows(),
    )
    evaluations = [leaf for leaf, item in applies if item["method"] == "evaluation"]
    copy_rows(
        Vote,
        [
            "indicator_id",
            "unit_id",
            "period",
            "rater_group_id",
            "excellent",
            "competent",
            "basic",
            "incompetent",
            "version",
            "updated_at",
        ],
        (
            (
                leaf.pk,
                unit_id,
                "Y",
                group.pk,
                rng.randint(5, 30),
                rng.randint(0, 10),
                rng.randint(0, 3),
                0,
                1,
                "2026-10-01 00:00+08",
            )
            for unit_id, _ in unit_rows
            for leaf in evaluations
            for group in groups
        ),
    )
    officials = {}
    for official_id, unit_id in Official.objects.filter(role="member").values_list("pk", "unit_id"):
        officials.setdefault(unit_id, []).append(official_id)
    counted = [leaf for leaf, item in applies if item["area"] and not item["restricted"]]
    copy_rows(
        Responsibility,
        ["official_id", "indicator_id"],
        (
            (officials[unit_id][index % len(officials[unit_id])], leaf.pk)
            for unit_id, _ in unit_rows
            for index, leaf in enumerate(counted)
        ),
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return cycle, values


def statement_profile(action):
    """Run `action`; return each slower statement's wall time, the server process's CPU time
    (wall time alone misleads on a shared machine) and its first words (COPY statements run
    outside Django's execute wrappers, so they are only in the whole), and the whole's wall
    time, server CPU time and this process's CPU time."""
    server_cpu = server_cpu_clock(connection)
    steps = []

    def measure(execute, sql, params, many, context):
        cpu, started = server_cpu(), time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            steps.append((time.perf_counter() - started, server_cpu() - cpu, " ".join(sql.split())))

    cpu, own_cpu, started = server_cpu(), time.process_time(), time.perf_counter()
    with connection.execute_wrapper(measure):
        action()
    whole = (time.perf_counter() - started, server_cpu() - cpu, time.process_time() - own_cpu)
    return [step for step in steps if step[0] >= 0.02], whole


def results_vacuum() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        if cursor.fetchone()[0] == "off":
            tables = (UnitResult, OfficialScore, CategoryPoints)
            cursor.execute(f"VACUUM {', '.join(model._meta.db_table for model in tables)}")


def timed(action) -> tuple[float, int]:
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        action()
        elapsed = time.perf_counter() - started
    return elapsed, len(queries)


def quarters_close(*, cycle: Cycle, count: int) -> None:
    """Open every quarter, compute, then close the first `count` quarters (as closing does,
    without its checks): a compute keeps their results and rolls their stored points up."""
    states = {f"state_q{number}": "open" for number in range(1, 5)}
    Cycle.objects.filter(pk=cycle.pk).update(**states)
    if count:
        results_compute(cycle=cycle)
        closed = {f"state_q{number}": "closed" for number in range(1, count + 1)}
        Cycle.objects.filter(pk=cycle.pk).update(**closed)
        print(f"closed {', '.join(QUARTERS[:count])}: the year reads their stored points")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=300)
    parser.add_argument("--indicators", type=int, default=120)
    parser.add_argument(
        "--every-period",
        action="store_true",
        help="value every indicator in all four quarters and the year (about 3 million values)",
    )
    parser.add_argument(
        "--reuse", action="store_true", help="time the cycle already built by an earlier run"
    )
    parser.add_argument(
        "--profile", action="store_true", help="also print each statement of one full compute"
    )
    parser.add_argument("--repeat", type=int, default=3, help="full computes to time")
    parser.add_argument(
        "--closed-quarters",
        type=int,
        default=0,
        choices=range(5),
        help="close the first N quarters first: the year then reads their stored points",
    )
    arguments = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit(
            "Point DATABASE_URL at PostgreSQL, e.g. postgres://postgres@127.0.0.1:5432/kaohe_bench_score"
        )

    started = time.perf_counter()
    if arguments.reuse:
        # The cycle as an earlier run built it, whatever --units and --indicators say now.
        cycle, values = Cycle.objects.get(year=2026), IndicatorValue.objects.count()
        print(f"reused {Unit.objects.count()} units, {values:,} values")
    else:
        cycle, values = build(arguments.units, arguments.indicators, arguments.every_period)
        print(
            f"built {arguments.units} units, {arguments.indicators} indicators, {values:,} values "
            f"in {time.perf_counter() - started:.1f} s"
        )
    quarters_close(cycle=cycle, count=arguments.closed_quarters)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    def plain_sum():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT unit_id, period, SUM(value) FROM scoring_indicatorvalue"
                " GROUP BY unit_id, period"
            )
            cursor.fetchall()

    plain_sum()  # warm the cache the same way for both
    # Medians: other work on the machine makes single timings swing by half.
    baselines = [timed(plain_sum)[0] for _ in range(arguments.repeat)]
    computes = []
    for _ in range(arguments.repeat):
        # Each compute replaces 45,000 result rows. A database vacuums them away in the
        # background (autovacuum); where autovacuum is off, as on the development machines,
        # the dead rows would pile up and slow every later compute, so vacuum as it would.
        results_vacuum()
        computes.append(timed(lambda: results_compute(cycle=cycle)))
    baseline = median(baselines)
    full, full_queries = median(elapsed for elapsed, _ in computes), computes[0][1]
    unit = Unit.objects.select_related("category").first()
    change, change_queries = timed(
        lambda: results_refresh_for_changes(cycle=cycle, changes=[(unit, "Q2")])
    )
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    results = UnitResult.objects.filter(cycle=cycle).count()

    print(
        f"results_compute (whole cycle): median {full:.2f} s of "
        f"{', '.join(f'{elapsed:.2f}' for elapsed, _ in computes)}; "
        f"{full_queries} queries, {results:,} unit results"
    )
    print(
        f"plain SUM … GROUP BY over the values: median {baseline:.2f} s; "
        f"ratio {full / baseline:.1f}×"
    )
    print(
        f"recompute after one saved value (one category, Q2 and Y): {change:.2f} s, "
        f"{change_queries} queries"
    )
    print(
        f"peak memory: {rss_after / 1024:.0f} MB "
        f"(after building the data: {rss_before / 1024:.0f} MB)"
    )
    if arguments.profile:
        statements, (wall, server, own) = statement_profile(lambda: results_compute(cycle=cycle))
        print(
            f"one full compute: {wall:.2f} s wall, PostgreSQL CPU {server:.2f} s, "
            f"Python CPU {own:.2f} s; its slower statements besides COPY (wall s, server CPU s):"
        )
        for wall, cpu, sql in statements:
            print(f"  {wall:6.2f} {cpu:6.2f}  {sql[:90]}")


if __name__ == "__main__":
    main()
