"""Time the paths whose cost grows with a province's cycle (5,000 units, ~2 million values).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kaohe_bench_score \\
        python bench/scoring_bench.py --units 5000      # builds the cycle once
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kaohe_bench_score \\
        python bench/province_bench.py [dashboard verify quarter year pages export save entry]

It runs on the cycle `scoring_bench.py` built and leaves it as it found it: every write is
rolled back, after the database's deferred key checks have run (they run at COMMIT, so they
are part of what a user waits for). It prints, for each path:

- dashboard: the ranking page of an open and of a closed cycle, its queries and the slowest;
- verify: 审核 of every indicator of a quarter (POST to /entry/verify/);
- quarter: closing Q1 (computed once more in every category, with the year), publishing it
  (its snapshot) and reopening it, in turn;
- year: closing the cycle (its last compute), publishing it (snapshot, growth records of every
  scored official) and reopening it, in turn;
- pages: what a leader opens on the closed cycle, for a quarter and the year: ranking,
  晋位差距, a unit's page, compare, officials, the results workbook; and a unit's history;
- export: the admin's csv export of the values (`--export-rows` caps it, as a filter would);
- save: `values_save` of a pasted block of 5,000 changed cells of one category;
- exports: the province's results workbook (every category, a quarter and the year) and the
  workbook of every official's score, on the closed cycle;
- entry: opening the grid, the votes page and the import page without a period in the
  address (each looks for the period still to fill: period_needing_entry, timed on its own
  too), as the admin and as a scorer owning a typical share of the indicators; once as built
  (every period has a few empty cells) and once with every quarter filled, when the year is
  the period still to fill.
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
from server_cpu import server_cpu_clock  # noqa: E402

from cadre import roles  # noqa: E402
from cadre.models import Official, Unit, UnitCategory  # noqa: E402
from scoring.admin import IndicatorValueAdmin  # noqa: E402
from scoring.models import QUARTERS, Cycle, Indicator, IndicatorValue, VerificationRun  # noqa: E402
from scoring.selectors import period_needing_entry, units_active  # noqa: E402
from scoring.services import cycles as cycle_services  # noqa: E402
from scoring.services.sql import history_copy  # noqa: E402
from scoring.services.values import (  # noqa: E402
    SOURCE_ENTRY,
    CellInput,
    values_save,
    values_unverified_counted,
)
from scoring.services.verification import verification_run_perform  # noqa: E402

PATHS = ["dashboard", "verify", "quarter", "year", "pages", "export", "save", "exports", "entry"]


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


@contextmanager
def tree_check_skipped():
    """Leave out the tree's check (a few small queries): the synthetic tree's areas carry no
    points of their own (its leaves add up to 1,170), which would refuse every move."""
    tree_problems = cycle_services.indicator_tree_problems
    cycle_services.indicator_tree_problems = lambda *, cycle: []
    try:
        yield
    finally:
        cycle_services.indicator_tree_problems = tree_problems


def moves_timed(moves) -> None:
    """Run each (label, action) in turn in one transaction that is undone, printing the time
    and queries of each, and the CPU time of Python and of the PostgreSQL server process (on a
    shared machine the steadier figures); the deferred checks run at the end, as at COMMIT."""
    server_cpu = server_cpu_clock(connection)
    with tree_check_skipped(), rolled_back():
        for label, action in moves:
            with statements() as collected:
                cpu, server = time.process_time(), server_cpu()
                elapsed = timed(action)
                cpu, server = time.process_time() - cpu, server_cpu() - server
            slow = slow_statements(collected, over=0.2, width=70)
            print(
                f"{label}: {elapsed:.2f} s (Python CPU {cpu:.2f} s, PostgreSQL CPU {server:.2f} "
                f"s), {len(collected)} queries, COPY aside ({sum(t for t, _ in collected):.2f} s "
                f"in them); slow: {slow or 'none'}"
            )
        print(f"  deferred checks at commit: {deferred_checks():.2f} s")


def bench_quarter(cycle: Cycle) -> None:
    """Close Q1 (its compute in every category, and the year's), publish it, reopen it."""
    cycle_state_set(cycle, Cycle.State.OPEN)
    by = get_user_model().objects.get(username="bench-admin")
    moves_timed(
        [
            (
                "close Q1",
                lambda: cycle_services.cycle_quarter_close(cycle=cycle, quarter="Q1", by=by),
            ),
            (
                "publish Q1",
                lambda: cycle_services.cycle_quarter_publish(cycle=cycle, quarter="Q1", by=by),
            ),
            (
                "reopen Q1",
                lambda: cycle_services.cycle_quarter_reopen(
                    cycle=cycle, quarter="Q1", by=by, reason="bench"
                ),
            ),
        ]
    )


def bench_year(cycle: Cycle) -> None:
    """Close the cycle (the last compute), publish the year (snapshot and growth records of
    every scored official), reopen it."""
    cycle_state_set(cycle, Cycle.State.OPEN)
    by = get_user_model().objects.get(username="bench-admin")
    moves_timed(
        [
            ("close the year", lambda: cycle_services.cycle_close(cycle=cycle, by=by)),
            ("publish the year", lambda: cycle_services.cycle_publish(cycle=cycle, by=by)),
            (
                "reopen the year",
                lambda: cycle_services.cycle_reopen(cycle=cycle, by=by, reason="bench"),
            ),
        ]
    )
    cycle_state_set(cycle, Cycle.State.OPEN)


def page_timed(client: Client, label: str, url: str, runs: int) -> None:
    """GET the page `runs` times (after one to warm up) and print the median."""
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{label}: {url} answered {response.status_code}")
    server_cpu = server_cpu_clock(connection)
    timings = []
    for _ in range(runs):
        with statements() as collected:
            started, cpu, server = time.perf_counter(), time.process_time(), server_cpu()
            response = client.get(url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            timings.append(
                (
                    time.perf_counter() - started,
                    time.process_time() - cpu,
                    server_cpu() - server,
                    collected,
                )
            )
    elapsed, cpu, server, collected = sorted(timings, key=lambda timing: timing[0])[runs // 2]
    # The CPU times, unlike the wall time, hardly move with what else the machine runs.
    print(
        f"{label}: median {elapsed * 1000:.0f} ms (of "
        f"{', '.join(f'{timing[0] * 1000:.0f}' for timing in timings)}), Python CPU "
        f"{cpu * 1000:.0f} ms, PostgreSQL CPU {server * 1000:.0f} ms; {len(collected)} queries "
        f"taking {sum(t for t, _ in collected) * 1000:.0f} ms; {len(body) / 1024:,.0f} KiB"
    )


def bench_pages(cycle: Cycle, client: Client, runs: int) -> None:
    """The pages a leader opens, on a closed cycle: ranking, 晋位差距, a unit's page, compare,
    the officials (by unit and by score), the results workbook and a unit's history."""
    cycle_state_set(cycle, Cycle.State.CLOSED)
    category = UnitCategory.objects.order_by("sort_order").first()
    codes = list(
        Unit.objects.filter(category=category).order_by("code").values_list("code", flat=True)[:5]
    )
    for period in ("Q2", "Y"):
        query = f"cycle={cycle.year}&period={period}&category={category.code}"
        pages = [
            ("ranking", f"/dashboard/?{query}"),
            ("晋位差距", f"/dashboard/distance/?{query}"),
            ("unit page", f"/dashboard/unit/{codes[0]}/?{query}"),
            (
                "compare 5 units",
                f"/dashboard/compare/?{query}&{'&'.join(f'units={c}' for c in codes)}",
            ),
            ("results Excel", f"/dashboard/export/?{query}"),
        ]
        if period == "Y":
            pages += [
                ("officials by unit", f"/dashboard/officials/?{query}"),
                ("officials by score", f"/dashboard/officials/?{query}&order=score"),
            ]
        for label, url in pages:
            page_timed(client, f"{label} ({period})", url, runs)
    bench_history(cycle, codes[0], client, runs)
    cycle_state_set(cycle, Cycle.State.OPEN)


def bench_exports(cycle: Cycle, client: Client, runs: int) -> None:
    """The province's results workbook of a quarter and of the year (every category), and the
    workbook of every official's annual score, on a closed cycle."""
    cycle_state_set(cycle, Cycle.State.CLOSED)
    for period in ("Q2", "Y"):
        page_timed(
            client,
            f"results Excel, province ({period})",
            f"/dashboard/export/?cycle={cycle.year}&period={period}",
            runs,
        )
    officials = Official.objects.count()
    page_timed(
        client,
        f"officials Excel, {officials:,} officials",
        f"/dashboard/officials/export/?cycle={cycle.year}",
        runs,
    )
    cycle_state_set(cycle, Cycle.State.OPEN)


# A year of one unit's values: entered, verified, corrected and verified again.
HISTORY_ROUNDS = [
    ("+", "填报页面"),
    ("~", "填报页面：审核"),
    ("~", "导入：撤销审核：数值有误"),
    ("~", "导入"),
    ("~", "填报页面：审核"),
]


def bench_history(cycle: Cycle, code: str, client: Client, runs: int) -> None:
    """A unit's history page (its first page, its last, one indicator's) with a year of
    changes of its values written for the time of the bench (the built cycle has none)."""
    values = IndicatorValue.objects.filter(indicator__cycle=cycle, unit__code=code)
    indicator = values.order_by("indicator__code").values_list("indicator", flat=True)[0]
    history = f"/entry/units/{code}/history/?cycle={cycle.pk}"
    with rolled_back():
        written = sum(
            history_copy(queryset=values, history_type=kind, reason=reason, by=None)
            for kind, reason in HISTORY_ROUNDS
        )
        print(f"a unit's history of {written:,} changes:")
        for label, url in [
            ("unit history", history),
            ("unit history, last page", f"{history}&page=last"),
            ("unit history, one indicator", f"{history}&indicator={indicator}"),
        ]:
            page_timed(client, label, url, runs)


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


# A province's indicators shared among a dozen scorers: one owns about ten of them.
SCORER_SHARE = 12


def scorer_of_share(cycle: Cycle):
    """A scorer (made for the bench, in its transaction) owning every SCORER_SHARE-th indicator
    taking values, annual ones (two) and quarterly ones, as one of a dozen scorers would."""
    user = get_user_model().objects.create(username="bench-scorer")
    user.groups.add(roles.role_groups_ensure()[roles.SCORER])
    owned = (
        Indicator.objects.filter(cycle=cycle, children__isnull=True)
        .exclude(method__in=["", Indicator.Method.EVALUATION])
        .order_by("frequency", "sort_order")
    )
    user.owned_indicators.add(*list(owned)[::SCORER_SHARE])
    return user


def quarters_filled(cycle: Cycle) -> int:
    """Give every quarterly cell still empty a value (as the end of the year finds them): the
    year is then the period still to fill. Return how many were added."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO scoring_indicatorvalue
                (indicator_id, unit_id, period, value, version, updated_at)
            SELECT i.id, u.id, q.period, 0, 1, now()
            FROM scoring_indicator i
            CROSS JOIN cadre_unit u
            CROSS JOIN unnest(%s::varchar[]) AS q(period)
            WHERE i.cycle_id = %s AND i.frequency = 'quarterly'
              AND i.method NOT IN ('', 'evaluation') AND u.is_active
              AND (
                NOT EXISTS (SELECT 1 FROM scoring_indicator_categories c
                            WHERE c.indicator_id = i.id)
                OR EXISTS (SELECT 1 FROM scoring_indicator_categories c
                           WHERE c.indicator_id = i.id AND c.unitcategory_id = u.category_id)
              )
            ON CONFLICT DO NOTHING
            """,
            [QUARTERS, cycle.pk],
        )
        added = cursor.rowcount
        cursor.execute("ANALYZE scoring_indicatorvalue")
    return added


def selector_timed(label: str, action, runs: int) -> None:
    """Run `action` `runs` times (after one to warm up) and print the median and what it
    returned."""
    server_cpu = server_cpu_clock(connection)
    answer = action()
    timings = []
    for _ in range(runs):
        with statements() as collected:
            started, server = time.perf_counter(), server_cpu()
            action()
            timings.append((time.perf_counter() - started, server_cpu() - server, collected))
    elapsed, server, collected = sorted(timings, key=lambda timing: timing[0])[runs // 2]
    print(
        f"{label}: median {elapsed * 1000:.0f} ms (of "
        f"{', '.join(f'{timing[0] * 1000:.0f}' for timing in timings)}), PostgreSQL CPU "
        f"{server * 1000:.0f} ms; {len(collected)} queries; opens on {answer}"
    )


def bench_entry(cycle: Cycle, client: Client, runs: int) -> None:
    """The entry pages opened without a period, by the admin and by a scorer, as built and
    with every quarter filled; PostgreSQL CPU counts the server process of this connection,
    not the workers of a parallel plan."""
    cycle_state_set(cycle, Cycle.State.OPEN)
    admin = get_user_model().objects.get(username="bench-admin")
    pages = [("grid", "/entry/"), ("votes", "/entry/votes/"), ("import", "/entry/sheets/")]
    with rolled_back():
        scorer = scorer_of_share(cycle)
        scorer_client = Client()
        scorer_client.force_login(scorer)
        owned = scorer.owned_indicators.count()
        units = units_active()
        for filled in (False, True):
            if filled:
                print(f"every quarter filled ({quarters_filled(cycle):,} values added):")
            for who, user, user_client in (
                ("admin", admin, client),
                (f"scorer of {owned} indicators", scorer, scorer_client),
            ):
                selector_timed(
                    f"period_needing_entry ({who})",
                    lambda user=user: period_needing_entry(cycle=cycle, user=user, units=units),
                    runs,
                )
                for page, url in pages:
                    page_timed(user_client, f"{page} page ({who})", url, runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", choices=PATHS, default=PATHS)
    parser.add_argument("--runs", type=int, default=5, help="views of each page to time")
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
        elif path == "quarter":
            bench_quarter(cycle)
        elif path == "year":
            bench_year(cycle)
        elif path == "pages":
            bench_pages(cycle, client, arguments.runs)
        elif path == "export":
            bench_export(client, arguments.export_all)
        elif path == "save":
            bench_save(cycle)
        elif path == "exports":
            bench_exports(cycle, client, arguments.runs)
        elif path == "entry":
            bench_entry(cycle, client, arguments.runs)


if __name__ == "__main__":
    main()
