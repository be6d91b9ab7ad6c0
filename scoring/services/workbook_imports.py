"""Importing an interchange workbook: from the 考核办's page (upload, preview, confirm) and from
the `import_workbook` command, through the same checks, preview and write.

An upload is guarded as every upload is (scoring.services.uploads), kept, and checked at once
or, for a big file, by the background worker; its preview is stored on its ImportRecord and
nothing is written until its uploader confirms. The confirmation reads the kept file again and
writes it all or nothing, refused when the stored data the preview was built on changed since.
"""

import dataclasses
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from scoring.models import Cycle, ImportRecord
from scoring.services.background import (
    BackgroundSuperseded,
    background_task_enqueue,
    background_work_save,
)
from scoring.services.cells import CellProblem
from scoring.services.closed_quarters import units_change_notices
from scoring.services.sheets import (
    OUTDATED,
    STORED_PROBLEMS,
    ImportRefused,
    upload_prepare_start,
    upload_record_create,
)
from scoring.services.uploads import UploadRefused, upload_rows_check, upload_stored_path
from scoring.services.values import source_import
from scoring.services.workbook import (
    SHEETS,
    WorkbookInvalid,
    workbook_contents_write,
    workbook_cycle_lock,
)
from scoring.services.workbook_preview import WorkbookCheck, workbook_check, workbook_stored_load

PROGRESS_ROWS = 5000


class WorkbookOutdated(Exception):
    """The stored data changed between the preview and the write."""


@dataclass(frozen=True)
class ImportReport:
    """What an import did."""

    cycle: Cycle
    created: bool
    rows_changed: int
    record: ImportRecord
    # The cycles of other years still taking input, recomputed for the units the file added
    # or moved to another category.
    others_recomputed: list[Cycle]


def workbook_import(*, file, file_name: str, by=None) -> ImportReport:
    """Import a whole cycle from an interchange workbook (a binary file object) at once.

    Creates the cycle of the year in its settings sheet, or replaces the contents of that cycle
    while it is draft or open and none of its quarters is closed. Raises WorkbookInvalid with
    every problem found, having changed nothing.
    """
    data = file.read()
    record = workbook_record_new(file_name=file_name, data=data, by=by)
    return workbook_import_write(check=workbook_check(data=data), by=by, record=record)


def workbook_record_new(*, file_name: str, data: bytes, by) -> ImportRecord:
    """Return the (unsaved) import record of a workbook read from a file, not uploaded: the
    write saves it when it succeeds."""
    return ImportRecord(
        kind=ImportRecord.Kind.WORKBOOK,
        file_name=file_name,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=by,
    )


def workbook_import_write(*, check: WorkbookCheck, by, record: ImportRecord) -> ImportReport:
    """Write a checked workbook, all or nothing, and record it in the import history: the
    pending record of a page's upload, or a new one (unsaved) the write saves.

    Raises WorkbookInvalid for a file with problems or a cycle closed since, WorkbookOutdated
    when the stored data differs from what was previewed, and BackgroundSuperseded when the
    record's background write was taken from this attempt (scoring.services.background).
    """
    if check.problems:
        raise WorkbookInvalid(check.problems)
    contents = check.contents
    with transaction.atomic():
        previewed = check.preview["digest"]
        if record.pk is not None:
            locked = ImportRecord.objects.select_for_update().defer("changes").get(pk=record.pk)
            if locked.attempt != record.attempt:
                # The write was found interrupted, and maybe started again, meanwhile.
                raise BackgroundSuperseded
            record = locked
            _pending_ensure(record=record, by=by)
            previewed = record.preview["digest"]
        cycle = workbook_cycle_lock(contents=contents)
        if workbook_stored_load(contents=contents, cycle=cycle).digest() != previewed:
            raise WorkbookOutdated
        created = cycle is None
        reason = source_import(file_name=record.file_name, record_id=record.pk)
        cycle, changed, others = workbook_contents_write(
            cycle=cycle, contents=contents, reason=reason, by=by
        )
        record.cycle = cycle
        record.status = ImportRecord.Status.IMPORTED
        record.imported_at = timezone.now()
        record.rows_changed = changed
        record.save()  # of a pending record, not its deferred entries: they stay as previewed
        record.recomputed_cycles.set(others)
    return ImportReport(
        cycle=cycle, created=created, rows_changed=changed, record=record, others_recomputed=others
    )


def workbook_import_notices(*, record: ImportRecord) -> list[str]:
    """What the 考核办 is told about the import beyond its own cycle: which other cycles its
    units recomputed (see `units_change_notices`), whether confirmed on the page or written
    by the background worker."""
    return units_change_notices(recomputed=list(record.recomputed_cycles.order_by("year")))


def workbook_records() -> QuerySet:
    """Return the workbook imports, newest first: the 考核办's page lists them."""
    return ImportRecord.objects.filter(kind=ImportRecord.Kind.WORKBOOK).select_related(
        "cycle", "uploaded_by"
    )


def workbook_import_start(*, upload: UploadedFile, user) -> ImportRecord:
    """Guard the upload, keep it and check it: at once for a small file, in the background
    (`workbook_import_prepare_task`, with progress on the record) for a big one.

    Raises UploadRefused, before any heavy work, for a file that may not be read at all.
    """
    from scoring.tasks import workbook_import_prepare_task  # the task module imports this one

    record = upload_record_create(kind=ImportRecord.Kind.WORKBOOK, upload=upload, user=user)
    return upload_prepare_start(
        record=record, task=workbook_import_prepare_task, prepare=workbook_import_prepare
    )


def workbook_import_prepare(*, record: ImportRecord) -> ImportRecord:
    """Check the record's kept upload and store its preview (or its problems), writing
    nothing else. Raises BackgroundSuperseded, the preview unwritten, when the check was taken
    from this attempt meanwhile (scoring.services.background)."""

    def progress(rows: int) -> None:
        # The upload's guard estimated the rows of a big file: counted now, they may be too many.
        upload_rows_check(rows=rows, sheets=len(SHEETS))
        if rows - record.processed_rows >= PROGRESS_ROWS:
            record.processed_rows = rows
            background_work_save(work=record, fields=["processed_rows"])

    check = None
    try:
        check = workbook_check(data=_upload_data(record), progress=progress)
    except WorkbookInvalid as invalid:
        problems = invalid.problems
    except UploadRefused as refused:
        problems = [CellProblem("", None, None, str(refused))]
    else:
        problems = check.problems
    record.processed_rows = record.total_rows
    record.errors = [dataclasses.asdict(problem) for problem in problems[:STORED_PROBLEMS]]
    record.problem_count = len(problems)
    if problems:
        record.status = ImportRecord.Status.FAILED
        record.preview, record.changes = {}, []
    else:
        record.preview, record.changes = check.preview, check.entries
        record.cycle = check.cycle
        record.status = (
            ImportRecord.Status.UNCHANGED if check.unchanged else ImportRecord.Status.PENDING
        )
    record.rows_changed = len(record.changes)
    background_work_save(
        work=record,
        fields=[
            "processed_rows",
            "errors",
            "problem_count",
            "status",
            "preview",
            "changes",
            "cycle",
            "rows_changed",
        ],
    )
    return record


def _upload_data(record: ImportRecord) -> bytes:
    with open(upload_stored_path(record), "rb") as upload:
        return upload.read()


def _pending_ensure(*, record: ImportRecord, by) -> None:
    """Refuse a record that is not waiting for its uploader's confirmation (or, confirmed,
    for the worker to write it)."""
    if record.status not in (ImportRecord.Status.PENDING, ImportRecord.Status.IMPORTING):
        raise ImportRefused(
            _("这次导入的状态是“%(status)s”，不能确认。") % {"status": record.get_status_display()}
        )
    if record.uploaded_by_id != by.pk:
        raise ImportRefused(_("只有上传文件的人可以确认这次导入。"))


def workbook_import_confirm(*, record: ImportRecord, by) -> ImportReport | None:
    """Confirm a previewed workbook import for its uploader: write a small file at once (see
    workbook_import_commit), hand a big one to the background worker and return None: the
    record says "importing" until it is written or refused.

    A province's workbook takes over a minute to check again and write, past any request's
    time limit (see bench/workbook_bench.py).
    """
    from scoring.tasks import workbook_import_commit_task  # the task module imports this one

    _pending_ensure(record=record, by=by)
    if record.total_rows <= settings.SCORING_IMPORT_BACKGROUND_ROWS:
        return workbook_import_commit(record=record, by=by)
    taken = ImportRecord.objects.filter(pk=record.pk, status=ImportRecord.Status.PENDING).update(
        status=ImportRecord.Status.IMPORTING, progress_at=timezone.now()
    )
    if not taken:
        record.refresh_from_db(fields=["status"])
        _pending_ensure(record=record, by=by)
        raise ImportRefused(_("这次导入已确认，正在写入。"))
    background_task_enqueue(
        task=workbook_import_commit_task,
        work=record,
        record_id=record.pk,
        user_id=by.pk,
        language=get_language(),
    )
    return None


def workbook_import_commit(*, record: ImportRecord, by) -> ImportReport:
    """Write the previewed workbook import, all or nothing, for its uploader.

    The kept file is read and checked again. When the stored data changed since the preview
    (a value saved, a unit renamed, the cycle closed), nothing is written and the import fails
    for good: the 考核办 uploads the file again and reads the new preview.
    """
    _pending_ensure(record=record, by=by)
    try:
        return workbook_import_write(
            check=workbook_check(data=_upload_data(record)), by=by, record=record
        )
    except (WorkbookOutdated, WorkbookInvalid) as error:
        problems = getattr(error, "problems", [])
        message = _(
            "预览之后系统中的数据已有变动（有人录入或修改了数据、基础数据或周期状态），"
            "这次导入没有写入任何数据。请重新上传文件，核对新的预览后再确认。"
        )
        outdated = [dataclasses.asdict(CellProblem("", None, None, message)) | OUTDATED]
        record.status = ImportRecord.Status.FAILED
        record.errors = outdated + [dataclasses.asdict(p) for p in problems[:STORED_PROBLEMS]]
        record.problem_count = 1 + len(problems)
        background_work_save(work=record, fields=["status", "errors", "problem_count"])
        raise ImportRefused(message) from None
