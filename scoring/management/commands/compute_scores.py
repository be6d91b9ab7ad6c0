from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from scoring.models import Cycle, UnitResult
from scoring.services.cycles import cycle_results_recompute


class Command(BaseCommand):
    help = (
        "Recompute and store every result of the cycle of YEAR (all periods, all categories). "
        "A closed or published cycle is refused unless --force-locked is given with a --reason, "
        "which its history records; the quarters closed on their own are skipped unless so "
        "forced too."
    )

    def add_arguments(self, parser):
        parser.add_argument("year", type=int)
        parser.add_argument(
            "--force-locked",
            action="store_true",
            help="recompute a closed or published cycle, or its closed quarters (needs --reason)",
        )
        parser.add_argument("--reason", default="", help="why a locked cycle is recomputed")

    def handle(self, *args, year, force_locked, reason, **options):
        cycle = Cycle.objects.filter(year=year).first()
        if cycle is None:
            raise CommandError(f"没有 {year} 年度的考核周期 / no cycle for {year}.")
        try:
            cycle_results_recompute(cycle=cycle, locked_reason=reason if force_locked else None)
        except ValidationError as error:
            hint = (
                ""
                if force_locked
                else _("（确需重算，请加 --force-locked 并用 --reason 说明理由）")
            )
            raise CommandError("；".join(error.messages) + hint) from None
        count = UnitResult.objects.filter(cycle=cycle).count()
        self.stdout.write(self.style.SUCCESS(f"{cycle}: {count} results computed."))
