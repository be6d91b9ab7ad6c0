"""A closed quarter's results are those computed when it closed: closing computes them from the
units as they are then, publishing freezes exactly those, whatever happened to the units in
between, and only reopening or a recompute with a reason computes them anew."""

import threading
import time
from decimal import Decimal

import pytest
import tablib
from django.db import connection, transaction
from django.forms import modelform_factory
from django.test import Client

from cadre.admin import UnitForm
from cadre.models import Unit, UnitCategory
from cadre.resources import UnitResource
from scoring.models import Cycle, Period, ResultSnapshot, UnitResult
from scoring.services import units
from scoring.services.cycles import (
    FROZEN_RESULT_COLUMNS,
    cycle_quarter_close,
    cycle_quarter_publish,
    cycle_quarter_reopen,
    cycle_results_recompute,
)
from scoring.services.points import unit_points
from scoring.services.refresh import results_refresh_unlocked
from scoring.services.units import UnitMoveRefused, unit_save
from scoring.services.workbook import WorkbookInvalid
from scoring.services.workbook_imports import workbook_import_write, workbook_record_new
from scoring.services.workbook_preview import workbook_check
from tests.quarters import next_year_workbook, ranked_district

pytestmark = pytest.mark.django_db

TOWNS = ["ZJ01", "ZJ02", "ZJ03", "ZJ04"]


@pytest.fixture
def district():
    return ranked_district()


def _quarter(cycle, quarter="Q1") -> dict[str, tuple]:
    """Each unit's result of the quarter as the ranking shows it: category, total, rank,
    grade, veto."""
    return {
        code: rest
        for code, *rest in UnitResult.objects.filter(cycle=cycle, period=quarter).values_list(
            "unit__code", "category__code", "total", "rank", "grade", "vetoed"
        )
    }


def _year_q1_points(cycle) -> dict[str, dict[str, Decimal]]:
    """The Q1 points each town's year takes (stored for the quarter, by indicator)."""
    return {
        code: unit_points(cycle=cycle, unit=Unit.objects.get(code=code))["Q1"]
        for code in ["ZJ01", "ZJ02", "ZJ03"]
    }


def _snapshot_rows(snapshot: ResultSnapshot) -> dict[str, dict]:
    return {row["unit"]: row for row in snapshot.results}


def _stored_rows(cycle, quarter="Q1") -> dict[str, dict]:
    """The stored results of the quarter in the form a snapshot keeps them."""
    rows = UnitResult.objects.filter(cycle=cycle, period=quarter).values_list(
        *FROZEN_RESULT_COLUMNS.values()
    )
    frozen = {}
    for row in rows:
        cells = dict(zip(FROZEN_RESULT_COLUMNS, row, strict=True))
        for key, cell in cells.items():
            if isinstance(cell, Decimal):
                cells[key] = f"{cell:.2f}"
        frozen[cells["unit"]] = cells
    return frozen


def _workbook_of_2027_moving_zj04() -> bytes:
    """An interchange workbook for next year that puts ZJ04 into a new category JJ."""
    return next_year_workbook([["ZJ04", "单位ZJ04", "JJ"]])


def test_closing_a_quarter_computes_it_from_the_units_as_they_are_at_the_close(district):
    cycle, admin = district["cycle"], district["admin"]
    before = _quarter(cycle)
    # Moved past every service, each of which would recompute 2026 at once: its Q1 still
    # ranks ZJ04 among the towns.
    Unit.objects.filter(code="ZJ04").update(
        category=UnitCategory.objects.create(code="JJ", name="经济部门")
    )
    assert _quarter(cycle) == before

    cycle_quarter_close(cycle=cycle, quarter="Q1", by=admin)

    closed = _quarter(cycle)
    # ZJ04 led both rank and best ratio among the towns: closed without it, they moved up.
    assert closed["ZJ04"][0] == "JJ" and closed["ZJ04"][2] == 1
    assert {code: closed[code][2] for code in ["ZJ01", "ZJ02", "ZJ03"]} == {
        "ZJ01": 1,
        "ZJ02": 2,
        "ZJ03": 3,
    }
    assert closed["ZJ01"][1] > before["ZJ01"][1]
    # And so the year counts for Q1 what the quarter now shows.
    year_q1 = _year_q1_points(cycle)
    assert year_q1["ZJ01"]["R"] == Decimal(500)


@pytest.mark.parametrize("change", ["retired", "added"])
def test_publishing_a_quarter_freezes_the_results_it_was_closed_with(district, change):
    cycle, admin = district["cycle"], district["admin"]
    cycle_quarter_close(cycle=cycle, quarter="Q1", by=admin)
    at_close, stored_at_close = _quarter(cycle), _stored_rows(cycle)
    year_q1 = _year_q1_points(cycle)
    if change == "retired":
        # ZJ04 led Q1 on both indicators: scored again, every other town would move up.
        Unit.objects.filter(code="ZJ04").update(is_active=False)
    else:
        Unit.objects.create(code="ZJ05", name="新设街道", category=district["towns"])
    results_refresh_unlocked()  # as the admin's save of the unit does

    snapshot = cycle_quarter_publish(cycle=cycle, quarter="Q1", by=admin)

    assert _quarter(cycle) == at_close
    assert _snapshot_rows(snapshot) == stored_at_close
    # The retired unit was assessed in Q1 and keeps its result; the new one was not.
    assert sorted(_snapshot_rows(snapshot)) == TOWNS
    assert _year_q1_points(cycle) == year_q1
    assert Cycle.objects.get(pk=cycle.pk).published_periods == ["Q1"]


def test_reopening_the_published_quarter_computes_it_with_the_units_as_they_are(district):
    cycle, admin = district["cycle"], district["admin"]
    cycle_quarter_close(cycle=cycle, quarter="Q1", by=admin)
    Unit.objects.filter(code="ZJ04").update(is_active=False)
    results_refresh_unlocked()
    cycle_quarter_publish(cycle=cycle, quarter="Q1", by=admin)
    assert _quarter(cycle)["ZJ01"][2] == 2

    cycle_quarter_reopen(cycle=cycle, quarter="Q1", by=admin, reason="撤并单位后重新排名")

    reopened = _quarter(cycle)
    assert sorted(reopened) == ["ZJ01", "ZJ02", "ZJ03"]
    assert reopened["ZJ01"][2] == 1
    assert _year_q1_points(cycle)["ZJ01"]["R"] == Decimal(500)


def test_a_recompute_with_a_reason_rewrites_the_closed_quarter_but_not_its_publication(district):
    cycle, admin = district["cycle"], district["admin"]
    cycle_quarter_close(cycle=cycle, quarter="Q1", by=admin)
    snapshot = cycle_quarter_publish(cycle=cycle, quarter="Q1", by=admin)
    published = snapshot.results
    Unit.objects.filter(code="ZJ04").update(is_active=False)
    cycle_results_recompute(cycle=cycle, by=admin)
    assert "ZJ04" in _quarter(cycle), "without a reason the published quarter is kept"

    cycle_results_recompute(cycle=cycle, locked_reason="区委决定撤并 ZJ04，一季度重排", by=admin)

    assert sorted(_quarter(cycle)) == ["ZJ01", "ZJ02", "ZJ03"]
    snapshot.refresh_from_db()
    assert snapshot.results == published
    assert ResultSnapshot.objects.filter(cycle=cycle, period=Period.Q1).count() == 1


# --- A workbook moving a unit while a quarter closes -----------------------------------------

MOVE_REFUSED = "单位 ZJ04 单位ZJ04 在2026年度考核 第一季度按类别“镇街”考核，这些季度已关闭；"


def _write(check, data: bytes, admin):
    record = workbook_record_new(file_name="2027.xlsx", data=data, by=admin)
    return workbook_import_write(check=check, by=admin, record=record)


def _refused_on_the_category_cell(error: WorkbookInvalid) -> None:
    [problem] = error.problems
    assert (problem.sheet, problem.row, problem.column) == ("units", 2, "C")
    assert problem.message.startswith(MOVE_REFUSED)
    assert Unit.objects.get(code="ZJ04").category.code == "ZJ"
    assert not Cycle.objects.filter(year=2027).exists()


def test_a_workbook_checked_before_a_quarter_closed_is_refused_when_written_after(district):
    cycle, admin = district["cycle"], district["admin"]
    data = _workbook_of_2027_moving_zj04()
    check = workbook_check(data=data)
    assert check.problems == []  # Q1 was open: ZJ04 could move
    cycle_quarter_close(cycle=cycle, quarter="Q1", by=admin)
    with pytest.raises(WorkbookInvalid) as raised:
        _write(check, data, admin)
    _refused_on_the_category_cell(raised.value)


def _waiting_on_a_lock(thread: threading.Thread, timeout: float = 30) -> bool:
    """Whether another connection of this test waits on a row lock, within `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and thread.is_alive():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                return True
        time.sleep(0.05)
    return False


def _run_while_q1_closes(district, work, *, waits: bool = True) -> None:
    """Run `work` in a thread of its own while Q1 closes in a transaction still under way, and
    assert it waits for the close (or, not `waits`, is done before it), which then commits."""
    cycle, admin = district["cycle"], district["admin"]
    closing, commit = threading.Event(), threading.Event()

    def close_quarter():
        try:
            with transaction.atomic():
                cycle_quarter_close(cycle=cycle, quarter="Q1", by=admin)
                closing.set()
                commit.wait(60)
        finally:
            connection.close()

    def run():
        try:
            work()
        finally:
            connection.close()

    closer = threading.Thread(target=close_quarter)
    closer.start()
    worker = threading.Thread(target=run)
    try:
        assert closing.wait(30)
        worker.start()
        if waits:
            assert _waiting_on_a_lock(worker), "the work should wait for the closing quarter"
        else:
            worker.join(30)
            assert not worker.is_alive(), "the work should not wait for the closing quarter"
    finally:
        commit.set()
        closer.join()
        if worker.ident is not None:
            worker.join()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="rows are locked on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_workbook_written_while_a_quarter_closes_waits_for_it_and_is_refused(district):
    """The quarter closes in a transaction still under way when the workbook, checked while
    the quarter was open, is written: the write waits for the close, then sees the quarter
    closed and moves nothing, rather than moving the unit out of the category it was closed
    with."""
    cycle, admin = district["cycle"], district["admin"]
    data = _workbook_of_2027_moving_zj04()
    check = workbook_check(data=data)
    assert check.problems == []
    outcome = {}

    def write_workbook():
        try:
            _write(check, data, admin)
        except WorkbookInvalid as error:
            outcome["refused"] = error

    _run_while_q1_closes(district, write_workbook)
    assert "refused" in outcome, "the write moved the unit"
    _refused_on_the_category_cell(outcome["refused"])
    assert Cycle.objects.get(pk=cycle.pk).state_q1 == "closed"


# --- The admin moving a unit while a quarter closes ------------------------------------------


def _unit_moved_to_jj(unit: Unit) -> Unit:
    """The unit as the admin's form takes its move to a new category JJ, checked (while Q1 is
    open) and not saved yet."""
    jj = UnitCategory.objects.create(code="JJ", name="经济部门")
    Form = modelform_factory(Unit, form=UnitForm, fields=["code", "name", "category", "is_active"])
    form = Form(
        data={"code": unit.code, "name": unit.name, "category": jj.pk, "is_active": "on"},
        instance=unit,
    )
    assert form.is_valid(), form.errors
    return form.save(commit=False)


def test_a_unit_move_checked_before_a_quarter_closed_is_refused_when_saved_after(district):
    cycle, admin = district["cycle"], district["admin"]
    moved = _unit_moved_to_jj(Unit.objects.get(code="ZJ04"))
    cycle_quarter_close(cycle=cycle, quarter="Q1", by=admin)
    at_close = _quarter(cycle)

    with pytest.raises(UnitMoveRefused) as raised:
        unit_save(unit=moved)

    # The message the form gives the move now.
    stored = Unit.objects.get(code="ZJ04")
    form = modelform_factory(Unit, form=UnitForm, fields=["category"])(
        data={"category": moved.category_id}, instance=stored
    )
    assert form.errors == {"category": [str(raised.value)]}
    assert str(raised.value).startswith(MOVE_REFUSED)
    assert stored.category.code == "ZJ"
    assert _quarter(cycle) == at_close


def test_the_admin_tells_why_a_move_a_quarter_closed_under_was_not_saved(district, monkeypatch):
    """Q1 closes after the admin's form checked the move, before the save locks the cycles
    (run here inside the request, as the save is about to lock)."""
    cycle, admin = district["cycle"], district["admin"]
    unit = Unit.objects.get(code="ZJ04")
    jj = UnitCategory.objects.create(code="JJ", name="经济部门")

    def close_then_lock(**kwargs):
        cycle_quarter_close(cycle=cycle, quarter="Q1", by=admin)
        real_lock(**kwargs)

    real_lock = units.unit_moves_cycles_lock
    monkeypatch.setattr(units, "unit_moves_cycles_lock", close_then_lock)
    client = Client()
    client.force_login(admin)
    url = f"/admin/cadre/unit/{unit.pk}/change/"
    form = {"code": "ZJ04", "name": "单位ZJ04", "category": jj.pk, "sort_order": 4}
    response = client.post(url, {**form, "is_active": "on"}, follow=True)

    assert response.redirect_chain == [(url, 302)]
    [message] = [str(message) for message in response.context["messages"]]
    assert message.startswith(MOVE_REFUSED)
    # Nothing of the request was kept: neither the move nor (run inside it here) the close.
    assert Unit.objects.get(code="ZJ04").category.code == "ZJ"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="rows are locked on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_unit_saved_while_a_quarter_closes_waits_for_it_and_is_refused(district):
    """The quarter closes in a transaction still under way when the admin's save of a move,
    checked while the quarter was open, runs: the save waits for the close, then sees the
    quarter closed and keeps the unit in the category it was closed with."""
    moved = _unit_moved_to_jj(Unit.objects.get(code="ZJ04"))
    outcome = {}

    def save_unit():
        try:
            unit_save(unit=moved)
        except UnitMoveRefused as error:
            outcome["refused"] = str(error)

    _run_while_q1_closes(district, save_unit)
    assert outcome.get("refused", "").startswith(MOVE_REFUSED), "the save moved the unit"
    assert Unit.objects.get(code="ZJ04").category.code == "ZJ"
    assert Cycle.objects.get(pk=district["cycle"].pk).state_q1 == "closed"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="rows are locked on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_unit_import_run_while_a_quarter_closes_waits_for_it_and_refuses_the_move(district):
    """The admin's import of units reads the closed quarters under the same locks: it waits
    for the closing quarter and refuses the move on its category cell."""
    UnitCategory.objects.create(code="JJ", name="经济部门")
    dataset = tablib.Dataset(("ZJ04", "单位ZJ04", "JJ"), headers=["code", "name", "category"])
    outcome = {}

    def import_units():
        result = UnitResource().import_data(dataset, dry_run=False)
        outcome["errors"] = {row.number: row.error_dict for row in result.invalid_rows}

    _run_while_q1_closes(district, import_units)
    [message] = outcome["errors"][2]["category"]  # the file's row 2, under its header
    assert message.startswith(MOVE_REFUSED)
    assert Unit.objects.get(code="ZJ04").category.code == "ZJ"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="rows are locked on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_unit_import_previewed_while_a_quarter_closes_does_not_wait_for_it(district):
    """The preview of the admin's import of units writes nothing: it takes none of the cycles'
    locks, so a quarter closing meanwhile neither holds it up nor is held up by it. The
    confirmed import checks again under the locks and refuses the move the close forbids."""
    UnitCategory.objects.create(code="JJ", name="经济部门")
    dataset = tablib.Dataset(("ZJ04", "单位ZJ04", "JJ"), headers=["code", "name", "category"])
    outcome = {}

    def preview_units():
        result = UnitResource().import_data(dataset, dry_run=True)
        outcome["refused rows"] = len(result.invalid_rows)

    _run_while_q1_closes(district, preview_units, waits=False)
    assert outcome == {"refused rows": 0}  # previewed while Q1 was still open

    result = UnitResource().import_data(dataset, dry_run=False)
    [message] = result.invalid_rows[0].error_dict["category"]
    assert message.startswith(MOVE_REFUSED)
    assert Unit.objects.get(code="ZJ04").category.code == "ZJ"
