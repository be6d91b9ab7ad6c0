"""The rater groups' categories (双向考核: a group rates the units of some categories only) in the
interchange workbook: an optional extra column of rater_groups, kept through export and import."""

import pytest

from scoring.models import RaterGroup
from scoring.services.workbook import WorkbookInvalid
from tests.workbook.conftest import (
    database_snapshot,
    export_bytes,
    import_bytes,
    sheets_read,
    small_cycle_sheets,
    xlsx,
)

pytestmark = pytest.mark.django_db


def _two_way_sheets():
    sheets = small_cycle_sheets()
    sheets["rater_groups"] += [["BM", "部门评议", 0.3, "ZJ"], ["TW", "镇街评议", 0.3, " JJ "]]
    sheets["votes"] += [
        ["ZJ01", "A2.3", "Y", "BM", 12, 3, 0, 0],
        ["JJ01", "A2.3", "Y", "TW", 8, 6, 2, 0],
    ]
    return sheets


def test_the_categories_a_group_rates_are_imported_and_exported_as_they_came(db):
    import_bytes(xlsx(_two_way_sheets()))

    rated = {
        group.code: sorted(category.code for category in group.categories.all())
        for group in RaterGroup.objects.filter(cycle__year=2027)
    }
    assert rated == {"BM": ["ZJ"], "FW": [], "LD": [], "TW": ["JJ"]}
    first = export_bytes(2027)
    assert sheets_read(first)["rater_groups"] == [
        ["code", "name", "weight", "categories"],
        ["BM", "部门评议", 0.3, "ZJ"],
        ["FW", "服务对象", 0.4, ""],
        ["LD", "区领导", 0.6, ""],
        ["TW", "镇街评议", 0.3, "JJ"],
    ]
    import_bytes(first)
    assert sheets_read(export_bytes(2027)) == sheets_read(first)


def test_a_vote_of_a_group_for_a_unit_it_does_not_rate_is_refused_naming_its_cell(db):
    sheets = _two_way_sheets()
    sheets["votes"].append(["ZJ02", "A2.3", "Y", "TW", 8, 6, 2, 0])
    sheets["rater_groups"].append(["XX", "其他", 0.1, "ZJ,QQ"])
    before = database_snapshot()

    with pytest.raises(WorkbookInvalid) as raised:
        import_bytes(xlsx(sheets))

    problems = [(p.sheet, p.row, p.column, p.message) for p in raised.value.problems]
    assert problems == [
        ("rater_groups", 6, "D", "未知的类别代码“QQ”"),
        ("votes", 6, "D", "测评群体 TW 不评议单位 ZJ02 的类别（ZJ）"),
    ]
    assert database_snapshot() == before
