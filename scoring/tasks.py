"""Background work, run by `python manage.py db_worker` (Django's task framework)."""

from django_tasks import task

from scoring.models import ImportRecord
from scoring.services.sheets import sheet_import_prepare


@task()
def sheet_import_prepare_task(*, record_id: int) -> int:
    """Check a big upload in the background; return how many values it would change."""
    record = sheet_import_prepare(record=ImportRecord.objects.get(pk=record_id))
    return record.rows_changed
