"""The queue's finished task results are pruned with django-tasks-db's `prune_db_task_results`,
as README's Background worker section says: the finished ones past the age go, work waiting
for or held by a worker stays, and an import whose failed task was pruned still reads as
interrupted."""

import logging
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from scoring.models import ImportRecord
from scoring.services.background import background_interruption
from scoring.tasks import sheet_import_prepare_task

pytestmark = pytest.mark.django_db


def _task(status: str, *, days_ago: int) -> DBTaskResult:
    """A task of the queue in `status`, enqueued and (once finished) finished `days_ago`."""
    result = sheet_import_prepare_task.enqueue(record_id=0, attempt=1)
    when = timezone.now() - timedelta(days=days_ago)
    finished = when if status in ("SUCCESSFUL", "FAILED") else None
    DBTaskResult.objects.filter(pk=result.id).update(
        status=status, enqueued_at=when, finished_at=finished
    )
    return DBTaskResult.objects.get(pk=result.id)


@pytest.fixture
def tasks(queue):
    return {
        "old done": _task("SUCCESSFUL", days_ago=40),
        "old failed": _task("FAILED", days_ago=40),
        "recent done": _task("SUCCESSFUL", days_ago=3),
        "old waiting": _task("READY", days_ago=40),
        "old running": _task("RUNNING", days_ago=40),
    }


@pytest.fixture
def prune(caplog):
    """Run the command; return what it logged (the project's logging prints it on stderr)."""

    def run(*options) -> str:
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="django_tasks_db"):
            call_command("prune_db_task_results", *options)
        return caplog.text

    return run


def _left(tasks) -> set[str]:
    ids = set(DBTaskResult.objects.values_list("pk", flat=True))
    return {name for name, task in tasks.items() if task.pk in ids}


def test_a_dry_run_counts_the_finished_results_past_the_age_and_deletes_nothing(tasks, prune):
    assert "Would delete 2 task result(s)" in prune("--min-age-days", "30", "--dry-run")
    assert _left(tasks) == set(tasks)


def test_the_finished_results_past_the_age_go_and_work_under_way_stays(tasks, prune):
    assert "Deleted 2 task result(s)" in prune("--min-age-days", "30")
    assert _left(tasks) == {"recent done", "old waiting", "old running"}


def test_an_import_whose_failed_task_was_pruned_still_reads_as_interrupted(tasks, scorer, prune):
    record = ImportRecord.objects.create(
        kind=ImportRecord.Kind.SCORER_SHEET,
        status=ImportRecord.Status.PROCESSING,
        file_name="big.xlsx",
        size=1,
        sha256="0" * 64,
        uploaded_by=scorer,
        task_id=tasks["old failed"].pk,
        progress_at=timezone.now() - timedelta(days=40),
    )
    prune("--min-age-days", "30")

    interruption = background_interruption(work=record)

    assert interruption is not None and interruption.label == "检查中断"
    assert "起再没有进展" in interruption.cause
