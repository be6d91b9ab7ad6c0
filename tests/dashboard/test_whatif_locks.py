"""A leader's what-if never makes a scorer's save wait (rows are locked on PostgreSQL)."""

import threading
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection

from cadre import roles
from scoring.models import Cycle, IndicatorValue, UnitResult
from scoring.services import whatif
from scoring.services.compute import results_compute
from scoring.services.values import CellInput, values_save
from scoring.services.whatif import UnitValueChange, WhatIfChanges, whatif_run
from tests.dashboard.factories import tree_make, user_with_role

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="rows are locked on PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def test_a_save_completes_while_a_whatif_with_new_weights_computes(cycle, town_units):
    """The what-if changes the quarter weights, an indicator's points and another unit's value,
    and is held in the middle of its computation; meanwhile a scorer saves two values of the
    same category and period, one of them the cell the leader tries, and the save recomputes
    the results the sandbox is computing: the save is done before the what-if is let go, and
    the what-if still sees its own changes only."""
    leaves = tree_make(cycle=cycle)
    for index, unit in enumerate(town_units):
        for leaf in leaves:
            IndicatorValue.objects.create(
                indicator=leaf, unit=unit, period="Q1", value=Decimal(200 - index * 10)
            )
    results_compute(cycle=cycle)
    scorer = user_with_role("scorer", roles.SCORER)
    first, last = town_units[0], town_units[-1]
    changes = WhatIfChanges(
        indicator_max={leaves[1]: Decimal(200)},
        quarter_weights={
            "Q1": Decimal("0.4"),
            "Q2": Decimal("0.2"),
            "Q3": Decimal("0.2"),
            "Q4": Decimal("0.2"),
        },
        unit_values=[UnitValueChange(unit=last, indicator=leaves[0], period="Q1", value=250)],
    )
    computing, let_go = threading.Event(), threading.Event()
    unsaved = whatif.results_unsaved

    def held_in_the_middle(**kwargs):
        results = unsaved(**kwargs)
        computing.set()
        assert let_go.wait(60)
        return results

    outcome = {}

    def run_whatif():
        try:
            outcome["rows"] = whatif_run(
                cycle=cycle, period="Q1", category=first.category, changes=changes
            )
        finally:
            connection.close()

    with mock.patch.object(whatif, "results_unsaved", held_in_the_middle):
        sandbox = threading.Thread(target=run_whatif)
        sandbox.start()
        try:
            assert computing.wait(60)
            with connection.cursor() as cursor:
                # Waiting would hang the test: fail instead.
                cursor.execute("SET lock_timeout = '10s'")
            cells = [
                CellInput(unit=unit, indicator=leaves[0], period="Q1", raw="250")
                for unit in (first, last)
            ]
            report = values_save(cycle=cycle, cells=cells, by=scorer, source="录入")
            assert report.updated == 2, "the save should be done while the what-if computes"
            assert sandbox.is_alive()
        finally:
            let_go.set()
            sandbox.join()
    saved = UnitResult.objects.get(cycle=cycle, unit=first, period="Q1")
    assert saved.total > UnitResult.objects.get(cycle=cycle, unit=town_units[1], period="Q1").total
    assert Cycle.objects.get(pk=cycle.pk).weight_q1 == Decimal("0.25")
    rows = {row.unit: row for row in outcome["rows"]}
    assert rows[last].sandbox.total > rows[last].real.total
