from decimal import Decimal

import pytest

from scoring.services.cells import (
    CellError,
    Column,
    cell_bool,
    cell_decimal,
    cell_list,
    cell_text,
    sheet_rows_read,
)


@pytest.mark.parametrize(
    "raw, expected",
    [
        (12, Decimal(12)),
        (0.1, Decimal("0.1")),
        (25.0, Decimal("25")),
        (4.970000000000001, Decimal("4.97")),
        ("  23.5 ", Decimal("23.5")),
        ("１２３．５", Decimal("123.5")),
        ("1,234.5", Decimal("1234.5")),
        ("　８０　", Decimal(80)),
        # A Chinese input method types 。 for the decimal point; NFKC leaves it as it is.
        ("7。5", Decimal("7.5")),
        ("７｡５", Decimal("7.5")),
        ("1, 234.5", Decimal("1234.5")),
        ("-5", Decimal(-5)),
        ("", None),
        (None, None),
    ],
)
def test_numbers_as_clerks_type_them_are_read(raw, expected):
    assert cell_decimal(raw) == expected


@pytest.mark.parametrize("raw", ["八十", "12a", "NaN", "Infinity", True])
def test_text_where_a_number_belongs_is_refused(raw):
    with pytest.raises(CellError, match="应为数字"):
        cell_decimal(raw)


@pytest.mark.parametrize("raw", ["1 0", "1 234", "８ ５", "1\u00a00", "1　0", "12.5 0"])
def test_digits_split_by_a_space_are_refused_not_joined(raw):
    with pytest.raises(CellError, match="^数字中间不能有空格$"):
        cell_decimal(raw)


@pytest.mark.parametrize("raw", ["85%", "85 %", "８５％", "0.5%"])
def test_a_trailing_percent_sign_is_refused_saying_what_to_type(raw):
    with pytest.raises(CellError, match="^不要带 %：如 85% 请填 85$"):
        cell_decimal(raw)


@pytest.mark.parametrize("raw", ["1,5", "１，５", "12,34", "1,2345", ",5", "1,234,5"])
def test_a_comma_that_separates_no_thousands_is_refused_not_dropped(raw):
    with pytest.raises(CellError, match="^逗号只能用来分隔千位，如 1,234；小数请用小数点，如 1.5$"):
        cell_decimal(raw)


@pytest.mark.parametrize(
    ("raw", "number"), [("1,234", "1234"), ("-12,345.5", "-12345.5"), ("1,234。5", "1234.5")]
)
def test_thousands_separators_are_read(raw, number):
    assert cell_decimal(raw) == Decimal(number)


def test_codes_typed_as_numbers_lose_their_decimal_point():
    assert cell_text(101.0) == "101"
    assert cell_text(" ＺＪ０１ ") == "ZJ01"


@pytest.mark.parametrize("raw", ["yes", "TRUE", 1, "是", "√"])
def test_yes_words(raw):
    assert cell_bool(raw) is True


@pytest.mark.parametrize("raw", ["no", "false", 0, "否", None])
def test_no_words(raw):
    assert cell_bool(raw) is False


def test_unknown_yes_no_word_is_refused():
    with pytest.raises(CellError):
        cell_bool("maybe")


def test_lists_accept_chinese_commas():
    assert cell_list("ZJ， JJ、SH,") == ["ZJ", "JJ", "SH"]


COLUMNS = [Column("unit", ("单位代码",)), Column("value", ("数值",)), Column("note", (), False)]


def test_headers_in_chinese_any_order_extra_columns_and_blank_rows():
    rows = [
        ["备注", "数值", "单位代码"],
        [None, 5, "ZJ01"],
        ["", "", "  "],
        [None, "7", "ZJ02"],
        [],
    ]
    data, problems = sheet_rows_read(sheet="values", rows=rows, columns=COLUMNS)
    assert problems == []
    assert [(row.number, row.cells) for row in data] == [
        (2, {"unit": "ZJ01", "value": 5}),
        (4, {"unit": "ZJ02", "value": "7"}),
    ]
    assert str(data[1].place("values", "value", "坏")) == "工作表 values 第 4 行 B 列：坏"


def test_a_missing_required_column_is_named():
    data, problems = sheet_rows_read(sheet="values", rows=[["unit"], ["ZJ01"]], columns=COLUMNS)
    assert [str(problem) for problem in problems] == ["工作表 values 第 1 行：缺少列“value / 数值”"]
