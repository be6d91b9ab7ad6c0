"""Votes of the comprehensive evaluation (民主测评) and flexible adjustments (柔性考核)."""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from cadre.models import Unit
from scoring.models import Adjustment, Cycle, Indicator, RaterGroup, Vote
from scoring.services.refresh import results_refresh_for_changes
from scoring.services.values import cycle_ensure_editable

# More votes than a district has people in any rater group is a typing slip.
VOTE_COUNT_MAX = 100_000
# A flexible adjustment answers an objective cause (a disaster, a policy change): a tenth of the
# 1000 points either way is already a large one; beyond that it is a typing slip (1e3).
ADJUSTMENT_POINTS_MAX = Decimal(100)


@dataclass(frozen=True)
class VoteCounts:
    """The votes of one rater group: 优秀, 称职, 基本称职, 不称职."""

    rater_group: RaterGroup
    excellent: int
    competent: int
    basic: int
    incompetent: int


@transaction.atomic
def votes_save(
    *,
    cycle: Cycle,
    indicator: Indicator,
    unit: Unit,
    period: str,
    counts: list[VoteCounts],
    by,
    source: str,
) -> int:
    """Store the vote counts of each rater group for a unit; return how many groups changed."""
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    cycle_ensure_editable(cycle=cycle)
    if indicator.cycle_id != cycle.pk or indicator.method != Indicator.Method.EVALUATION:
        raise ValidationError(_("%(code)s 不是本周期的综合评价指标") % {"code": indicator.code})
    stored = {
        vote.rater_group_id: vote
        for vote in Vote.objects.select_for_update().filter(
            indicator=indicator, unit=unit, period=period
        )
    }
    creates, updates = [], []
    for count in counts:
        numbers = {name: getattr(count, name) for name in Vote.KINDS}
        if any(number < 0 for number in numbers.values()):
            raise ValidationError(_("票数不能为负数（%(group)s）") % {"group": count.rater_group})
        if any(number > VOTE_COUNT_MAX for number in numbers.values()):
            raise ValidationError(
                _("票数每项最多 %(max)s（%(group)s）")
                % {"max": VOTE_COUNT_MAX, "group": count.rater_group}
            )
        vote = stored.get(count.rater_group.pk)
        if vote is None:
            if any(numbers.values()):
                creates.append(
                    Vote(
                        indicator=indicator,
                        unit=unit,
                        period=period,
                        rater_group=count.rater_group,
                        **numbers,
                    )
                )
        elif any(getattr(vote, name) != number for name, number in numbers.items()):
            for name, number in numbers.items():
                setattr(vote, name, number)
            vote.updated_at = timezone.now()
            updates.append(vote)
    history = {"default_user": by, "default_change_reason": source}
    if creates:
        bulk_create_with_history(creates, Vote, **history)
    if updates:
        bulk_update_with_history(updates, Vote, [*Vote.KINDS, "updated_at"], **history)
    if creates or updates:
        results_refresh_for_changes(cycle=cycle, changes=[(unit, period)])
    return len(creates) + len(updates)


@transaction.atomic
def adjustment_create(
    *,
    cycle: Cycle,
    unit: Unit,
    period: str,
    points: Decimal,
    reason: str,
    approved_by: str,
    by,
    source: str,
) -> Adjustment:
    """Record a flexible adjustment of a unit's total, with its reason and approver.

    The points are not 0 and at most ADJUSTMENT_POINTS_MAX either way. An adjustment equal to
    one already recorded (unit, period, points and reason) is refused: it is the same form
    sent twice, and counting it twice would move the unit's total twice.
    """
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    cycle_ensure_editable(cycle=cycle)
    reason, approved_by = reason.strip(), approved_by.strip()
    if not reason or not approved_by:
        raise ValidationError(_("柔性考核调整必须写明事由和批准人"))
    problem = adjustment_points_problem(points=points)
    if problem:
        raise ValidationError(problem)
    # The cycle row is locked: a second copy sent at the same moment waits here and sees this one.
    if Adjustment.objects.filter(
        cycle=cycle, unit=unit, period=period, points=points, reason=reason
    ).exists():
        raise ValidationError(_("已记录过同一单位、期间、分值和事由的调整，未重复记录。"))
    adjustment = Adjustment(
        cycle=cycle,
        unit=unit,
        period=period,
        points=points,
        reason=reason,
        approved_by=approved_by,
        created_by=by,
    )
    adjustment._history_user = by
    adjustment._change_reason = source
    adjustment.save()
    results_refresh_for_changes(cycle=cycle, changes=[(unit, period)])
    return adjustment


def adjustment_points_problem(*, points: Decimal) -> str | None:
    """Return why an adjustment of `points` cannot be recorded, or None when it can."""
    if points == 0:
        return _("调整分值不能为 0")
    if abs(points) > ADJUSTMENT_POINTS_MAX:
        return _("柔性考核调整每项最多 ±%(max)s 分，实为 %(points)s") % {
            "max": ADJUSTMENT_POINTS_MAX,
            "points": points,
        }
    return None
