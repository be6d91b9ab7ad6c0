"""审核: the 考核办 marks reported values verified, at once for a few, in the background for
many (a province's quarter is 500,000 values: one UPDATE of them took 25–45 s, past any
request's time, and held every row it touched)."""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Min, QuerySet
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from scoring.models import Cycle, IndicatorValue, VerificationRun
from scoring.services.background import (
    BackgroundSuperseded,
    background_interrupted_mark,
    background_task_enqueue,
    background_under_way,
    background_work_save,
)
from scoring.services.history import history_record
from scoring.services.values import (
    SOURCE_ENTRY,
    CycleLockedError,
    cycle_ensure_editable,
    source_verified,
)

# Ids per batch of a background verification: up to this many rows read, a quarter of them
# (one period of five) verified, in a fraction of a second.
VERIFY_BATCH_IDS = 20_000
# The 考核办 verifies on the entry pages only (the 审核 page), at once or in the background.
VERIFY_REASON = source_verified(source=SOURCE_ENTRY)


class VerificationRefused(Exception):
    """Another verification of the same period is still under way."""


@dataclass
class VerifyOutcome:
    """What a request to verify did: `verified` values at once, or started `run`."""

    verified: int = 0
    run: VerificationRun | None = None


def _values_of(*, cycle: Cycle, period: str, indicator_ids: list[int]) -> QuerySet:
    return IndicatorValue.objects.filter(
        indicator__cycle=cycle, indicator_id__in=indicator_ids, period=period
    )


def _values_verify(values: QuerySet, *, by) -> int:
    """Verify the unverified values among `values` in the name of `by`, each with a history
    row saying so (see `history_verification_kind`): two statements however many values.
    Return how many. Call inside a transaction."""
    stamp = timezone.now()
    verified = values.filter(verified_at__isnull=True).update(verified_by=by, verified_at=stamp)
    history_record(
        queryset=values.filter(verified_at=stamp, verified_by=by),
        reason=VERIFY_REASON,
        by=by,
        history_type="~",
    )
    return verified


def values_verify_request(
    *, cycle: Cycle, period: str, indicator_ids: list[int], by
) -> VerifyOutcome:
    """Verify the unverified values of the cycle's indicators (ids of other cycles' indicators
    select nothing) in the period: at once up to SCORING_VERIFY_BACKGROUND_VALUES of them,
    otherwise in the background (`values_verify_task`), a run at a time per period.

    Raises CycleLockedError for a closed or published cycle, VerificationRefused while a run
    of the period is still under way.
    """
    from scoring.tasks import values_verify_task  # the task module imports this one

    cycle_ensure_editable(cycle=cycle, periods=[period])
    values = _values_of(cycle=cycle, period=period, indicator_ids=indicator_ids)
    count = values.filter(verified_at__isnull=True).count()
    if count <= settings.SCORING_VERIFY_BACKGROUND_VALUES:
        with transaction.atomic():
            return VerifyOutcome(verified=_values_verify(values, by=by))
    with transaction.atomic():
        _period_run_ensure_none(cycle=cycle, period=period)
        run = VerificationRun.objects.create(
            cycle=cycle,
            period=period,
            indicator_ids=sorted(set(indicator_ids)),
            requested_by=by,
            total=count,
        )
    background_task_enqueue(
        task=values_verify_task, work=run, run_id=run.pk, language=get_language()
    )
    return VerifyOutcome(run=run)


def _period_run_ensure_none(*, cycle: Cycle, period: str) -> None:
    """Raise VerificationRefused while a run of the cycle's period is under way; one that a
    stopped worker left (scoring.services.background) is marked interrupted, and refuses
    nothing. In the caller's transaction, the cycle's row locked: the lock two requests for one
    period meet at."""
    Cycle.objects.select_for_update().get(pk=cycle.pk)
    runs = VerificationRun.objects.filter(cycle=cycle, period=period)
    background_interrupted_mark(queryset=runs)
    if background_under_way(queryset=runs).exists():
        raise VerificationRefused(_("本期间已有一次审核正在后台进行，请等它完成后再提交。"))


def verification_run_perform(*, run: VerificationRun) -> VerificationRun:
    """Verify the run's values in batches of ids, each in its own transaction, so that its
    progress shows and a grid save waits for one batch at most.

    Batches follow the ids, which follow the rows' order on disk: batches by indicator
    visited each of a province's 117 indicators' rows on pages of their own, every page of
    the table once per indicator (86 s against 25 s for one UPDATE).
    Values changed after the request stay unverified: the admin asked before they were there.
    A cycle or quarter closed meanwhile stops the run, said on the run with what was verified
    already. Raises BackgroundSuperseded, the batch under way undone, when the run was taken
    from this attempt meanwhile (scoring.services.background): found interrupted, resumed.
    """
    run.status = VerificationRun.Status.RUNNING
    background_work_save(work=run, fields=["status"])
    selected = _values_of(
        cycle=run.cycle, period=run.period, indicator_ids=run.indicator_ids
    ).filter(updated_at__lte=run.requested_at)
    bounds = selected.filter(verified_at__isnull=True).aggregate(first=Min("pk"), last=Max("pk"))
    starts = range(bounds["first"] or 0, (bounds["last"] or -1) + 1, VERIFY_BATCH_IDS)
    # Who asked verifies what a first attempt reaches; who resumed it, the rest.
    verifier = run.resumed_by if run.resumed_at else run.requested_by
    try:
        for start in starts:
            with transaction.atomic():
                # Locked as a grid save locks it: a close waits for this batch, or is seen.
                cycle = Cycle.objects.select_for_update().get(pk=run.cycle_id)
                cycle_ensure_editable(cycle=cycle, periods=[run.period])
                run.verified += _values_verify(
                    selected.filter(pk__gte=start, pk__lt=start + VERIFY_BATCH_IDS), by=verifier
                )
                background_work_save(work=run, fields=["verified"])
    except CycleLockedError as error:
        run.status, run.message = VerificationRun.Status.FAILED, str(error)[:255]
    except BackgroundSuperseded:
        raise
    except Exception:
        run.status, run.message = VerificationRun.Status.FAILED, _("后台审核出错，请重新提交。")
        _run_end(run)
        raise
    else:
        run.status = VerificationRun.Status.DONE
    _run_end(run)
    return run


def _run_end(run: VerificationRun) -> None:
    run.finished_at = timezone.now()
    background_work_save(work=run, fields=["status", "message", "verified", "finished_at"])


def verification_run_resume(*, run: VerificationRun, by) -> VerificationRun:
    """Give an interrupted run (scoring.services.background) to the background worker again,
    for `by`: the values it verified stay so, and it verifies the rest of those it selected
    in the name of `by`, who the run then names as having resumed it.

    Raises CycleLockedError for a cycle or quarter closed since, VerificationRefused while a
    run of the period (this one too) is under way, or for a run not interrupted.
    """
    from scoring.tasks import values_verify_task  # the task module imports this one

    cycle_ensure_editable(cycle=run.cycle, periods=[run.period])
    with transaction.atomic():
        _period_run_ensure_none(cycle=run.cycle, period=run.period)
        resumed = VerificationRun.objects.filter(
            pk=run.pk, status=VerificationRun.Status.INTERRUPTED
        ).update(
            status=VerificationRun.Status.QUEUED,
            attempt=F("attempt") + 1,
            progress_at=timezone.now(),
            task_id=None,
            resumed_by=by,
            resumed_at=timezone.now(),
        )
        if not resumed:
            raise VerificationRefused(_("这次后台审核没有中断，不能继续。"))
        run.refresh_from_db()
    background_task_enqueue(
        task=values_verify_task, work=run, run_id=run.pk, language=get_language()
    )
    return run


def verification_run_discard(*, run: VerificationRun, by) -> None:
    """End an interrupted run (scoring.services.background) for good, as not done, saying who
    ended it: the values it verified stay so. Raises VerificationRefused for a run not
    interrupted."""
    with transaction.atomic():
        background_interrupted_mark(queryset=VerificationRun.objects.filter(pk=run.pk))
        ended = VerificationRun.objects.filter(
            pk=run.pk, status=VerificationRun.Status.INTERRUPTED
        ).update(
            status=VerificationRun.Status.FAILED,
            finished_at=timezone.now(),
            message=_("后台任务中断后，由 %(who)s 放弃。") % {"who": by},
        )
    if not ended:
        raise VerificationRefused(_("这次后台审核没有中断，不能放弃。"))
