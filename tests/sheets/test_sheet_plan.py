"""Uploads of every shape and every messy case of DOMAIN.md, as real .xlsx files."""

from decimal import Decimal

import pytest

from scoring.models import ImportRecord, IndicatorValue
from tests.sheets.records import import_start, record_changes, record_problems


def test_a_wide_sheet_with_chinese_headers_previews_old_and_new(district, scorer, xlsx):
    upload = xlsx(
        [
            ["单位代码", "单位名称", "GDP", "SAFE"],
            ["ZJ01", "城关街道", 18, 1],
            ["JJ01", "区发改局", 12.5, None],
        ]
    )
    record = import_start(district, scorer, upload)
    assert record.status == ImportRecord.Status.PENDING
    assert record.errors == []
    assert record_changes(record, district) == {
        ("ZJ01", "GDP", "Q1"): ("15", "18"),
        ("ZJ01", "SAFE", "Q1"): (None, "1"),
        ("JJ01", "GDP", "Q1"): (None, "12.5"),
    }
    assert IndicatorValue.objects.count() == 1, "nothing is written before confirmation"


def test_the_long_sheet_in_english_carries_its_own_periods(district, scorer, xlsx):
    upload = xlsx(
        [
            ["unit", "indicator", "period", "value"],
            ["ZJ01", "GDP", "Q2", 19],
            ["ZJ02", "TAX", "q3", "85.5"],
            ["ZJ02", "VETO", "第一季度", 1],
            ["ZJ01", "GDP", "一季度", 15],  # as stored: no change
        ]
    )
    record = import_start(district, scorer, upload, period="Q4")
    assert record_changes(record, district) == {
        ("ZJ01", "GDP", "Q2"): (None, "19"),
        ("ZJ02", "TAX", "Q3"): (None, "85.5"),
        ("ZJ02", "VETO", "Q1"): (None, "1"),
    }


def test_the_long_sheet_in_chinese_below_a_title_row(district, scorer, xlsx):
    upload = xlsx(
        [
            ["2026年一季度 统计局报送"],
            ["单位代码", "指标代码", "期间", "数值"],
            ["ZJ01", "GDP", "Q1", 20],
        ]
    )
    record = import_start(district, scorer, upload)
    assert record_changes(record, district) == {("ZJ01", "GDP", "Q1"): ("15", "20")}


def test_messy_but_readable_cells_are_normalised(district, scorer, xlsx):
    upload = xlsx(
        [
            [" 单位代码 ", "GDP", "TAX"],
            ["ＺＪ０１", "１７．５", " 90 "],
            [" ZJ02 ", " 1９ ", 15],
            [None, None, None],
            ["", "  ", None],
        ]
    )
    record = import_start(district, scorer, upload)
    assert record.errors == []
    assert record_changes(record, district) == {
        ("ZJ01", "GDP", "Q1"): ("15", "17.5"),
        ("ZJ01", "TAX", "Q1"): (None, "90"),
        ("ZJ02", "GDP", "Q1"): (None, "19"),
        ("ZJ02", "TAX", "Q1"): (None, "15"),
    }


def test_a_decimal_comma_is_refused_not_read_as_thousands(district, scorer, xlsx):
    record = import_start(district, scorer, xlsx([["单位代码", "GDP"], ["ZJ01", "1,5"]]))
    assert record_problems(record) == [
        (2, "B", "逗号只能用来分隔千位，如 1,234；小数请用小数点，如 1.5")
    ]


def test_unit_codes_typed_in_another_case_are_read(district, scorer, xlsx):
    long_sheet = xlsx(
        [
            ["unit", "indicator", "period", "value"],
            ["zj01", "GDP", "Q1", 20],
            ["Zj02", "GDP", "Q1", 9],
        ]
    )
    assert record_changes(import_start(district, scorer, long_sheet), district) == {
        ("ZJ01", "GDP", "Q1"): ("15", "20"),
        ("ZJ02", "GDP", "Q1"): (None, "9"),
    }
    wide_sheet = xlsx([["单位代码", "GDP"], ["zj01", 20], ["ZJ01", 21]])
    assert record_problems(import_start(district, scorer, wide_sheet)) == [
        (3, "A", "单位 ZJ01 重复（另见第 2 行）"),
        (3, "B", "分值应在 0 到 20 之间，实为 21"),  # the repeated row's figures are checked too
    ]


def test_every_problem_is_placed_and_nothing_is_kept(district, scorer, xlsx):
    upload = xlsx(
        [
            ["单位代码", "GDP", "SAFE", "NOPE", "EDU"],
            ["ZJ01", 25, 1.5, None, None],
            ["XX99", 10, 1, None, None],
            ["ZJ02", "八十", 2, None, None],
            ["ZJ02", 10, 2, None, None],
            ["JJ01", 10, -1, None, None],
        ],
        title="统计局",
    )
    record = import_start(district, scorer, upload)
    assert record.status == ImportRecord.Status.FAILED
    assert record.changes == []
    problems = record_problems(record)
    assert (1, "D", "未知指标代码“NOPE”") in problems
    assert (1, "E", "您不是指标 EDU 的评分账号，不能导入它的数据") in problems
    assert (2, "B", "分值应在 0 到 20 之间，实为 25") in problems
    assert (2, "C", "扣分指标填发生次数（非负整数），实为 1.5") in problems
    assert (3, "A", "未知单位代码“XX99”") in problems
    assert (4, "B", "应为数字，实为“八十”") in problems
    assert (5, "A", "单位 ZJ02 重复（另见第 4 行）") in problems
    assert (6, "C", "扣分指标填发生次数（非负整数），实为 -1") in problems
    assert len(problems) == 8
    assert all(error["sheet"] == "统计局" for error in record.errors)


def test_long_sheet_problems_duplicates_periods_and_applicability(district, scorer, xlsx):
    upload = xlsx(
        [
            ["单位代码", "指标代码", "期间", "数值"],
            ["ZJ01", "GDP", "Q1", 10],
            ["ZJ01", "GDP", "一季度", 11],
            ["JJ01", "TAX", "Q1", 80],
            ["ZJ01", "GDP", "Q5", 1],
            ["ZJ01", "GDP", "Y", 1],
            ["ZJ01", "SAFE", "Q1", None],
        ]
    )
    problems = record_problems(import_start(district, scorer, upload))
    assert problems == [
        (3, "D", "重复：与第 2 行的单位、指标、期间相同"),
        (4, "D", "指标 TAX 不适用于该单位的类别"),
        (5, "C", "期间应为 Q1、Q2、Q3、Q4 或 Y，实为“Q5”"),
        # The period is what to change: pointed at.
        (6, "C", "指标 GDP 按季度，不能填在期间 Y"),
        (7, "D", "缺少数值"),
    ]


def test_a_missing_column_is_named(district, scorer, xlsx):
    upload = xlsx([["单位代码", "指标代码", "数值"], ["ZJ01", "GDP", 10]])
    # In the clerk's words: no English keys inside the Chinese.
    assert record_problems(import_start(district, scorer, upload)) == [(1, None, "缺少“期间”列")]
    upload = xlsx([["类别", "GDP"], ["镇街", 10]])
    assert "找不到表头" in record_problems(import_start(district, scorer, upload))[0][2]


def test_a_locked_cycle_refuses_the_file(district, scorer, xlsx):
    cycle = district["cycle"]
    cycle.state = cycle.State.CLOSED
    cycle.save()
    record = import_start(district, scorer, xlsx([["unit", "GDP"], ["ZJ01", 10]]))
    assert record.status == ImportRecord.Status.FAILED
    assert record.errors[0]["message"] == "2026年度考核 已关闭，不能再修改任何数据。"


def test_values_equal_to_the_stored_ones_are_no_change(district, scorer, xlsx):
    record = import_start(district, scorer, xlsx([["unit", "GDP"], ["ZJ01", "15.00"]]))
    assert record.status == ImportRecord.Status.UNCHANGED
    assert record.changes == []


@pytest.mark.parametrize("period", ["Q1", "Q3"])
def test_the_downloaded_template_comes_back_unchanged_as_no_change(
    district, scorer, xlsx, tmp_path, period
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from scoring.services.sheets import sheet_template_build

    path = tmp_path / "template.xlsx"
    sheet_template_build(cycle=district["cycle"], period=period, user=scorer).save(path)
    upload = SimpleUploadedFile("template.xlsx", path.read_bytes())
    record = import_start(district, scorer, upload, period=period)
    assert (record.status, record.changes, record.errors) == ("unchanged", [], [])
    assert Decimal(15) == IndicatorValue.objects.get().value


def test_a_row_with_values_but_no_unit_and_a_repeated_column_are_named(district, scorer, xlsx):
    upload = xlsx([["unit", "GDP", "GDP"], ["ZJ01", 10, 11], [None, 12, None]])
    assert record_problems(import_start(district, scorer, upload)) == [
        (1, "C", "指标 GDP 重复出现（另见 B 列）"),
        (3, "A", "缺少单位代码"),
    ]


def test_a_figure_repeated_across_columns_is_checked_against_each_indicator(district, scorer, xlsx):
    upload = xlsx(
        [
            ["unit", "GDP", "SAFE"],
            ["ZJ01", 1.5, 1.5],
            ["ZJ02", True, 1],
            ["JJ01", 1, True],
        ]
    )
    record = import_start(district, scorer, upload)
    assert record_problems(record) == [
        (2, "C", "扣分指标填发生次数（非负整数），实为 1.5"),
        (3, "B", "应为数字，实为“TRUE”"),
        (4, "C", "应为数字，实为“TRUE”"),
    ]


def test_a_negative_figure_under_best_ratio_is_refused(district, scorer, xlsx, make_indicator):
    best = make_indicator("BEST", 10, method="best_ratio")
    best.owners.add(scorer)
    record = import_start(district, scorer, xlsx([["unit", "BEST"], ["ZJ01", -3], ["JJ01", 0]]))
    assert record_problems(record) == [(2, "B", "对标最优指标的实际值不能为负数，实为 -3")]


def test_trailing_zeros_are_no_extra_decimal_places(district, scorer, xlsx):
    record = import_start(district, scorer, xlsx([["unit", "GDP"], ["ZJ01", "15.000000"]]))
    assert (record.status, record.errors, record.changes) == (ImportRecord.Status.UNCHANGED, [], [])


def test_sheets_on_two_tabs_come_in_together_and_instructions_are_skipped(
    district, scorer, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.title = "填表说明"
    workbook.active.append(["请按单位填写"])
    for title, rows in (
        ("Q1", [["unit", "GDP"], ["ZJ01", 18]]),
        ("Q1-续", [["unit", "SAFE"], ["ZJ02", 2]]),
    ):
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    path = tmp_path / "two.xlsx"
    workbook.save(path)
    record = import_start(district, scorer, SimpleUploadedFile("two.xlsx", path.read_bytes()))
    assert record_changes(record, district) == {
        ("ZJ01", "GDP", "Q1"): ("15", "18"),
        ("ZJ02", "SAFE", "Q1"): (None, "2"),
    }
    assert record.notices == ["未读取的工作表（没有“单位代码”列）：填表说明"]
    workbook["Q1-续"].append(["ZJ01", None])
    workbook["Q1-续"]["C1"] = "GDP"
    workbook["Q1-续"]["C3"] = 19
    workbook.create_sheet("hidden").append(["unit", "GDP"])
    workbook["hidden"].append(["JJ01", 1])
    workbook["hidden"].sheet_state = "hidden"
    workbook.save(path)
    record = import_start(district, scorer, SimpleUploadedFile("two.xlsx", path.read_bytes()))
    assert record_problems(record) == [(3, "C", "重复：与工作表 Q1 第 2 行的单位、指标、期间相同")]


def test_a_clerks_usual_extra_columns_and_english_header_variants_are_read(district, scorer, xlsx):
    wide = xlsx([["序号", "Unit Code", "单位名称", "GDP", "备注"], [1, "ZJ02", "东城", 7, "已核"]])
    assert record_changes(import_start(district, scorer, wide), district) == {
        ("ZJ02", "GDP", "Q1"): (None, "7")
    }
    long = xlsx([["Unit Code", "Indicator Code", "Quarter", "Score"], ["ZJ02", "GDP", "Q2", 8]])
    assert record_changes(import_start(district, scorer, long), district) == {
        ("ZJ02", "GDP", "Q2"): (None, "8")
    }


def test_a_formulas_long_decimals_are_rounded_and_typed_ones_refused(district, scorer, xlsx):
    record = import_start(district, scorer, xlsx([["unit", "GDP"], ["ZJ02", 10 / 3]]))
    assert record_changes(record, district) == {("ZJ02", "GDP", "Q1"): (None, "3.3333")}
    assert record.notices == ["1 个数值超过 4 位小数（如公式的计算结果），已四舍五入保留 4 位。"]
    typed = import_start(district, scorer, xlsx([["unit", "GDP"], ["ZJ02", "3.333333"]]))
    assert record_problems(typed) == [(2, "B", "最多保留 4 位小数，实为 3.333333")]
    huge = import_start(district, scorer, xlsx([["unit", "GDP"], ["ZJ02", 1e25], ["JJ01", 2.5e-7]]))
    assert record_problems(huge) == [
        (2, "B", "分值应在 0 到 20 之间，实为 10000000000000000000000000"),
    ]
    assert huge.problem_count == 1


def test_more_problems_than_are_listed_are_counted(district, scorer, xlsx, monkeypatch):
    monkeypatch.setattr("scoring.services.sheets.STORED_PROBLEMS", 2)
    record = import_start(district, scorer, xlsx([["unit", "GDP"], *[["NOPE", 1]] * 5]))
    assert (record.problem_count, len(record.errors)) == (5, 2)


def test_a_long_sheets_period_may_carry_the_cycles_year(district, scorer, xlsx):
    rows = [["unit", "indicator", "period", "value"], ["ZJ02", "GDP", "2026-Q2", 7]]
    record = import_start(district, scorer, xlsx([*rows, ["JJ01", "GDP", "2025-Q2", 8]]))
    assert record_problems(record) == [
        (3, "C", "“2025-Q2”是 2025 年的期间，这里导入的是 2026 年的考核")
    ]
    assert record_changes(import_start(district, scorer, xlsx(rows)), district) == {
        ("ZJ02", "GDP", "Q2"): (None, "7")
    }


def test_a_visible_sheet_that_happens_to_be_named_kaohe_is_data(district, scorer, xlsx):
    record = import_start(district, scorer, xlsx([["unit", "GDP"], ["ZJ02", 7]], title="kaohe"))
    assert record_changes(record, district) == {("ZJ02", "GDP", "Q1"): (None, "7")}
