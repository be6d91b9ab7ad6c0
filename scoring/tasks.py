"""Background work, run by `python manage.py db_worker` (Django's task framework)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import override
from django_tasks import task

from scoring.models import ImportRecord, VerificationRun
from scoring.services.sheets import ImportRefused, sheet_import_prepare
from scoring.services.verification import verification_run_perform
from scoring.services.workbook_imports import workbook_import_commit, workbook_import_prepare


@task()
def sheet_import_prepare_task(*, record_id: int, language: str = settings.LANGUAGE_CODE) -> int:
    """Check a big upload in the background, its problems and notices written in the language
    of the page it was uploaded from (tasks queued before that was passed: the default one);
    return how many values it would change."""
    with override(language):
        record = sheet_import_prepare(record=ImportRecord.objects.get(pk=record_id))
    return record.rows_changed


@task()
def values_verify_task(*, run_id: int, language: str = settings.LANGUAGE_CODE) -> int:
    """Verify a big choice of values in the background, a message on the run written in the
    language of the page it was asked from; return how many were verified."""
    with override(language):
        run = verification_run_perform(run=VerificationRun.objects.get(pk=run_id))
    return run.verified


@task()
def workbook_import_prepare_task(*, record_id: int, language: str = settings.LANGUAGE_CODE) -> int:
    """Check a big interchange workbook in the background and store its preview, in the
    language of the page it was uploaded from; return how many stored entries it would
    overwrite or remove."""
    with override(language):
        record = workbook_import_prepare(record=ImportRecord.objects.get(pk=record_id))
    return record.rows_changed


@task()
def workbook_import_commit_task(
    *, record_id: int, user_id: int, language: str = settings.LANGUAGE_CODE
) -> int:
    """Write a confirmed big interchange workbook in the background; return the rows written,
    0 when it was refused (the record says why)."""
    record = ImportRecord.objects.defer("changes").get(pk=record_id)
    with override(language):
        try:
            report = workbook_import_commit(
                record=record, by=get_user_model().objects.get(pk=user_id)
            )
        except ImportRefused:
            return 0
    return report.rows_changed
