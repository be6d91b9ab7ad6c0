"""Background work, run by `python manage.py db_worker` (Django's task framework)."""

from django.conf import settings
from django.utils.translation import override
from django_tasks import task

from scoring.models import ImportRecord, VerificationRun
from scoring.services.sheets import sheet_import_prepare
from scoring.services.verification import verification_run_perform


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
