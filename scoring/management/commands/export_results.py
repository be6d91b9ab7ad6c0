import json

from django.core.management.base import BaseCommand, CommandError

from scoring.models import Cycle, Period
from scoring.services.reports import results_export_data, results_workbook_build


class Command(BaseCommand):
    help = (
        "Export the stored results of one period of the cycle of YEAR as JSON (to stdout unless "
        "--out) or as the printable .xlsx report."
    )

    def add_arguments(self, parser):
        parser.add_argument("year", type=int)
        parser.add_argument("--period", choices=Period.values, default=Period.YEAR)
        parser.add_argument("--format", choices=["json", "xlsx"], default="json")
        parser.add_argument("--out", help="file to write; for xlsx defaults to results-YEAR-P.xlsx")

    def handle(self, *args, year, period, format, out, **options):
        cycle = Cycle.objects.filter(year=year).first()
        if cycle is None:
            raise CommandError(f"没有 {year} 年度的考核周期 / no cycle for {year}.")
        if format == "xlsx":
            path = out or f"results-{year}-{period}.xlsx"
            results_workbook_build(cycle=cycle, period=period).save(path)
            self.stderr.write(f"{path}")
            return
        text = json.dumps(results_export_data(cycle=cycle, period=period), ensure_ascii=False)
        if out:
            with open(out, "w", encoding="utf-8") as handle:
                handle.write(text + "\n")
        else:
            self.stdout.write(text)
