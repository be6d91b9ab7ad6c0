"""`background_recover`, run by an operator after a restart: it marks the work a stopped worker
left half-way as interrupted and prints it, leaving alone the work under way and the work
waiting in the queue for a worker."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from scoring.models import ImportRecord, VerificationRun
from scoring.services.sheets import sheet_import_start
from tests.background_work import quiet_for, worker_runs, worker_takes

pytestmark = pytest.mark.django_db

ROWS = [["unit", "GDP"], ["ZJ01", 10], ["ZJ02", 11], ["JJ01", 12]]


@pytest.fixture
def uploaded(district, scorer, xlsx, settings, queue):
    """Upload a big file (name) for the worker to check; return its record."""
    settings.SCORING_IMPORT_BACKGROUND_ROWS = 2

    def upload(name: str) -> ImportRecord:
        return sheet_import_start(
            cycle=district["cycle"], user=scorer, period="Q1", upload=xlsx(ROWS, name=name)
        )

    return upload


def _recover(*options) -> str:
    printed = io.StringIO()
    call_command("background_recover", *options, stdout=printed)
    return printed.getvalue()


def _when(work) -> str:
    work.refresh_from_db()
    return timezone.localtime(work.progress_at).strftime("%Y-%m-%d %H:%M")


def test_after_a_restart_it_marks_and_prints_what_the_killed_worker_left(
    uploaded, district, scorer
):
    killed = uploaded("killed.xlsx")
    worker_takes(killed)  # and the machine restarted
    quiet_for(killed, minutes=20)
    waiting = uploaded("waiting.xlsx")  # queued, no worker since
    quiet_for(waiting, minutes=20)
    running = uploaded("running.xlsx")
    worker_takes(running)  # a worker started after the restart is at it
    run = VerificationRun.objects.create(
        cycle=district["cycle"],
        period="Q1",
        requested_by=scorer,
        status=VerificationRun.Status.RUNNING,
        total=6000,
        verified=2000,
    )
    quiet_for(run, minutes=20)

    printed = _recover()

    assert (
        f"导入记录 #{killed.pk}（评分表“killed.xlsx”，stats 上传）：检查中断。后台任务自 "
        f"{_when(killed)} 起再没有进展，应是处理它的后台进程被停止或重启了（如部署更新、"
        "内存不足、服务器重启）。检查文件不写入任何数据：系统中的数据没有变化。" in printed
    )
    assert (
        f"后台审核 #{run.pk}（2026年度考核 第一季度，stats 提交）：已中断。" in printed
        and "已审核的 2000 项保持已审核，其余 4000 项仍未审核。" in printed
    )
    for under_way in (waiting, running):
        assert (
            f"导入记录 #{under_way.pk}（评分表“{under_way.file_name}”，stats 上传）："
            f"仍在进行或排队等待后台进程，最近进展 {_when(under_way)}。" in printed
        )
    assert (
        "标记为中断：2 项；仍在进行或排队：2 项。中断的工作请在各自的页面上重新开始或放弃。"
        in printed
    )
    statuses = dict(ImportRecord.objects.values_list("file_name", "status"))
    assert statuses == {
        "killed.xlsx": "check_interrupted",
        "waiting.xlsx": "processing",
        "running.xlsx": "processing",
    }
    run.refresh_from_db()
    assert run.status == "interrupted"
    assert "标记为中断：0 项；仍在进行或排队：2 项。" in _recover(), "once is enough"


def test_with_no_worker_running_stale_after_0_takes_all_but_the_queued(uploaded):
    running = uploaded("running.xlsx")
    worker_takes(running)
    waiting = uploaded("waiting.xlsx")

    printed = _recover("--stale-after", "0")

    assert "标记为中断：1 项；仍在进行或排队：1 项。" in printed
    running.refresh_from_db()
    waiting.refresh_from_db()
    assert (running.status, waiting.status) == ("check_interrupted", "processing")
    worker_runs(worker_takes(waiting))
    waiting.refresh_from_db()
    assert waiting.status == "pending", "the queued check ran once a worker came"


def test_nothing_left_half_way_says_so(db):
    assert "标记为中断：0 项；仍在进行或排队：0 项。" in _recover()
