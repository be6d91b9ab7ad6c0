"""A row with several things wrong says all of them in one upload."""

from scoring.models import ImportRecord, IndicatorValue
from scoring.services.sheets import sheet_import_start


def _problems(district, scorer, upload, period="Q1"):
    record = sheet_import_start(cycle=district["cycle"], user=scorer, period=period, upload=upload)
    assert (record.status, record.changes) == (ImportRecord.Status.FAILED, [])
    assert IndicatorValue.objects.count() == 1
    return [(error["row"], error["column"], error["message"]) for error in record.errors]


def test_every_cell_of_a_long_row_is_checked_at_once(district, scorer, xlsx):
    upload = xlsx([["单位代码", "指标代码", "期间", "数值"], ["ZJ99", "X9", "Q9", "abc"]])
    assert _problems(district, scorer, upload) == [
        (2, "A", "未知单位代码“ZJ99”"),
        (2, "C", "期间应为 Q1、Q2、Q3、Q4 或 Y，实为“Q9”"),
        (2, "B", "未知指标代码“X9”"),
        (2, "D", "应为数字，实为“abc”"),
    ]


def test_a_long_rows_figure_is_checked_against_its_indicator_whatever_its_unit(
    district, scorer, xlsx
):
    upload = xlsx(
        [
            ["单位代码", "指标代码", "期间", "数值"],
            ["ZJ99", "GDP", "Q1", 25],
            ["ZJ01", "GDP", "Q9", 25],
            ["ZJ01", "EDU", "Q1", 25],  # not the scorer's: the figure is checked as a number
            ["ZJ01", "GDP", "Q2", None],
        ]
    )
    assert _problems(district, scorer, upload) == [
        (2, "A", "未知单位代码“ZJ99”"),
        (2, "D", "分值应在 0 到 20 之间，实为 25"),
        (3, "C", "期间应为 Q1、Q2、Q3、Q4 或 Y，实为“Q9”"),
        (3, "D", "分值应在 0 到 20 之间，实为 25"),
        (4, "B", "您不是指标 EDU 的评分账号，不能导入它的数据"),
        (5, "D", "缺少数值"),
    ]


def test_a_wide_row_with_an_unknown_unit_has_its_figures_checked_too(district, scorer, xlsx):
    upload = xlsx([["单位代码", "GDP", "VETO"], ["ZJ99", "abc", 99], ["ZJ01", 3, 1]])
    assert _problems(district, scorer, upload) == [
        (2, "A", "未知单位代码“ZJ99”"),
        (2, "B", "应为数字，实为“abc”"),
        (2, "C", "一票否决指标只能填 0 或 1，实为 99"),
    ]
