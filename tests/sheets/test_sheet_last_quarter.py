"""A clerk who uploads last quarter's figures as this quarter's (their own file, no template
marker to give it away) is told so before confirming: the figures would otherwise go in silently
as the new quarter's, overwriting what was there."""

from decimal import Decimal

import pytest

from scoring.models import IndicatorValue
from tests.sheets.records import import_start, record_changes

HEADER = ["单位代码", "单位名称", "GDP", "TAX", "SAFE"]
LAST_QUARTER = [
    ["ZJ01", "城关街道", 15, 95, 0],
    ["ZJ02", "东城街道", 12.5, 88, 1],
    ["JJ01", "区发改局", 18, None, 0],
]
COPY_NOTICE = (
    "文件中第二季度的 6 个非零数值中，有 6 个与第一季度已保存的完全相同："
    "请核对这是第二季度的数据，而不是上一季度的文件。"
)


@pytest.fixture
def first_quarter(district):
    """The district's Q1 as the clerk's file of last quarter holds it (ZJ01's GDP is there)."""
    indicators, units = district["indicators"], district["units"]
    IndicatorValue.objects.bulk_create(
        IndicatorValue(indicator=indicators[code], unit=units[unit], period="Q1", value=value)
        for unit, code, value in [
            ("ZJ01", "TAX", Decimal(95)),
            ("ZJ01", "SAFE", Decimal(0)),
            ("ZJ02", "GDP", Decimal("12.5")),
            ("ZJ02", "TAX", Decimal(88)),
            ("ZJ02", "SAFE", Decimal(1)),
            ("JJ01", "GDP", Decimal(18)),
            ("JJ01", "SAFE", Decimal(0)),
        ]
    )


def test_last_quarters_figures_uploaded_as_this_quarter_are_pointed_out(
    district, scorer, xlsx, first_quarter
):
    record = import_start(district, scorer, xlsx([HEADER, *LAST_QUARTER]), period="Q2")
    assert record_changes(record, district)[("ZJ02", "GDP", "Q2")] == (None, "12.5")
    assert COPY_NOTICE in record.notices


def test_this_quarters_own_figures_say_nothing_of_the_last(district, scorer, xlsx, first_quarter):
    # Some figures repeat from one quarter to the next (a count of 0, full marks): most do not.
    rows = [
        ["ZJ01", "城关街道", 16, 95, 0],
        ["ZJ02", "东城街道", 13, 90, 1],
        ["JJ01", "区发改局", 17, None, 0],
    ]
    record = import_start(district, scorer, xlsx([HEADER, *rows]), period="Q2")
    assert len(record.changes) == 8
    assert not any("上一季度" in notice for notice in record.notices)
