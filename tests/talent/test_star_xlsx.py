import io

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from openpyxl import Workbook, load_workbook

from talent.models import StarNode
from talent.services.star import star_tree_certify
from talent.services.star_xlsx import star_report_xlsx, star_tree_import

pytestmark = pytest.mark.django_db

HEADER = ["代码", "名称", "层级", "上级", "记录星级"]


def workbook(rows, header=HEADER, title="星级"):
    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def test_a_tree_is_imported_from_a_messy_sheet_and_certified(star_tree):
    upload = workbook(
        [
            ["C1", "站前社区党委", "社区党委", "", 10],
            [" C1-B1 ", "第一党支部", "branch", "C1", "１０"],  # full-width digits, spaces
            ["C1-B1-M1", "王伟", "党员", "C1-B1", "10"],  # a number stored as text
            ["C1-B1-M1-H1", "一号户", "文明户", "C1-B1-M1", 10.0],
            [None, None, None, None, None],  # a trailing blank row
        ]
    )
    assert star_tree_import(tree=star_tree, upload=upload) == 4
    assert list(StarNode.objects.values_list("code", "is_ten_star")) == [
        ("C1", True),
        ("C1-B1", True),
        ("C1-B1-M1", True),
        ("C1-B1-M1-H1", True),
    ]


def test_every_problem_is_named_by_sheet_row_and_column_and_nothing_is_written(star_tree):
    upload = workbook(
        [
            ["C1", "站前社区党委", "社区党委", "", 10],
            ["C1-B1", "第一党支部", "党支部", "C9", 10],
            ["C1-B1", "重复", "党支部", "C1", 11],
            ["C1-X", "某户", "居委会", "C1", 10],
        ]
    )
    with pytest.raises(ValidationError) as error:
        star_tree_import(tree=star_tree, upload=upload)
    # In the sheet's order, as the clerk goes through it, whichever check found each.
    assert error.value.messages == [
        "工作表“星级”第 3 行“上级”列：上级“C9”不存在或不是社区党委。",
        # A row wrong in one cell is checked against the tree too: all its problems at once.
        "工作表“星级”第 4 行“代码”列：代码 C1-B1 与第 3 行重复。",
        "工作表“星级”第 4 行“记录星级”列：“11”不是 0 至 10 的整数。",
        "工作表“星级”第 5 行“层级”列：“居委会”不是有效层级。",
    ]
    assert not StarNode.objects.exists()


def test_a_row_with_a_bad_star_level_is_still_told_its_parent_is_missing(star_tree):
    upload = workbook(
        [
            ["C1", "站前社区党委", "社区党委", "", "十"],
            ["C1-B1", "", "党支部", "C404", 11],
            ["C1-B2", "第二党支部", "党支部", "C1", 10],
        ]
    )
    with pytest.raises(ValidationError) as error:
        star_tree_import(tree=star_tree, upload=upload)
    assert error.value.messages == [
        "工作表“星级”第 2 行“记录星级”列：“十”不是 0 至 10 的整数。",
        "工作表“星级”第 3 行“名称”列：名称不能为空。",
        "工作表“星级”第 3 行“上级”列：上级“C404”不存在或不是社区党委。",
        "工作表“星级”第 3 行“记录星级”列：“11”不是 0 至 10 的整数。",
    ]
    assert not StarNode.objects.exists()


def test_a_missing_column_is_named(star_tree):
    upload = workbook([["C1", "站前社区党委", "社区党委"]], header=["代码", "名称", "层级"])
    with pytest.raises(ValidationError, match="缺少列：parent（上级）、stars（记录星级）"):
        star_tree_import(tree=star_tree, upload=upload)


def test_the_report_lists_every_node_with_its_reason_and_imports_back(star_tree, star_branch):
    star_branch([(10, [10] * 7 + [9] * 3)])
    star_tree_certify(tree=star_tree)
    report = star_report_xlsx(tree=star_tree)
    sheet = load_workbook(io.BytesIO(report)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == tuple(HEADER)
    assert rows[3] == (
        "C1-B1-M01",
        "党员1",
        "党员",
        "C1-B1",
        10,
        "否",
        10,
        7,
        "10 个文明户中 7 个十星，70% < 80%",
    )
    assert len(rows) == 1 + 13
    # Raising one household's record and importing the report back updates and re-certifies.
    changed = Workbook()
    changed.active.append(list(rows[0]))
    for row in rows[1:]:
        changed.active.append(list(row[:4]) + [10 if row[0] == "C1-B1-M01-H0008" else row[4]])
    buffer = io.BytesIO()
    changed.save(buffer)
    buffer.seek(0)
    assert star_tree_import(tree=star_tree, upload=buffer) == 13
    assert StarNode.objects.count() == 13
    assert StarNode.objects.get(code="C1-B1-M01").is_ten_star is True


def test_the_report_writes_names_and_codes_like_formulas_as_text(star_tree, star_branch):
    star_branch([(10, [10])])
    StarNode.objects.filter(code="C1").update(name="=1+1")
    StarNode.objects.filter(code="C1-B1").update(code="@SUM(A1)")
    sheet = load_workbook(io.BytesIO(star_report_xlsx(tree=star_tree))).active
    rows = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["C1"][1] == "'=1+1"
    assert rows["'@SUM(A1)"][1] == "第3楼栋党支部"
    assert rows["C1-B1-M01"][3] == "'@SUM(A1)"


def test_a_name_keeps_its_chinese_punctuation_and_a_code_its_ascii_form(star_tree):
    upload = workbook([["Ｃ１", " 站前社区（东区）党委 ", "社区党委", "", 10]])
    assert star_tree_import(tree=star_tree, upload=upload) == 1
    assert StarNode.objects.values_list("code", "name").get() == ("C1", "站前社区（东区）党委")


def _report_rows(tree, language):
    with translation.override(language):
        book = load_workbook(io.BytesIO(star_report_xlsx(tree=tree)))
    return book.active.title, list(book.active.iter_rows(values_only=True))


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_levels_are_read_by_their_value_and_their_label_in_either_language(star_tree, language):
    upload = workbook(
        [
            ["C1", "站前社区党委", "Community party committee", "", 10],
            ["C1-B1", "第一党支部", "党支部", "C1", 10],
            ["C1-B1-M1", "王伟", "PARTY MEMBER", "C1-B1", 10],
            ["C1-B1-M1-H1", "一号户", "household", "C1-B1-M1", 10],
            ["C1-B1-M1-H2", "二号户", "文明户", "C1-B1-M1", 10],
        ]
    )
    with translation.override(language):
        assert star_tree_import(tree=star_tree, upload=upload) == 5
    assert list(StarNode.objects.values_list("level", flat=True)) == [
        "committee",
        "branch",
        "member",
        "household",
        "household",
    ]


def test_the_english_report_is_english_throughout(star_tree, star_branch):
    star_branch([(10, [10] * 7 + [9] * 3), (10, [])])
    star_tree_certify(tree=star_tree)
    title, rows = _report_rows(star_tree, "en")
    assert title == "Star certification"
    assert rows[0] == (
        "Code",
        "Name",
        "Level",
        "Parent",
        "Recorded stars",
        "Certified ten-star",
        "Children",
        "Ten-star children",
        "Reason",
    )
    by_code = {row[0]: row for row in rows[1:]}
    assert by_code["C1-B1"][2:] == (
        "Party branch",
        "C1",
        10,
        "No",
        2,
        0,
        "0 of 2 party members ten-star, 0% < 80%",
    )
    assert by_code["C1-B1-M01"][5:] == (
        "No",
        10,
        7,
        "7 of 10 households ten-star, 70% < 80%",
    )
    assert by_code["C1-B1-M01-H0001"][2] == "Household"
    assert by_code["C1-B1-M01-H0001"][5] == "Yes"
    assert by_code["C1-B1-M02"][8] == "No children: cannot be certified ten-star"
    # Nothing Chinese is left but the names the district gave its nodes.
    labels = [cell for row in rows for index, cell in enumerate(row) if index != 1]
    assert not [cell for cell in labels if isinstance(cell, str) and not cell.isascii()]


@pytest.mark.parametrize("exported", ["zh-hans", "en"])
@pytest.mark.parametrize("imported", ["zh-hans", "en"])
def test_a_report_imports_back_from_either_language_into_either(
    star_tree, star_branch, exported, imported
):
    star_branch([(10, [10] * 7 + [9] * 3)])
    StarNode.objects.filter(code="C1").update(name="=1+1 社区")
    star_tree_certify(tree=star_tree)
    _title, rows = _report_rows(star_tree, exported)
    changed = Workbook()
    for row in rows:
        # Raising one household's record turns its member ten-star.
        raised = row[0] == "C1-B1-M01-H0008"
        changed.active.append([*row[:4], 10 if raised else row[4], *row[5:]])
    buffer = io.BytesIO()
    changed.save(buffer)
    buffer.seek(0)
    with translation.override(imported):
        assert star_tree_import(tree=star_tree, upload=buffer) == 13
    assert StarNode.objects.count() == 13
    assert StarNode.objects.get(code="C1-B1-M01").is_ten_star is True
    # A name the report wrote as text, not as a formula, comes back as it was.
    assert StarNode.objects.get(code="C1").name == "=1+1 社区"


def test_a_wrong_parent_is_named_with_its_level_in_the_sentence(star_tree):
    upload = workbook(
        [
            ["C1", "站前社区党委", "committee", "", 10],
            ["C1-B1", "第一党支部", "branch", "C9", 10],
            ["C1-B1-M1", "王伟", "member", "C1", 10],
            ["C1-B1-M1-H1", "一号户", "household", "C1", 10],
        ],
        header=["code", "name", "level", "parent", "stars"],
    )
    with translation.override("en"), pytest.raises(ValidationError) as error:
        star_tree_import(tree=star_tree, upload=upload)
    assert error.value.messages == [
        "Sheet “星级”, row 3, column “parent”: The parent “C9” does not exist or is not a "
        "community party committee.",
        "Sheet “星级”, row 4, column “parent”: The parent “C1” does not exist or is not a "
        "party branch.",
        "Sheet “星级”, row 5, column “parent”: The parent “C1” does not exist or is not a "
        "party member.",
    ]
