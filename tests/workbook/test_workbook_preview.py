"""What an import would do, said before it does anything: the cycle, the master data every year
shares, the rows per sheet and the stored entries it would overwrite or remove."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from cadre.models import Unit
from scoring.models import Adjustment, Cycle, IndicatorValue, Vote
from scoring.services.workbook import WorkbookInvalid
from scoring.services.workbook_imports import (
    WorkbookOutdated,
    workbook_import_write,
    workbook_record_new,
)
from scoring.services.workbook_preview import workbook_check
from tests.workbook.conftest import database_snapshot, export_bytes, import_bytes, xlsx

pytestmark = pytest.mark.django_db


def _counts(preview) -> dict:
    return {
        line["sheet"]: (line["added"], line["changed"], line["removed"], line["unchanged"])
        for line in preview["sheets"]
    }


def test_a_cycles_own_export_previews_as_no_change(small_sheets):
    import_bytes(xlsx(small_sheets))
    check = workbook_check(data=export_bytes(2027))
    assert check.unchanged and check.entries == []
    assert _counts(check.preview)["values"] == (0, 0, 0, 8)
    assert _counts(check.preview)["indicators"] == (0, 0, 0, 9)


def test_a_new_year_shows_the_live_master_data_it_would_change(small_sheets):
    import_bytes(xlsx(small_sheets))
    before = database_snapshot()
    small_sheets["settings"][0] = ["year", 2028]
    small_sheets["units"][0][1] = "城关街道办事处"
    small_sheets["units"].append(["ZJ03", "西城街道", "ZJ"])
    small_sheets["officials"][1][3] = "principal"

    check = workbook_check(data=xlsx(small_sheets))

    preview = check.preview
    assert preview["cycle"] == {"exists": False, "state": "draft", "name": "2027年度综合考核"}
    categories, units, officials = preview["master"]
    assert categories["created"] == [] and categories["changed"] == []
    assert units["created"] == [["ZJ03", "西城街道"]]
    assert units["changed"] == [
        ["ZJ01", "城关街道办事处", [["name", "城关街道", "城关街道办事处"]]]
    ]
    assert officials["changed"] == [["ZJ01-02", "李娜", [["role", "member", "principal"]]]]
    assert _counts(preview)["values"] == (8, 0, 0, 0)
    assert check.entries == [], "a new cycle overwrites nothing"
    assert database_snapshot() == before


def test_an_open_cycle_lists_the_entries_made_since_the_export(small_sheets):
    import_bytes(xlsx(small_sheets))
    Cycle.objects.update(state=Cycle.State.OPEN)
    exported = export_bytes(2027)
    scorer = get_user_model().objects.create_user("scorer", password="pw-long-enough")
    # After the export: a scorer corrects a value and enters a new one, a vote is recounted,
    # an adjustment is recorded.
    IndicatorValue.objects.filter(unit__code="ZJ01", indicator__code="A1.1").update(
        value=Decimal("9.1"), entered_by=scorer
    )
    first = IndicatorValue.objects.get(unit__code="ZJ01", indicator__code="A1.1")
    IndicatorValue.objects.create(
        indicator=first.indicator, unit=first.unit, period="Q2", value=7, entered_by=scorer
    )
    Vote.objects.filter(rater_group__code="FW").update(excellent=11)
    Adjustment.objects.create(
        cycle=first.indicator.cycle,
        unit=first.unit,
        period="Q2",
        points=-2,
        reason="安全事故",
        approved_by="区委",
    )

    check = workbook_check(data=exported)

    assert check.preview["cycle"]["state"] == "open" and not check.unchanged
    assert _counts(check.preview)["values"] == (0, 1, 1, 7)
    assert _counts(check.preview)["votes"] == (0, 1, 0, 1)
    assert _counts(check.preview)["adjustments"] == (0, 0, 1, 1)
    listed = {tuple(entry[:8]) + (entry[9],) for entry in check.entries}
    assert listed == {
        ("values", "ZJ01", "城关街道", "A1.1", "Q1", "", "9.1", "8.5", "scorer"),
        ("values", "ZJ01", "城关街道", "A1.1", "Q2", "", "7", None, "scorer"),
        ("votes", "ZJ01", "城关街道", "A2.3", "Y", "FW", "11 / 10 / 0 / 1", "10 / 10 / 0 / 1", ""),
        ("adjustments", "ZJ01", "城关街道", "", "Q2", "安全事故", "-2", None, ""),
    }
    assert check.preview["entry_summary"] == [
        ["values", "A1.1", 1, 1],
        ["votes", "A2.3", 1, 0],
        ["adjustments", "", 0, 1],
    ]


@pytest.mark.parametrize(
    "change, refusal",
    [
        (
            lambda: IndicatorValue.objects.filter(unit__code="ZJ02").update(value=6),
            WorkbookOutdated,
        ),
        (lambda: Unit.objects.filter(code="ZJ01").update(name="城关"), WorkbookOutdated),
        (lambda: Vote.objects.filter(rater_group__code="LD").delete(), WorkbookOutdated),
        (lambda: Cycle.objects.update(state=Cycle.State.CLOSED), WorkbookInvalid),
    ],
    ids=["a value saved", "a unit renamed", "votes deleted", "the cycle closed"],
)
def test_the_write_is_refused_when_the_data_changed_since_the_check(small_sheets, change, refusal):
    import_bytes(xlsx(small_sheets))
    small_sheets["values"][0][3] = 9
    data = xlsx(small_sheets)
    check = workbook_check(data=data)
    change()
    before = database_snapshot()

    with pytest.raises(refusal):
        record = workbook_record_new(file_name="late.xlsx", data=data, by=None)
        workbook_import_write(check=check, by=None, record=record)

    assert database_snapshot() == before


def _problems(sheets) -> list[str]:
    with pytest.raises(WorkbookInvalid) as raised:
        import_bytes(xlsx(sheets))
    return [str(problem) for problem in raised.value.problems]


def test_a_unit_refused_takes_its_rows_down_in_one_message(small_sheets):
    small_sheets["units"][0][2] = "XX"
    assert _problems(small_sheets) == [
        "工作表 units 第 2 行 C 列：未知的类别代码“XX”（因此另有 11 行无法导入："
        "officials 2 行、responsibilities 1 行、values 5 行、votes 2 行、adjustments 1 行）"
    ]


def test_a_unit_code_mistyped_in_its_sheet_is_the_root_of_the_others_naming_it(small_sheets):
    small_sheets["units"][0][0] = "ZJ 01"
    [problem] = _problems(small_sheets)
    assert problem.startswith("工作表 units 第 2 行 A 列：代码只能由字母、数字")
    assert problem.endswith(
        "（因此另有 11 行无法导入：officials 2 行、responsibilities 1 行、"
        "values 5 行、votes 2 行、adjustments 1 行）"
    )


def test_a_code_no_sheet_defines_is_named_once_with_the_rows_naming_it(small_sheets):
    for row in small_sheets["values"] + small_sheets["votes"]:
        if row[0] == "ZJ01":
            row[0] = "ZJ09"
    assert _problems(small_sheets) == [
        "工作表 values 第 2 行 A 列：未知的单位代码“ZJ09”（因此另有 6 行无法导入："
        "values 4 行、votes 2 行）"
    ]


def test_a_rater_group_and_an_indicator_refused_take_their_rows_down(small_sheets):
    small_sheets["rater_groups"][1][2] = "很多"
    small_sheets["indicators"][4][3] = "二百"  # A2.1's max_points
    problems = _problems(small_sheets)
    # A2's children no longer add up: the tree says so at A2, a problem of its own.
    assert [problem.split("：")[0] for problem in problems] == [
        "工作表 indicators 第 6 行 D 列",
        "工作表 indicators 第 5 行 D 列",
        "工作表 rater_groups 第 3 行 C 列",
    ]
    assert problems[0].endswith("（因此另有 1 行无法导入：values 1 行）")
    assert problems[2].endswith("（因此另有 1 行无法导入：votes 1 行）")


def test_a_problem_of_a_row_of_its_own_is_still_named(small_sheets):
    """A row that falls with a refused unit keeps its other problems: nothing is hidden."""
    small_sheets["units"][0][2] = "XX"
    small_sheets["values"][0][3] = "八"
    problems = _problems(small_sheets)
    assert len(problems) == 2
    assert problems[1] == "工作表 values 第 2 行 D 列：应为数字，实为“八”"
