"""Time the ranked dashboard for 1,000 units of stored results, on the server.

Builds a throwaway database with the standard 1000-point tree, one category of 1,000 units
and their stored results for Q1…Q4 and the year (every indicator's points, as the scoring
service stores them), then renders /dashboard/ through Django's test client several times
and prints the median. Run it on SQLite (the default, in memory) and on PostgreSQL:

    python bench/dashboard_bench.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kaohe_bench_dash python bench/dashboard_bench.py

The database named in DATABASE_URL is dropped and created again: never point it at real data.
"""

import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
os.environ.setdefault("DATABASE_URL", "sqlite://:memory:")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from cadre import roles  # noqa: E402
from cadre.models import Unit, UnitCategory  # noqa: E402
from scoring.demo import CATEGORIES, demo_tree_rows  # noqa: E402
from scoring.models import QUARTERS, Cycle, Period, UnitResult  # noqa: E402
from scoring.services.tree import indicator_tree_load  # noqa: E402

UNITS = 1000
RUNS = 15
CENT = Decimal("0.01")


def district_build() -> None:
    for order, (code, name) in enumerate(CATEGORIES, start=1):
        UnitCategory.objects.create(code=code, name=name, sort_order=order)
    category = UnitCategory.objects.get(code="ZJ")
    Unit.objects.bulk_create(
        Unit(code=f"U{number:04d}", name=f"单位{number}", category=category, sort_order=number)
        for number in range(1, UNITS + 1)
    )
    units = list(Unit.objects.all())
    cycle = Cycle.objects.create(year=2025, state=Cycle.State.PUBLISHED)
    leaves = [i for i in indicator_tree_load(cycle=cycle, rows=demo_tree_rows()) if i.method]
    rng = random.Random(7)
    for period in [*QUARTERS, Period.YEAR]:
        totals = sorted(
            ((Decimal(rng.uniform(550, 990)).quantize(CENT), unit) for unit in units),
            key=lambda pair: -pair[0],
        )
        results = []
        for place, (total, unit) in enumerate(totals, start=1):
            points = {i.code: str((i.max_points * total / 1000).quantize(CENT)) for i in leaves}
            results.append(
                UnitResult(
                    cycle=cycle,
                    unit=unit,
                    period=period,
                    category=category,
                    earned=total,
                    applicable_max=Decimal(1000),
                    total=total,
                    rank=place,
                    grade="excellent" if place <= 300 and total >= 900 else "good",
                    points=points,
                    area_points={f"A{n}": str(total / 7) for n in range(1, 8)},
                    missing=["A1.1.1"] if place % 50 == 0 else [],
                )
            )
        UnitResult.objects.bulk_create(results, batch_size=500)
    leader = get_user_model().objects.create_user("leader")
    leader.groups.add(roles.role_groups_ensure()[roles.LEADER])


def main() -> None:
    setup_test_environment()
    settings = connection.settings_dict
    settings["TEST"]["NAME"] = settings["NAME"] if connection.vendor != "sqlite" else None
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        district_build()
        client = Client()
        client.force_login(get_user_model().objects.get(username="leader"))
        url = "/dashboard/?cycle=2025&period=Y&category=ZJ"
        for _ in range(2):
            client.get(url)
        timings = []
        for _ in range(RUNS):
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200 and len(response.context["rows"]) == UNITS
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        median = statistics.median(timings)
        print(
            f"dashboard, {UNITS} units, {connection.vendor}: median {median:.0f} ms, "
            f"min {min(timings):.0f} ms, max {max(timings):.0f} ms over {RUNS} runs; "
            f"{len(queries)} queries; page {len(response.content) // 1024} KiB"
        )
    finally:
        connection.creation.destroy_test_db(settings["NAME"], verbosity=0)


if __name__ == "__main__":
    main()
