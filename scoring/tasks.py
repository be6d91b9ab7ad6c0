"""Background work, run by `python manage.py db_worker` (Django's task framework).

Each task is one attempt at its record's work (`attempt`; tasks queued before attempts were
counted: the first), and does nothing once the attempt is no longer the record's: the work was
found interrupted, started again or discarded meanwhile (scoring.services.background).
"""

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import override
from django_tasks import task

from scoring.models import BackgroundWork, ImportRecord, VerificationRun
from scoring.services.background import BackgroundSuperseded, background_work_claim
from scoring.services.sheets import ImportRefused, sheet_import_prepare
from scoring.services.verification import verification_run_perform
from scoring.services.workbook_imports import workbook_import_commit, workbook_import_prepare


def _attempt_run(
    model: type[BackgroundWork],
    *,
    pk: int,
    attempt: int,
    language: str,
    work: Callable[[BackgroundWork], int],
    deferred: tuple[str, ...] = (),
) -> int:
    """Do the work of the record's attempt in the language of the page it was asked from;
    return what `work` returns, 0 when the attempt was taken from it."""
    claimed = background_work_claim(model=model, pk=pk, attempt=attempt, deferred=deferred)
    if claimed is None:
        return 0
    with override(language):
        try:
            return work(claimed)
        except BackgroundSuperseded:
            return 0


@task()
def sheet_import_prepare_task(
    *, record_id: int, language: str = settings.LANGUAGE_CODE, attempt: int = 0
) -> int:
    """Check a big upload in the background, its problems and notices written in the language
    of the page it was uploaded from (tasks queued before that was passed: the default one);
    return how many values it would change."""
    return _attempt_run(
        ImportRecord,
        pk=record_id,
        attempt=attempt,
        language=language,
        work=lambda record: sheet_import_prepare(record=record).rows_changed,
    )


@task()
def values_verify_task(
    *, run_id: int, language: str = settings.LANGUAGE_CODE, attempt: int = 0
) -> int:
    """Verify a big choice of values in the background, a message on the run written in the
    language of the page it was asked from; return how many were verified."""
    return _attempt_run(
        VerificationRun,
        pk=run_id,
        attempt=attempt,
        language=language,
        work=lambda run: verification_run_perform(run=run).verified,
    )


@task()
def workbook_import_prepare_task(
    *, record_id: int, language: str = settings.LANGUAGE_CODE, attempt: int = 0
) -> int:
    """Check a big interchange workbook in the background and store its preview, in the
    language of the page it was uploaded from; return how many stored entries it would
    overwrite or remove."""
    return _attempt_run(
        ImportRecord,
        pk=record_id,
        attempt=attempt,
        language=language,
        work=lambda record: workbook_import_prepare(record=record).rows_changed,
    )


@task()
def workbook_import_commit_task(
    *, record_id: int, user_id: int, language: str = settings.LANGUAGE_CODE, attempt: int = 0
) -> int:
    """Write a confirmed big interchange workbook in the background; return the rows written,
    0 when it was refused (the record says why)."""

    def commit(record: ImportRecord) -> int:
        try:
            report = workbook_import_commit(
                record=record, by=get_user_model().objects.get(pk=user_id)
            )
        except ImportRefused:
            return 0
        return report.rows_changed

    return _attempt_run(
        ImportRecord,
        pk=record_id,
        attempt=attempt,
        language=language,
        work=commit,
        deferred=("changes",),
    )
