"""Background work as production runs it: tasks queued in the database for `db_worker` (the
`queue` fixture), taken up by a worker, and a worker that dies mid-task (SIGKILL: nothing marks
its task)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from scoring.models import BackgroundWork


class WorkerKilled(BaseException):
    """The worker process dies here: no code of the task or of db_worker runs after it."""


def queued(work: BackgroundWork) -> DBTaskResult:
    work.refresh_from_db(fields=["task_id"])
    return DBTaskResult.objects.get(pk=work.task_id)


def worker_takes(work: BackgroundWork) -> DBTaskResult:
    """db_worker takes up the work's queued task, as it does: claimed, RUNNING, its id noted."""
    task = queued(work)
    task.claim("worker-1")
    return task


def worker_runs(task: DBTaskResult) -> None:
    """db_worker runs a claimed task to its end, marking it successful or failed."""
    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="worker-2",
        excluded_queue_names=[],
    )
    worker.run_task(task)


def worker_dies_during(task: DBTaskResult) -> None:
    """Run the claimed task as db_worker would, until it raises WorkerKilled: the process is
    gone, and its task stays RUNNING for ever."""
    with pytest.raises(WorkerKilled):
        task.task.call(*task.args_kwargs["args"], **task.args_kwargs["kwargs"])


def quiet_for(work: BackgroundWork, *, minutes: int) -> None:
    """The work's last sign of life was `minutes` ago."""
    type(work).objects.filter(pk=work.pk).update(
        progress_at=timezone.now() - timedelta(minutes=minutes)
    )
