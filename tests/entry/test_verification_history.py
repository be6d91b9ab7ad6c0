"""A value's history says when it was verified (审核) and when that was taken back (取消审核,
with the reason), next to its changes, whose old → new it leaves as they were; written a
statement per batch of values, however many."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scoring.models import IndicatorValue
from scoring.services import verification
from scoring.services.values import SOURCE_ENTRY, CellInput, values_save, values_unverify
from scoring.services.verification import values_verify_request

pytestmark = pytest.mark.django_db

ROW = re.compile(r"<tr>\s*<td>[\d: -]+</td>\s*(.*?)</tr>", re.S)
CELL = re.compile(r"<td[^>]*>(?:<span[^>]*>)?(.*?)(?:</span>)?</td>", re.S)


@pytest.fixture
def entered(open_cycle, scorer, district):
    """Three units × two indicators whose Q1 values the scorer entered (5 each), unverified;
    return the units and the indicators."""
    units, indicators = district(cycle=open_cycle, owner=scorer, units=3, indicators=2)
    _save(
        open_cycle, scorer, [(unit, indicator, "5") for unit in units for indicator in indicators]
    )
    return units, indicators


def _save(cycle, by, cells) -> None:
    values_save(
        cycle=cycle,
        cells=[CellInput(unit=u, indicator=i, period="Q1", raw=raw) for u, i, raw in cells],
        by=by,
        source=SOURCE_ENTRY,
    )


def _history_rows(client, unit, cycle, indicator) -> list[list[str]]:
    """The unit's history of the indicator as its page lists it, newest first: project, old,
    new, operation, who, source."""
    url = f"/entry/units/{unit.code}/history/?cycle={cycle.year}&indicator={indicator.pk}"
    page = client.get(url).content.decode()
    return [[cell.strip() for cell in CELL.findall(row)] for row in ROW.findall(page)]


def test_the_history_shows_the_verification_and_its_withdrawal_between_the_changes(
    client, open_cycle, admin_user, scorer, entered
):
    units, (first, second) = entered
    client.force_login(admin_user)
    client.post(
        f"/entry/verify/?cycle={open_cycle.year}&period=Q1", {"indicator": [first.pk, second.pk]}
    )
    value = IndicatorValue.objects.get(unit=units[0], indicator=first)
    client.post(
        f"/entry/verify/verified/?cycle={open_cycle.year}&period=Q1&indicator={first.pk}",
        {"value": [value.pk], "reason": "数值有误，退回核实"},
    )
    _save(open_cycle, scorer, [(units[0], first, "6")])

    rows = _history_rows(client, units[0], open_cycle, first)

    what = "X01 指标1 · 第一季度"
    assert [row[:4] + row[5:] for row in rows] == [
        [what, "5", "6", "已修改", "填报页面"],
        [what, "5", "5", "取消审核", "填报页面：撤销审核：数值有误，退回核实"],
        [what, "5", "5", "审核", "填报页面：审核"],
        [what, "", "5", "已创建", "填报页面"],
    ]
    assert [row[4] for row in rows] == ["fgj", "kaoheban", "kaoheban", "fgj"]


@pytest.mark.parametrize("units", [3, 30])
def test_verifying_at_once_writes_the_history_in_a_fixed_number_of_statements(
    open_cycle, admin_user, scorer, district, units, django_assert_num_queries
):
    made, indicators = district(cycle=open_cycle, owner=scorer, units=units, indicators=2)
    _save(open_cycle, scorer, [(u, i, "5") for u in made for i in indicators])
    # The values counted, then inside a savepoint (two statements) verified and their history
    # written.
    with django_assert_num_queries(5):
        outcome = values_verify_request(
            cycle=open_cycle, period="Q1", indicator_ids=[i.pk for i in indicators], by=admin_user
        )
    assert outcome.verified == units * 2
    history = IndicatorValue.history.filter(history_change_reason="填报页面：审核")
    assert history.count() == units * 2
    assert set(history.values_list("history_user", "verified_by")) == {
        (admin_user.pk, admin_user.pk)
    }


def test_a_background_verification_writes_the_history_of_each_batch_in_one_statement(
    open_cycle, admin_user, entered, settings, monkeypatch
):
    _units, indicators = entered
    settings.SCORING_VERIFY_BACKGROUND_VALUES = 5
    monkeypatch.setattr(verification, "VERIFY_BATCH_IDS", 2)
    history_table = IndicatorValue.history.model._meta.db_table

    with CaptureQueriesContext(connection) as queries:
        # The test settings' task backend runs the task at once.
        outcome = values_verify_request(
            cycle=open_cycle, period="Q1", indicator_ids=[i.pk for i in indicators], by=admin_user
        )

    assert outcome.run is not None
    written = [q for q in queries if q["sql"].startswith(f'INSERT INTO "{history_table}"')]
    assert len(written) == 3  # six values, two ids a batch
    verified = IndicatorValue.history.filter(history_change_reason="填报页面：审核")
    assert sorted(verified.values_list("id", flat=True)) == sorted(
        IndicatorValue.objects.values_list("pk", flat=True)
    )


def test_unverifying_a_selection_writes_its_history_in_one_statement(
    open_cycle, admin_user, entered
):
    units, (first, _second) = entered
    IndicatorValue.objects.update(verified_by=admin_user, verified_at=open_cycle.created_at)
    history_table = IndicatorValue.history.model._meta.db_table
    picked = IndicatorValue.objects.filter(indicator=first)

    with CaptureQueriesContext(connection) as queries:
        count = values_unverify(
            cycle=open_cycle, values=picked, by=admin_user, reason="误审", source=SOURCE_ENTRY
        )

    assert count == 3
    written = [q for q in queries if q["sql"].startswith(f'INSERT INTO "{history_table}"')]
    assert len(written) == 1
    taken_back = IndicatorValue.history.filter(history_change_reason="填报页面：撤销审核：误审")
    assert sorted(taken_back.values_list("unit", "value", "verified_at")) == [
        (unit.pk, Decimal("5.0000"), None) for unit in units
    ]
