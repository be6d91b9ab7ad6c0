"""A clerk's own sheet names units and indicators by name: an exact name of one unit, or of one
indicator the clerk may import, is taken; any other says what to type."""

import pytest
from django.utils import translation

from cadre.models import Unit
from tests.sheets.records import import_start, record_changes, record_problems


@pytest.fixture
def named(district):
    indicators = district["indicators"]
    for code, name in (("GDP", "地区生产总值"), ("SAFE", "安全生产"), ("EDU", "教育发展")):
        indicators[code].name = name
        indicators[code].save()
    return district


def test_a_sheet_of_names_with_its_title_and_measure_line_is_read(named, scorer, xlsx):
    upload = xlsx(
        [
            ["2026年第一季度统计局考核指标完成情况统计表"],
            ["序号", "单位", "地区生产总值", "安全生产"],
            ["", "", "（分）", "（次）"],
            [1, "城关街道", 16, 1],
            [2, "区发改局", 12.5, 0],
        ]
    )
    record = import_start(named, scorer, upload)
    assert (record.status, record.errors) == ("pending", [])
    assert record_changes(record, named) == {
        ("ZJ01", "GDP", "Q1"): ("15", "16"),
        ("ZJ01", "SAFE", "Q1"): (None, "1"),
        ("JJ01", "GDP", "Q1"): (None, "12.5"),
        ("JJ01", "SAFE", "Q1"): (None, "0"),
    }


def test_a_unit_name_column_beside_indicator_codes_and_a_long_sheet_of_names(named, scorer, xlsx):
    wide = import_start(named, scorer, xlsx([["单位名称", "GDP"], ["城关街道", 16]]))
    long = xlsx([["单位", "指标", "期间", "数值"], ["区发改局", "安全生产", "一季度", 2]])
    assert record_changes(wide, named) == {("ZJ01", "GDP", "Q1"): ("15", "16")}
    assert record_changes(import_start(named, scorer, long), named) == {
        ("JJ01", "SAFE", "Q1"): (None, "2")
    }


def test_a_name_that_cannot_be_used_says_what_to_type(named, scorer, make_indicator, xlsx):
    towns = named["units"]["ZJ01"].category
    Unit.objects.create(code="ZJ09", name="城关街道", category=towns)  # a second one
    twin = make_indicator("GDP2", 20, parent=named["indicators"]["GDP"].parent)
    twin.name = "地区生产总值"
    twin.save()
    twin.owners.add(scorer)
    upload = xlsx(
        [
            ["单位", "指标", "期间", "数值"],
            ["城关街道", "安全生产", "Q1", 1],
            ["区发改局", "地区生产总值", "Q1", 2],
            ["区发改局", "教育发展", "Q1", 3],
            ["城关镇", "安全生产", "Q1", 4],
            ["ZJ01", "安全", "Q1", 5],
        ]
    )
    assert record_problems(import_start(named, scorer, upload)) == [
        (2, "A", "“城关街道”是 2 个单位的名称（ZJ01、ZJ09），请填单位代码"),
        (3, "B", "“地区生产总值”是 2 个指标的名称（GDP、GDP2），请填指标代码"),
        (4, "B", "您不是指标 EDU 的评分账号，不能导入它的数据"),
        (5, "A", "找不到名为“城关镇”的单位：请填单位代码，或单位的全称"),
        (6, "B", "找不到名为“安全”的指标：请填指标代码，或您可导入的指标的全称"),
    ]


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("zh-hans", "“地区生产总值”是 2 个指标的名称（GDP、GDP2），请填指标代码"),
        ("en", "“地区生产总值” is the name of 2 indicators (GDP, GDP2): enter the indicator code"),
    ],
)
def test_the_codes_an_ambiguous_name_stands_for_are_listed_in_the_pages_language(
    named, scorer, make_indicator, xlsx, language, said
):
    twin = make_indicator("GDP2", 20, parent=named["indicators"]["GDP"].parent)
    twin.name = "地区生产总值"
    twin.save()
    twin.owners.add(scorer)
    upload = xlsx([["单位", "指标", "期间", "数值"], ["ZJ01", "地区生产总值", "Q1", 2]])
    with translation.override(language):
        record = import_start(named, scorer, upload)
    assert record_problems(record) == [(2, "B", said)]
