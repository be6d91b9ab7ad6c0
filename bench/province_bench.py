"""Time the paths whose cost grows with a province's cycle (5,000 units, ~2 million values).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kaohe_bench_score \\
        python bench/scoring_bench.py --units 5000      # builds the cycle once
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kaohe_bench_score \\
        python bench/province_bench.py [dashboard verify publish export save]

It runs on the cycle `scoring_bench.py` built and leaves it as it found it: every write is
rolled back, after the database's deferred key checks have run (they run at COMMIT, so they
are part of what a user waits for). It prints, for each path:

- dashboard: the ranking page of an open and of a closed cycle, its queries and the slowest;
- verify: 审核 of every indicator of a quarter (POST to /entry/verify/);
- publish: `cycle_publish` of the closed year, and its parts;
- export: the admin's csv export of the values (`--export-rows` caps it, as a filter would);
- save: `values_save` of a pasted block of 5,000 changed cells of one category.
"""

import argparse
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from cadre import roles  # noqa: E402
from cadre.models import Unit, UnitCategory  # noqa: E402
from scoring.admin import IndicatorValueAdmin  # noqa: E402
from scoring.models import Cycle, Indicator, IndicatorValue, VerificationRun  # noqa: E402
from scoring.services import cycles as cycle_services  # noqa: E402
from scoring.services.values import (  # noqa: E402
    SOURCE_ENTRY,
    CellInput,
    values_save,
    values_unverified_counted,
)
from scoring.services.verification import verification_run_perform  # noqa: E402

PATHS = ["dashboard", "verify", "publish", "export", "save"]


class RolledBack(Exception):
    """Raised to undo what a timed path wrote."""


@contextmanager
def rolled_back():
    """Run the block in a transaction that is undone, after its deferred checks ran."""
    try:
        with transaction.atomic():
            yield
            deferred_checks()
            raise RolledBack
    except RolledBack:
        pass


@contextmanager
def statements():
    """Collect (seconds, sql) of every statement run in the block."""
    collected = []

    def measure(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            collected.append((time.perf_counter() - started, " ".join(sql.split())))

    with connection.execute_wrapper(measure):
        yield collected


def deferred_checks() -> float:
    """Run the checks the database defers to COMMIT now; return how long they took."""
    return timed(lambda: connection.cursor().execute("SET CONSTRAINTS ALL IMMEDIATE"))


def slow_statements(collected, *, over: float, width: int) -> str:
    return "; ".join(f"{t:.2f} s {sql[:width]}" for t, sql in collected if t > over)


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def admin_client() -> Client:
    user, _created = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    user.groups.add(roles.role_groups_ensure()[roles.ADMIN])
    client = Client()
    client.force_login(user)
    return client


def cycle_state_set(cycle: Cycle, state: str) -> None:
    """Move the cycle as `scoring.services.cycles` does, without its checks and history."""
    locked = state in (Cycle.State.CLOSED, Cycle.State.PUBLISHED)
    Cycle.objects.filter(pk=cycle.pk).update(
        state=state, unverified_at_close=values_unverified_counted(cycle=cycle) if locked else None
    )
    cycle.refresh_from_db()


def bench_dashboard(cycle: Cycle, client: Client, runs: int) -> None:
    category = UnitCategory.objects.order_by("sort_order").first()
    url = f"/dashboard/?cycle={cycle.year}&period=Y&category={category.code}"
    for state in (Cycle.State.OPEN, Cycle.State.CLOSED):
        cycle_state_set(cycle, state)
        client.get(url)
        timings = []
        for _ in range(runs):
            with statements() as collected:
                elapsed = timed(lambda: client.get(url))
            timings.append((elapsed, collected))
        elapsed, collected = sorted(timings, key=lambda pair: pair[0])[len(timings) // 2]
        slowest = max(collected)
        print(
            f"dashboard ranking, {state} cycle: median {elapsed * 1000:.0f} ms "
            f"(of {', '.join(f'{t * 1000:.0f}' for t, _ in timings)}); {len(collected)} queries "
            f"taking {sum(t for t, _ in collected) * 1000:.0f} ms; slowest "
            f"{slowest[0] * 1000:.0f} ms: {slowest[1][:110]}"
        )
    cycle_state_set(cycle, Cycle.State.OPEN)


def bench_verify(cycle: Cycle, client: Client) -> None:
    cycle_state_set(cycle, Cycle.State.OPEN)
    picked = list(Indicator.objects.filter(cycle=cycle).values_list("pk", flat=True))
    count = IndicatorValue.objects.filter(indicator__cycle=cycle, period="Q1").count()
    with rolled_back():
        with statements() as collected:
            elapsed = timed(
                lambda: client.post(
                    f"/entry/verify/?cycle={cycle.pk}&period=Q1", {"indicator": picked}
                )
            )
        run = VerificationRun.objects.filter(cycle=cycle).first()
        background = timed(lambda: verification_run_perform(run=run)) if run else 0
        verified = IndicatorValue.objects.filter(
            indicator__cycle=cycle, period="Q1", verified_at__isnull=False
        ).count()
        checks = deferred_checks()
    slow = slow_statements(collected, over=0.2, width=80)
    print(
        f"verify all of Q1 ({count:,} values): request {elapsed:.2f} s "
        f"({len(collected)} queries; slow: {slow or 'none'}), then in the background "
        f"{background:.2f} s; {verified:,} verified; deferred checks at commit {checks:.2f} s"
    )


def bench_publish(cycle: Cycle) -> None:
    cycle_state_set(cycle, Cycle.State.CLOSED)
    by = get_user_model().objects.get(username="bench-admin")
    # The synthetic tree's areas carry no points of their own (its leaves add up to 1,170):
    # the tree's check, a few small queries, is left out so that publishing goes ahead.
    tree_problems = cycle_services.indicator_tree_problems
    cycle_services.indicator_tree_problems = lambda *, cycle: []
    with rolled_back():
        with statements() as collected:
            elapsed = timed(lambda: cycle_services.cycle_publish(cycle=cycle, by=by))
        checks = deferred_checks()
    cycle_services.indicator_tree_problems = tree_problems
    slow = slow_statements(collected, over=0.1, width=70)
    print(
        f"publish the year: {elapsed:.2f} s, {len(collected)} queries "
        f"({sum(t for t, _ in collected):.2f} s in them), deferred checks {checks:.2f} s; "
        f"slow statements: {slow}"
    )
    cycle_state_set(cycle, Cycle.State.OPEN)


def bench_export(client: Client, whole: bool) -> None:
    """Export one category's quarter (a filter of the values' list), and with `whole` every
    value."""
    category = UnitCategory.objects.order_by("sort_order").first()
    exports = [
        (
            f"?period__exact=Q1&unit__category__id__exact={category.pk}",
            IndicatorValue.objects.filter(period="Q1", unit__category=category),
        )
    ]
    if whole:
        exports.append(("", IndicatorValue.objects.all()))
    resource = IndicatorValueAdmin.resource_classes[0]
    form = {"format": "1", "resource": "0"}
    form.update(
        (f"{resource.__name__.lower()}_{name}", "on") for name in resource().get_export_order()
    )
    for query, selected in exports:
        count = selected.count()
        with statements() as collected:
            started = time.perf_counter()
            response = client.post(f"/admin/scoring/indicatorvalue/export/{query}", form)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            elapsed = time.perf_counter() - started
        refused = response["Content-Type"].startswith("text/html")
        outcome = (
            "refused, pointing to the filters"
            if refused
            else f"{count / elapsed:,.0f} rows/s, {len(body) / 2**20:.1f} MiB"
        )
        print(
            f"admin csv export of {count:,} values: {elapsed:.2f} s ({outcome}), "
            f"{len(collected)} queries"
        )


def bench_save(cycle: Cycle) -> None:
    cycle_state_set(cycle, Cycle.State.OPEN)
    by = get_user_model().objects.get(username="bench-admin")
    category = UnitCategory.objects.order_by("sort_order").first()
    units = list(Unit.objects.filter(category=category).order_by("pk")[:100])
    indicators = list(
        Indicator.objects.filter(cycle=cycle, frequency="quarterly", method="direct")
        .exclude(categories__isnull=False)
        .order_by("pk")
    )
    stored = {
        (row.unit_id, row.indicator_id): row
        for row in IndicatorValue.objects.filter(
            unit__in=units, indicator__in=indicators, period="Q2"
        )
    }
    cells = [
        CellInput(
            unit=unit,
            indicator=indicator,
            period="Q2",
            raw=str(stored[unit.pk, indicator.pk].value - 1),
            version=stored[unit.pk, indicator.pk].version,
        )
        for unit in units
        for indicator in indicators
        if (unit.pk, indicator.pk) in stored
    ]
    more = list(
        Indicator.objects.filter(cycle=cycle, frequency="quarterly", method="completion")
        .exclude(categories__isnull=False)
        .order_by("pk")
    )
    for indicator in more:
        if len(cells) >= 5000:
            break
        for row in IndicatorValue.objects.filter(
            unit__in=units, indicator=indicator, period="Q2"
        ).select_related("unit"):
            cells.append(
                CellInput(
                    unit=row.unit,
                    indicator=indicator,
                    period="Q2",
                    raw=str(row.value + 1),
                    version=row.version,
                )
            )
    cells = cells[:5000]
    with rolled_back():
        with statements() as collected:
            elapsed = timed(
                lambda: values_save(
                    cycle=cycle, cells=cells, by=by, source=SOURCE_ENTRY, blank_clears=True
                )
            )
        checks = deferred_checks()
    slow = slow_statements(collected, over=0.1, width=70)
    print(
        f"grid save of {len(cells):,} changed cells: {elapsed:.2f} s, {len(collected)} queries "
        f"({sum(t for t, _ in collected):.2f} s in them), deferred checks {checks:.2f} s; "
        f"slow statements: {slow}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", choices=PATHS, default=PATHS)
    parser.add_argument("--runs", type=int, default=5, help="dashboard views to time")
    parser.add_argument(
        "--export-all", action="store_true", help="export every value too (minutes before)"
    )
    arguments = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Point DATABASE_URL at the PostgreSQL database scoring_bench.py built.")
    setup_test_environment()
    cycle = Cycle.objects.get(year=2026)
    client = admin_client()
    print(f"{Unit.objects.count():,} units, {IndicatorValue.objects.count():,} values")
    for path in arguments.paths:
        if path == "dashboard":
            bench_dashboard(cycle, client, arguments.runs)
        elif path == "verify":
            bench_verify(cycle, client)
        elif path == "publish":
            bench_publish(cycle)
        elif path == "export":
            bench_export(client, arguments.export_all)
        elif path == "save":
            bench_save(cycle)


if __name__ == "__main__":
    main()
