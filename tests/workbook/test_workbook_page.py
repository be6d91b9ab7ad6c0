"""The 考核办's page of the interchange workbook: download, upload, preview, confirm."""

import io
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from scoring.models import Cycle, ImportRecord, IndicatorValue
from tests.workbook.conftest import (
    database_snapshot,
    export_bytes,
    import_bytes,
    sheets_read,
    xlsx,
)

pytestmark = pytest.mark.django_db

INDEX = "/entry/workbook/"


def upload(client, data: bytes, name: str = "kaohe-2027.xlsx"):
    return client.post(INDEX, {"file": SimpleUploadedFile(name, data)}, follow=True)


def test_the_page_is_reached_from_the_cycles_page_and_the_entry_nav(admin_client, small_sheets):
    import_bytes(xlsx(small_sheets))
    cycles = admin_client.get("/entry/cycles/").content.decode()
    assert f'href="{INDEX}"' in cycles and 'href="/entry/workbook/2027.xlsx"' in cycles
    page = admin_client.get(INDEX).content.decode()
    assert 'aria-current="page">整套考核数据</a>' in page


def test_the_download_is_the_cycles_workbook(admin_client, small_sheets):
    import_bytes(xlsx(small_sheets))
    response = admin_client.get("/entry/workbook/2027.xlsx")
    assert response["Content-Disposition"] == 'attachment; filename="kaohe-workbook-2027.xlsx"'
    assert sheets_read(response.content) == sheets_read(export_bytes(2027))
    assert admin_client.get("/entry/workbook/2031.xlsx").status_code == 404


def test_an_upload_shows_its_preview_and_writes_nothing(admin_client, admin_user, small_sheets):
    import_bytes(xlsx(small_sheets))
    Cycle.objects.update(state=Cycle.State.OPEN)
    IndicatorValue.objects.filter(unit__code="ZJ02", period="Q1").update(value=Decimal("7.5"))
    small_sheets["units"][1][1] = "东城街道办事处"
    data = xlsx(small_sheets)
    before = database_snapshot()

    response = upload(admin_client, data)

    page = response.content.decode()
    assert "2027 年度考核周期已存在（填报中）" in page
    assert "东城街道办事处" in page and "→ 东城街道办事处" in page
    assert (
        '<tr data-sheet="values"><td>values</td><td class="num">0</td><td class="num">1</td>'
        in page
    )
    assert "系统中已有的 1 条数据将被覆盖或删除" in page
    assert "7.5" in page and "→ 7.25" in page
    record = ImportRecord.objects.get(kind="workbook", status="pending")
    assert (record.file_name, record.size, record.uploaded_by) == (
        "kaohe-2027.xlsx",
        len(data),
        admin_user,
    )
    assert len(record.sha256) == 64
    # The pending record is all that was added.
    assert database_snapshot() == {**before, "ImportRecord": before["ImportRecord"] + 1}


@pytest.mark.parametrize(
    ("language", "joined"),
    [
        ("zh-hans", "ZJ01 城关街道、ZJ02 东城街道、JJ01 区发改局"),
        ("en", "ZJ01 城关街道, ZJ02 东城街道, JJ01 区发改局"),
    ],
)
def test_the_preview_lists_the_codes_it_creates_in_the_pages_language(
    admin_client, small_sheets, language, joined
):
    admin_client.cookies["django_language"] = language
    page = upload(admin_client, xlsx(small_sheets)).content.decode()
    assert f"<p>{joined}</p>" in page


def test_confirm_writes_the_file_and_records_it(admin_client, small_sheets):
    response = upload(admin_client, xlsx(small_sheets))
    record = ImportRecord.objects.get(kind="workbook")
    assert "将新建 2027 年度考核周期（草稿）" in response.content.decode()
    assert not Cycle.objects.exists()

    response = admin_client.post(f"{INDEX}imports/{record.pk}/confirm/", follow=True)

    assert (
        "已导入“kaohe-2027.xlsx”：新建 2027年度综合考核，写入 32 行。" in response.content.decode()
    )
    record.refresh_from_db()
    assert (record.status, record.rows_changed, record.cycle.year) == ("imported", 32, 2027)
    assert IndicatorValue.objects.count() == 8
    reason = IndicatorValue.history.values_list("history_change_reason", flat=True).first()
    assert reason == f"导入 kaohe-2027.xlsx (#{record.pk})"
    assert f'href="/entry/workbook/imports/{record.pk}/"' in response.content.decode()


def test_confirm_is_refused_when_the_data_changed_since_the_preview(admin_client, small_sheets):
    import_bytes(xlsx(small_sheets))
    Cycle.objects.update(state=Cycle.State.OPEN)
    upload(admin_client, export_bytes(2027))
    # The preview said the file changes nothing; an entry made since would be lost.
    record = ImportRecord.objects.get(kind="workbook", status="unchanged")
    small_sheets["values"][0][3] = 9
    upload(admin_client, xlsx(small_sheets))
    record = ImportRecord.objects.get(kind="workbook", status="pending")
    IndicatorValue.objects.filter(unit__code="ZJ02").update(value=6)
    before = database_snapshot()

    response = admin_client.post(f"{INDEX}imports/{record.pk}/confirm/", follow=True)

    page = response.content.decode()
    assert "预览之后数据已有变动，这次导入没有写入任何数据" in page
    assert "请重新上传文件" in page
    assert database_snapshot() == before
    record.refresh_from_db()
    assert record.status == "failed"


def test_only_the_uploader_confirms(admin_client, small_sheets, client):
    upload(admin_client, xlsx(small_sheets))
    record = ImportRecord.objects.get(kind="workbook")
    other = get_user_model().objects.create_superuser("other", password="pw-long-enough")
    client.force_login(other)
    page = client.get(f"{INDEX}imports/{record.pk}/").content.decode()
    assert "只有上传文件的" in page and "confirm-import" not in page
    response = client.post(f"{INDEX}imports/{record.pk}/confirm/", follow=True)
    assert "只有上传文件的人可以确认这次导入" in response.content.decode()
    assert not Cycle.objects.exists()


def test_a_discarded_upload_writes_nothing(admin_client, small_sheets):
    upload(admin_client, xlsx(small_sheets))
    record = ImportRecord.objects.get(kind="workbook")
    response = admin_client.post(f"{INDEX}imports/{record.pk}/discard/", follow=True)
    assert "已放弃“kaohe-2027.xlsx”，没有写入任何数据。" in response.content.decode()
    assert admin_client.post(f"{INDEX}imports/{record.pk}/confirm/").status_code == 302
    assert not Cycle.objects.exists()


def test_problems_are_listed_with_sheet_row_and_column(admin_client, small_sheets):
    small_sheets["units"][0][2] = "XX"
    small_sheets["values"][4][3] = 250
    page = upload(admin_client, xlsx(small_sheets)).content.decode()
    assert "发现 2 个问题，没有导入任何数据" in page
    assert '<td>units</td><td class="num">2</td><td>C</td>' in page
    assert "因此另有 11 行无法导入" in page
    assert "分值应在 0 到 200 之间，实为 250" in page
    assert "confirm-import" not in page


@pytest.mark.parametrize("state", [Cycle.State.CLOSED, Cycle.State.PUBLISHED])
def test_a_closed_or_published_cycle_is_refused_at_the_preview(admin_client, small_sheets, state):
    import_bytes(xlsx(small_sheets))
    Cycle.objects.update(state=state)
    page = upload(admin_client, export_bytes(2027)).content.decode()
    assert "不能再修改任何数据" in page and "confirm-import" not in page


def test_uploads_get_the_same_guards_as_every_upload(admin_client):
    page = upload(admin_client, b"code,name\n", name="cycle.csv").content.decode()
    assert "只接受 Excel 工作簿（.xlsx）" in page
    page = upload(admin_client, b"not a zip", name="cycle.xlsx").content.decode()
    assert "不是有效的 .xlsx 文件" in page
    assert not ImportRecord.objects.exists()


def test_a_big_file_is_checked_by_the_worker(admin_client, small_sheets, settings, monkeypatch):
    from scoring import tasks

    settings.SCORING_IMPORT_BACKGROUND_ROWS = 5
    tasked = []
    real_prepare = tasks.workbook_import_prepare

    def prepare(*, record):
        tasked.append(ImportRecord.objects.values_list("status", flat=True).get(pk=record.pk))
        return real_prepare(record=record)

    monkeypatch.setattr(tasks, "workbook_import_prepare", prepare)
    page = upload(admin_client, xlsx(small_sheets)).content.decode()
    assert tasked == ["processing"], "the file went through the task"
    assert "将新建 2027 年度考核周期（草稿）" in page
    record = ImportRecord.objects.get()
    progress = admin_client.get(f"{INDEX}imports/{record.pk}/progress/").json()
    assert progress["status"] == "pending" and progress["url"] == f"{INDEX}imports/{record.pk}/"


def test_a_file_over_the_row_limit_is_refused_by_the_worker(admin_client, small_sheets, settings):
    settings.SCORING_IMPORT_BACKGROUND_ROWS = 5
    settings.SCORING_UPLOAD_MAX_ROWS = 30
    small_sheets["values"] += [["ZJ01", "A2.1", period, 100] for period in ("Q2", "Q3", "Q4")]
    small_sheets["values"] += [["ZJ02", "A2.1", period, 100] for period in ("Q1", "Q2", "Q3")]
    small_sheets["values"] += [["JJ01", "A2.1", period, 100] for period in ("Q1", "Q2", "Q3")]
    page = upload(admin_client, xlsx(small_sheets)).content.decode()
    assert "超过上限 30 行" in page
    assert not Cycle.objects.exists()


def _open_cycle_with_entries(small_sheets, count: int) -> bytes:
    """A 2027 cycle whose file holds `count` values the open cycle stores otherwise."""
    small_sheets["units"] += [[f"ZJ{n:03d}", f"第{n}街道", "ZJ"] for n in range(100, 100 + count)]
    small_sheets["values"] += [[f"ZJ{n:03d}", "A2.1", "Q1", 100] for n in range(100, 100 + count)]
    import_bytes(xlsx(small_sheets))
    Cycle.objects.update(state=Cycle.State.OPEN)
    IndicatorValue.objects.filter(unit__code__startswith="ZJ1").update(value=Decimal(120))
    return xlsx(small_sheets)


def test_many_entries_come_with_a_summary_and_a_download(
    admin_client, small_sheets, settings, monkeypatch
):
    monkeypatch.setattr("scoring.views_workbook.PREVIEW_ROWS", 10)
    page = upload(admin_client, _open_cycle_with_entries(small_sheets, 30)).content.decode()
    assert "系统中已有的 30 条数据将被覆盖或删除" in page
    assert '<td>values</td><td>A2.1</td><td class="num">30</td><td class="num">0</td>' in page
    assert "另有 20 条未显示。" in page
    record = ImportRecord.objects.get(status="pending")
    download = admin_client.get(f"{INDEX}imports/{record.pk}/?as=xlsx")
    rows = list(load_workbook(io.BytesIO(download.content)).active.values)
    assert len(rows) == 31
    assert rows[1][:8] == ("values", "ZJ100", "第100街道", "A2.1", "第一季度", None, 120, 100)


def test_the_download_of_entries_escapes_who_saved_them(admin_client, small_sheets):
    """A username may start with + - or @ (Django allows them), which Excel would run."""
    file = _open_cycle_with_entries(small_sheets, 1)
    clerk = get_user_model().objects.create_user("-1+2", password="pw-long-enough")
    IndicatorValue.objects.filter(unit__code="ZJ100").update(entered_by=clerk)
    upload(admin_client, file)
    record = ImportRecord.objects.get(status="pending")
    download = admin_client.get(f"{INDEX}imports/{record.pk}/?as=xlsx")
    [_header, row] = load_workbook(io.BytesIO(download.content)).active.values
    assert row[9] == "'-1+2"


@pytest.mark.parametrize("count", [3, 60])
def test_the_preview_page_reads_the_same_queries_for_few_and_many_entries(
    admin_client, small_sheets, django_assert_max_num_queries, count
):
    upload(admin_client, _open_cycle_with_entries(small_sheets, count))
    record = ImportRecord.objects.get(status="pending")
    with django_assert_max_num_queries(6):
        response = admin_client.get(f"{INDEX}imports/{record.pk}/")
    assert response.status_code == 200


def test_a_big_file_is_written_by_the_worker_once_confirmed(
    admin_client, small_sheets, settings, monkeypatch
):
    from scoring import tasks

    settings.SCORING_IMPORT_BACKGROUND_ROWS = 5
    upload(admin_client, xlsx(small_sheets))
    record = ImportRecord.objects.get(status="pending")
    seen, real_commit = [], tasks.workbook_import_commit

    def commit(*, record, by):
        seen.append(ImportRecord.objects.values_list("status", flat=True).get(pk=record.pk))
        progress = admin_client.get(f"{INDEX}imports/{record.pk}/progress/").json()
        page = admin_client.get(f"{INDEX}imports/{record.pk}/").content.decode()
        seen.append((progress["done"], "已确认，正在写入…" in page, "confirm-import" in page))
        return real_commit(record=record, by=by)

    monkeypatch.setattr(tasks, "workbook_import_commit", commit)
    response = admin_client.post(f"{INDEX}imports/{record.pk}/confirm/")

    assert response.url == f"{INDEX}imports/{record.pk}/", "back to its page, to follow it"
    assert seen == ["importing", (False, True, False)], "written by the task"
    record.refresh_from_db()
    assert record.status == "imported" and Cycle.objects.get().year == 2027
    assert admin_client.get(f"{INDEX}imports/{record.pk}/progress/").json()["done"]
    again = admin_client.post(f"{INDEX}imports/{record.pk}/confirm/", follow=True)
    assert "这次导入的状态是“已导入”，不能确认。" in again.content.decode()


def test_a_big_file_refused_by_the_worker_says_why(admin_client, small_sheets, settings):
    settings.SCORING_IMPORT_BACKGROUND_ROWS = 5
    import_bytes(xlsx(small_sheets))
    small_sheets["values"][0][3] = 9
    upload(admin_client, xlsx(small_sheets))
    record = ImportRecord.objects.get(status="pending")
    Cycle.objects.update(state=Cycle.State.CLOSED)

    page = admin_client.post(f"{INDEX}imports/{record.pk}/confirm/", follow=True).content.decode()

    assert "预览之后数据已有变动，这次导入没有写入任何数据" in page
    assert "不能再修改任何数据" in page
    assert IndicatorValue.objects.get(unit__code="ZJ01", indicator__code="A1.1").value == Decimal(
        "8.5"
    )
