"""The talent registry: status transitions and yearly progress against targets."""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from talent.models import (
    Programme,
    Subsidy,
    Talent,
    TalentStatus,
    TalentStatusChange,
    TalentTarget,
)

# Where a talent may go from each status; arrived and dropped are final.
NEXT_STATUSES = {
    TalentStatus.TALKS: [TalentStatus.APPLIED, TalentStatus.ARRIVED, TalentStatus.DROPPED],
    TalentStatus.APPLIED: [TalentStatus.ARRIVED, TalentStatus.DROPPED],
    TalentStatus.ARRIVED: [],
    TalentStatus.DROPPED: [],
}


@transaction.atomic
def talent_status_change(
    *, talent: Talent, status: str, on: date, by=None, note: str = ""
) -> TalentStatusChange:
    """Move a talent to a new status on a date, today or earlier, and record the transition."""
    # Checked against the stored status, locked: of two changes sent at once, the second
    # waits and starts from where the first left the talent.
    talent = Talent.objects.select_for_update().get(pk=talent.pk)
    if status not in NEXT_STATUSES[talent.status]:
        raise ValidationError(
            _("%(name)s 当前状态为“%(current)s”，不能改为“%(new)s”。")
            % {
                "name": talent.name,
                "current": talent.get_status_display(),
                "new": TalentStatus(status).label,
            }
        )
    if on > timezone.localdate():
        raise ValidationError(
            _("变更日期 %(on)s 晚于今天：只能记录已经发生的状态变更。") % {"on": on.isoformat()}
        )
    if on < talent.status_date:
        raise ValidationError(
            _("变更日期 %(on)s 早于上一次状态日期 %(last)s。")
            % {"on": on.isoformat(), "last": talent.status_date.isoformat()}
        )
    talent.status = status
    talent.status_date = on
    talent.save(update_fields=["status", "status_date"])
    return TalentStatusChange.objects.create(
        talent=talent, status=status, date=on, changed_by=by, note=note
    )


ARRIVAL_UNDO_REASON_MAX = TalentStatusChange._meta.get_field("note").max_length


@transaction.atomic
def talent_arrival_undo(*, talent: Talent, by, reason: str) -> TalentStatusChange:
    """Set a talent marked 引进 by mistake back to the status they had before (在谈 when they
    were registered as arrived), dated today, and record why, who and when beside the
    arrival.

    Refused while a subsidy depends on the arrival: one pending or approved is paid to an
    arrived talent only, and is decided or withdrawn first.
    """
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError(_("撤销引进必须填写理由。"))
    if len(reason) > ARRIVAL_UNDO_REASON_MAX:
        raise ValidationError(
            _("撤销引进的理由最多 %(max)s 个字，请精简。") % {"max": ARRIVAL_UNDO_REASON_MAX}
        )
    # Locked as a subsidy's request and approval lock it: none slips in meanwhile.
    talent = Talent.objects.select_for_update().get(pk=talent.pk)
    if talent.status != TalentStatus.ARRIVED:
        raise ValidationError(
            _("%(name)s 当前状态为“%(current)s”，只有已引进的人才可以撤销引进。")
            % {"name": talent.name, "current": talent.get_status_display()}
        )
    dependants = list(
        talent.subsidies.filter(state__in=[Subsidy.State.PENDING, Subsidy.State.APPROVED])
        .select_related("talent")
        .order_by("pk")
    )
    if dependants:
        raise ValidationError(
            _(
                "%(name)s 有补贴依赖引进状态，不能撤销引进：%(subsidies)s。"
                "请先撤销已批准的补贴、对待审批的申请作出决定。"
            )
            % {
                "name": talent.name,
                "subsidies": pgettext("between clauses", "；").join(
                    f"{subsidy}（{subsidy.get_state_display()}）" for subsidy in dependants
                ),
            }
        )
    # The latest change that is not an arrival, in the order the changes were recorded.
    before = talent.status_changes.exclude(status=TalentStatus.ARRIVED).reverse()
    previous = before.values_list("status", flat=True).first() or TalentStatus.TALKS
    # Dated today, not back to the earlier status's date: the arrival recorded meanwhile stays
    # in the history before the correction, and a real arrival is dated after it.
    talent.status = previous
    talent.status_date = timezone.localdate()
    talent.save(update_fields=["status", "status_date"])
    return TalentStatusChange.objects.create(
        talent=talent,
        status=previous,
        date=talent.status_date,
        changed_by=by,
        note=reason,
        undoes_arrival=True,
    )


def talent_status_date_check(*, on: date) -> None:
    """Raise ValidationError when a new talent's status is dated after today (the district's
    day): a later status change could not be dated before it, nor after today."""
    if on > timezone.localdate():
        raise ValidationError(
            {
                "status_date": _("状态日期 %(on)s 晚于今天：只能登记已经发生的状态。")
                % {"on": on.isoformat()}
            }
        )


@transaction.atomic
def talent_register(*, talent: Talent, by=None) -> Talent:
    """Save a new talent, its status dated today or earlier, and record that status as its
    first transition."""
    talent.full_clean()
    talent_status_date_check(on=talent.status_date)
    talent.save()
    TalentStatusChange.objects.create(
        talent=talent, status=talent.status, date=talent.status_date, changed_by=by
    )
    return talent


def talent_registry_list(*, q: str = "", programme=None, status: str = "", year=None):
    """Return the registry's talents matching the page's filters (each one given narrows):
    the text in the name, employer or field, the programme, the status, the year."""
    talents = Talent.objects.select_related("programme")
    if q:
        talents = talents.filter(
            Q(name__icontains=q) | Q(employer__icontains=q) | Q(field__icontains=q)
        )
    if programme:
        talents = talents.filter(programme=programme)
    if status:
        talents = talents.filter(status=status)
    if year:
        talents = talents.filter(year=year)
    return talents


@dataclass(frozen=True)
class ProgrammeProgress:
    programme: Programme | None  # None for the year's total over the programmes
    target: int | None
    talks: int
    applied: int
    arrived: int
    dropped: int

    @property
    def share_arrived(self) -> int | None:
        """Percentage of the target arrived, whole percent, or None without a target."""
        if not self.target:
            return None
        return self.arrived * 100 // self.target


def talent_progress(*, year: int) -> list[ProgrammeProgress]:
    """Return, per programme, the year's target and its talents counted by status (2 queries)."""
    counts = {
        status: Count("talents", filter=Q(talents__year=year, talents__status=status))
        for status in TalentStatus.values
    }
    targets = dict(TalentTarget.objects.filter(year=year).values_list("programme_id", "target"))
    return [
        ProgrammeProgress(
            programme=programme,
            target=targets.get(programme.pk),
            talks=programme.talks,
            applied=programme.applied,
            arrived=programme.arrived,
            dropped=programme.dropped,
        )
        for programme in Programme.objects.annotate(**counts).order_by("sort_order", "code")
    ]


def talent_progress_total(*, rows: list[ProgrammeProgress]) -> ProgrammeProgress:
    """Return the total over the programmes' rows (the year's, or a level's): each status
    summed, and the targets set summed (None when no programme has one), so that its
    completion is the district's."""
    targets = [row.target for row in rows if row.target is not None]
    return ProgrammeProgress(
        programme=None,
        target=sum(targets) if targets else None,
        talks=sum(row.talks for row in rows),
        applied=sum(row.applied for row in rows),
        arrived=sum(row.arrived for row in rows),
        dropped=sum(row.dropped for row in rows),
    )


@dataclass(frozen=True)
class LevelProgress:
    """A programme level's programmes (国家级, 省级…) and their subtotal."""

    level: str
    rows: list[ProgrammeProgress]
    subtotal: ProgrammeProgress


def talent_progress_by_level(*, rows: list[ProgrammeProgress]) -> list[LevelProgress]:
    """Return the programmes' rows grouped by their level, each group with its subtotal, as the
    组织部's report groups them: the levels in the order of their first programme, each
    programme in its own order. A programme without a level forms a group of its own (an
    empty level)."""
    grouped: dict[str, list[ProgrammeProgress]] = {}
    for row in rows:
        grouped.setdefault(row.programme.level.strip(), []).append(row)
    return [
        LevelProgress(level=level, rows=level_rows, subtotal=talent_progress_total(rows=level_rows))
        for level, level_rows in grouped.items()
    ]


def talent_year_shown(*, years: list[int]) -> int:
    """Return the year the progress page opens on: this year, or, without talents or targets
    for it, the latest that has some. Targets set ahead for next year do not hide this one."""
    this_year = timezone.localdate().year
    if this_year in years or not years:
        return this_year
    return years[0]


def talent_years() -> list[int]:
    """Return every year that has a talent or a target, newest first."""
    years = set(Talent.objects.values_list("year", flat=True).distinct())
    years |= set(TalentTarget.objects.values_list("year", flat=True).distinct())
    return sorted(years, reverse=True)
