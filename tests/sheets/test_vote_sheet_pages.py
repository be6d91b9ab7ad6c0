"""The votes template on the scorer's sheets page, and a filled one brought back through the
upload, preview and confirmation pages."""

import io
import zipfile
from xml.etree import ElementTree

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cadre import roles
from cadre.models import Unit
from scoring.models import ImportRecord, Vote
from scoring.services.vote_sheets import vote_sheet_import_commit, vote_template_build
from tests.entry.conftest import user_with_role
from tests.sheets.records import (
    import_start,
    vote_record_changes,
    votes_stored,
    votes_typed_by_lisi,
)

pytestmark = pytest.mark.django_db

INDEX = "/entry/sheets/"
TEMPLATE = "/entry/sheets/votes-template/2026/Y.xlsx"
HEADER = ["单位代码", "单位名称", "指标代码", "指标名称", "测评群体代码", "测评群体名称"]
COUNTS = ["优秀", "称职", "基本称职", "不称职"]


@pytest.fixture
def scorer_client(client, scorer):
    client.force_login(scorer)
    return client


def _sheet(response):
    return openpyxl.load_workbook(io.BytesIO(response.content)).active


def _upload(workbook, name="votes.xlsx"):
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def test_the_template_lists_each_unit_and_rater_group_with_the_stored_counts(scorer_client, tally):
    response = scorer_client.get(TEMPLATE)
    assert response["Content-Disposition"] == 'attachment; filename="kaohe-votes-2026-Y.xlsx"'
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = workbook.active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == HEADER + COUNTS
    assert rows[1][0] == "填写说明" and rows[1][6:] == ["票数，0 或正整数"] * 4
    # MZ only: DJ is someone else's, ZP a quarter's; every active unit, each rater group.
    assert [row[:6] for row in rows[2:]] == [
        [unit, name, "MZ", "民主测评", group, group_name]
        for unit, name in (("ZJ01", "城关街道"), ("ZJ02", "'=东城街道"), ("JJ01", "区发改局"))
        for group, group_name in (("FW", "服务对象"), ("LD", "区领导"))
    ]
    assert rows[3][6:] == [30, 10, 0, 0], "ZJ01's leaders' counts, filled in"
    assert rows[2][6:] == [None] * 4, "a row not entered stays blank, not 0"
    assert sheet.title == "2026-Y"
    assert sheet.protection.sheet
    assert sheet["G3"].protection.locked is False and sheet["G1"].protection.locked
    (validation,) = sheet.data_validations.dataValidation
    assert (validation.type, validation.formula1, validation.formula2) == ("whole", "0", "100000")
    assert str(validation.sqref) == "G3:J8"
    assert workbook["kaohe"].sheet_state == "veryHidden"


def test_a_quarter_template_lists_the_indicators_that_apply_only(scorer_client, tally):
    rows = list(_sheet(scorer_client.get("/entry/sheets/votes-template/2026/Q1.xlsx")).values)
    assert {(row[0], row[2]) for row in rows[2:]} == {("ZJ01", "ZP"), ("ZJ02", "ZP")}


@pytest.mark.parametrize("extra_units", [0, 40])
def test_the_template_costs_the_same_queries_whatever_the_units(
    scorer_client, tally, extra_units, django_assert_max_num_queries
):
    category = tally["units"]["ZJ01"].category
    Unit.objects.bulk_create(
        Unit(code=f"ZX{n:02d}", name=f"新镇{n}", category=category) for n in range(extra_units)
    )
    # session, user, role check, cycle, indicators, units, rater groups, the categories they
    # rate, the indicators' categories, votes
    with django_assert_max_num_queries(10):
        response = scorer_client.get(TEMPLATE)
    assert _sheet(response).max_row == 2 + (3 + extra_units) * 2


def test_the_index_offers_the_votes_template_of_the_periods_with_the_users_indicators(
    client, scorer_client, tally
):
    page = scorer_client.get(INDEX).content.decode()
    assert "测评票数模板" in page
    assert 'data-vote-period="Y"' in page and 'data-vote-period="Q1"' in page
    votes = scorer_client.get(f"/entry/votes/?cycle={tally['cycle'].year}&period=Y")
    assert f'href="/entry/sheets/?cycle={tally["cycle"].year}" class="vote-sheet-link"' in (
        votes.content.decode()
    ), "the votes page points to the template for tallies kept in Excel"
    other = user_with_role("tjj", roles.SCORER)
    client.force_login(other)
    assert "测评票数模板" not in client.get(INDEX).content.decode()


def test_a_filled_template_is_previewed_old_to_new_and_confirmed_through_the_pages(
    scorer_client, tally, scorer
):
    workbook = openpyxl.load_workbook(io.BytesIO(scorer_client.get(TEMPLATE).content))
    sheet = workbook.active
    for cell, count in zip(sheet[4][6:], [25, 15, 0, 0], strict=True):  # ZJ01 区领导
        cell.value = count
    for cell, count in zip(sheet[5][6:], ["１０", "5", None, 0], strict=True):  # ZJ02 服务对象
        cell.value = count
    response = scorer_client.post(INDEX, {"file": _upload(workbook)}, follow=True)
    page = response.content.decode()
    assert "预览：将变更 2 行票数" in page
    assert "30/10/0/0" in page and "→ 25/15/0/0" in page and "→ 10/5/0/0" in page
    assert "服务对象" in page
    record = ImportRecord.objects.get()
    assert record.kind == "vote_sheet" and record.period == "Y"
    index = scorer_client.get(INDEX).content.decode()
    assert 'votes.xlsx</a> <span class="muted">测评票数表</span>' in index

    changes = openpyxl.load_workbook(
        io.BytesIO(scorer_client.get(f"{INDEX}imports/{record.pk}/?as=xlsx").content)
    ).active
    assert list(changes.values)[1] == (
        "ZJ01", "城关街道", "MZ", "民主测评", "全年", "区领导", 30, 10, 0, 0, 25, 15, 0, 0
    )  # fmt: skip

    response = scorer_client.post(f"{INDEX}imports/{record.pk}/confirm/", follow=True)
    assert "已导入“votes.xlsx”：2 行票数已更新。" in response.content.decode()
    assert votes_stored() == {
        ("ZJ01", "MZ", "Y", "LD"): (25, 15, 0, 0),
        ("ZJ02", "MZ", "Y", "FW"): (10, 5, 0, 0),
    }
    page = scorer_client.get(f"{INDEX}imports/{record.pk}/").content.decode()
    assert "已导入 2 行票数" in page
    history = scorer_client.get("/entry/units/ZJ01/history/").content.decode()
    assert f"导入 votes.xlsx (#{record.pk})" in history


@pytest.mark.parametrize("units", [3, 30])
def test_the_preview_page_costs_the_same_queries_whatever_its_length(
    scorer_client, tally, scorer, units, django_assert_max_num_queries
):
    category = tally["units"]["ZJ01"].category
    Unit.objects.bulk_create(
        Unit(code=f"ZX{n:02d}", name=f"新镇{n}", category=category) for n in range(units - 3)
    )
    workbook = vote_template_build(cycle=tally["cycle"], period="Y", user=scorer)
    for row in workbook.active.iter_rows(min_row=3, min_col=7):
        for cell in row:
            cell.value = 1
    record = import_start(tally, scorer, _upload(workbook), period="")
    assert record.rows_changed == units * 2
    # session, user, role check, record, its first changes, units, indicators, rater groups,
    # the summary of a long list (counts, indicators), the menu's reviewer check
    with django_assert_max_num_queries(11):
        page = scorer_client.get(f"{INDEX}imports/{record.pk}/").content.decode()
    assert page.count("→ 1/1/1/1") == units * 2
    assert ("新增票数" in page) == (units * 2 > 20), "a long list opens with its summary"


def test_template_rows_others_changed_since_the_download_keep_the_newer_counts(tally, scorer):
    workbook = vote_template_build(cycle=tally["cycle"], period="Y", user=scorer)
    votes_typed_by_lisi(tally, (31, 10, 0, 0))
    sheet = workbook.active
    sheet["G5"] = 7  # ZJ02 服务对象, the scorer's own change
    record = import_start(tally, scorer, _upload(workbook), period="")
    assert vote_record_changes(record) == {("ZJ02", "MZ", "Y", "FW"): (None, (7, 0, 0, 0))}
    assert record.notices == [
        "1 行票数在您下载模板后已在别处被修改，文件中仍是下载时的票数：保留了新票数，不列入变更。"
    ]
    sheet["G4"] = 20  # ZJ01 区领导, changed by 李四 as well
    record = import_start(tally, scorer, _upload(workbook), period="")
    assert [(error["row"], error["column"], error["message"]) for error in record.errors] == [
        (
            4,
            "G",
            "下载模板后，此行票数已在别处由 30/10/0/0 改为 31/10/0/0：请核对后重新填写，"
            "或下载新的模板",
        )
    ]


def test_the_scorers_own_import_of_the_template_is_theirs_to_correct(tally, scorer):
    workbook = vote_template_build(cycle=tally["cycle"], period="Y", user=scorer)
    workbook.active["G4"] = 25
    record = import_start(tally, scorer, _upload(workbook), period="")
    vote_sheet_import_commit(record=record, by=scorer)
    workbook.active["G4"] = 26
    record = import_start(tally, scorer, _upload(workbook, "votes-2.xlsx"), period="")
    assert vote_record_changes(record) == {
        ("ZJ01", "MZ", "Y", "LD"): ((25, 10, 0, 0), (26, 10, 0, 0))
    }
    assert Vote.objects.count() == 1


def test_the_templates_rows_may_be_sorted_and_filtered_and_its_header_stays_protected(
    scorer_client, tally
):
    content = scorer_client.get(TEMPLATE).content
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        xml = ElementTree.fromstring(package.read("xl/worksheets/sheet1.xml"))
    namespace = {"x": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    protection = xml.find("x:sheetProtection", namespace).attrib
    # In the file format 0 allows what the protected sheet would otherwise refuse.
    assert (protection["sheet"], protection["sort"], protection["autoFilter"]) == ("1", "0", "0")
    assert xml.find("x:autoFilter", namespace).attrib["ref"] == "A2:J8"
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert all(cell.protection.locked for row in sheet["A1:J2"] for cell in row)
    assert not any(cell.protection.locked for row in sheet["A3:J8"] for cell in row)


def test_a_template_whose_rows_were_sorted_imports_each_row_to_its_unit(
    scorer_client, tally, scorer
):
    workbook = openpyxl.load_workbook(io.BytesIO(scorer_client.get(TEMPLATE).content))
    sheet = workbook.active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=3)]
    rows[0][6:] = [5, 4, 3, 2]  # ZJ01 服务对象, then sorted by unit code, descending
    rows.sort(key=lambda row: (row[0], row[4]), reverse=True)
    for number, row in enumerate(rows, start=3):
        for column, value in enumerate(row, start=1):
            sheet.cell(number, column).value = value
    assert sheet["A3"].value == "ZJ02"

    response = scorer_client.post(INDEX, {"file": _upload(workbook)}, follow=True)

    assert "预览：将变更 1 行票数" in response.content.decode()
    record = ImportRecord.objects.get()
    assert vote_record_changes(record) == {("ZJ01", "MZ", "Y", "FW"): (None, (5, 4, 3, 2))}
    vote_sheet_import_commit(record=record, by=scorer)
    assert votes_stored()[("ZJ01", "MZ", "Y", "FW")] == (5, 4, 3, 2)
