from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from scoring.models import ImportRecord, IndicatorValue, UnitResult
from scoring.services import sheets
from scoring.services.sheets import ImportRefused, sheet_import_commit, sheet_import_start
from scoring.services.values import SOURCE_ENTRY, CellInput, value_save


@pytest.fixture
def pending(district, scorer, xlsx):
    upload = xlsx([["unit", "GDP", "SAFE"], ["ZJ01", 18, 1], ["JJ01", 12.5, 0]], name="q1.xlsx")
    return sheet_import_start(cycle=district["cycle"], user=scorer, period="Q1", upload=upload)


def _stored():
    return {
        (value.unit.code, value.indicator.code, value.period): (value.value, value.version)
        for value in IndicatorValue.objects.select_related("unit", "indicator")
    }


def test_confirming_writes_every_previewed_value_and_names_the_import(pending, scorer):
    assert sheet_import_commit(record=pending, by=scorer) == 4
    assert _stored() == {
        ("ZJ01", "GDP", "Q1"): (Decimal(18), 2),
        ("ZJ01", "SAFE", "Q1"): (Decimal(1), 1),
        ("JJ01", "GDP", "Q1"): (Decimal("12.5"), 1),
        ("JJ01", "SAFE", "Q1"): (Decimal(0), 1),
    }
    record = ImportRecord.objects.get()
    assert (record.status, record.rows_changed, record.uploaded_by) == ("imported", 4, scorer)
    assert record.imported_at is not None
    history = IndicatorValue.history.filter(history_change_reason=f"导入 q1.xlsx (#{record.pk})")
    assert sorted(history.values_list("history_type", flat=True)) == ["+", "+", "+", "~"]
    assert history.get(history_type="~").value == Decimal(18)
    assert set(history.values_list("history_user", flat=True)) == {scorer.pk}
    assert set(IndicatorValue.objects.values_list("entered_by", flat=True)) == {scorer.pk}


def test_a_value_changed_after_the_preview_fails_the_whole_import_naming_it(
    pending, scorer, district, admin_user
):
    cell = CellInput(
        unit=district["units"]["ZJ01"],
        indicator=district["indicators"]["GDP"],
        period="Q1",
        raw="3",
    )
    value_save(cell=cell, by=admin_user, source=SOURCE_ENTRY)
    with pytest.raises(ImportRefused, match="预览之后有 1 个数值已被修改"):
        sheet_import_commit(record=pending, by=scorer)
    assert len(_stored()) == 1
    record = ImportRecord.objects.get()
    # It can never be confirmed now: it fails for good, saying which value moved and who moved it.
    assert (record.status, record.problem_count) == ("failed", 1)
    assert [error["message"] for error in record.errors] == [
        "城关街道（ZJ01） GDP GDP 第一季度：预览时为 15，现为 3（admin，填报页面），文件中为 18"
    ]
    with pytest.raises(ImportRefused, match="有错误"):
        sheet_import_commit(record=record, by=scorer)


def test_the_uploader_can_discard_a_pending_import_and_nobody_else(pending, scorer, admin_user):
    with pytest.raises(ImportRefused, match="只有上传文件的人"):
        sheets.sheet_import_discard(record=pending, by=admin_user)
    sheets.sheet_import_discard(record=pending, by=scorer)
    assert ImportRecord.objects.get().status == "discarded"
    with pytest.raises(ImportRefused, match="已放弃"):
        sheet_import_commit(record=pending, by=scorer)
    assert len(_stored()) == 1


def test_a_value_entered_or_removed_after_the_preview_refuses_the_import(pending, scorer, district):
    units, indicators = district["units"], district["indicators"]
    IndicatorValue.objects.filter(unit__code="ZJ01").delete()
    IndicatorValue.objects.create(
        unit=units["JJ01"], indicator=indicators["SAFE"], period="Q1", value=Decimal(4)
    )
    with pytest.raises(ImportRefused, match="预览之后有 2 个数值已被修改"):
        sheet_import_commit(record=pending, by=scorer)
    assert _stored() == {("JJ01", "SAFE", "Q1"): (Decimal(4), 1)}


@pytest.fixture
def check_blind_once(monkeypatch):
    """The stale check misses what is saved meanwhile once: a value saved by someone else
    between the check and the write."""
    check = sheets._stale_count
    calls = []

    def blind_once(cursor):
        calls.append(cursor)
        return 0 if len(calls) == 1 else check(cursor)

    monkeypatch.setattr(sheets, "_stale_count", blind_once)


@pytest.mark.usefixtures("check_blind_once")
def test_a_value_changed_during_the_commit_is_not_overwritten(pending, scorer):
    IndicatorValue.objects.filter(unit__code="ZJ01").update(value=Decimal(3))
    with pytest.raises(ImportRefused, match="预览之后有 1 个数值已被修改"):
        sheet_import_commit(record=pending, by=scorer)
    assert _stored() == {("ZJ01", "GDP", "Q1"): (Decimal(3), 1)}
    assert not IndicatorValue.history.filter(history_change_reason__startswith="导入").exists()


@pytest.mark.usefixtures("check_blind_once")
def test_a_value_entered_during_the_commit_refuses_the_import(pending, scorer, district):
    units, indicators = district["units"], district["indicators"]
    IndicatorValue.objects.create(
        unit=units["JJ01"], indicator=indicators["SAFE"], period="Q1", value=Decimal(4)
    )
    with pytest.raises(ImportRefused, match="预览之后有 1 个数值已被修改"):
        sheet_import_commit(record=pending, by=scorer)
    assert len(_stored()) == 2
    assert ImportRecord.objects.get().errors[0]["message"] == (
        "区发改局（JJ01） SAFE SAFE 第一季度：预览时为 空白，现为 4（来源不明），文件中为 0"
    )


def test_an_import_is_confirmed_once_and_only_by_its_uploader(pending, scorer, admin_user):
    with pytest.raises(ImportRefused, match="只有上传文件的人"):
        sheet_import_commit(record=pending, by=admin_user)
    sheet_import_commit(record=pending, by=scorer)
    with pytest.raises(ImportRefused, match="已导入"):
        sheet_import_commit(record=pending, by=scorer)


def test_a_cycle_locked_after_the_preview_refuses_the_import(pending, scorer, district):
    district["cycle"].state = "published"
    district["cycle"].save()
    with pytest.raises(ImportRefused, match="不能再修改任何数据"):
        sheet_import_commit(record=pending, by=scorer)
    assert len(_stored()) == 1


def test_a_failed_file_cannot_be_confirmed(district, scorer, xlsx):
    upload = xlsx([["unit", "GDP"], ["ZJ01", 99]])
    record = sheet_import_start(cycle=district["cycle"], user=scorer, period="Q1", upload=upload)
    with pytest.raises(ImportRefused, match="有错误"):
        sheet_import_commit(record=record, by=scorer)


def test_a_big_file_goes_through_the_background_task_with_progress(
    district, scorer, xlsx, settings, monkeypatch
):
    settings.SCORING_IMPORT_BACKGROUND_ROWS = 2
    monkeypatch.setattr("scoring.services.sheets.PROGRESS_EVERY", 1)
    monkeypatch.setattr("scoring.services.sheets.PROGRESS_WRITE_INTERVAL", 0)
    from scoring import tasks
    from scoring.services import sheets

    tasked, progress_seen = [], []
    real_prepare, real_plan = tasks.sheet_import_prepare, sheets.sheet_changes_plan

    def prepare(*, record):
        tasked.append(record.pk)
        return real_prepare(record=record)

    def plan(**kwargs):
        def progress(rows):
            kwargs_progress(rows)
            progress_seen.append(ImportRecord.objects.values_list("status", "processed_rows")[0])

        kwargs_progress = kwargs.pop("progress")
        return real_plan(progress=progress, **kwargs)

    monkeypatch.setattr(tasks, "sheet_import_prepare", prepare)
    monkeypatch.setattr(sheets, "sheet_changes_plan", plan)
    upload = xlsx([["unit", "GDP"], ["ZJ01", 10], ["ZJ02", 11], ["JJ01", 12]])
    record = sheet_import_start(cycle=district["cycle"], user=scorer, period="Q1", upload=upload)
    assert tasked == [record.pk], "the file went through the task"
    assert progress_seen == [("processing", 1), ("processing", 2), ("processing", 3)]
    assert (record.status, record.total_rows, record.processed_rows) == ("pending", 4, 3)
    assert record.rows_changed == 3


def test_a_small_file_is_checked_at_once(district, scorer, xlsx, monkeypatch):
    from scoring import tasks

    monkeypatch.setattr(tasks, "sheet_import_prepare", None)
    upload = xlsx([["unit", "GDP"], ["ZJ01", 10]])
    record = sheet_import_start(cycle=district["cycle"], user=scorer, period="Q1", upload=upload)
    assert record.status == "pending"


def test_confirming_recomputes_the_results_of_every_touched_category(pending, scorer):
    sheet_import_commit(record=pending, by=scorer)
    totals = dict(
        UnitResult.objects.filter(period="Q1").values_list("unit__code", "total").order_by()
    )
    assert {"ZJ01", "JJ01"} <= set(totals), "a town and a department, each in its category"
    assert totals["ZJ01"] > 0 and totals["JJ01"] > 0


def test_a_value_the_import_changes_must_be_verified_again(pending, scorer, admin_user, district):
    units, indicators = district["units"], district["indicators"]
    IndicatorValue.objects.create(
        unit=units["ZJ02"], indicator=indicators["GDP"], period="Q1", value=Decimal(7)
    )
    IndicatorValue.objects.update(verified_by=admin_user, verified_at=timezone.now())
    sheet_import_commit(record=pending, by=scorer)
    verified = dict(
        IndicatorValue.objects.filter(indicator__code="GDP").values_list(
            "unit__code", "verified_by"
        )
    )
    assert verified == {"ZJ01": None, "ZJ02": admin_user.pk, "JJ01": None}
    assert not IndicatorValue.objects.filter(unit__code="ZJ01", verified_at__isnull=False)
    changed = IndicatorValue.history.get(history_type="~", unit__code="ZJ01")
    assert (changed.value, changed.verified_by_id, changed.verified_at) == (Decimal(18), None, None)


def test_a_long_file_name_is_cut_in_the_history_but_the_import_number_kept(district, scorer, xlsx):
    # 200 characters: the file name column takes 255, the history's reason 100.
    upload = xlsx([["unit", "GDP"], ["ZJ01", 18]], name="q" * 195 + ".xlsx")
    record = sheet_import_start(cycle=district["cycle"], user=scorer, period="Q1", upload=upload)
    assert sheet_import_commit(record=record, by=scorer) == 1
    (reason,) = IndicatorValue.history.filter(history_type="~").values_list(
        "history_change_reason", flat=True
    )
    assert len(reason) == 100
    assert reason.startswith("导入 qq") and reason.endswith(f"q (#{record.pk})")


def test_an_indicator_given_to_another_scorer_after_the_preview_stops_the_import(
    pending, scorer, district
):
    district["indicators"]["SAFE"].owners.remove(scorer)
    with pytest.raises(ImportRefused, match="不再负责指标 SAFE"):
        sheet_import_commit(record=pending, by=scorer)
    assert len(_stored()) == 1
    assert ImportRecord.objects.get().status == "pending"


@pytest.mark.parametrize("gone", ["indicator", "unit"])
def test_an_import_whose_unit_or_indicator_was_deleted_after_the_preview_fails_for_good(
    pending, scorer, district, gone
):
    if gone == "indicator":
        district["indicators"]["SAFE"].delete()
    else:
        district["units"]["JJ01"].delete()
    with pytest.raises(ImportRefused, match="已被删除或重新导入"):
        sheet_import_commit(record=pending, by=scorer)
    record = ImportRecord.objects.get()
    assert record.status == "failed"
    assert "重新下载模板" in record.errors[0]["message"]
    assert len(_stored()) == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL column setting")
def test_a_big_preview_is_stored_compressed_with_lz4(pending):
    changes = [[1, 2, "Q1", None, str(number)] for number in range(5000)]
    ImportRecord.objects.filter(pk=pending.pk).update(changes=changes)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_column_compression(changes) FROM scoring_importrecord WHERE id = %s",
            [pending.pk],
        )
        assert cursor.fetchone() == ("lz4",)
    assert ImportRecord.objects.get(pk=pending.pk).changes == changes
