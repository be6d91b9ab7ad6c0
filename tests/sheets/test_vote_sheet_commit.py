"""Confirming a sheet of vote counts writes its rows all or nothing, by the votes page's rules:
versions checked, history naming the import, results recomputed."""

import pytest

from cadre import roles
from scoring.models import ImportRecord, UnitResult, Vote
from scoring.services.refresh import results_refresh_all
from scoring.services.sheets import ImportRefused, sheet_import_discard
from scoring.services.vote_sheets import vote_sheet_import_commit
from tests.entry.conftest import user_with_role
from tests.sheets.conftest import quarter_closed
from tests.sheets.records import import_start, votes_stored, votes_typed_by_lisi

pytestmark = pytest.mark.django_db

LONG = ["unit", "indicator", "period", "rater_group", *Vote.KINDS]
BEFORE = {("ZJ01", "MZ", "Y", "LD"): (30, 10, 0, 0)}


@pytest.fixture
def pending(tally, scorer, xlsx):
    upload = xlsx(
        [
            LONG,
            ["ZJ01", "MZ", "Y", "LD", 25, 15, 0, 0],
            ["ZJ02", "MZ", "Y", "FW", 10, 5, 1, 0],
        ],
        name="测评.xlsx",
    )
    record = import_start(tally, scorer, upload, period="")
    assert record.status == "pending"
    return record


def _total(unit_code):
    return UnitResult.objects.get(unit__code=unit_code, period="Y").total


def test_confirming_writes_the_rows_names_the_import_and_recomputes_the_scores(
    pending, tally, scorer
):
    results_refresh_all(cycle=tally["cycle"])
    before = _total("ZJ01")
    assert vote_sheet_import_commit(record=pending, by=scorer) == 2
    assert votes_stored() == {
        ("ZJ01", "MZ", "Y", "LD"): (25, 15, 0, 0),
        ("ZJ02", "MZ", "Y", "FW"): (10, 5, 1, 0),
    }
    record = ImportRecord.objects.get()
    assert (record.status, record.rows_changed) == ("imported", 2)
    history = Vote.history.filter(history_change_reason=f"导入 测评.xlsx (#{record.pk})")
    assert sorted(history.values_list("history_type", "history_user")) == [
        ("+", scorer.pk),
        ("~", scorer.pk),
    ]
    assert Vote.objects.get(unit__code="ZJ01").version == 2
    # 区领导's mean vote fell from 0.95 to 0.925 of MZ's 50 points.
    assert _total("ZJ01") < before
    assert _total("ZJ02") > 0


def test_a_row_saved_by_someone_else_since_the_preview_fails_the_whole_import_naming_it(
    pending, tally, scorer
):
    votes_typed_by_lisi(tally, (31, 10, 0, 0))
    with pytest.raises(ImportRefused, match="预览之后有 1 行票数已被修改，请重新上传文件"):
        vote_sheet_import_commit(record=pending, by=scorer)
    assert votes_stored() == {("ZJ01", "MZ", "Y", "LD"): (31, 10, 0, 0)}, "ZJ02's row neither"
    record = ImportRecord.objects.get()
    assert (record.status, record.problem_count) == ("failed", 1)
    assert [error["message"] for error in record.errors] == [
        "城关街道（ZJ01） MZ 民主测评 · 区领导 全年：预览时为 30/10/0/0，现为 31/10/0/0（李四），"
        "文件中为 25/15/0/0"
    ]
    with pytest.raises(ImportRefused, match="有错误"):
        vote_sheet_import_commit(record=record, by=scorer)


def test_a_row_saved_since_as_the_file_has_it_is_no_conflict(pending, tally, scorer):
    Vote.objects.filter(unit__code="ZJ01").update(excellent=25, competent=15, version=2)
    assert vote_sheet_import_commit(record=pending, by=scorer) == 1
    assert votes_stored()[("ZJ02", "MZ", "Y", "FW")] == (10, 5, 1, 0)


def test_an_indicator_given_to_another_scorer_after_the_preview_stops_the_import(
    pending, tally, scorer
):
    tally["evaluations"]["MZ"].owners.remove(scorer)
    with pytest.raises(ImportRefused, match="预览之后您已不再负责指标 MZ"):
        vote_sheet_import_commit(record=pending, by=scorer)
    assert votes_stored() == BEFORE
    assert ImportRecord.objects.get().status == "pending"


def test_a_rater_group_deleted_after_the_preview_outdates_the_import_for_good(
    pending, tally, scorer
):
    tally["groups"]["FW"].delete()
    with pytest.raises(ImportRefused, match="已被删除或重新导入"):
        vote_sheet_import_commit(record=pending, by=scorer)
    record = ImportRecord.objects.get()
    assert record.status == "failed" and "重新下载模板" in record.errors[0]["message"]
    assert votes_stored() == BEFORE


def test_a_quarter_closed_since_the_preview_refuses_the_import(tally, scorer, xlsx):
    kaoheban = user_with_role("kaoheban", roles.ADMIN)
    upload = xlsx([LONG, ["ZJ01", "ZP", "Q1", "LD", 5, 0, 0, 0]])
    record = import_start(tally, scorer, upload, period="")
    quarter_closed(tally["cycle"], "Q1", kaoheban)
    with pytest.raises(ImportRefused, match="第一季度已关闭"):
        vote_sheet_import_commit(record=record, by=scorer)
    assert votes_stored() == BEFORE


def test_only_the_uploader_confirms_and_a_discarded_import_writes_nothing(pending, tally, scorer):
    kaoheban = user_with_role("kaoheban", roles.ADMIN)
    with pytest.raises(ImportRefused, match="只有上传文件的人可以确认这次导入"):
        vote_sheet_import_commit(record=pending, by=kaoheban)
    sheet_import_discard(record=pending, by=scorer)
    with pytest.raises(ImportRefused, match="已放弃"):
        vote_sheet_import_commit(record=pending, by=scorer)
    assert votes_stored() == BEFORE
