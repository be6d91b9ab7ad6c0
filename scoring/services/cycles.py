"""The life of a cycle: draft → open → closed → published, moved by admins only.

Every move is recorded in the cycle's history (who, when, old and new state, and the reason
for a reopening). Publishing freezes the results in a ResultSnapshot.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cadre.roles import ADMIN, user_has_role
from scoring.models import Cycle, RaterGroup, ResultSnapshot, UnitResult
from scoring.services.compute import following_year_flags_refresh
from scoring.services.refresh import results_refresh_all
from scoring.services.values import NOTE_REOPEN_PREFIX, SOURCE_CYCLES

State = Cycle.State
# The fields of a cycle that are settings of the scoring rules, kept with a snapshot.
SETTING_FIELDS = [
    f.name for f in Cycle._meta.get_fields() if getattr(f, "decimal_places", None) is not None
]
REOPEN_REASON_MAX = 80
# A forced recomputation's note in the cycle's history: this, then the reason as given.
NOTE_RECOMPUTE_PREFIX = "强制重新计算："


class CycleStateError(ValidationError):
    """The move is not allowed from the cycle's present state."""


def _cycle_move(
    *, cycle: Cycle, by, allowed_from: tuple[str, ...], to: str, note: str = ""
) -> Cycle:
    if not user_has_role(by, ADMIN):
        raise PermissionDenied(_("只有考核办可以改变考核周期的状态"))
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.state not in allowed_from:
        raise CycleStateError(
            _("%(cycle)s 当前为“%(state)s”，不能改为“%(to)s”")
            % {"cycle": cycle, "state": cycle.get_state_display(), "to": State(to).label}
        )
    cycle.state = to
    cycle._history_user = by
    cycle._change_reason = f"{SOURCE_CYCLES}：{note}" if note else SOURCE_CYCLES
    cycle.save(update_fields=["state", "updated_at"])
    # The following year's 重点调整 flags compare with this year only once it is final.
    following_year_flags_refresh(cycle=cycle)
    return cycle


def _reason_cleaned(reason: str, *, missing: str) -> str:
    """The reason on one line, refused with `missing` when blank or when too long to read in
    the history at a glance."""
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError(missing)
    if len(reason) > REOPEN_REASON_MAX:
        raise ValidationError(_("理由最多 %(max)s 个字，请精简") % {"max": REOPEN_REASON_MAX})
    return reason


@transaction.atomic
def cycle_open(*, cycle: Cycle, by) -> Cycle:
    """Open a draft cycle for entry."""
    return _cycle_move(cycle=cycle, by=by, allowed_from=(State.DRAFT,), to=State.OPEN)


@transaction.atomic
def cycle_close(*, cycle: Cycle, by) -> Cycle:
    """Close an open cycle: from now on nobody can change any of its inputs."""
    return _cycle_move(cycle=cycle, by=by, allowed_from=(State.OPEN,), to=State.CLOSED)


@transaction.atomic
def cycle_reopen(*, cycle: Cycle, by, reason: str) -> Cycle:
    """Open a closed or published cycle again, for a reason that is recorded."""
    reason = _reason_cleaned(reason, missing=_("重新开放必须说明理由"))
    return _cycle_move(
        cycle=cycle,
        by=by,
        allowed_from=(State.CLOSED, State.PUBLISHED),
        to=State.OPEN,
        # Stored untranslated, like the source: `source_label` translates it for the reader.
        note=f"{NOTE_REOPEN_PREFIX}{reason}",
    )


@transaction.atomic
def cycle_results_recompute(*, cycle: Cycle, locked_reason: str | None = None, by=None) -> None:
    """Recompute every result of the cycle from its inputs as they are now.

    A closed or published cycle keeps the results it was closed with: what changed in the
    master data since (a unit moved or retired) must not rewrite them. Such a cycle is
    recomputed only with `locked_reason`, recorded in its history as a reopening's reason is;
    its publication snapshot stays as published.
    """
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.is_locked:
        if locked_reason is None:
            raise CycleStateError(
                _(
                    "%(cycle)s 当前为“%(state)s”，结果已锁定，不能重新计算；"
                    "如需更正，请先重新开放该周期"
                )
                % {"cycle": cycle, "state": cycle.get_state_display()}
            )
        reason = _reason_cleaned(
            locked_reason, missing=_("重新计算已关闭或已发布周期的结果必须说明理由")
        )
        cycle._history_user = by
        cycle._change_reason = f"{NOTE_RECOMPUTE_PREFIX}{reason}"
        cycle.save(update_fields=["updated_at"])
    results_refresh_all(cycle=cycle)


@transaction.atomic
def cycle_publish(*, cycle: Cycle, by) -> ResultSnapshot:
    """Publish a closed cycle: compute its results once more and freeze them in a snapshot."""
    cycle = _cycle_move(cycle=cycle, by=by, allowed_from=(State.CLOSED,), to=State.PUBLISHED)
    results_refresh_all(cycle=cycle)
    return ResultSnapshot.objects.create(
        cycle=cycle,
        published_by=by,
        cycle_settings=_settings_frozen(cycle=cycle),
        results=_results_frozen(cycle=cycle),
    )


def _settings_frozen(*, cycle: Cycle) -> dict:
    settings = {name: str(getattr(cycle, name)) for name in SETTING_FIELDS}
    settings["rater_groups"] = {
        group.code: str(group.weight) for group in RaterGroup.objects.filter(cycle=cycle)
    }
    return settings


def _results_frozen(*, cycle: Cycle) -> list[dict]:
    rows = UnitResult.objects.filter(cycle=cycle).select_related("unit", "category")
    return [
        {
            "unit": row.unit.code,
            "unit_name": row.unit.name,
            "category": row.category.code,
            "period": row.period,
            "total": str(row.total),
            "rank": row.rank,
            "grade": row.grade,
            "vetoed": row.vetoed,
            "bonus": str(row.bonus),
            "adjustment": str(row.adjustment),
        }
        for row in rows
    ]
