"""Time values_save for a full entry grid (40 units × 15 indicators) and for an import-sized
batch (40 units × 90 indicators × 4 quarters), first as new values then as changes.

    python bench/bench_entry_save.py            # SQLite in memory
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kaohe_bench python bench/bench_entry_save.py

Prints seconds and queries per run; uses a throwaway test database.
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from cadre.models import Unit, UnitCategory  # noqa: E402
from scoring.models import QUARTERS, Cycle, Indicator, IndicatorValue  # noqa: E402
from scoring.services.values import CellInput, values_save  # noqa: E402


def district(units: int, indicators: int):
    category = UnitCategory.objects.create(code="ZJ", name="镇街")
    made_units = Unit.objects.bulk_create(
        Unit(code=f"U{n:03d}", name=f"单位{n}", category=category) for n in range(units)
    )
    cycle = Cycle.objects.create(year=2026, state=Cycle.State.OPEN)
    made_indicators = Indicator.objects.bulk_create(
        Indicator(cycle=cycle, code=f"I{n:03d}", name=f"指标{n}", max_points=100, method="direct")
        for n in range(indicators)
    )
    return cycle, made_units, made_indicators


def run(label, cycle, cells, user):
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        report = values_save(cycle=cycle, cells=cells, by=user, source="bench")
        seconds = time.perf_counter() - started
    print(
        f"{label:<42} {len(cells):>6} cells  {seconds:6.2f} s  {len(queries):>4} queries  "
        f"created {report.created} updated {report.updated}"
    )


def main():
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        user = get_user_model().objects.create_user("bench")
        cycle, units, indicators = district(40, 90)
        for label, chosen, periods in [
            ("grid 40 × 15, one quarter", indicators[:15], QUARTERS[:1]),
            ("import 40 × 90 × 4 quarters", indicators, QUARTERS),
        ]:
            for step, value in [("new", "50"), ("changed", "60.5")]:
                cells = [
                    CellInput(unit=u, indicator=i, period=p, raw=value)
                    for p in periods
                    for u in units
                    for i in chosen
                ]
                run(f"{label}, {step}", cycle, cells, user)
            # The next batch starts from a clean slate.
            IndicatorValue.objects.all().delete()
        print(f"database: {connection.vendor}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
