from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from scoring.services.workbook import WorkbookInvalid, workbook_import


class Command(BaseCommand):
    help = (
        "Import a whole cycle from an interchange workbook (.xlsx): create the cycle of its year "
        "or replace it while draft or open. On any problem, print them all and change nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        try:
            with file.open("rb") as handle:
                report = workbook_import(file=handle, file_name=file.name)
        except OSError as error:
            raise CommandError(error) from error
        except WorkbookInvalid as invalid:
            for problem in invalid.problems:
                self.stderr.write(str(problem))
            raise CommandError(str(invalid)) from invalid
        verb = "创建 / created" if report.created else "替换 / replaced"
        self.stdout.write(
            self.style.SUCCESS(
                f"{report.cycle}: {verb}, {report.rows_changed} rows written "
                f"(import record #{report.record.pk})."
            )
        )
