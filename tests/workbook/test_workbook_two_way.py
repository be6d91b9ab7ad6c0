"""What the rater groups rate (双向考核: a group rates the units of some categories only, on some
evaluation indicators only) in the interchange workbook: optional extra columns of rater_groups,
kept through export and import."""

import pytest

from scoring.models import RaterGroup
from scoring.services.workbook import WorkbookInvalid
from tests.workbook.conftest import (
    HEADERS,
    database_snapshot,
    export_bytes,
    import_bytes,
    sheets_read,
    small_cycle_sheets,
    xlsx,
)

pytestmark = pytest.mark.django_db


def _two_way_sheets():
    """The small cycle with 双向互评 (A2.4) beside 民主测评 (A2.3): the district leaders vote
    on A2.3 only, the departments (BM) and the towns (TW) on A2.4 only, for each other."""
    sheets = small_cycle_sheets()
    sheets["indicators"] = [
        ["A2.3", "民主测评", "A2", 60, "evaluation", "annual"] if row[0] == "A2.3" else row
        for row in sheets["indicators"]
    ]
    sheets["indicators"].append(["A2.4", "双向互评", "A2", 40, "evaluation", "annual"])
    sheets["rater_groups"] = [
        ["LD", "区领导", 0.6, None, "A2.3"],
        ["FW", "服务对象", 0.4],
        ["BM", "部门评议", 0.3, "ZJ", "A2.4"],
        ["TW", "镇街评议", 0.3, " JJ ", " A2.4 "],
    ]
    sheets["votes"] += [
        ["ZJ01", "A2.4", "Y", "BM", 12, 3, 0, 0],
        ["JJ01", "A2.4", "Y", "TW", 8, 6, 2, 0],
    ]
    return sheets


def _import_problems(sheets) -> list[tuple]:
    """Import the sheets, refused: each problem's sheet, row, column and message; nothing
    written."""
    before = database_snapshot()
    with pytest.raises(WorkbookInvalid) as raised:
        import_bytes(xlsx(sheets))
    assert database_snapshot() == before
    return [(p.sheet, p.row, p.column, p.message) for p in raised.value.problems]


def test_what_a_group_rates_is_imported_and_exported_as_it_came(db):
    import_bytes(xlsx(_two_way_sheets()))

    rated = {
        group.code: (
            sorted(category.code for category in group.categories.all()),
            sorted(indicator.code for indicator in group.indicators.all()),
        )
        for group in RaterGroup.objects.filter(cycle__year=2027)
    }
    assert rated == {
        "BM": (["ZJ"], ["A2.4"]),
        "FW": ([], []),
        "LD": ([], ["A2.3"]),
        "TW": (["JJ"], ["A2.4"]),
    }
    first = export_bytes(2027)
    assert sheets_read(first)["rater_groups"] == [
        ["code", "name", "weight", "categories", "indicators"],
        ["BM", "部门评议", 0.3, "ZJ", "A2.4"],
        ["FW", "服务对象", 0.4, "", ""],
        ["LD", "区领导", 0.6, "", "A2.3"],
        ["TW", "镇街评议", 0.3, "JJ", "A2.4"],
    ]
    import_bytes(first)
    assert sheets_read(export_bytes(2027)) == sheets_read(first)


def test_a_file_without_the_columns_imports_its_groups_rating_everything(db):
    headers = {**HEADERS, "rater_groups": ["code", "name", "weight"]}

    import_bytes(xlsx(small_cycle_sheets(), headers))

    groups = RaterGroup.objects.filter(cycle__year=2027)
    assert sorted(groups.values_list("code", "categories", "indicators")) == [
        ("FW", None, None),
        ("LD", None, None),
    ]


def test_a_vote_of_a_group_for_a_unit_it_does_not_rate_is_refused_naming_its_cell(db):
    sheets = _two_way_sheets()
    sheets["votes"].append(["ZJ02", "A2.4", "Y", "TW", 8, 6, 2, 0])
    sheets["rater_groups"].append(["XX", "其他", 0.1, "ZJ,QQ"])

    assert _import_problems(sheets) == [
        ("rater_groups", 6, "D", "未知的类别代码“QQ”"),
        ("votes", 6, "D", "测评群体 TW 不评议单位 ZJ02 的类别（ZJ）"),
    ]


def test_a_vote_of_a_group_on_an_indicator_it_does_not_rate_is_refused_naming_its_cell(db):
    sheets = _two_way_sheets()
    sheets["votes"] += [
        ["ZJ01", "A2.3", "Y", "BM", 12, 3, 0, 0],
        ["ZJ02", "A2.4", "Y", "LD", 20, 5, 1, 0],
    ]
    sheets["rater_groups"].append(["XX", "其他", 0.1, None, "A2.3,QQ，A2.1"])

    assert _import_problems(sheets) == [
        ("rater_groups", 6, "E", "未知的指标代码“QQ”"),
        ("rater_groups", 6, "E", "A2.1 不是综合评价指标：测评群体只评议综合评价指标"),
        ("votes", 6, "D", "测评群体 BM 不评议指标 A2.3"),
        ("votes", 7, "D", "测评群体 LD 不评议指标 A2.4"),
    ]
