"""Background work a worker left half-way: told apart from work under way, marked interrupted,
and started again or set aside.

The database task queue keeps no sign of life of its worker: a worker killed mid-task (a
deploy, the OOM killer, a restart) leaves the task RUNNING for ever. The records of the work
(ImportRecord, VerificationRun: BackgroundWork) keep their own: `progress_at`, written when the
worker takes the work up and with every progress. Work under way is interrupted when its task
ended with an error, or when it has shown no progress for SCORING_BACKGROUND_STALE_AFTER
seconds and neither waits in the queue for a worker nor holds its record's lock (a workbook is
written in one transaction that locks its record throughout, and shows no progress meanwhile).

Taking work for interrupted raises the record's `attempt` in the UPDATE that changes its
status, the record locked: every write of the worker names its attempt, so a worker that was
only slow stops at its next write (BackgroundSuperseded) having written nothing more.
"""

from collections.abc import Iterable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.db import connection, transaction
from django.db.models import (
    Case,
    CharField,
    Exists,
    F,
    JSONField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks import TaskResultStatus, task_backends
from django_tasks.base import Task, TaskResult
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from scoring.models import BackgroundWork, ImportRecord, VerificationRun

# The status of work under way, and the status it takes once found interrupted.
INTERRUPTED_AS = {
    ImportRecord: {
        ImportRecord.Status.PROCESSING: ImportRecord.Status.CHECK_INTERRUPTED,
        ImportRecord.Status.IMPORTING: ImportRecord.Status.WRITE_INTERRUPTED,
    },
    VerificationRun: {
        VerificationRun.Status.QUEUED: VerificationRun.Status.INTERRUPTED,
        VerificationRun.Status.RUNNING: VerificationRun.Status.INTERRUPTED,
    },
}


class BackgroundSuperseded(Exception):
    """The work was taken from this attempt (found interrupted, started again, discarded): the
    worker stops, writing nothing more."""


@dataclass(frozen=True)
class Interruption:
    """Why work is taken for interrupted, and what it left: for its page and for
    `background_recover`."""

    # "check" (an upload's), "write" (a confirmed workbook's) or "verify" (审核).
    stage: str
    # The status it has, or takes once marked.
    label: str
    # What stopped it, with its last sign of life.
    cause: str
    outcome: str


@dataclass(frozen=True)
class InterruptedWork:
    work: BackgroundWork
    interruption: Interruption


def background_task_enqueue(*, task: Task, work: BackgroundWork, **kwargs) -> None:
    """Queue the task for the work's current attempt, and note its row in the database queue
    on the record (none for a backend without one, such as the tests' immediate one)."""
    result = task.enqueue(attempt=work.attempt, **kwargs)
    task_id = _queue_row(result)
    if task_id is not None:
        type(work).objects.filter(pk=work.pk, attempt=work.attempt).update(task_id=task_id)
    work.task_id = task_id


def _queue_row(result: TaskResult) -> str | None:
    return result.id if isinstance(task_backends[result.backend], DatabaseBackend) else None


def background_work_claim(
    *, model: type[BackgroundWork], pk: int, attempt: int, deferred: Iterable[str] = ()
) -> BackgroundWork | None:
    """Return the work for the worker that takes up its `attempt`, its start noted as a sign of
    life (it may have waited long in the queue); None when the attempt is no longer the
    record's, or the work not under way: it was taken from the attempt, or done, meanwhile."""
    taken = model.objects.filter(pk=pk, attempt=attempt, status__in=INTERRUPTED_AS[model]).update(
        progress_at=timezone.now()
    )
    return model.objects.defer(*deferred).get(pk=pk) if taken else None


def background_work_save(*, work: BackgroundWork, fields: Iterable[str]) -> None:
    """Save the named fields of the work (its progress, or its outcome) with a sign of life,
    for the attempt it was taken up as, as `save(update_fields=…)` would. Raise
    BackgroundSuperseded when the attempt is no longer the record's, having written nothing."""
    work.progress_at = timezone.now()
    written = (
        type(work)
        .objects.filter(pk=work.pk, attempt=work.attempt)
        .update(**{name: getattr(work, name) for name in ["progress_at", *fields]})
    )
    if not written:
        raise BackgroundSuperseded


def _queue_task(statuses: list[str]) -> Exists:
    return Exists(DBTaskResult.objects.filter(pk=OuterRef("task_id"), status__in=statuses))


def _stalled(model: type[BackgroundWork], *, stale_after: int | None = None) -> Q:
    """Work under way that its task gave up with an error, or that has been quiet for
    `stale_after` seconds (SCORING_BACKGROUND_STALE_AFTER) without waiting in the queue."""
    if stale_after is None:
        stale_after = settings.SCORING_BACKGROUND_STALE_AFTER
    quiet_since = timezone.now() - timedelta(seconds=stale_after)
    return Q(status__in=INTERRUPTED_AS[model]) & (
        Q(_queue_task([TaskResultStatus.FAILED]))
        | Q(progress_at__lt=quiet_since) & ~Q(_queue_task([TaskResultStatus.READY]))
    )


def _with_task_error(queryset: QuerySet) -> QuerySet:
    """The queryset, each row with the exception its task failed with (`task_error`), and
    locked, rows locked already left out: a write under way holds its record's lock."""
    failed = DBTaskResult.objects.filter(pk=OuterRef("task_id"), status=TaskResultStatus.FAILED)
    return queryset.annotate(
        task_error=Subquery(failed.values("exception_class_path")[:1])
    ).select_for_update(skip_locked=True, of=("self",))


def background_interruption(*, work: BackgroundWork) -> Interruption | None:
    """Return why the work is interrupted, and what it left, or None: it is done, waiting for
    its confirmation, or under way (or waiting in the queue for a worker)."""
    model = type(work)
    statuses = INTERRUPTED_AS[model]
    if work.status not in {*statuses, *statuses.values()}:
        return None
    # Where rows cannot be locked (SQLite), a transaction would only wait for the worker's.
    locking = connection.features.has_select_for_update_skip_locked
    with transaction.atomic() if locking else nullcontext():
        found = (
            _with_task_error(
                model.objects.filter(pk=work.pk).filter(
                    Q(status__in=statuses.values()) | _stalled(model)
                )
            )
            .values_list("progress_at", "task_error")
            .first()
        )
    if found is None:
        return None
    since, task_error = found
    return _interruption(work, since=since, task_error=task_error)


def background_status_annotate(queryset: QuerySet) -> QuerySet:
    """Return the queryset, each row with `shown_status`: the status it takes once marked
    interrupted where its task ended with an error or it has been quiet past
    SCORING_BACKGROUND_STALE_AFTER outside the queue (background_interruption's rule), else its
    own. Computed in the rows' query, whatever their number; a list then passes its rows to
    background_listed for the one part of the rule a query cannot read, the record's lock."""
    model = queryset.model
    stalled = _stalled(model)
    return queryset.annotate(
        shown_status=Case(
            *(
                When(stalled & Q(status=status), then=Value(interrupted))
                for status, interrupted in INTERRUPTED_AS[model].items()
            ),
            default=F("status"),
            output_field=CharField(),
        )
    )


def background_listed(rows: list[BackgroundWork]) -> list[BackgroundWork]:
    """Return the rows of background_status_annotate, those whose record is locked shown
    under way again: a workbook being written holds its record's lock, and shows no progress
    meanwhile. One query for the rows found interrupted, where rows can be locked (not on
    SQLite, where a write's transaction locks the whole database instead)."""
    if not rows or not connection.features.has_select_for_update_skip_locked:
        return rows
    model = type(rows[0])
    stalled = [
        row
        for row in rows
        if row.status in INTERRUPTED_AS[model] and row.shown_status != row.status
    ]
    if not stalled:
        return rows
    with transaction.atomic():
        unlocked = set(
            model.objects.filter(pk__in=[row.pk for row in stalled])
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)
        )
    for row in stalled:
        if row.pk not in unlocked:
            row.shown_status = row.status
    return rows


def _interruption(work: BackgroundWork, *, since: datetime, task_error: str | None) -> Interruption:
    if task_error:
        cause = _("后台任务出错中止（%(error)s），没有做完。") % {
            "error": task_error.rsplit(".", 1)[-1]
        }
    else:
        cause = _(
            "后台任务自 %(when)s 起再没有进展，应是处理它的后台进程被停止或重启了"
            "（如部署更新、内存不足、服务器重启）。"
        ) % {"when": timezone.localtime(since).strftime("%Y-%m-%d %H:%M")}
    interrupted = INTERRUPTED_AS[type(work)].get(work.status, work.status)
    stage, outcome = _stage(work, interrupted)
    return Interruption(
        stage=stage, label=type(work).Status(interrupted).label, cause=cause, outcome=outcome
    )


def _stage(work: BackgroundWork, interrupted: str) -> tuple[str, str]:
    """The work's stage, and what it left in the data once interrupted."""
    if interrupted == VerificationRun.Status.INTERRUPTED:
        rest = max(work.total - work.verified, 0)
        return "verify", ngettext(
            "已审核的 %(verified)s 项保持已审核，其余 %(rest)s 项仍未审核。",
            "已审核的 %(verified)s 项保持已审核，其余 %(rest)s 项仍未审核。",
            rest,
        ) % {"verified": intcomma(work.verified), "rest": intcomma(rest)}
    if interrupted == ImportRecord.Status.CHECK_INTERRUPTED:
        return "check", _("检查文件不写入任何数据：系统中的数据没有变化。")
    return "write", _(
        "写入在一个数据库事务中进行，中断时已写入的部分全部撤销：系统中的数据没有变化。"
    )


def background_interrupted_mark(
    *, queryset: QuerySet, stale_after: int | None = None
) -> list[InterruptedWork]:
    """Mark the work of the queryset found interrupted as such, its attempt raised so that a
    worker still at it stops; return it, each with its status as it was and why.

    Quiet for `stale_after` seconds (SCORING_BACKGROUND_STALE_AFTER) is interrupted: 0 takes
    all work under way but that waiting for a worker, or locked by its write.
    """
    model = queryset.model
    # What the work found or changed (a province's preview) is not needed to say it stopped.
    found = [field.name for field in model._meta.fields if isinstance(field, JSONField)]
    stalled_work = queryset.filter(_stalled(model, stale_after=stale_after)).defer(*found)
    with transaction.atomic():
        stalled = list(_with_task_error(stalled_work))
        for status, interrupted in INTERRUPTED_AS[model].items():
            model.objects.filter(
                pk__in=[work.pk for work in stalled if work.status == status], status=status
            ).update(status=interrupted, attempt=F("attempt") + 1)
    return [
        InterruptedWork(
            work=work,
            interruption=_interruption(work, since=work.progress_at, task_error=work.task_error),
        )
        for work in stalled
    ]


def background_under_way(*, queryset: QuerySet) -> QuerySet:
    """The work of the queryset still under way, or waiting in the queue for a worker."""
    return queryset.filter(status__in=INTERRUPTED_AS[queryset.model])
