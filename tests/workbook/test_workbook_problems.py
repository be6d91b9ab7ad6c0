"""Malformed workbooks: every problem is named with its sheet, row and column, nothing changes."""

import pytest

from scoring.services.workbook import WorkbookInvalid
from tests.workbook.conftest import (
    HEADERS,
    database_snapshot,
    import_bytes,
    small_cycle_sheets,
    xlsx,
)

pytestmark = pytest.mark.django_db


def _set(sheet, row, column, value):
    def mutate(sheets):
        sheets[sheet][row][column] = value

    return mutate


def _append(sheet, row):
    def mutate(sheets):
        sheets[sheet].append(list(row))

    return mutate


def _drop(sheet):
    def mutate(sheets):
        del sheets[sheet]

    return mutate


def _move_child_first(sheets):
    rows = sheets["indicators"]
    rows.insert(0, rows.pop(1))


# Each case: how the clean workbook is broken, and the problem expected (sheet, row, column,
# a part of the message). Rows are Excel rows: the header is row 1.
CASES = {
    "unknown unit code": (
        _set("values", 0, 0, "ZJ99"),
        ("values", 2, "A", "未知的单位代码“ZJ99”"),
    ),
    "unknown indicator code": (
        _set("values", 1, 1, "X9"),
        ("values", 3, "B", "未知的指标代码“X9”"),
    ),
    "value above max": (
        _set("values", 4, 3, 250),
        ("values", 6, "D", "分值应在 0 到 200 之间，实为 250"),
    ),
    "text in a number cell": (
        _set("values", 3, 3, "一百二十"),
        ("values", 5, "D", "应为数字，实为“一百二十”"),
    ),
    "duplicate row": (
        _append("values", ["ZJ01", "A1.2", "Q1", 9]),
        ("values", 10, "A", "与第 4 行重复"),
    ),
    "missing sheet": (
        _drop("adjustments"),
        (
            "adjustments",
            None,
            None,
            "缺少工作表“adjustments / 柔性考核调整 / 柔性考核”：没有数据也须保留这张工作表，"
            "只在第 1 行写表头 unit, period, points, reason, approved_by",
        ),
    ),
    "bad period": (
        _set("values", 7, 2, "Q5"),
        ("values", 9, "C", "期间应为 Q1、Q2、Q3、Q4 或 Y"),
    ),
    "annual indicator in a quarter": (
        _set("values", 5, 2, "Q2"),
        ("values", 7, "C", "按年度指标只填 Y"),
    ),
    "unit code with a slash": (
        _append("units", ["ZJ/98", "新镇", "ZJ"]),
        ("units", 5, "A", "代码只能由字母、数字和 . _ - 组成"),
    ),
    "indicator code that would run as a formula": (
        _set("indicators", 7, 0, "@B1"),
        ("indicators", 9, "A", "须以字母或数字开头"),
    ),
    "unknown category": (
        _set("units", 2, 2, "XX"),
        ("units", 4, "C", "未知的类别代码“XX”"),
    ),
    "unknown official": (
        _set("responsibilities", 0, 0, "NOBODY"),
        ("responsibilities", 2, "A", "未知的干部代码“NOBODY”"),
    ),
    "unknown rater group": (
        _set("votes", 1, 3, "ZZ"),
        ("votes", 3, "D", "未知的测评群体代码“ZZ”"),
    ),
    "vote count with a decimal comma": (
        _set("votes", 1, 5, "1,5"),
        ("votes", 3, "F", "逗号只能用来分隔千位，如 1,234；小数请用小数点，如 1.5"),
    ),
    "duplicate code": (
        _append("rater_groups", ["LD", "区领导班子", 0.1]),
        ("rater_groups", 4, "A", "与第 2 行重复"),
    ),
    "children not adding up": (
        _set("indicators", 2, 3, 250),
        ("indicators", 2, "D", "A1 的下级分值合计 550，与其分值 600 不符"),
    ),
    "parent after its child": (
        _move_child_first,
        ("indicators", 2, "C", "上级指标“A1”应排在其下级之前"),
    ),
    "quarter weights not adding up to 1": (
        _set("settings", 2, 1, "0.3,0.3,0.3,0.3"),
        ("settings", 4, "B", "季度权重合计应为 1，实为 1.2"),
    ),
    "thresholds out of order": (
        _append("settings", ["good_min", 950]),
        ("settings", 7, "B", "分数线应满足 优秀 ≥ 良好 ≥ 一般"),
    ),
    "missing column": (
        lambda sheets: [row.__setitem__(3, None) for row in sheets["votes"]],
        ("votes", 1, None, "缺少列“rater_group"),
    ),
}


def _place(problem):
    return (problem.sheet, problem.row, problem.column)


def _broken(names):
    sheets = small_cycle_sheets()
    for name in names:
        CASES[name][0](sheets)
    return sheets


@pytest.fixture
def existing_cycle():
    """The clean workbook already imported: a bad file must leave this exactly as it is."""
    import_bytes(xlsx(small_cycle_sheets()))
    return database_snapshot()


@pytest.mark.parametrize("name", CASES)
def test_one_problem_is_named_where_it_is_and_nothing_changes(existing_cycle, name):
    sheets = _broken([name])
    headers = None
    if name == "missing column":
        headers = {
            "votes": [
                "unit",
                "indicator",
                "period",
                "group",
                "excellent",
                "competent",
                "basic",
                "incompetent",
            ]
        }
    data = xlsx(sheets, headers=headers) if headers else xlsx(sheets)

    with pytest.raises(WorkbookInvalid) as raised:
        import_bytes(data)

    sheet, row, column, message = CASES[name][1]
    found = [p for p in raised.value.problems if _place(p) == (sheet, row, column)]
    assert found, [str(p) for p in raised.value.problems]
    assert message in found[0].message
    assert database_snapshot() == existing_cycle


def test_all_problems_at_once_are_all_listed(existing_cycle):
    names = [name for name in CASES if name not in ("missing column", "parent after its child")]
    with pytest.raises(WorkbookInvalid) as raised:
        import_bytes(xlsx(_broken(names)))

    problems = raised.value.problems
    for name in names:
        sheet, row, column, message = CASES[name][1]
        assert any(_place(p) == (sheet, row, column) and message in p.message for p in problems), (
            name
        )
    assert database_snapshot() == existing_cycle


def test_a_file_that_is_no_workbook_is_refused(existing_cycle):
    with pytest.raises(WorkbookInvalid) as raised:
        import_bytes("code,name\nZJ,镇街\n".encode())
    # In words the clerk can act on, not calamine's own ("Cannot detect file format").
    assert raised.value.problems[0].message == (
        "无法读取文件：它已损坏，或不是 Excel / WPS 保存的工作簿。请在 Excel 中打开后另存为 .xlsx "
        "再上传。"
    )
    assert database_snapshot() == existing_cycle


def test_a_problem_names_the_sheet_as_the_file_names_it(existing_cycle):
    """A clerk whose sheet is 指标数据 was sent to a sheet "values" the file does not have."""
    sheets = _broken(["unknown unit code"])
    data = xlsx(
        {"指标数据" if name == "values" else name: rows for name, rows in sheets.items()},
        headers={**HEADERS, "指标数据": HEADERS["values"]},
    )
    with pytest.raises(WorkbookInvalid) as raised:
        import_bytes(data)
    said = [str(problem) for problem in raised.value.problems]
    assert any(
        text.startswith("工作表 指标数据 第 2 行 A 列：未知的单位代码“ZJ99”") for text in said
    ), said
    assert not any("values" in text for text in said), said
    assert database_snapshot() == existing_cycle
