"""`purge_uploads`: the kept files of finished imports go after their retention, the import
records stay whole, and their pages say the file is no longer kept."""

import io
import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from scoring.models import ImportRecord
from scoring.services.sheets import sheet_import_commit, sheet_import_start

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(district, scorer, xlsx, settings, tmp_path):
    """Imports of every status, each with its file kept: by name, uploaded `days` ago."""
    settings.MEDIA_ROOT = tmp_path

    def upload(name, rows, days):
        record = sheet_import_start(
            cycle=district["cycle"], user=scorer, period="Q1", upload=xlsx(rows, name=name)
        )
        ImportRecord.objects.filter(pk=record.pk).update(
            uploaded_at=timezone.now() - timedelta(days=days)
        )
        return record

    imported = upload("imported.xlsx", [["unit", "GDP"], ["ZJ02", 11]], days=200)
    sheet_import_commit(record=imported, by=scorer)
    upload("failed.xlsx", [["unit", "GDP"], ["ZJ01", 999]], days=200)
    upload("unchanged.xlsx", [["unit", "GDP"], ["ZJ01", 15]], days=181)
    upload("pending.xlsx", [["unit", "GDP"], ["JJ01", 12]], days=200)
    interrupted = upload("interrupted.xlsx", [["unit", "GDP"], ["JJ01", 13]], days=200)
    ImportRecord.objects.filter(pk=interrupted.pk).update(status="check_interrupted")
    recent = upload("recent.xlsx", [["unit", "GDP"], ["ZJ02", 12]], days=10)
    sheet_import_commit(record=recent, by=scorer)
    return {record.file_name: record for record in ImportRecord.objects.all()}


def _purge(*options) -> str:
    printed = io.StringIO()
    call_command("purge_uploads", *options, stdout=printed)
    return printed.getvalue()


def _kept(records) -> set[str]:
    return {
        name for name, record in records.items() if record.upload.storage.exists(record.upload.name)
    }


def _size(records, *names) -> int:
    return sum(records[name].size for name in names)


PURGED = ("imported.xlsx", "failed.xlsx", "unchanged.xlsx")


def test_a_dry_run_counts_the_files_and_bytes_and_deletes_nothing(records):
    assert {records[name].status for name in PURGED} == {"imported", "failed", "unchanged"}
    size = _size(records, *PURGED)

    printed = _purge("--older-than", "180")

    assert (
        f"180 天前上传、已结束的导入有 3 个文件，共 {size:,} 字节（0.0 MB）。"
        "没有删除任何文件：核对无误后加 --yes 再运行。" in printed
    )
    assert _kept(records) == set(records)
    assert not ImportRecord.objects.filter(upload_removed_at__isnull=False).exists()


def test_the_files_of_finished_imports_past_their_retention_go_and_their_records_stay(
    records, client, scorer
):
    size = _size(records, *PURGED)

    printed = _purge("--older-than", "180", "--yes")

    assert (
        f"已删除 180 天前上传、已结束的导入的 3 个文件，共 {size:,} 字节（0.0 MB）；"
        "导入记录保留。" in printed
    )
    assert _kept(records) == {"pending.xlsx", "interrupted.xlsx", "recent.xlsx"}
    imported = ImportRecord.objects.get(file_name="imported.xlsx")
    before = records["imported.xlsx"]
    assert (imported.upload.name, imported.upload_removed_at.date()) == ("", timezone.now().date())
    assert (imported.size, imported.sha256, imported.uploaded_by, imported.rows_changed) == (
        before.size,
        before.sha256,
        scorer,
        1,
    )
    client.force_login(scorer)
    page = client.get(f"/entry/sheets/imports/{imported.pk}/").content.decode()
    removed = timezone.localdate().isoformat()
    assert f"原文件已于 {removed} 按保留期限删除，系统不再保存；" in page
    assert "已导入 1 个数值" in page and imported.sha256 in page
    kept = client.get(f"/entry/sheets/imports/{records['recent.xlsx'].pk}/").content.decode()
    assert "按保留期限删除" not in kept
    assert "已删除 180 天前上传、已结束的导入的 0 个文件" in _purge("--older-than", "180", "--yes")


def test_records_whose_file_is_gone_already_are_cleared_and_counted(records):
    gone = records["failed.xlsx"]
    gone.upload.storage.delete(gone.upload.name)

    printed = _purge("--older-than", "180", "--yes")

    assert "已删除 180 天前上传、已结束的导入的 2 个文件" in printed
    assert "另有 1 条导入记录的文件已不在存储目录中，记录已一并更新。" in printed
    assert ImportRecord.objects.get(pk=gone.pk).upload_removed_at is not None


def test_the_retention_is_asked_for_in_days(records):
    with pytest.raises(CommandError, match="--older-than 应为天数（0 或更大），实为 -1。"):
        _purge("--older-than", "-1")
    with pytest.raises(CommandError, match="--older-than"):
        _purge()


def _orphan(storage, name: str, *, days: int, size: int) -> str:
    """A file of `size` bytes in the uploads' folder that no record names, last modified
    `days` ago."""
    path = Path(storage.path(f"imports/2025/03/{name}"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)
    when = (timezone.now() - timedelta(days=days)).timestamp()
    os.utime(path, (when, when))
    return f"imports/2025/03/{name}"


def test_files_no_record_names_go_once_past_the_retention_and_named_or_young_ones_stay(records):
    storage = records["pending.xlsx"].upload.storage
    old = _orphan(storage, "of-a-deleted-cycle.xlsx", days=200, size=1000)
    older = _orphan(storage, "another.xlsx", days=400, size=234)
    young = _orphan(storage, "being-uploaded.xlsx", days=1, size=10)
    # Files records still name, made long ago: the retention of records goes by their status.
    for record in records.values():
        Path(record.upload.path).touch()
        os.utime(record.upload.path, (0, 0))

    printed = _purge("--older-than", "180")

    assert (
        "上传目录中没有导入记录引用、180 天前修改的文件（如随周期删除的导入记录留下的）有 2 个，"
        "共 1,234 字节（0.0 MB），加 --yes 时一并删除。" in printed
    )
    assert all(storage.exists(name) for name in (old, older, young))

    printed = _purge("--older-than", "180", "--yes")

    assert (
        "已删除上传目录中没有导入记录引用、180 天前修改的 2 个文件（如随周期删除的导入记录"
        "留下的），共 1,234 字节（0.0 MB）。" in printed
    )
    assert not storage.exists(old) and not storage.exists(older)
    assert storage.exists(young)
    assert _kept(records) == {"pending.xlsx", "interrupted.xlsx", "recent.xlsx"}


def test_the_file_of_a_deleted_record_goes_once_past_the_retention(records):
    storage = records["recent.xlsx"].upload.storage
    kept_names = {record.upload.name for record in records.values()}
    ImportRecord.objects.filter(file_name="pending.xlsx").delete()
    pending = records["pending.xlsx"].upload.path
    os.utime(pending, (0, 0))

    printed = _purge("--older-than", "180", "--yes")

    assert "没有导入记录引用、180 天前修改的 1 个文件" in printed
    assert not storage.exists(records["pending.xlsx"].upload.name)
    assert {name for name in kept_names if storage.exists(name)} == {
        records[name].upload.name for name in ("interrupted.xlsx", "recent.xlsx")
    }


def test_an_empty_uploads_folder_has_nothing_to_purge(settings, tmp_path, db):
    settings.MEDIA_ROOT = tmp_path / "empty"
    assert "有 0 个，共 0 字节" in _purge("--older-than", "0")
