import io
import re

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from cadre import roles
from scoring.models import ImportRecord, IndicatorValue

INDEX = "/entry/sheets/"


@pytest.fixture
def scorer_client(client, scorer):
    client.force_login(scorer)
    return client


def _records(scorer, count):
    ImportRecord.objects.bulk_create(
        ImportRecord(
            kind=ImportRecord.Kind.SCORER_SHEET,
            file_name=f"f{number}.xlsx",
            size=1,
            sha256="0" * 64,
            uploaded_by=scorer,
        )
        for number in range(count)
    )


@pytest.mark.parametrize("count", [2, 30])
def test_the_history_page_costs_the_same_queries_whatever_its_length(
    scorer_client, scorer, district, count, django_assert_max_num_queries
):
    _records(scorer, count)
    # session, user, role check, current cycle, the periods of the user's vote template, history;
    # the quarter still to fill: active units, the user's indicators, their categories, the
    # filled cells
    with django_assert_max_num_queries(11):
        response = scorer_client.get(INDEX)
    assert response.content.decode().count("f1.xlsx") == 1
    assert response.content.decode().count(".xlsx</a>") == count


def pending_record(district, scorer, changes):
    """A pending scorer's import of big.xlsx previewing these changes."""
    return ImportRecord.objects.create(
        kind=ImportRecord.Kind.SCORER_SHEET,
        status=ImportRecord.Status.PENDING,
        cycle=district["cycle"],
        file_name="big.xlsx",
        size=1,
        sha256="0" * 64,
        uploaded_by=scorer,
        rows_changed=len(changes),
        changes=changes,
    )


def test_upload_preview_confirm_through_the_pages(scorer_client, district, xlsx):
    upload = xlsx([["unit", "GDP"], ["ZJ01", 19]], name="统计局一季度.xlsx")
    response = scorer_client.post(INDEX, {"period": "Q1", "file": upload}, follow=True)
    page = response.content.decode()
    assert "预览：将变更 1 个数值" in page
    assert "→ 19" in page
    record = ImportRecord.objects.get()
    index = scorer_client.get(INDEX).content.decode()
    assert 'href="/entry/?cycle=' in index  # the way back to the grid
    assert f"{record.size} 字节" not in index and "KB" in index
    progress = scorer_client.get(f"/entry/sheets/imports/{record.pk}/progress/").json()
    assert progress["status"] == "pending"
    response = scorer_client.post(f"/entry/sheets/imports/{record.pk}/confirm/", follow=True)
    assert "已导入“统计局一季度.xlsx”：1 个数值已更新。" in response.content.decode()
    assert IndicatorValue.objects.get(unit__code="ZJ01").value == 19


def test_a_refused_upload_says_why_on_the_form(scorer_client, district):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("values.csv", b"unit,GDP\nZJ01,1")
    response = scorer_client.post(INDEX, {"period": "Q1", "file": upload})
    assert "只接受 Excel 工作簿（.xlsx）" in response.content.decode()
    assert not ImportRecord.objects.exists()


def test_the_template_downloads_as_xlsx(scorer_client, district):
    response = scorer_client.get("/entry/sheets/template/2026/Q1.xlsx")
    assert response["Content-Disposition"] == 'attachment; filename="kaohe-2026-Q1.xlsx"'
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet["D1"].value == "GDP"
    assert scorer_client.get("/entry/sheets/template/2026/Q9.xlsx").status_code == 404


def test_others_see_neither_the_pages_nor_someone_elses_import(client, district, scorer, xlsx):
    leader = get_user_model().objects.create_user("leader")
    leader.groups.add(roles.role_groups_ensure()[roles.LEADER])
    client.force_login(leader)
    assert client.get(INDEX).status_code == 403
    _records(scorer, 1)
    other = get_user_model().objects.create_user("other")
    other.groups.add(roles.role_groups_ensure()[roles.SCORER])
    client.force_login(other)
    record = ImportRecord.objects.get()
    assert client.get(f"/entry/sheets/imports/{record.pk}/").status_code == 404


def test_a_big_preview_shows_its_first_changes_and_counts_the_rest(
    scorer_client, scorer, district, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr("scoring.views_sheets.PREVIEW_ROWS", 2)
    units, indicators = district["units"], district["indicators"]
    changes = [
        [units[code].pk, indicators[indicator].pk, "Q2", None, figure]
        for code, indicator, figure in [
            ("ZJ01", "GDP", "11"),
            ("ZJ02", "GDP", "12"),
            ("JJ01", "GDP", "13"),
        ]
    ]
    record = pending_record(district, scorer, changes)
    # session, user, role check, record, its first changes, their units, their indicators,
    # the navigation's reviewer check
    with django_assert_max_num_queries(8):
        page = scorer_client.get(f"/entry/sheets/imports/{record.pk}/").content.decode()
    assert page.index("→ 11") < page.index("→ 12")
    assert "→ 13" not in page
    assert "另有 1 条变更未显示。" in page
    assert "确认导入" in page


def test_the_uploader_discards_a_preview_and_the_admin_is_told_who_may(
    scorer_client, admin_client, district, xlsx
):
    upload = xlsx([["unit", "GDP"], ["ZJ02", 7]], name="q1.xlsx")
    scorer_client.post(INDEX, {"period": "Q1", "file": upload})
    record = ImportRecord.objects.get()
    page = admin_client.get(f"/entry/sheets/imports/{record.pk}/").content.decode()
    assert "只有上传文件的 stats 可以确认或放弃这次导入。" in page
    assert "确认导入" not in page
    response = scorer_client.post(f"/entry/sheets/imports/{record.pk}/discard/", follow=True)
    assert "已放弃“q1.xlsx”，没有写入任何数据。" in response.content.decode()
    page = scorer_client.get(f"/entry/sheets/imports/{record.pk}/").content.decode()
    assert "已放弃，1 个变更没有写入" in page and "确认导入" not in page
    assert not IndicatorValue.objects.filter(unit__code="ZJ02").exists()


def test_the_preview_shows_its_notices_and_a_file_with_no_change_says_so(
    scorer_client, district, xlsx
):
    upload = xlsx([["unit", "GDP"], ["ZJ01", 15.00001]], title="Q1")
    response = scorer_client.post(INDEX, {"period": "", "file": upload}, follow=True)
    page = response.content.decode()
    assert "1 个数值超过 4 位小数（如公式的计算结果），已四舍五入保留 4 位。" in page
    assert "没有需要导入的变更" in page
    assert "确认导入" not in page


def test_a_locked_cycle_offers_no_upload(scorer_client, district):
    district["cycle"].state = "closed"
    district["cycle"].save()
    page = scorer_client.get(INDEX).content.decode()
    assert "2026年度考核已关闭，不再接受导入。" in page
    assert "上传并预览" not in page


def test_the_entry_tabs_keep_the_period_picked(scorer_client, district):
    page = scorer_client.get(f"{INDEX}?period=Q3").content.decode()
    assert 'href="/entry/sheets/template/2026/Q3.xlsx"' in page


def test_a_preview_whose_cycle_closed_offers_discarding_only(scorer_client, district, xlsx):
    scorer_client.post(INDEX, {"period": "Q1", "file": xlsx([["unit", "GDP"], ["ZJ02", 7]])})
    record = ImportRecord.objects.get()
    district["cycle"].state = "closed"
    district["cycle"].save()
    page = scorer_client.get(f"/entry/sheets/imports/{record.pk}/").content.decode()
    assert "2026年度考核已关闭，这次导入不能再确认，可以放弃。" in page
    assert "确认导入" not in page and "放弃</button>" in page


def test_a_failed_import_shows_its_notices_beside_its_problems(scorer_client, district):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["unit", "GDP", "SAFE"])
    sheet.append(["ZJ01", 0.85, "三"])
    sheet["B2"].number_format = "0%"
    workbook.create_sheet("说明").append(["本表由统计局填写"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = SimpleUploadedFile("q1.xlsx", buffer.getvalue())
    response = scorer_client.post(INDEX, {"period": "Q1", "file": upload}, follow=True)
    page = response.content.decode()
    assert "发现 1 个问题" in page and "应为数字，实为“三”" in page
    assert "B2 设置了百分比格式" in page
    assert "未读取的工作表（没有“单位代码”列）：说明" in page


def test_a_long_preview_sums_up_marks_overwrites_and_can_be_read_whole(
    scorer_client, scorer, district, monkeypatch
):
    monkeypatch.setattr("scoring.views_sheets.PREVIEW_ROWS", 20)
    units, indicators = district["units"], district["indicators"]
    unit, gdp, safe = units["ZJ02"].pk, indicators["GDP"].pk, indicators["SAFE"].pk
    changes = [[units["ZJ01"].pk, gdp, "Q1", "15", "16"]]
    changes += [[unit, gdp, period, None, "8"] for period in ("Q2", "Q3", "Q4")]
    changes += [[unit, safe, "Q1", None, str(count)] for count in range(21)]
    record = pending_record(district, scorer, changes)
    page = scorer_client.get(f"/entry/sheets/imports/{record.pk}/").content.decode()
    summary = page[page.index('class="data import-summary"') : page.index("</table>")]
    # Per indicator, then the totals: new values, overwritten ones.
    assert re.findall(r"<t[dh][^>]*>([^<]*)</t[dh]>", summary)[3:] == [
        *("GDP GDP", "3", "1"),
        *("SAFE SAFE", "21", "0"),
        *("合计", "24", "1"),
    ]
    assert page.count('<tr class="overwrite">') == 1
    assert page.count('class="primary confirm-import"') == 2  # above the list and below it
    assert "另有 5 条变更未显示。" in page

    assert f'href="/entry/sheets/imports/{record.pk}/?as=xlsx"' in page
    download = scorer_client.get(f"/entry/sheets/imports/{record.pk}/?as=xlsx")
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(download.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("单位代码", "单位名称", "指标代码", "指标名称", "期间", "原值", "新值")
    assert rows[1] == ("ZJ01", "城关街道", "GDP", "GDP", "第一季度", 15, 16)
    # Escaped as every export is: the unit's name starts with =.
    assert rows[-1] == ("ZJ02", "'=东城街道", "SAFE", "SAFE", "第一季度", None, 20)
    assert len(rows) == 1 + len(changes)
    # As the page: another scorer's import is not theirs to read.
    other = get_user_model().objects.create_user("other", password="Kaohe@2026")
    other.groups.add(roles.role_groups_ensure()[roles.SCORER])
    scorer_client.force_login(other)
    assert scorer_client.get(f"/entry/sheets/imports/{record.pk}/?as=xlsx").status_code == 404
