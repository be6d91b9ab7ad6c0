from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.translation import pgettext

from scoring.models import Cycle, IndicatorValue
from scoring.services.values import (
    SOURCE_ENTRY,
    CellInput,
    CycleLockedError,
    source_import,
    source_label,
    source_verified,
    values_save,
    values_unverified_count,
)
from scoring.services.verification import values_verify_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(open_cycle, scorer, district):
    units, indicators = district(cycle=open_cycle, owner=scorer, units=3, indicators=2)
    return open_cycle, scorer, units, indicators


def save(cycle, by, cells, source=SOURCE_ENTRY):
    return values_save(cycle=cycle, cells=cells, by=by, source=source)


def test_valid_cells_are_kept_and_invalid_ones_refused_with_the_reason(setup):
    cycle, scorer, (town1, town2, town3), (points, _other) = setup
    report = save(
        cycle,
        scorer,
        [
            CellInput(unit=town1, indicator=points, period="Q1", raw="８．５", version=0),
            CellInput(unit=town2, indicator=points, period="Q1", raw="12", version=0),
            CellInput(unit=town3, indicator=points, period="Q1", raw="九", version=0),
        ],
    )
    assert report.created == 1
    assert report.errors == {
        (town2.pk, points.pk, "Q1"): "分值应在 0 到 10 之间，实为 12",
        (town3.pk, points.pk, "Q1"): "应为数字，实为“九”",
    }
    stored = IndicatorValue.objects.get()
    assert (stored.unit, stored.value, stored.entered_by) == (town1, Decimal("8.5"), scorer)


def test_a_changed_value_since_the_editor_loaded_it_is_never_overwritten(setup, other_scorer):
    cycle, scorer, (town1, *_), (points, _other) = setup
    save(cycle, scorer, [CellInput(unit=town1, indicator=points, period="Q1", raw="5", version=0)])
    # Both loaded version 1; the other person saves first.
    save(
        cycle,
        other_scorer,
        [CellInput(unit=town1, indicator=points, period="Q1", raw="6", version=1)],
    )
    report = save(
        cycle, scorer, [CellInput(unit=town1, indicator=points, period="Q1", raw="7", version=1)]
    )
    conflict = report.conflicts[(town1.pk, points.pk, "Q1")]
    assert (conflict.value, conflict.by, conflict.version) == (Decimal("6"), "tjj", 2)
    assert IndicatorValue.objects.get().value == Decimal("6")


def test_two_people_creating_the_same_cell_conflict_instead_of_overwriting(setup, other_scorer):
    cycle, scorer, (town1, *_), (points, _other) = setup
    save(
        cycle,
        other_scorer,
        [CellInput(unit=town1, indicator=points, period="Q1", raw="6", version=0)],
    )
    report = save(
        cycle, scorer, [CellInput(unit=town1, indicator=points, period="Q1", raw="7", version=0)]
    )
    assert report.conflicts[(town1.pk, points.pk, "Q1")].value == Decimal("6")


def test_history_records_who_old_new_and_from_where(setup):
    cycle, scorer, (town1, *_), (points, _other) = setup
    cell = {"unit": town1, "indicator": points, "period": "Q1"}
    save(cycle, scorer, [CellInput(**cell, raw="5", version=0)])
    save(
        cycle,
        scorer,
        [CellInput(**cell, raw="7", version=None)],
        source=source_import(file_name="二季度.xlsx"),
    )
    records = list(IndicatorValue.history.order_by("history_id"))
    assert [
        (r.value, r.history_user, r.history_change_reason, r.history_type) for r in records
    ] == [
        (Decimal("5"), scorer, "填报页面", "+"),
        (Decimal("7"), scorer, "导入 二季度.xlsx", "~"),
    ]


@pytest.mark.parametrize("state", [Cycle.State.CLOSED, Cycle.State.PUBLISHED])
def test_a_locked_cycle_refuses_the_service(setup, state):
    cycle, scorer, (town1, *_), (points, _other) = setup
    Cycle.objects.filter(pk=cycle.pk).update(state=state)
    with pytest.raises(CycleLockedError, match="不能再修改任何数据"):
        # The caller's cycle object still says open: the service reads the state itself.
        save(cycle, scorer, [CellInput(unit=town1, indicator=points, period="Q1", raw="5")])
    assert not IndicatorValue.objects.exists()


def test_a_blank_cell_cannot_clear_a_stored_value_and_equal_values_change_nothing(setup):
    cycle, scorer, (town1, town2, _town3), (points, _other) = setup
    save(cycle, scorer, [CellInput(unit=town1, indicator=points, period="Q1", raw="5", version=0)])
    report = save(
        cycle,
        scorer,
        [
            CellInput(unit=town1, indicator=points, period="Q1", raw="5.00", version=1),
            CellInput(unit=town2, indicator=points, period="Q1", raw="  ", version=0),
        ],
    )
    assert (report.saved, report.unchanged, report.refused) == (0, 1, 0)
    report = save(cycle, scorer, [CellInput(unit=town1, indicator=points, period="Q1", raw="")])
    assert "不能清空" in report.errors[(town1.pk, points.pk, "Q1")]
    assert IndicatorValue.history.count() == 1


def test_cells_that_do_not_belong_are_refused(setup, make_indicator):
    cycle, scorer, (town1, *_), (points, _other) = setup
    annual = make_indicator("Y1", 10, frequency="annual")
    departments_only = make_indicator("D1", 10)
    departments_only.categories.create(code="JJ", name="经济部门")
    report = save(
        cycle,
        scorer,
        [
            CellInput(unit=town1, indicator=points, period="Y", raw="5"),
            CellInput(unit=town1, indicator=annual, period="Q1", raw="5"),
            CellInput(unit=town1, indicator=departments_only, period="Q1", raw="5"),
            CellInput(unit=town1, indicator=points, period="Q9", raw="5"),
        ],
    )
    assert sorted(report.errors.values()) == sorted(
        [
            "季度指标只在 Q1–Q4 填报，不在全年",
            "年度指标只在全年（Y）填报",
            "指标 D1 不适用于第1镇",
            "期间“Q9”无效，应为 Q1–Q4 或 Y",
        ]
    )


def test_a_changed_value_must_be_verified_again(setup, admin_user):
    cycle, scorer, (town1, town2, _), (points, other) = setup
    save(
        cycle,
        scorer,
        [
            CellInput(unit=town1, indicator=points, period="Q1", raw="5"),
            CellInput(unit=town2, indicator=points, period="Q1", raw="6"),
        ],
    )
    assert values_unverified_count(cycle=cycle) == 2
    outcome = values_verify_request(
        cycle=cycle, period="Q1", indicator_ids=[points.pk, other.pk], by=admin_user
    )
    assert outcome.verified == 2
    assert values_unverified_count(cycle=cycle) == 0
    save(cycle, scorer, [CellInput(unit=town1, indicator=points, period="Q1", raw="4", version=1)])
    assert values_unverified_count(cycle=cycle) == 1


def test_deleting_a_user_keeps_the_history_of_their_values(setup):
    cycle, scorer, (town1, *_), (points, _other) = setup
    save(cycle, scorer, [CellInput(unit=town1, indicator=points, period="Q1", raw="5", version=0)])
    scorer.delete()
    (record,) = IndicatorValue.history.all()
    assert (record.value, record.history_user_id) == (Decimal("5"), None)
    assert IndicatorValue.objects.get().entered_by is None


def test_trailing_zeros_are_no_extra_decimal_places(setup):
    cycle, scorer, (town1, town2, _town3), (points, _other) = setup
    report = save(
        cycle,
        scorer,
        [
            CellInput(unit=town1, indicator=points, period="Q1", raw="8.00000"),
            CellInput(unit=town2, indicator=points, period="Q1", raw="8.00001"),
        ],
    )
    assert report.errors == {(town2.pk, points.pk, "Q1"): "最多保留 4 位小数，实为 8.00001"}
    assert IndicatorValue.objects.get().value == Decimal(8)


def test_a_negative_figure_under_best_ratio_is_refused(setup, make_indicator):
    cycle, scorer, (town1, town2, _town3), _indicators = setup
    best = make_indicator("BR", 10, "best_ratio")
    report = save(
        cycle,
        scorer,
        [
            CellInput(unit=town1, indicator=best, period="Q1", raw="-5"),
            CellInput(unit=town2, indicator=best, period="Q1", raw="0"),
        ],
    )
    assert report.errors == {(town1.pk, best.pk, "Q1"): "对标最优指标的实际值不能为负数，实为 -5"}
    assert report.created == 1


def test_an_import_source_cuts_the_file_name_and_keeps_the_import_number():
    source = source_import(file_name="统计局" * 60 + ".xlsx", record_id=12345)
    assert len(source) == 100
    assert source.startswith("导入 统计局统计局") and source.endswith("统 (#12345)")
    assert source_import(file_name="二季度.xlsx", record_id=7) == "导入 二季度.xlsx (#7)"


def test_the_review_an_import_gave_back_fits_the_history_and_reads_in_english():
    long = source_verified(source=source_import(file_name="统计局" * 60 + ".xlsx"))
    assert len(long) == 100 and long.endswith("统：审核")
    reason = source_verified(source=source_import(file_name="二季度.xlsx", record_id=7))
    assert reason == "导入 二季度.xlsx (#7)：审核"
    with translation.override("en"):
        verified = pgettext("history of a value", "审核")
        assert source_label(reason) == f"Imported 二季度.xlsx (#7): {verified}"
