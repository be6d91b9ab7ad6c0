from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from scoring.models import Cycle
from scoring.services.workbook import workbook_export


class Command(BaseCommand):
    help = "Export the cycle of a year as an interchange workbook (.xlsx)."

    def add_arguments(self, parser):
        parser.add_argument("year", type=int)
        parser.add_argument("--out", type=Path, required=True, help="the .xlsx file to write")

    def handle(self, *args, year: int, out: Path, **options):
        cycle = Cycle.objects.filter(year=year).first()
        if cycle is None:
            raise CommandError(f"没有 {year} 年度的考核周期 / no cycle for {year}.")
        workbook_export(cycle=cycle).save(out)
        self.stdout.write(self.style.SUCCESS(f"{cycle} → {out}"))
