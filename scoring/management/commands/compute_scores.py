from django.core.management.base import BaseCommand, CommandError

from scoring.models import Cycle, UnitResult
from scoring.services.compute import results_compute


class Command(BaseCommand):
    help = "Recompute and store every result of the cycle of YEAR (all periods, all categories)."

    def add_arguments(self, parser):
        parser.add_argument("year", type=int)

    def handle(self, *args, year, **options):
        cycle = Cycle.objects.filter(year=year).first()
        if cycle is None:
            raise CommandError(f"没有 {year} 年度的考核周期 / no cycle for {year}.")
        results_compute(cycle=cycle)
        count = UnitResult.objects.filter(cycle=cycle).count()
        self.stdout.write(self.style.SUCCESS(f"{cycle}: {count} results computed."))
