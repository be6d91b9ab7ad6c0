"""A big interchange workbook whose background check or write stopped: the write is one
transaction, so a worker killed half-way wrote nothing; the page says so once the write has
been quiet past SCORING_BACKGROUND_STALE_AFTER, and imports it again or sets it aside. A write
under way holds its record's lock, and is never taken for interrupted."""

import io
import re
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from scoring.models import Cycle, ImportRecord, IndicatorValue
from scoring.services import workbook
from tests.background_work import (
    WorkerKilled,
    queued,
    quiet_for,
    worker_dies_during,
    worker_runs,
    worker_takes,
)
from tests.workbook.conftest import database_snapshot, import_bytes, xlsx

pytestmark = pytest.mark.django_db

INDEX = "/entry/workbook/"


@pytest.fixture
def big(settings):
    settings.SCORING_IMPORT_BACKGROUND_ROWS = 5  # the small cycle goes to the worker


def _checked(client, data: bytes) -> ImportRecord:
    """Upload the workbook and let a worker check it: its preview waits for confirmation."""
    client.post(INDEX, {"file": SimpleUploadedFile("kaohe-2027.xlsx", data)})
    record = ImportRecord.objects.get(status="processing")
    worker_runs(worker_takes(record))
    record.refresh_from_db()
    assert record.status == "pending"
    return record


def _page(client, record) -> str:
    return client.get(f"{INDEX}imports/{record.pk}/").content.decode()


def _a11_q1() -> Decimal:
    return IndicatorValue.objects.get(unit__code="ZJ01", indicator__code="A1.1", period="Q1").value


@pytest.fixture
def confirmed(admin_client, small_sheets, big, queue):
    """A workbook changing ZJ01's A1.1 in Q1 from 8.5 to 9, confirmed: waiting for a worker
    to write it."""
    import_bytes(xlsx(small_sheets))
    small_sheets["values"][0][3] = 9
    record = _checked(admin_client, xlsx(small_sheets))
    admin_client.post(f"{INDEX}imports/{record.pk}/confirm/")
    record.refresh_from_db()
    assert record.status == "importing"
    return record


def test_a_write_its_killed_worker_left_wrote_nothing_and_is_imported_again(
    admin_client, confirmed, monkeypatch
):
    before = database_snapshot()

    def die_before_the_results(**kwargs):
        # Every row of the file is written by now, in the write's transaction.
        assert _a11_q1() == Decimal(9)
        raise WorkerKilled

    with monkeypatch.context() as patched:
        patched.setattr(workbook, "results_refresh_all", die_before_the_results)
        worker_dies_during(worker_takes(confirmed))

    assert database_snapshot() == before, "the transaction rolled back: nothing written"
    assert _a11_q1() == Decimal("8.5")
    assert queued(confirmed).status == "RUNNING"
    assert "已确认，正在写入…" in _page(admin_client, confirmed)

    quiet_for(confirmed, minutes=6)
    page = _page(admin_client, confirmed)
    assert '<span class="badge status-importing">写入中断</span>' in page
    assert "应是处理它的后台进程被停止或重启了" in page
    assert "写入在一个数据库事务中进行，中断时已写入的部分全部撤销：系统中的数据没有变化。" in page
    assert ">重新导入</button>" in page
    assert "重新导入会先再次检查文件：系统中的数据与预览时一致才写入" in page

    admin_client.post(f"{INDEX}imports/{confirmed.pk}/retry/")
    confirmed.refresh_from_db()
    assert (confirmed.status, confirmed.attempt) == ("importing", 2)
    worker_runs(worker_takes(confirmed))

    confirmed.refresh_from_db()
    assert confirmed.status == "imported"
    assert _a11_q1() == Decimal(9)
    assert "已导入，写入" in _page(admin_client, confirmed)


def test_an_interrupted_write_set_aside_writes_nothing(admin_client, confirmed, monkeypatch):
    before = database_snapshot()
    worker_takes(confirmed)  # and dies before it wrote anything
    quiet_for(confirmed, minutes=6)

    page = admin_client.post(f"{INDEX}imports/{confirmed.pk}/discard/", follow=True)

    assert "已放弃“kaohe-2027.xlsx”，没有写入任何数据。" in page.content.decode()
    assert ImportRecord.objects.get(pk=confirmed.pk).status == "discarded"
    assert database_snapshot() == before


def _listed_status(client, record) -> str:
    """The status the import history of the workbook page shows for the record."""
    page = client.get(INDEX).content.decode()
    row = re.search(
        rf'<a href="{INDEX}imports/{record.pk}/">.*?</td>\s*<td>[^<]*</td>\s*<td>([^<]*)</td>',
        page,
        re.S,
    )
    return row.group(1)


def test_the_history_shows_a_write_its_killed_worker_left_as_interrupted(admin_client, confirmed):
    worker_takes(confirmed)  # and dies
    quiet_for(confirmed, minutes=4)
    assert _listed_status(admin_client, confirmed) == "导入中"

    quiet_for(confirmed, minutes=6)

    assert _listed_status(admin_client, confirmed) == "写入中断"
    assert ImportRecord.objects.get(pk=confirmed.pk).status == "importing"


def test_an_interrupted_workbook_check_is_checked_again(
    admin_client, small_sheets, big, queue, django_assert_max_num_queries
):
    admin_client.post(INDEX, {"file": SimpleUploadedFile("kaohe-2027.xlsx", xlsx(small_sheets))})
    record = ImportRecord.objects.get()
    worker_takes(record)  # and dies
    quiet_for(record, minutes=6)
    # session, user, role check, record, its entries, the interruption (in a savepoint where
    # rows can be locked), the navigation's cycles
    with django_assert_max_num_queries(9):
        page = _page(admin_client, record)
    assert "检查中断" in page and "检查文件不写入任何数据：系统中的数据没有变化。" in page

    admin_client.post(f"{INDEX}imports/{record.pk}/retry/")
    worker_runs(worker_takes(record))

    record.refresh_from_db()
    assert record.status == "pending"
    assert "将新建 2027 年度考核周期（草稿）" in _page(admin_client, record)
    assert not Cycle.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="rows are locked on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_write_under_way_holds_its_lock_and_is_never_taken_for_interrupted(
    admin_client, confirmed
):
    """A province's write is one transaction of minutes that locks its record and writes no
    progress: quiet for longer than the stale time, it is still under way."""
    worker_takes(confirmed)
    quiet_for(confirmed, minutes=30)
    locked, done = threading.Event(), threading.Event()

    def writer():
        try:
            with transaction.atomic():
                ImportRecord.objects.select_for_update().get(pk=confirmed.pk)
                locked.set()
                done.wait(60)
        finally:
            connection.close()

    writing = threading.Thread(target=writer)
    writing.start()
    try:
        assert locked.wait(30)
        page = _page(admin_client, confirmed)
        assert "已确认，正在写入…" in page and "写入中断" not in page
        assert _listed_status(admin_client, confirmed) == "导入中"
        refused = admin_client.post(f"{INDEX}imports/{confirmed.pk}/retry/", follow=True)
        assert "这次导入仍在后台进行，不能重新开始。" in refused.content.decode()
        printed = io.StringIO()
        call_command("background_recover", stdout=printed)
        assert "标记为中断：0 项；仍在进行或排队：1 项。" in printed.getvalue()
    finally:
        done.set()
        writing.join()
    assert ImportRecord.objects.get(pk=confirmed.pk).attempt == 0
    assert "写入中断" in _page(admin_client, confirmed), "once no write holds it"
    assert _listed_status(admin_client, confirmed) == "写入中断"


@pytest.mark.parametrize("count", [2, 25])
def test_the_history_tells_interrupted_work_in_a_fixed_number_of_queries(
    admin_client, admin_user, count, django_assert_max_num_queries
):
    quiet_since = timezone.now() - timedelta(minutes=10)
    ImportRecord.objects.bulk_create(
        ImportRecord(
            kind=ImportRecord.Kind.WORKBOOK,
            status=status,
            file_name=f"f{number}.xlsx",
            size=1,
            sha256="0" * 64,
            uploaded_by=admin_user,
            progress_at=quiet_since,
        )
        for number in range(count)
        for status in ["processing", "importing"]
    )
    # session, user, role check, the cycles, the history with each row's interruption; where
    # rows can be locked, the rows found interrupted read once more, those a write holds left
    # under way (in a savepoint)
    locking = connection.features.has_select_for_update_skip_locked
    with django_assert_max_num_queries(8 if locking else 5):
        page = admin_client.get(INDEX).content.decode()
    assert page.count("<td>检查中断</td>") == page.count("<td>写入中断</td>") == count
