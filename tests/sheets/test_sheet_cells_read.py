"""Cells as clerks write them: invisible characters, long texts, every way of naming a period."""

import pytest
from django.utils import translation

from scoring.models import ImportRecord
from scoring.services.cells import CellError, cell_period
from tests.sheets.records import import_start, record_changes, record_problems


def test_zero_width_characters_and_the_bom_are_read_past(district, scorer, xlsx):
    upload = xlsx(
        [
            ["\ufeff单位代码", "GDP\u2060", "SAFE"],
            ["ZJ01\u200b", 8, "\u200d1"],
            ["ZJ02", "\u200b8.5", "\ufeff2"],
        ]
    )
    record = import_start(district, scorer, upload)
    assert record.errors == []
    assert record_changes(record, district) == {
        ("ZJ01", "GDP", "Q1"): ("15", "8"),
        ("ZJ01", "SAFE", "Q1"): (None, "1"),
        ("ZJ02", "GDP", "Q1"): (None, "8.5"),
        ("ZJ02", "SAFE", "Q1"): (None, "2"),
    }


def test_a_long_text_is_quoted_cut_short(district, scorer, xlsx):
    essay = "情况说明" * 1250  # 5,000 characters where a figure belongs
    upload = xlsx([["单位代码", "GDP"], ["ZJ01", essay], ["Z" * 300, 1]])
    record = import_start(district, scorer, upload)
    assert record.status == ImportRecord.Status.FAILED
    assert record_problems(record) == [
        (2, "B", f"应为数字，实为“{essay[:50]}…”"),
        (3, "A", f"未知单位代码“{'Z' * 50}…”"),
    ]


PERIOD_SPELLINGS = [
    "Q1",
    "q1",
    "Q１",
    "Ｑ１",
    "一季度",
    "第一季度",
    "1季度",
    "第1季度",
    "2026-Q1",
    "2026Q1",
    "2026 Q1",
    "2026年一季度",
    "2026年第一季度",
    "2026/q1",
]


@pytest.mark.parametrize("spelling", PERIOD_SPELLINGS)
def test_a_long_sheet_reads_every_spelling_of_a_quarter(district, scorer, xlsx, spelling):
    upload = xlsx([["单位代码", "指标代码", "期间", "数值"], ["ZJ02", "GDP", spelling, 7]])
    record = import_start(district, scorer, upload, period="")
    assert record.errors == []
    assert record_changes(record, district) == {("ZJ02", "GDP", "Q1"): (None, "7")}


def test_a_period_of_another_year_is_said_to_be_so(district, scorer, xlsx):
    upload = xlsx(
        [
            ["单位代码", "指标代码", "期间", "数值"],
            ["ZJ02", "GDP", "2025-Q1", 7],
            ["ZJ02", "GDP", "2025年二季度", 7],
            ["ZJ02", "GDP", "第五季度", 7],
        ]
    )
    assert record_problems(import_start(district, scorer, upload)) == [
        (2, "C", "“2025-Q1”是 2025 年的期间，这里导入的是 2026 年的考核"),
        (3, "C", "“2025年二季度”是 2025 年的期间，这里导入的是 2026 年的考核"),
        (4, "C", "期间应为 Q1、Q2、Q3、Q4 或 Y，实为“第五季度”"),
    ]


@pytest.mark.parametrize(
    "spelling", ["Y", "y", "全年", "年度", "Year", "2026-Y", "2026年度", "2026年全年", "2026 全年"]
)
def test_the_year_is_named_as_clerks_name_it(spelling):
    assert cell_period(spelling, year=2026) == "Y"


def test_the_labels_of_the_current_language_are_periods():
    with translation.override("en"):
        assert cell_period("Year") == "Y"
    with translation.override("zh-hans"):
        assert cell_period("第三季度") == "Q3"


@pytest.mark.parametrize("text", ["", "2026", "2026年", "Q5", "1", "二〇二六年一季度", "Q1-续"])
def test_what_names_no_period_is_refused(text):
    with pytest.raises(CellError, match="期间应为"):
        cell_period(text)
