"""A scorer's big upload whose background check stopped (the worker killed, or failed): shown
as interrupted once quiet past SCORING_BACKGROUND_STALE_AFTER, checked again or set aside by
its uploader, and never checked by two workers at once."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from scoring.models import ImportRecord, IndicatorValue
from scoring.services import sheets
from scoring.tasks import sheet_import_prepare_task
from tests.background_work import (
    WorkerKilled,
    queued,
    quiet_for,
    worker_dies_during,
    worker_runs,
    worker_takes,
)

pytestmark = pytest.mark.django_db

INDEX = "/entry/sheets/"
ROWS = [["unit", "GDP"], ["ZJ01", 10], ["ZJ02", 11], ["JJ01", 12]]


@pytest.fixture
def scorer_client(client, scorer, settings):
    settings.SCORING_IMPORT_BACKGROUND_ROWS = 2  # ROWS go to the worker
    client.force_login(scorer)
    return client


def _upload(client, xlsx) -> ImportRecord:
    client.post(INDEX, {"file": xlsx(ROWS), "period": "Q1"})
    return ImportRecord.objects.get()


def _page(client, record) -> str:
    return client.get(f"{INDEX}imports/{record.pk}/").content.decode()


def _done(client, record) -> bool:
    return client.get(f"{INDEX}imports/{record.pk}/progress/").json()["done"]


def _stamped(record) -> str:
    record.refresh_from_db()
    return timezone.localtime(record.progress_at).strftime("%Y-%m-%d %H:%M")


def _killed_after_first_row(record, monkeypatch) -> None:
    """A worker takes the check up, writes its progress after the first row, and dies."""
    with monkeypatch.context() as patched:
        patched.setattr(sheets, "PROGRESS_EVERY", 1)
        patched.setattr(sheets, "PROGRESS_WRITE_INTERVAL", 0)
        written = sheets.background_work_save

        def save_then_die(*, work, fields):
            written(work=work, fields=fields)
            raise WorkerKilled

        patched.setattr(sheets, "background_work_save", save_then_die)
        worker_dies_during(worker_takes(record))


def _gdp_q1() -> dict:
    return dict(
        IndicatorValue.objects.filter(indicator__code="GDP", period="Q1").values_list(
            "unit__code", "value"
        )
    )


def test_a_check_its_killed_worker_left_shows_interrupted_once_quiet_past_the_stale_time(
    scorer_client, district, xlsx, queue, monkeypatch
):
    record = _upload(scorer_client, xlsx)
    _killed_after_first_row(record, monkeypatch)
    assert queued(record).status == "RUNNING", "as a killed worker leaves its task"
    record.refresh_from_db()
    assert (record.status, record.processed_rows) == ("processing", 1)

    quiet_for(record, minutes=4)  # within the default 5 minutes: a slow worker
    page = _page(scorer_client, record)
    assert "正在检查文件…" in page and "检查中断" not in page
    assert not _done(scorer_client, record)

    quiet_for(record, minutes=6)
    assert _done(scorer_client, record), "the progress bar's page reloads, to say so"
    page = _page(scorer_client, record)
    assert '<span class="badge status-processing">检查中断</span>' in page
    assert (
        f"后台任务自 {_stamped(record)} 起再没有进展，应是处理它的后台进程被停止或重启了"
        "（如部署更新、内存不足、服务器重启）。" in page
    )
    assert "检查文件不写入任何数据：系统中的数据没有变化。" in page
    assert f'action="{INDEX}imports/{record.pk}/retry/"' in page and ">重新检查</button>" in page
    assert f'action="{INDEX}imports/{record.pk}/discard/"' in page
    assert "正在检查文件…" not in page and "import_progress.js" not in page
    assert _gdp_q1() == {"ZJ01": Decimal("15")}


def test_the_stale_time_is_a_setting(scorer_client, district, xlsx, queue, monkeypatch, settings):
    settings.SCORING_BACKGROUND_STALE_AFTER = 60
    record = _upload(scorer_client, xlsx)
    _killed_after_first_row(record, monkeypatch)
    quiet_for(record, minutes=2)
    assert "检查中断" in _page(scorer_client, record)


def test_a_check_waiting_for_a_worker_is_not_interrupted_however_long_it_waits(
    scorer_client, district, xlsx, queue
):
    record = _upload(scorer_client, xlsx)
    quiet_for(record, minutes=90)  # no worker ran meanwhile: it will when one starts
    assert queued(record).status == "READY"
    page = _page(scorer_client, record)
    assert "正在检查文件…" in page and "检查中断" not in page
    assert "python manage.py db_worker" in page
    assert not _done(scorer_client, record)


def test_a_check_started_again_is_done_by_the_next_worker(
    scorer_client, district, xlsx, queue, monkeypatch
):
    record = _upload(scorer_client, xlsx)
    _killed_after_first_row(record, monkeypatch)
    killed = queued(record)
    quiet_for(record, minutes=6)

    response = scorer_client.post(f"{INDEX}imports/{record.pk}/retry/")

    assert response.url == f"{INDEX}imports/{record.pk}/"
    record.refresh_from_db()
    assert (record.status, record.processed_rows, record.attempt) == ("processing", 0, 2)
    again = queued(record)
    assert again.pk != killed.pk and again.status == "READY"
    assert again.args_kwargs["kwargs"] | {"language": "?"} == {
        "record_id": record.pk,
        "attempt": 2,
        "language": "?",
    }
    page = _page(scorer_client, record)
    assert "正在检查文件…" in page and "检查中断" not in page

    worker_runs(worker_takes(record))

    record.refresh_from_db()
    assert (record.status, record.rows_changed) == ("pending", 3)
    assert "预览：将变更 3 个数值" in _page(scorer_client, record)
    killed.refresh_from_db()
    assert killed.status == "RUNNING", "the dead worker's task is left as it was"


def test_a_slow_worker_whose_check_was_started_again_stops_writing_nothing(
    scorer_client, district, xlsx, queue, monkeypatch
):
    """The worker was alive, only slow: found quiet past the stale time, its check was started
    again; its next write finds the attempt gone, and the new attempt's work stands."""
    record = _upload(scorer_client, xlsx)
    monkeypatch.setattr(sheets, "PROGRESS_EVERY", 1)
    monkeypatch.setattr(sheets, "PROGRESS_WRITE_INTERVAL", 0)
    planned = sheets.sheet_changes_plan

    def plan_slowly(*, progress, **kwargs):
        def progress_after_a_pause(rows):
            if rows == 2:
                quiet_for(record, minutes=6)
                scorer_client.post(f"{INDEX}imports/{record.pk}/retry/")
            progress(rows)

        return planned(progress=progress_after_a_pause, **kwargs)

    monkeypatch.setattr(sheets, "sheet_changes_plan", plan_slowly)
    slow = worker_takes(record)

    assert slow.task.call(**slow.args_kwargs["kwargs"]) == 0, "it stopped"

    record.refresh_from_db()
    assert (record.status, record.attempt, record.processed_rows) == ("processing", 2, 0)
    assert record.changes == [] and record.rows_changed == 0
    monkeypatch.setattr(sheets, "sheet_changes_plan", planned)
    worker_runs(worker_takes(record))
    record.refresh_from_db()
    assert (record.status, record.rows_changed) == ("pending", 3)


def test_a_task_of_an_attempt_taken_from_it_does_nothing(scorer, district, xlsx, settings):
    settings.SCORING_IMPORT_BACKGROUND_ROWS = 2
    record = sheets.sheet_import_start(
        cycle=district["cycle"], user=scorer, period="Q1", upload=xlsx(ROWS)
    )
    ImportRecord.objects.filter(pk=record.pk).update(status="processing", changes=[])
    assert sheet_import_prepare_task.call(record_id=record.pk, attempt=1) == 0
    assert ImportRecord.objects.get().changes == [], "not checked: attempt 1 was never given"


def test_an_interrupted_check_is_set_aside_by_its_uploader(
    scorer_client, district, xlsx, queue, monkeypatch
):
    record = _upload(scorer_client, xlsx)
    _killed_after_first_row(record, monkeypatch)
    quiet_for(record, minutes=6)

    page = scorer_client.post(f"{INDEX}imports/{record.pk}/discard/", follow=True)

    assert "已放弃“sheet.xlsx”，没有写入任何数据。" in page.content.decode()
    record.refresh_from_db()
    assert record.status == "discarded"
    again = scorer_client.post(f"{INDEX}imports/{record.pk}/retry/", follow=True)
    assert "这次导入的状态是“已放弃”，不能重新开始。" in again.content.decode()
    assert _gdp_q1() == {"ZJ01": Decimal("15")}


def test_only_the_uploader_starts_an_interrupted_check_again(
    scorer_client, client, admin_user, district, xlsx, queue, monkeypatch
):
    record = _upload(scorer_client, xlsx)
    _killed_after_first_row(record, monkeypatch)
    quiet_for(record, minutes=6)
    client.force_login(admin_user)

    page = _page(client, record)
    assert "只有上传文件的 stats 可以重新开始或放弃这次导入。" in page
    assert "retry-import" not in page
    refused = client.post(f"{INDEX}imports/{record.pk}/retry/", follow=True).content.decode()
    assert "只有上传文件的人可以重新开始这次导入。" in refused
    assert ImportRecord.objects.get().attempt == 0


def test_a_check_under_way_is_neither_started_again_nor_set_aside(
    scorer_client, district, xlsx, queue, monkeypatch
):
    record = _upload(scorer_client, xlsx)
    _killed_after_first_row(record, monkeypatch)
    quiet_for(record, minutes=1)  # it may still be at it

    refused = scorer_client.post(f"{INDEX}imports/{record.pk}/retry/", follow=True)
    assert "这次导入仍在后台进行，不能重新开始。" in refused.content.decode()
    kept = scorer_client.post(f"{INDEX}imports/{record.pk}/discard/", follow=True)
    assert "这次导入的状态是“处理中”，不能放弃。" in kept.content.decode()
    record.refresh_from_db()
    assert (record.status, record.attempt) == ("processing", 0)
    pending = _upload_pending(scorer_client, xlsx)
    refused = scorer_client.post(f"{INDEX}imports/{pending.pk}/retry/", follow=True)
    assert "这次导入的状态是“待确认”，不能重新开始。" in refused.content.decode()


def _upload_pending(client, xlsx) -> ImportRecord:
    client.post(INDEX, {"file": xlsx(ROWS[:2], name="small.xlsx"), "period": "Q1"})
    return ImportRecord.objects.get(file_name="small.xlsx")


def test_a_check_that_failed_with_an_error_is_interrupted_at_once(
    scorer_client, district, xlsx, queue, monkeypatch
):
    def out_of_memory(**kwargs):
        raise MemoryError

    record = _upload(scorer_client, xlsx)
    monkeypatch.setattr(sheets, "sheet_changes_plan", out_of_memory)
    worker_runs(worker_takes(record))

    assert queued(record).status == "FAILED"
    assert _listed_status(scorer_client, record) == "检查中断"
    page = _page(scorer_client, record)
    assert "后台任务出错中止（MemoryError），没有做完。" in page
    assert "检查文件不写入任何数据：系统中的数据没有变化。" in page


def test_a_worker_without_the_web_servers_upload_folder_interrupts_the_check_not_blaming_the_file(
    scorer_client, district, xlsx, queue, settings, tmp_path, caplog
):
    record = _upload(scorer_client, xlsx)
    web_servers_folder = settings.MEDIA_ROOT
    settings.MEDIA_ROOT = tmp_path  # the worker started without DJANGO_MEDIA_ROOT
    worker_runs(worker_takes(record))

    assert _listed_status(scorer_client, record) == "检查中断"
    page = _page(scorer_client, record)
    assert "FileNotFoundError" in page and "已损坏" not in page
    assert f"does this process have the web servers' DJANGO_MEDIA_ROOT? (here {tmp_path})" in (
        caplog.text
    )

    settings.MEDIA_ROOT = web_servers_folder  # the worker restarted with it
    scorer_client.post(f"{INDEX}imports/{record.pk}/retry/")
    worker_runs(worker_takes(record))
    assert "预览：将变更 3 个数值" in _page(scorer_client, record)


def test_an_interrupted_checks_page_reads_a_fixed_number_of_queries(
    scorer_client, district, xlsx, queue, monkeypatch, django_assert_max_num_queries
):
    record = _upload(scorer_client, xlsx)
    _killed_after_first_row(record, monkeypatch)
    quiet_for(record, minutes=6)
    # session, user, role check, record, its changes (none), the interruption (read with its
    # row locked, in a savepoint of the test's transaction where rows can be locked), the
    # navigation's reviewer check
    with django_assert_max_num_queries(9):
        page = _page(scorer_client, record)
    assert "检查中断" in page


def _listed_status(client, record) -> str:
    """The status the import history of the sheets page shows for the record."""
    page = client.get(INDEX).content.decode()
    row = re.search(
        rf'<a href="{INDEX}imports/{record.pk}/">.*?</td>\s*<td>([^<]*)</td>', page, re.S
    )
    return row.group(1)


def test_the_history_shows_a_check_its_killed_worker_left_as_interrupted_before_anyone_looks(
    scorer_client, district, xlsx, queue, monkeypatch
):
    record = _upload(scorer_client, xlsx)
    _killed_after_first_row(record, monkeypatch)
    quiet_for(record, minutes=4)
    assert _listed_status(scorer_client, record) == "处理中"

    quiet_for(record, minutes=6)

    assert _listed_status(scorer_client, record) == "检查中断"
    record.refresh_from_db()
    assert record.status == "processing", "the list reads the rule, it marks nothing"
    scorer_client.post(INDEX, {"file": xlsx(ROWS, name="waiting.xlsx"), "period": "Q1"})
    waiting = ImportRecord.objects.get(file_name="waiting.xlsx")
    quiet_for(waiting, minutes=90)
    assert _listed_status(scorer_client, waiting) == "处理中", "it waits for a worker"


def _stalled_records(scorer, count: int) -> None:
    """`count` checks quiet for ten minutes, none waiting for a worker."""
    ImportRecord.objects.bulk_create(
        ImportRecord(
            kind=ImportRecord.Kind.SCORER_SHEET,
            status=ImportRecord.Status.PROCESSING,
            file_name=f"f{number}.xlsx",
            size=1,
            sha256="0" * 64,
            uploaded_by=scorer,
            progress_at=timezone.now() - timedelta(minutes=10),
        )
        for number in range(count)
    )


@pytest.mark.parametrize("count", [2, 30])
def test_the_history_tells_interrupted_checks_in_a_fixed_number_of_queries(
    scorer_client, scorer, district, count, django_assert_max_num_queries
):
    _stalled_records(scorer, count)
    # session, user, role check, current cycle, the periods of the user's vote template, the
    # history with each row's interruption; where rows can be locked, the rows found
    # interrupted read once more, those a write holds left under way (in a savepoint); the
    # quarter still to fill: active units, the user's indicators, their categories, filled cells
    locking = connection.features.has_select_for_update_skip_locked
    with django_assert_max_num_queries(14 if locking else 11):
        page = scorer_client.get(INDEX).content.decode()
    assert page.count("<td>检查中断</td>") == count
    assert "<td>处理中</td>" not in page
