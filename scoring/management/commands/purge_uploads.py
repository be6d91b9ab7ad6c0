from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from scoring.services.import_records import import_orphans_purge, import_uploads_purge


class Command(BaseCommand):
    help = (
        "Delete the kept files of the imports that are finished (imported, unchanged, "
        "discarded, failed) and were uploaded more than DAYS days ago, keeping their records "
        "(file name, size, SHA-256, who, when, what changed), and the files of the uploads' "
        "folder that no import record names (left by records deleted with their cycle) and "
        "were last modified more than DAYS days ago. Prints how many files and bytes; deletes "
        "only with --yes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, required=True, metavar="DAYS")
        parser.add_argument(
            "--yes", action="store_true", help="delete the files after counting them"
        )

    def handle(self, *args, older_than: int, yes: bool, **options):
        if older_than < 0:
            raise CommandError(
                _("--older-than 应为天数（0 或更大），实为 %(days)s。") % {"days": older_than}
            )
        purge = import_uploads_purge(older_than_days=older_than, dry_run=not yes)
        counted = _counted(days=older_than, files=purge.files, size=purge.bytes)
        if yes:
            self.stdout.write(
                self.style.SUCCESS(
                    _(
                        "已删除 %(days)s 天前上传、已结束的导入的 %(files)s 个文件，共 "
                        "%(bytes)s 字节（%(megabytes)s MB）；导入记录保留。"
                    )
                    % counted
                )
            )
        else:
            self.stdout.write(
                _(
                    "%(days)s 天前上传、已结束的导入有 %(files)s 个文件，共 %(bytes)s 字节"
                    "（%(megabytes)s MB）。没有删除任何文件：核对无误后加 --yes 再运行。"
                )
                % counted
            )
        if purge.missing and yes:
            self.stdout.write(
                _("另有 %(count)s 条导入记录的文件已不在存储目录中，记录已一并更新。")
                % {"count": purge.missing}
            )
        elif purge.missing:
            self.stdout.write(
                _("另有 %(count)s 条导入记录的文件已不在存储目录中，加 --yes 时记录一并更新。")
                % {"count": purge.missing}
            )
        orphans = import_orphans_purge(older_than_days=older_than, dry_run=not yes)
        counted = _counted(days=older_than, files=orphans.files, size=orphans.bytes)
        if yes:
            self.stdout.write(
                _(
                    "已删除上传目录中没有导入记录引用、%(days)s 天前修改的 %(files)s 个文件"
                    "（如随周期删除的导入记录留下的），共 %(bytes)s 字节（%(megabytes)s MB）。"
                )
                % counted
            )
        else:
            self.stdout.write(
                _(
                    "上传目录中没有导入记录引用、%(days)s 天前修改的文件（如随周期删除的导入"
                    "记录留下的）有 %(files)s 个，共 %(bytes)s 字节（%(megabytes)s MB），"
                    "加 --yes 时一并删除。"
                )
                % counted
            )


def _counted(*, days: int, files: int, size: int) -> dict:
    return {
        "days": days,
        "files": files,
        "bytes": f"{size:,}",
        "megabytes": f"{size / 1024 / 1024:.1f}",
    }
