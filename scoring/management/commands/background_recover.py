from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from scoring.models import ImportRecord, VerificationRun
from scoring.services.background import background_interrupted_mark, background_under_way


class Command(BaseCommand):
    help = (
        "Mark the background work a stopped worker left half-way (uploads being checked or "
        "written, verifications) as interrupted, and print it, with what it left, and the work "
        "still under way or waiting for a worker. Each page then offers to start it again or "
        "set it aside. Run it after a restart."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--stale-after",
            type=int,
            metavar="SECONDS",
            help=(
                "take work quiet for this many seconds for interrupted (default: the "
                "SCORING_BACKGROUND_STALE_AFTER setting); 0, while no worker runs, takes all "
                "work under way but that waiting for a worker"
            ),
        )

    def handle(self, *args, stale_after: int | None, **options):
        records = ImportRecord.objects.select_related("uploaded_by")
        runs = VerificationRun.objects.select_related("cycle", "requested_by")
        interrupted = [
            *background_interrupted_mark(queryset=records, stale_after=stale_after),
            *background_interrupted_mark(queryset=runs, stale_after=stale_after),
        ]
        for found in interrupted:
            stop = found.interruption
            self.stdout.write(
                f"{_work_named(found.work)}：{stop.label}。{stop.cause}{stop.outcome}"
            )
        under_way = [
            *background_under_way(
                queryset=records.defer("changes", "errors", "preview", "notices")
            ),
            *background_under_way(queryset=runs.defer("indicator_ids")),
        ]
        for work in under_way:
            self.stdout.write(
                _("%(work)s：仍在进行或排队等待后台进程，最近进展 %(when)s。")
                % {
                    "work": _work_named(work),
                    "when": timezone.localtime(work.progress_at).strftime("%Y-%m-%d %H:%M"),
                }
            )
        summary = _("标记为中断：%(interrupted)s 项；仍在进行或排队：%(under_way)s 项。") % {
            "interrupted": len(interrupted),
            "under_way": len(under_way),
        }
        if interrupted:
            summary += _("中断的工作请在各自的页面上重新开始或放弃。")
            self.stdout.write(self.style.WARNING(summary))
        else:
            self.stdout.write(self.style.SUCCESS(summary))


def _work_named(work: ImportRecord | VerificationRun) -> str:
    if isinstance(work, ImportRecord):
        return _("导入记录 #%(id)s（%(kind)s“%(name)s”，%(who)s 上传）") % {
            "id": work.pk,
            "kind": work.get_kind_display(),
            "name": work.file_name,
            "who": work.uploaded_by or "—",
        }
    return _("后台审核 #%(id)s（%(cycle)s %(period)s，%(who)s 提交）") % {
        "id": work.pk,
        "cycle": work.cycle,
        "period": work.get_period_display(),
        "who": work.requested_by or "—",
    }
