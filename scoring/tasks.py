"""Background work, run by `python manage.py db_worker` (Django's task framework)."""

from django.conf import settings
from django.utils.translation import override
from django_tasks import task

from scoring.models import ImportRecord
from scoring.services.sheets import sheet_import_prepare
from scoring.services.workbook_imports import workbook_import_prepare


@task()
def sheet_import_prepare_task(*, record_id: int, language: str = settings.LANGUAGE_CODE) -> int:
    """Check a big upload in the background, its problems and notices written in the language
    of the page it was uploaded from (tasks queued before that was passed: the default one);
    return how many values it would change."""
    with override(language):
        record = sheet_import_prepare(record=ImportRecord.objects.get(pk=record_id))
    return record.rows_changed


@task()
def workbook_import_prepare_task(*, record_id: int, language: str = settings.LANGUAGE_CODE) -> int:
    """Check a big interchange workbook in the background and store its preview, in the
    language of the page it was uploaded from; return how many stored entries it would
    overwrite or remove."""
    with override(language):
        record = workbook_import_prepare(record=ImportRecord.objects.get(pk=record_id))
    return record.rows_changed
