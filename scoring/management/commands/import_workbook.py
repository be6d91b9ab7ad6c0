from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from scoring.services.closed_quarters import units_change_notices
from scoring.services.workbook import WorkbookInvalid
from scoring.services.workbook_imports import (
    WorkbookOutdated,
    workbook_import_write,
    workbook_record_new,
)
from scoring.services.workbook_preview import workbook_check, workbook_preview_lines


class Command(BaseCommand):
    help = (
        "Check an interchange workbook (.xlsx) and print what importing it would do: the cycle "
        "created or replaced, master data created or changed, rows added, changed and removed "
        "per sheet, stored entries overwritten. Writes only with --yes. On any problem, print "
        "them all and change nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--yes", action="store_true", help="write the import after printing its preview"
        )

    def handle(self, *args, file: Path, yes: bool, **options):
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(error) from error
        check = workbook_check(data=data)
        if check.problems:
            for problem in check.problems:
                self.stderr.write(str(problem))
            raise CommandError(str(WorkbookInvalid(check.problems)))
        for line in workbook_preview_lines(preview=check.preview, entries=check.entries):
            self.stdout.write(line)
        if not yes:
            self.stdout.write(
                self.style.WARNING(
                    "未写入任何数据；核对无误后加 --yes 再运行。 / Nothing written: "
                    "run again with --yes to import."
                )
            )
            return
        record = workbook_record_new(file_name=file.name, data=data, by=None)
        try:
            report = workbook_import_write(check=check, by=None, record=record)
        except WorkbookInvalid as invalid:
            for problem in invalid.problems:
                self.stderr.write(str(problem))
            raise CommandError(str(invalid)) from invalid
        except WorkbookOutdated:
            raise CommandError(
                "数据在检查之后已有变动，没有写入任何数据，请重新运行。 / The data changed "
                "after the check: nothing written, run again."
            ) from None
        verb = "创建 / created" if report.created else "替换 / replaced"
        self.stdout.write(
            self.style.SUCCESS(
                f"{report.cycle}: {verb}, {report.rows_changed} rows written "
                f"(import record #{report.record.pk})."
            )
        )
        for notice in units_change_notices(recomputed=report.others_recomputed):
            self.stdout.write(notice)
