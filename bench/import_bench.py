"""How fast a scorer's spreadsheet goes in, against the floor and against the usual way.

    python bench/import_bench.py            # PostgreSQL database kaohe_bench_sheets
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/other python bench/import_bench.py

Writes the files it reads (a long sheet of 200,000 values, a wide sheet of 5,000 units × 40
indicators), then prints for each: the calamine parse alone, a PostgreSQL COPY of the same rows
into a scratch table (together the floor), the same values written into the real tables with
their history by bare SQL (what the schema costs any import), our import (check + preview, then
commit with a history row per value), and a plain django-import-export ModelResource with
ForeignKeyWidgets on a 20,000-row slice. Each measurement runs in its own process so its peak
memory is its own.
"""

import json
import os
import resource
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

from server_cpu import server_cpu_clock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kaohe_bench_sheets")

UNITS, INDICATORS, PLAIN_SLICE = 5000, 40, 20_000
WORK = Path(os.environ.get("BENCH_DIR", "/tmp/kaohe-import-bench"))
LONG, WIDE = WORK / "long-200k.xlsx", WORK / "wide-5000x40.xlsx"


def setup_django():
    import django

    django.setup()


def database_ensure():
    import psycopg2
    from django.conf import settings

    db = settings.DATABASES["default"]
    connection = psycopg2.connect(
        dbname="postgres",
        user=db["USER"],
        host=db["HOST"],
        port=db["PORT"],
        password=db["PASSWORD"],
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]])
        if not cursor.fetchone():
            cursor.execute(f'CREATE DATABASE "{db["NAME"]}"')
    connection.close()


def district_reset():
    """Empty the bench database and fill it with 5,000 units and 40 direct indicators."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from cadre.models import Unit, UnitCategory
    from scoring.models import Cycle, Indicator

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE scoring_historicalindicatorvalue, scoring_indicatorvalue, "
            "scoring_importrecord, scoring_indicator, scoring_cycle, cadre_unit, "
            "cadre_unitcategory CASCADE"
        )
    category = UnitCategory.objects.create(code="ZJ", name="镇街")
    Unit.objects.bulk_create(
        Unit(code=f"U{number:04d}", name=f"单位{number}", category=category, sort_order=number)
        for number in range(1, UNITS + 1)
    )
    cycle = Cycle.objects.create(year=2026, state=Cycle.State.OPEN)
    area = Indicator.objects.create(cycle=cycle, code="A", name="A", max_points=1000)
    Indicator.objects.bulk_create(
        Indicator(
            cycle=cycle,
            code=f"I{number:02d}",
            name=f"指标{number}",
            parent=area,
            max_points=Decimal(100),
            method="direct",
            sort_order=number,
        )
        for number in range(1, INDICATORS + 1)
    )
    user, _ = get_user_model().objects.get_or_create(
        username="bench", defaults={"is_superuser": True, "is_staff": True}
    )
    # A real district's units and indicators exist long before an import, and autovacuum has
    # analysed them: without statistics the results recompute plans a nested loop that takes
    # a minute instead of seconds.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return user


def _figure(unit: int, indicator: int) -> float:
    return round((unit * 7 + indicator * 13) % 10000 / 100, 2)


def files_write():
    from openpyxl import Workbook

    WORK.mkdir(parents=True, exist_ok=True)
    if not LONG.exists():
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("values")
        sheet.append(["unit", "indicator", "period", "value"])
        for unit in range(1, UNITS + 1):
            for indicator in range(1, INDICATORS + 1):
                sheet.append([f"U{unit:04d}", f"I{indicator:02d}", "Q1", _figure(unit, indicator)])
        workbook.save(LONG)
    if not WIDE.exists():
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("Q2")
        sheet.append(["单位代码", *[f"I{number:02d}" for number in range(1, INDICATORS + 1)]])
        for unit in range(1, UNITS + 1):
            sheet.append(
                [
                    f"U{unit:04d}",
                    *[round(_figure(unit, i) / 2 + 1, 2) for i in range(1, INDICATORS + 1)],
                ]
            )
        workbook.save(WIDE)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_parse(path: Path) -> dict:
    from scoring.services.sheets import sheet_upload_read

    started = time.perf_counter()
    upload = sheet_upload_read(path=path)
    rows = sum(len(rows) for _sheet, rows in upload.sheets)
    return {"seconds": time.perf_counter() - started, "rows": rows, "peak_mb": _peak_mb()}


def _long_rows(path: Path) -> list[tuple]:
    from scoring.services.sheets import sheet_upload_read

    [(_sheet, rows)] = sheet_upload_read(path=path).sheets
    if rows[0][0] == "unit":
        return [tuple(row) for row in rows[1:]]
    codes = rows[0][1:]
    return [
        (row[0], code, "Q2", value)
        for row in rows[1:]
        for code, value in zip(codes, row[1:], strict=False)
    ]


def measure_copy(path: Path) -> dict:
    """COPY the sheet's values into a scratch table and commit: the database's share of the
    floor (a logged table, so it is as durable as an import)."""
    import io

    from django.db import connection, transaction

    rows = _long_rows(path)
    buffer = io.StringIO("".join(f"{u}\t{i}\t{p}\t{v}\n" for u, i, p, v in rows))
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_scratch")
        cursor.execute(
            "CREATE TABLE bench_scratch (unit text, indicator text, period text, value numeric)"
        )
        cursor.cursor.copy_expert("COPY bench_scratch FROM STDIN", buffer)
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_scratch")
    return {"seconds": seconds, "rows": len(rows), "peak_mb": _peak_mb()}


def measure_bound(path: Path) -> dict:
    """Write the sheet's values into the real tables by bare SQL, with a history row each and
    the keys checked at COMMIT, skipping everything else an import does (checks, preview,
    stale check, results): what this schema costs any import, however it is written."""
    import io

    from django.db import connection, transaction

    from cadre.models import Unit
    from scoring.models import Indicator, IndicatorValue

    user = district_reset()
    units = dict(Unit.objects.values_list("code", "pk"))
    indicators = dict(Indicator.objects.values_list("code", "pk"))
    buffer = io.StringIO(
        "".join(f"{units[u]}\t{indicators[i]}\t{p}\t{v}\n" for u, i, p, v in _long_rows(path))
    )
    history = IndicatorValue.history.model
    columns = ", ".join(field.column for field in history.tracked_fields)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_rows (unit_id bigint, indicator_id bigint, "
            "period varchar(2), value numeric(20, 4)) ON COMMIT DROP"
        )
        cursor.cursor.copy_expert("COPY bench_rows FROM STDIN", buffer)
        cursor.execute(
            f"WITH written AS (INSERT INTO {IndicatorValue._meta.db_table} (unit_id, "
            f"indicator_id, period, value, version, entered_by_id, updated_at) "
            f"SELECT unit_id, indicator_id, period, value, 1, %s, now() FROM bench_rows "
            f"RETURNING {columns}) "
            f"INSERT INTO {history._meta.db_table} ({columns}, history_date, "
            f"history_change_reason, history_type, history_user_id) "
            f"SELECT {columns}, now(), 'bench', '+', %s FROM written",
            [user.pk, user.pk],
        )
        rows = cursor.rowcount
    return {"seconds": time.perf_counter() - started, "rows": rows, "peak_mb": _peak_mb()}


STEPS = {
    "sheet_upload_read": "check: calamine read",
    "sheet_changes_plan": "check: validate + diff",
    "_scratch_fill": "commit: changes to scratch table",
    "_stale_count": "commit: stale check",
    "_values_write": "commit: values + history",
    "_results_refresh": "commit: results recompute",
}


def _clocks(server_cpu) -> tuple[float, float, float]:
    """Wall time, this process's CPU time and the server process's CPU time, now."""
    return time.perf_counter(), time.process_time(), server_cpu()


def _since(before: tuple, server_cpu) -> list[float]:
    return [now - then for now, then in zip(_clocks(server_cpu), before, strict=True)]


def _steps_time(module, server_cpu) -> dict[str, list[float]]:
    """Wrap the import's steps so that each records its own wall time, this process's CPU time
    and the server's (this process only)."""
    seconds: dict[str, list[float]] = {}
    for name in STEPS:
        step = getattr(module, name)

        def timed(*args, step=step, name=name, **kwargs):
            started = _clocks(server_cpu)
            try:
                return step(*args, **kwargs)
            finally:
                spent = _since(started, server_cpu)
                total = seconds.setdefault(name, [0.0, 0.0, 0.0])
                total[:] = [a + b for a, b in zip(total, spent, strict=True)]

        setattr(module, name, timed)
    return seconds


def _rest(whole: list[float], steps: dict[str, list[float]], names) -> list[float]:
    """What `whole` spent outside the named steps."""
    return [
        part - sum(steps.get(name, [0.0] * 3)[index] for name in names)
        for index, part in enumerate(whole)
    ]


def measure_ours(path: Path, period: str) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection

    from scoring.models import Cycle, IndicatorValue
    from scoring.services import sheets

    user = district_reset()
    server_cpu = server_cpu_clock(connection)
    steps = _steps_time(sheets, server_cpu)
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    queries = []
    started = _clocks(server_cpu)
    with connection.execute_wrapper(lambda execute, *args: queries.append(1) or execute(*args)):
        record = sheets.sheet_import_start(
            cycle=Cycle.objects.get(), user=user, period=period, upload=upload
        )
        check = _since(started, server_cpu)
        check_queries = len(queries)
        started = _clocks(server_cpu)
        assert record.status == "pending", record.errors[:5]
        count = sheets.sheet_import_commit(record=record, by=user)
        commit = _since(started, server_cpu)
    assert IndicatorValue.objects.count() == count == UNITS * INDICATORS
    assert IndicatorValue.history.count() == count
    steps["check: guard + store preview"] = _rest(
        check, steps, ("sheet_upload_read", "sheet_changes_plan")
    )
    steps["commit: COMMIT (deferred FK checks) + rest"] = _rest(
        commit, steps, ("_scratch_fill", "_stale_count", "_values_write", "_results_refresh")
    )
    return {
        "seconds": check[0] + commit[0],
        "check": check,
        "commit": commit,
        "queries": [check_queries, len(queries) - check_queries],
        "steps": {STEPS.get(name, name): value for name, value in steps.items()},
        "rows": count,
        "peak_mb": _peak_mb(),
    }


def measure_plain(path: Path) -> dict:
    """What most projects do: a ModelResource with ForeignKeyWidgets, one query per row."""
    import tablib
    from import_export import fields, resources, widgets

    from cadre.models import Unit
    from scoring.models import Indicator, IndicatorValue

    class PlainValueResource(resources.ModelResource):
        unit = fields.Field("unit", "unit", widgets.ForeignKeyWidget(Unit, "code"))
        indicator = fields.Field(
            "indicator", "indicator", widgets.ForeignKeyWidget(Indicator, "code")
        )

        class Meta:
            model = IndicatorValue
            fields = ("unit", "indicator", "period", "value")
            import_id_fields = ("unit", "indicator", "period")

    district_reset()
    rows = _long_rows(path)[:PLAIN_SLICE]
    dataset = tablib.Dataset(*rows, headers=["unit", "indicator", "period", "value"])
    started = time.perf_counter()
    result = PlainValueResource().import_data(dataset, dry_run=False, raise_errors=True)
    seconds = time.perf_counter() - started
    assert not result.has_errors()
    return {"seconds": seconds, "rows": len(rows), "peak_mb": _peak_mb()}


SCENARIOS = {
    "parse": lambda path, period: measure_parse(path),
    "copy": lambda path, period: measure_copy(path),
    "bound": lambda path, period: measure_bound(path),
    "ours": measure_ours,
    "plain": lambda path, period: measure_plain(path),
}


def run_child(scenario: str, path: str, period: str) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, scenario, path, period],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main():
    if len(sys.argv) == 4:
        setup_django()
        scenario, path, period = sys.argv[1:]
        print(json.dumps(SCENARIOS[scenario](Path(path), period)))
        return
    setup_django()
    database_ensure()
    district_reset()
    files_write()
    # The plain resource needs minutes for its slice; both sheets hold the same kind of rows.
    # BENCH_PLAIN_RATE=<rows/s> reuses an earlier figure when iterating on our import.
    if os.environ.get("BENCH_PLAIN_RATE"):
        plain_rate = float(os.environ["BENCH_PLAIN_RATE"])
        plain = {"rows": PLAIN_SLICE, "seconds": PLAIN_SLICE / plain_rate}
    else:
        plain = run_child("plain", str(LONG), "Q1")
        plain_rate = plain["rows"] / plain["seconds"]
    print(
        f"plain import-export ModelResource + ForeignKeyWidget: {plain['seconds']:.1f} s "
        f"for {plain['rows']} rows, {plain_rate:,.0f} rows/s"
    )
    for label, path, period in [("long sheet", LONG, "Q1"), ("wide sheet", WIDE, "Q2")]:
        parse, copy, bound, ours = (
            run_child(name, str(path), period) for name in ("parse", "copy", "bound", "ours")
        )
        floor = parse["seconds"] + copy["seconds"]
        ours_rate = ours["rows"] / ours["seconds"]
        size = path.stat().st_size / 1e6
        print(f"== {label}: {path.name} ({size:.1f} MB, {ours['rows']} values)")
        print(
            f"  calamine parse          {parse['seconds']:7.2f} s   peak {parse['peak_mb']:.0f} MB"
        )
        print(f"  PostgreSQL COPY         {copy['seconds']:7.2f} s")
        print(f"  floor (parse + COPY)    {floor:7.2f} s")
        print(
            f"  values + history by bare SQL, keys checked at COMMIT {bound['seconds']:5.2f} s"
            f"   (with the parse: {(parse['seconds'] + bound['seconds']) / floor:.1f}× the floor)"
        )
        print(f"    {'step':42} {'wall':>6}   {'CPU ours':>8} {'server':>6}")
        for step, (wall, own, server) in sorted(ours["steps"].items()):
            print(f"    {step:42} {wall:6.2f} s {own:6.2f} s {server:6.2f} s")
        for phase, label in (("check", "check + preview"), ("commit", "commit + history")):
            wall, own, server = ours[phase]
            print(
                f"  ours: {label:17} {wall:7.2f} s   CPU {own:5.2f} s ours + {server:5.2f} s "
                f"server   {ours['queries'][phase == 'commit']} queries"
            )
        print(
            f"        total             {ours['seconds']:7.2f} s   peak {ours['peak_mb']:.0f} MB"
            f"   {ours_rate:,.0f} values/s   {ours['seconds'] / floor:.1f}× the floor"
            f"   {ours_rate / plain_rate:.0f}× the plain resource per row"
        )
        sys.stdout.flush()


if __name__ == "__main__":
    main()
