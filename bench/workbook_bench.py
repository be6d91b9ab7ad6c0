"""Time the interchange workbook on PostgreSQL: write a province-scale file, import, export.

    python bench/workbook_bench.py                # 500 units
    python bench/workbook_bench.py --units 5000   # province scale, about 1.1M values
    python bench/workbook_bench.py --units 5000 --values-per-unit 40   # 200,000 values

Besides the import and export, it times what the 考核办's page does: the upload's guard, the
preview of a new cycle and of a replaced one (check + comparison with what is stored), and the
confirmation (the file checked again, the stored data compared with the preview's, the write).

Uses its own database (kaohe_bench_workbook, dropped, created and migrated at each run;
override with DATABASE_URL). Prints the figures; asserts nothing about time.
"""

import argparse
import io
import os
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kaohe_bench_workbook")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")

QUARTERS = ["Q1", "Q2", "Q3", "Q4"]
CATEGORIES = [("ZJ", "镇街"), ("JJ", "经济部门"), ("SH", "社会事业部门"), ("DQ", "党群部门")]
GROUPS = [("LD", "区领导", 0.4), ("FW", "服务对象", 0.3), ("ZJ", "镇街评议", 0.3)]


def database_prepare() -> None:
    import dj_database_url
    import psycopg2

    config = dj_database_url.parse(os.environ["DATABASE_URL"])
    connection = psycopg2.connect(
        dbname="postgres", user=config["USER"], host=config["HOST"], port=config["PORT"]
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{config["NAME"]}"')
        cursor.execute(f'CREATE DATABASE "{config["NAME"]}"')
    connection.close()

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def workbook_write(units: int, year: int, per_unit: int | None = None) -> tuple[bytes, dict]:
    """Write a workbook of the standard tree for the given number of units, like a province's."""
    from openpyxl import Workbook

    from scoring.demo import demo_tree_rows
    from scoring.services.workbook import SHEETS

    rng = random.Random(units)
    tree = demo_tree_rows()
    parents = {row["parent"] for row in tree if row["parent"]}
    leaves = [row for row in tree if row["code"] not in parents]
    unit_rows = [
        [f"U{number:05d}", f"第{number}单位", CATEGORIES[number % len(CATEGORIES)][0]]
        for number in range(1, units + 1)
    ]
    values, votes = [], []
    for code, _name, category in unit_rows:
        unit_values = len(values)
        for leaf in leaves:
            if leaf["categories"] and category not in leaf["categories"]:
                continue
            periods = QUARTERS if leaf["frequency"] == "quarterly" else ["Y"]
            for period in periods:
                if leaf["method"] == "evaluation":
                    votes += [
                        [code, leaf["code"], period, group, rng.randint(5, 30), 8, 2, 0]
                        for group, _n, _w in GROUPS[:2]
                    ]
                elif per_unit is None or len(values) - unit_values < per_unit:
                    values.append([code, leaf["code"], period, _figure(rng, leaf)])
    sheets = {
        "settings": [["year", year], ["name", f"{year}年度全省考核（基准测试）"]],
        "categories": [list(category) for category in CATEGORIES],
        "units": unit_rows,
        "officials": [[f"{code}-01", "王伟", code, "principal"] for code, _n, _c in unit_rows],
        "indicators": [_indicator_row(row) for row in tree],
        "responsibilities": [],
        "rater_groups": [list(group) for group in GROUPS],
        "values": values,
        "votes": votes,
        "adjustments": [[unit_rows[0][0], "Y", 2.5, "承担专项任务", "考核委员会"]],
    }
    book = Workbook(write_only=True)
    for sheet in SHEETS:
        worksheet = book.create_sheet(sheet.name)
        worksheet.append([column.key for column in sheet.columns])
        for row in sheets[sheet.name]:
            worksheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    counts = {"values": len(values), "votes": len(votes), "units": units}
    return buffer.getvalue(), counts


def _indicator_row(row: dict) -> list:
    def number(value):
        return None if value is None else float(value)

    return [
        row["code"],
        row["name"],
        row["parent"],
        float(row["max_points"]),
        row["method"],
        row["frequency"],
        ",".join(row["categories"]),
        number(row["target"]),
        number(row["floor"]),
        number(row["cap"]),
        "yes" if row["lower_is_better"] else "no",
        number(row["step"]),
        number(row["min_share"]),
        number(row["per_incident"]),
        row["lead_department"],
    ]


def _figure(rng, leaf) -> float:
    method = leaf["method"]
    if method in ("direct", "bonus"):
        return round(float(leaf["max_points"]) * rng.uniform(0.6, 1.0), 2)
    if method == "veto":
        return 0
    if method == "deduction":
        return rng.choice([0, 0, 0, 1, 2])
    return round(rng.uniform(10, 500), 2)


def timed(label: str, action):
    start = time.perf_counter()
    result = action()
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{label:<34} {seconds:8.1f} s   (peak memory so far {peak:,.0f} MiB)")
    return result, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=500)
    parser.add_argument("--year", type=int, default=2099)
    parser.add_argument(
        "--values-per-unit", type=int, default=None, help="at most this many values per unit"
    )
    arguments = parser.parse_args()
    database_prepare()

    from scoring.models import Cycle, IndicatorValue
    from scoring.services.uploads import upload_check
    from scoring.services.workbook import workbook_export
    from scoring.services.workbook_imports import (
        workbook_import,
        workbook_import_write,
        workbook_record_new,
    )
    from scoring.services.workbook_preview import workbook_check

    (data, counts), _s = timed(
        "write the workbook (openpyxl)",
        lambda: workbook_write(arguments.units, arguments.year, arguments.values_per_unit),
    )
    print(
        f"{counts['units']:,} units, {counts['values']:,} values, {counts['votes']:,} vote rows, "
        f"{len(data) / 2**20:,.1f} MiB"
    )
    rows = counts["values"] + counts["votes"]

    _check, seconds = timed("page: preview of a new cycle", lambda: workbook_check(data=data))
    report, seconds = timed(
        "import into a new cycle",
        lambda: workbook_import(file=io.BytesIO(data), file_name="bench-new.xlsx"),
    )
    print(f"  {report.rows_changed:,} rows written, {rows / seconds:,.0f} value+vote rows/s")
    cycle = Cycle.objects.get(year=arguments.year)

    def do_export():
        buffer = io.BytesIO()
        workbook_export(cycle=cycle).save(buffer)
        return buffer.getvalue()

    exported, seconds = timed("export", do_export)
    print(f"  {rows / seconds:,.0f} value+vote rows/s, {len(exported) / 2**20:,.1f} MiB")
    timed(
        "page: upload guard",
        lambda: upload_check(name="b.xlsx", file=io.BytesIO(exported), size=len(exported)),
    )
    check, seconds = timed(
        "page: preview replacing the cycle", lambda: workbook_check(data=exported)
    )
    print(f"  unchanged: {check.unchanged}, stored entries listed: {len(check.entries):,}")

    def confirm():
        # What the confirmation does: the kept file checked again, the stored data compared
        # with the preview's under lock, the cycle replaced.
        record = workbook_record_new(file_name="bench-again.xlsx", data=exported, by=None)
        return workbook_import_write(check=workbook_check(data=exported), by=None, record=record)

    report, seconds = timed("page: confirm replacing the cycle", confirm)
    print(f"  {rows / seconds:,.0f} value+vote rows/s (deletes with history, then writes)")
    stored = IndicatorValue.objects.filter(indicator__cycle=cycle).count()
    print(f"values stored: {stored:,}; history rows of values: {IndicatorValue.history.count():,}")


if __name__ == "__main__":
    main()
