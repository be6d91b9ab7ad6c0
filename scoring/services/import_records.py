"""An import record after its upload: its interrupted background check or write started again
(see scoring.services.background; setting it aside is sheet_import_discard's), and its kept file
deleted once past its retention, the record itself kept whole for the import history; and the
kept files no record names any more deleted too."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from scoring.models import ImportRecord
from scoring.services.background import background_interrupted_mark, background_task_enqueue
from scoring.services.sheets import ImportRefused

# The status an interrupted import is started again as.
RESTARTED_AS = {
    ImportRecord.Status.CHECK_INTERRUPTED: ImportRecord.Status.PROCESSING,
    ImportRecord.Status.WRITE_INTERRUPTED: ImportRecord.Status.IMPORTING,
}


def import_record_retry(*, record: ImportRecord, by) -> ImportRecord:
    """Give the interrupted check or write of an upload to the background worker again, for
    its uploader, and return the record as it now stands.

    The check reads the file again from its first row. The write checks the file against its
    preview again first, and writes all of it or nothing, as a confirmation does. Raises
    ImportRefused while the work is under way, and for an import not interrupted.
    """
    from scoring.tasks import (  # the task module imports this one
        sheet_import_prepare_task,
        workbook_import_commit_task,
        workbook_import_prepare_task,
    )

    if record.uploaded_by_id != by.pk:
        raise ImportRefused(_("只有上传文件的人可以重新开始这次导入。"))
    with transaction.atomic():
        background_interrupted_mark(queryset=ImportRecord.objects.filter(pk=record.pk))
        status = ImportRecord.objects.values_list("status", flat=True).get(pk=record.pk)
        # Conditional, as two clicks may come at once: the second finds the status changed.
        restarted = status in RESTARTED_AS and ImportRecord.objects.filter(
            pk=record.pk, status=status
        ).update(
            status=RESTARTED_AS[status],
            attempt=F("attempt") + 1,
            progress_at=timezone.now(),
            task_id=None,
            processed_rows=0,
        )
        if not restarted:
            if status in RESTARTED_AS.values():
                raise ImportRefused(_("这次导入仍在后台进行，不能重新开始。"))
            raise ImportRefused(
                _("这次导入的状态是“%(status)s”，不能重新开始。")
                % {"status": ImportRecord.Status(status).label}
            )
        record = ImportRecord.objects.defer("changes", "errors", "preview").get(pk=record.pk)
    language = get_language()
    if record.status == ImportRecord.Status.IMPORTING:
        background_task_enqueue(
            task=workbook_import_commit_task,
            work=record,
            record_id=record.pk,
            user_id=by.pk,
            language=language,
        )
    elif record.kind == ImportRecord.Kind.WORKBOOK:
        background_task_enqueue(
            task=workbook_import_prepare_task, work=record, record_id=record.pk, language=language
        )
    else:
        background_task_enqueue(
            task=sheet_import_prepare_task, work=record, record_id=record.pk, language=language
        )
    return record


# The imports whose file nothing reads again: a pending one awaits its confirmation, which reads
# a workbook's file again, and an interrupted one may be started again.
FINISHED = [
    ImportRecord.Status.IMPORTED,
    ImportRecord.Status.UNCHANGED,
    ImportRecord.Status.DISCARDED,
    ImportRecord.Status.FAILED,
]
PURGE_BATCH = 1000


@dataclass(frozen=True)
class UploadsPurge:
    """What purging the kept uploads did, or would do."""

    files: int
    bytes: int
    # Records naming a file that was no longer in the folder: cleared all the same.
    missing: int


def import_uploads_purge(*, older_than_days: int, dry_run: bool) -> UploadsPurge:
    """Delete the kept files of the finished imports (imported, unchanged, discarded, failed)
    uploaded more than `older_than_days` days ago, or with `dry_run` only count them and their
    bytes.

    The records stay whole (file name, size, SHA-256, who, when, what changed) and note when
    their file was deleted, which their pages say. The files go first, each record's name of
    its file after: a purge stopped half-way leaves records naming deleted files, which the
    next one clears.
    """
    now = timezone.now()
    storage = ImportRecord._meta.get_field("upload").storage
    kept = (
        ImportRecord.objects.filter(
            status__in=FINISHED, uploaded_at__lt=now - timedelta(days=older_than_days)
        )
        .exclude(upload="")
        .values_list("pk", "upload")
    )
    files = size = missing = 0
    purged = []
    for pk, name in kept.iterator():
        if storage.exists(name):
            files += 1
            size += storage.size(name)
            if not dry_run:
                storage.delete(name)
        else:
            missing += 1
        purged.append(pk)
    if not dry_run:
        for start in range(0, len(purged), PURGE_BATCH):
            ImportRecord.objects.filter(
                pk__in=purged[start : start + PURGE_BATCH], status__in=FINISHED
            ).update(upload="", upload_removed_at=now)
    return UploadsPurge(files=files, bytes=size, missing=missing)


@dataclass(frozen=True)
class OrphansPurge:
    """What purging the kept files that no import record names did, or would do."""

    files: int
    bytes: int


def import_orphans_purge(*, older_than_days: int, dry_run: bool) -> OrphansPurge:
    """Delete the files in the uploads' folder (`imports/` of MEDIA_ROOT) that no import record
    names, last modified more than `older_than_days` days ago, or with `dry_run` only count them
    and their bytes.

    Such files are left by records deleted with their cycle, or by an upload that failed after
    its file was kept. A younger file may belong to an upload whose record is being written.
    """
    storage = ImportRecord._meta.get_field("upload").storage
    upload_to = ImportRecord._meta.get_field("upload").upload_to
    folder = upload_to.split("/", 1)[0]
    if not storage.exists(folder):
        return OrphansPurge(files=0, bytes=0)
    cutoff = timezone.now() - timedelta(days=older_than_days)
    named = set(ImportRecord.objects.exclude(upload="").values_list("upload", flat=True))
    files = size = 0
    for name in _stored_files(storage, folder):
        if name in named or storage.get_modified_time(name) >= cutoff:
            continue
        files += 1
        size += storage.size(name)
        if not dry_run:
            storage.delete(name)
    return OrphansPurge(files=files, bytes=size)


def _stored_files(storage, folder: str) -> Iterator[str]:
    """The names of the files under the storage's folder, as a FileField stores them."""
    folders, files = storage.listdir(folder)
    for name in files:
        yield f"{folder}/{name}"
    for sub in folders:
        yield from _stored_files(storage, f"{folder}/{sub}")
