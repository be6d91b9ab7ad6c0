"""A sheet of vote counts (民主测评) checked before anything is written: the rows it would change,
messy cells read as clerks write them, and every problem at once, each where it is."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cadre import roles
from scoring.models import ImportRecord, Vote
from scoring.services.workbook import workbook_export
from tests.entry.conftest import user_with_role
from tests.sheets.conftest import quarter_closed
from tests.sheets.records import (
    import_start,
    record_problems,
    vote_record_changes,
    votes_stored,
)

pytestmark = pytest.mark.django_db

LONG = ["unit", "indicator", "period", "rater_group", *Vote.KINDS]
COUNTS_CHINESE = ["优秀", "称职", "基本称职", "不称职"]
STORED = {("ZJ01", "MZ", "Y", "LD"): (30, 10, 0, 0)}


def test_the_workbook_shape_in_english_headers_brings_each_row_old_to_new(tally, scorer, xlsx):
    upload = xlsx(
        [
            LONG,
            ["ZJ01", "MZ", "Y", "LD", 25, 15, 0, 0],
            ["ZJ01", "MZ", "Y", "FW", 8, 2, 0, 0],
            ["ZJ02", "ZP", "Q2", "LD", 3, 1, 1, 0],
            # As stored: no change.
            ["ZJ02", "MZ", "Y", "FW", None, None, None, None],
        ]
    )
    record = import_start(tally, scorer, upload, period="")
    assert (record.kind, record.status, record.rows_changed) == ("vote_sheet", "pending", 3)
    assert vote_record_changes(record) == {
        ("ZJ01", "MZ", "Y", "LD"): ((30, 10, 0, 0), (25, 15, 0, 0)),
        ("ZJ01", "MZ", "Y", "FW"): (None, (8, 2, 0, 0)),
        ("ZJ02", "ZP", "Q2", "LD"): (None, (3, 1, 1, 0)),
    }
    assert votes_stored() == STORED, "nothing is written before the confirmation"


def test_chinese_headers_names_for_codes_and_a_messy_clerks_sheet_are_read(tally, scorer, xlsx):
    upload = xlsx(
        [
            ["2026年度民主测评票数汇总"],
            ["序号", "单位名称", "单位代码", "指标", "测评群体", *COUNTS_CHINESE],
            # Codes in another case with stray spaces, names for the indicator and rater group,
            # full-width digits and numbers stored as text; a count left blank beside others is 0.
            [1, "城关街道", " zj01 ", "民主测评", "区领导", "２５", " 15 ", "", None],
            [2, "东城街道", "ZJ02", "mz", " fw ", "10", 5, "1", "０"],
            [None, "合计", None, None, None, 35, 20, 1, 0],
            [None, None, "  ", None, None, None, None, None, None],
            [],
            [None, "", None, None, None, None, None, None, None],
        ],
        title="2026年度",
    )
    record = import_start(tally, scorer, upload, period="")
    assert record.status == "pending", record_problems(record)
    assert vote_record_changes(record) == {
        ("ZJ01", "MZ", "Y", "LD"): ((30, 10, 0, 0), (25, 15, 0, 0)),
        ("ZJ02", "MZ", "Y", "FW"): (None, (10, 5, 1, 0)),
    }
    assert record.period == "Y"
    assert record.notices == ["合计行不导入，已跳过：工作表“2026年度”第 5 行"]


def test_a_row_whose_four_counts_are_blank_leaves_the_stored_counts_alone(tally, scorer, xlsx):
    upload = xlsx(
        [
            LONG,
            ["ZJ01", "MZ", "Y", "LD", None, "", " ", None],
            ["ZJ02", "MZ", "Y", "LD", None, None, None, None],
            ["ZJ02", "MZ", "Y", "FW", 0, 0, 0, 0],
        ]
    )
    record = import_start(tally, scorer, upload, period="")
    assert vote_record_changes(record) == {("ZJ02", "MZ", "Y", "FW"): (None, (0, 0, 0, 0))}
    assert record.notices == [
        "1 行的四项票数都是空白：导入不会清空票数，这些单位和测评群体已保存的票数保持不变。"
    ]


def test_every_problem_of_the_file_is_named_at_once_and_nothing_is_previewed(tally, scorer, xlsx):
    upload = xlsx(
        [
            LONG,
            ["ZJ99", "MZ", "Y", "LD", 1, 0, 0, 0],
            ["ZJ01", "XX9", "Y", "LD", 1, 0, 0, 0],
            ["ZJ01", "MZ", "Y", "QQ", 1, 0, 0, 0],
            ["ZJ01", "MZ", "Y", "FW", 12.5, -1, "十", 100001],
            ["ZJ02", "MZ", "Y", "LD", 1, 2, 3, 4],
            ["ZJ02", "MZ", "Y", "LD", 4, 3, 2, 1],
            ["ZJ01", "DJ", "Y", "LD", 1, 0, 0, 0],
            ["ZJ01", "GDP", "Q1", "LD", 1, 0, 0, 0],
            ["JJ01", "ZP", "Q1", "LD", 1, 0, 0, 0],
            ["ZJ01", "MZ", "Q1", "LD", 1, 0, 0, 0],
            ["ZJ01", "MZ", "", "LD", 1, 0, 0, 0],
            ["ZJ01", "MZ", "2025-Y", "LD", 1, 0, 0, 0],
            ["ZJ02", "MZ", "Y", "FW", "-", 1, 0, 0],
        ],
        title="票数",
    )
    record = import_start(tally, scorer, upload, period="")
    assert record.status == ImportRecord.Status.FAILED
    assert record_problems(record) == [
        (2, "A", "未知单位代码“ZJ99”"),
        (3, "B", "未知指标代码“XX9”"),
        (4, "D", "未知测评群体“QQ”：本周期的测评群体为 FW 服务对象、LD 区领导"),
        (5, "E", "应为整数，实为 12.5"),
        (5, "F", "不能小于 0，实为 -1"),
        (5, "G", "应为数字，实为“十”"),
        (5, "H", "票数每项最多 100000，实为 100001"),
        (7, "D", "重复：与第 6 行的单位、指标、期间、测评群体相同"),
        (8, "B", "您不是指标 DJ 的评分账号，不能导入它的票数"),
        (9, "B", "指标“GDP”不是综合评价指标，不能录入票数"),
        (10, "B", "指标 ZP 不适用于该单位的类别"),
        (11, "C", "指标 MZ 按年度，不能填在期间 Q1"),
        (12, "C", "缺少期间"),
        (13, "C", "“2025-Y”是 2025 年的期间，这里导入的是 2026 年的考核"),
        (14, "E", "“-”不是数值：无数据请留空"),
    ]
    assert {error["sheet"] for error in record.errors} == {"票数"}
    assert record.changes == []
    assert votes_stored() == STORED


def test_a_sheet_missing_a_count_column_names_it(tally, scorer, xlsx):
    upload = xlsx([LONG[:4] + ["excellent", "competent", "incompetent"], ["ZJ01", "MZ", "Y", "LD"]])
    record = import_start(tally, scorer, upload, period="")
    assert record_problems(record) == [(1, None, "缺少“基本称职”列")]


def test_a_sheet_without_a_period_takes_the_one_picked_or_asks_for_one(tally, scorer, xlsx):
    rows = [LONG[:2] + LONG[3:], ["ZJ01", "MZ", "FW", 1, 0, 0, 0]]
    record = import_start(tally, scorer, xlsx(rows), period="")
    assert record_problems(record) == [
        (
            None,
            None,
            "测评票数表需要期间：请加“期间”列，或在上传时选择期间（本系统下载的模板自带期间）。",
        )
    ]
    record = import_start(tally, scorer, xlsx(rows), period="Y")
    assert vote_record_changes(record) == {("ZJ01", "MZ", "Y", "FW"): (None, (1, 0, 0, 0))}


def test_a_scorer_who_does_not_own_the_indicator_may_not_bring_its_votes(tally, xlsx):
    other = user_with_role("tjj", roles.SCORER)
    upload = xlsx([LONG, ["ZJ01", "MZ", "Y", "LD", 25, 15, 0, 0]])
    record = import_start(tally, other, upload, period="")
    assert record_problems(record) == [(2, "B", "您不是指标 MZ 的评分账号，不能导入它的票数")]


def test_a_closed_quarter_refuses_rows_that_would_change_it_and_passes_those_as_stored(
    tally, scorer, xlsx
):
    kaoheban = user_with_role("kaoheban", roles.ADMIN)
    evaluation, units, groups = tally["evaluations"]["ZP"], tally["units"], tally["groups"]
    evaluation.votes.create(unit=units["ZJ01"], period="Q1", rater_group=groups["LD"], excellent=5)
    tally["cycle"] = quarter_closed(tally["cycle"], "Q1", kaoheban)
    upload = xlsx(
        [
            LONG,
            ["ZJ01", "ZP", "Q1", "LD", 5, 0, 0, 0],
            ["ZJ02", "ZP", "Q1", "LD", 1, 0, 0, 0],
            ["ZJ02", "ZP", "Q1", "FW", 2, 0, 0, 0],
            ["ZJ02", "ZP", "Q2", "FW", 2, 0, 0, 0],
        ]
    )
    record = import_start(tally, scorer, upload, period="")
    assert record_problems(record) == [
        (
            3,
            None,
            "第一季度已关闭，不能再修改该季度的票数：文件中有 2 行该季度的票数与已保存的不同，"
            "此处为第一行；如需更正，请考核办重新开放该季度。",
        )
    ]


def test_a_closed_cycle_takes_no_votes(tally, scorer, xlsx):
    tally["cycle"].state = tally["cycle"].State.CLOSED
    tally["cycle"].save()
    record = import_start(tally, scorer, xlsx([LONG, ["ZJ01", "MZ", "Y", "LD", 1, 0, 0, 0]]))
    assert record_problems(record) == [(None, None, "2026年度考核 已关闭，不能再修改任何数据。")]


def _exported_with_votes_changed(tally) -> openpyxl.Workbook:
    buffer = io.BytesIO()
    workbook_export(cycle=tally["cycle"]).save(buffer)
    workbook = openpyxl.load_workbook(buffer)
    votes = workbook["votes"]
    assert [cell.value for cell in votes[2]] == ["ZJ01", "MZ", "Y", "LD", 30, 10, 0, 0]
    votes["E2"] = 28
    return workbook


def _uploaded(workbook: openpyxl.Workbook) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("2026.xlsx", buffer.getvalue())


def _votes_workbook(*rows: list) -> openpyxl.Workbook:
    """A workbook of one votes sheet, its Chinese header and these rows."""
    workbook = openpyxl.Workbook()
    for row in (["单位代码", "指标代码", "测评群体", *COUNTS_CHINESE], *rows):
        workbook.active.append(row)
    return workbook


def test_a_file_of_votes_and_values_is_refused_naming_the_sheets_of_each_kind(tally, scorer, xlsx):
    workbook = _exported_with_votes_changed(tally)
    assert workbook["values"].max_row > 1, "the cycle's values are in the file"

    record = import_start(tally, scorer, _uploaded(workbook), period="")

    assert record.status == "failed"
    assert record.errors[0]["message"] == (
        "文件中既有测评票数表（votes），又有指标数据表（values）：一次上传只导入一种。"
        "请把票数和指标数据分成两个文件，分别上传。"
    )
    assert votes_stored() == STORED


def test_a_wide_values_sheet_beside_a_votes_sheet_is_refused_too(tally, scorer):
    workbook = _votes_workbook(["ZJ02", "MZ", "LD", 1, 0, 0, 0])
    workbook.active.title = "测评"
    wide = workbook.create_sheet("Q2 指标")
    for row in (["单位代码", "ZP"], ["ZJ01", 5]):
        wide.append(row)
    workbook.create_sheet("说明").append(["每行一个单位"])

    record = import_start(tally, scorer, _uploaded(workbook), period="Y")

    assert "既有测评票数表（测评），又有指标数据表（Q2 指标）" in record.errors[0]["message"]


def test_the_interchange_workbook_brings_its_votes_and_names_the_sheets_it_skips(
    tally, scorer, xlsx
):
    workbook = _exported_with_votes_changed(tally)
    workbook["values"].delete_rows(2, workbook["values"].max_row)  # its header only
    record = import_start(tally, scorer, _uploaded(workbook), period="")
    assert vote_record_changes(record) == {
        ("ZJ01", "MZ", "Y", "LD"): ((30, 10, 0, 0), (28, 10, 0, 0))
    }
    assert record.notices == [
        "未读取的工作表（没有“测评群体”列）：settings、categories、units、officials、indicators、"
        "responsibilities、rater_groups、values、adjustments"
    ]


def test_merged_unit_cells_over_a_units_rater_groups_are_named(tally, scorer, tmp_path):
    workbook = _votes_workbook(["ZJ02", "MZ", "LD", 1, 0, 0, 0], [None, "MZ", "FW", 2, 0, 0, 0])
    sheet = workbook.active
    sheet.merge_cells("A2:A3")
    path = tmp_path / "merged.xlsx"
    workbook.save(path)
    upload = SimpleUploadedFile("merged.xlsx", path.read_bytes())
    record = import_start(tally, scorer, upload, period="Y")
    assert record_problems(record) == [(3, "A", "缺少单位代码")]
    assert record.notices == [
        "工作表“Sheet”的 A2:A3 是合并单元格：只有左上角的单元格有值，其余单元格按空白导入。"
        "请取消合并，每格分别填写。"
    ]


def test_counts_in_a_percent_format_are_named_with_the_number_stored(tally, scorer):
    workbook = _votes_workbook(["ZJ01", "MZ", "LD", 30, 10, 0, 0], ["ZJ02", "MZ", "LD", 8, 2, 0, 0])
    sheet = workbook.active
    for reference in ("D2", "E2", "G2", "D3"):  # G2 holds 0: it reads the same either way
        sheet[reference].number_format = "0%"
    sheet["D3"] = 0.3  # 30% typed in a percent cell

    record = import_start(tally, scorer, _uploaded(workbook), period="Y")

    assert record_problems(record) == [(3, "D", "应为整数，实为 0.3")]
    assert (
        "Sheet!D2、E2、D3 设置了百分比格式：票数按单元格中存储的数导入（如 30，Excel 显示为 "
        "3000%）。票数应为整数，请将这些单元格改为“常规”格式，核对后重新上传。"
    ) in record.notices
