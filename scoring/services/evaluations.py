"""Votes of the comprehensive evaluation (民主测评) and flexible adjustments (柔性考核)."""

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import CharField, Count, F, Q, Value
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from cadre.models import Unit
from cadre.words import listed
from scoring.models import Adjustment, Cycle, Indicator, RaterGroup, Vote
from scoring.services.refresh import results_refresh_for_changes
from scoring.services.values import (
    CellConflict,
    SaveReport,
    cycle_ensure_editable,
    cycle_ensure_takes_values,
    reason_cleaned,
)

# More votes than a district has people in any rater group is a typing slip.
VOTE_COUNT_MAX = 100_000
# A flexible adjustment answers an objective cause (a disaster, a policy change): a tenth of the
# 1000 points either way is already a large one; beyond that it is a typing slip (1e3).
ADJUSTMENT_POINTS_MAX = Decimal(100)
# A withdrawal's note after its source in the adjustment's history: this, then the reason as
# typed, which is kept short enough for the whole to fit the history field (100 characters).
NOTE_WITHDRAW_PREFIX = "撤销："


@dataclass(frozen=True)
class VoteCounts:
    """The votes of one rater group as typed: 优秀, 称职, 基本称职, 不称职 (None: left blank).

    `version` is the version of the stored row the editor saw, as in CellInput: 0 when no row
    was there, None to skip the check.
    """

    rater_group: RaterGroup
    excellent: int | None
    competent: int | None
    basic: int | None
    incompetent: int | None
    version: int | None = None

    @property
    def is_blank(self) -> bool:
        return all(getattr(self, kind) is None for kind in Vote.KINDS)


def vote_counts_text(votes) -> str:
    """Return the four counts of a Vote or VoteCounts as one text, best first: 30/10/0/0."""
    return vote_numbers_text([getattr(votes, kind) for kind in Vote.KINDS])


def vote_numbers_text(counts: Sequence[int | None]) -> str:
    """Return four counts, best first, as one text: 30/10/0/0 (— for a count left blank)."""
    return "/".join("—" if count is None else str(count) for count in counts)


def _user_name(user) -> str:
    """Return how a person is named to others: their full name, else their login name."""
    return (user.get_full_name() or user.get_username()) if user else ""


# A vote row's key: unit, indicator, period and rater group ids.
VoteKey = tuple[int, int, str, int]


@dataclass(frozen=True)
class VoteRow:
    """One rater group's counts for a unit, an evaluation indicator and a period."""

    indicator: Indicator
    unit: Unit
    period: str
    counts: VoteCounts

    @property
    def key(self) -> VoteKey:
        return (self.unit.pk, self.indicator.pk, self.period, self.counts.rater_group.pk)


@dataclass(frozen=True)
class GroupsRated:
    """What each rater group rates (双向考核): the unit categories and the evaluation
    indicators it names, by group id; a group naming none of either rates them all."""

    categories: dict[int, set[int]]
    indicators: dict[int, set[int]]

    def rates_category(self, *, group_id: int, category_id: int) -> bool:
        return group_id not in self.categories or category_id in self.categories[group_id]

    def rates_indicator(self, *, group_id: int, indicator_id: int) -> bool:
        return group_id not in self.indicators or indicator_id in self.indicators[group_id]

    def rates(self, *, group_id: int, category_id: int, indicator_id: int) -> bool:
        return self.rates_category(
            group_id=group_id, category_id=category_id
        ) and self.rates_indicator(group_id=group_id, indicator_id=indicator_id)


def rater_groups_rated(group_ids: Iterable[int]) -> GroupsRated:
    """Return what the rater groups rate, in one query."""
    ids = list(group_ids)
    kind = CharField()
    categories = (
        RaterGroup.categories.through.objects.filter(ratergroup_id__in=ids)
        .annotate(kind=Value("category", output_field=kind))
        .values_list("ratergroup_id", "unitcategory_id", "kind")
    )
    indicators = (
        RaterGroup.indicators.through.objects.filter(ratergroup_id__in=ids)
        .annotate(kind=Value("indicator", output_field=kind))
        .values_list("ratergroup_id", "indicator_id", "kind")
    )
    rated = GroupsRated(categories={}, indicators={})
    for group_id, named_id, named in categories.union(indicators, all=True):
        links = rated.categories if named == "category" else rated.indicators
        links.setdefault(group_id, set()).add(named_id)
    return rated


def rater_group_categories_refusals(*, group: RaterGroup, categories) -> list[str]:
    """Refuse categories for the group that leave out units it has votes for: those votes
    would still count while neither the votes page nor the template showed them (one query)."""
    if group.pk is None or not categories:
        return []
    left_out = sorted(
        set(
            Vote.objects.filter(rater_group=group)
            .exclude(unit__category__in=categories)
            .values_list("unit__category__name", flat=True)
        )
    )
    if not left_out:
        return []
    return [
        _("测评群体“%(group)s”已有%(categories)s单位的票数，评议类别须包含这些类别")
        % {"group": group, "categories": listed(left_out)}
    ]


def rater_group_indicators_refusals(
    *, group: RaterGroup, cycle: Cycle | None, indicators
) -> list[str]:
    """Refuse indicators for the group of the cycle that are no evaluation indicators of the
    cycle, or that leave out indicators it has votes for: those votes would still count while
    neither the votes page nor the template showed them (one query)."""
    refusals = [
        _("%(code)s 不是本周期的综合评价指标") % {"code": indicator.code}
        for indicator in indicators
        if indicator.cycle_id != getattr(cycle, "pk", None)
        or indicator.method != Indicator.Method.EVALUATION
    ]
    if group.pk is None or not indicators:
        return refusals
    left_out = sorted(
        set(
            Vote.objects.filter(rater_group=group)
            .exclude(indicator__in=indicators)
            .values_list("indicator__code", flat=True)
        )
    )
    if left_out:
        refusals.append(
            _("测评群体“%(group)s”已有指标 %(codes)s 的票数，评议指标须包含这些指标")
            % {"group": group, "codes": listed(left_out)}
        )
    return refusals


@dataclass(frozen=True)
class CycleRaterGroups:
    """The rater groups of a cycle, by code, and what each rates."""

    groups: list[RaterGroup]
    rated: GroupsRated

    def rating(self, *, category_id: int, indicator_id: int) -> list[RaterGroup]:
        """Return the groups that rate the units of the category on the indicator."""
        return [
            group
            for group in self.groups
            if self.rated.rates(
                group_id=group.pk, category_id=category_id, indicator_id=indicator_id
            )
        ]


def rater_groups_of_cycle(*, cycle: Cycle) -> CycleRaterGroups:
    """Return the cycle's rater groups and what each rates (two queries)."""
    groups = list(RaterGroup.objects.filter(cycle=cycle).order_by("code"))
    return CycleRaterGroups(groups=groups, rated=rater_groups_rated(group.pk for group in groups))


def votes_complete_counted(
    *, raters: CycleRaterGroups, indicator_ids: Iterable[int], period: str
) -> Counter[tuple[int, int]]:
    """Count, per indicator and unit category, the active units whose every rater group of
    `raters` rating them on the indicator has votes in for the period: the units
    votes_progress marks complete (✓). One query: the rating groups' votes counted per unit
    and then per number of groups in; a subquery per vote asking which groups rate its unit
    took 0.1 s of PostgreSQL CPU for a province's 40,000 annual votes."""
    ids = list(indicator_ids)
    if not (ids and raters.groups):
        return Counter()
    per_unit = (
        Vote.objects.filter(_cast_by_rating_group(raters), indicator_id__in=ids, period=period)
        .filter(unit__is_active=True)
        .order_by()
        .values(
            indicator_key=F("indicator_id"),
            category_key=F("unit__category_id"),
            unit_key=F("unit_id"),
        )
        # One vote row per rater group (vote_unique): its rows are its groups with votes in.
        .annotate(groups_in=Count("pk"))
    )
    sql, params = per_unit.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indicator_key, category_key, groups_in, COUNT(*) "
            f"FROM ({sql}) per_unit GROUP BY indicator_key, category_key, groups_in",
            params,
        )
        counted = cursor.fetchall()
    complete: Counter[tuple[int, int]] = Counter()
    for indicator_id, category_id, groups_in, units in counted:
        rating = raters.rating(category_id=category_id, indicator_id=indicator_id)
        if groups_in == len(rating):
            complete[indicator_id, category_id] += units
    return complete


def _cast_by_rating_group(raters: CycleRaterGroups) -> Q:
    """The condition on a vote that its group rates the vote's unit on its indicator, spelt out
    from what each group rates (a district has a handful of groups)."""
    rating = Q(pk__in=[])
    for group in raters.groups:
        rated = Q(rater_group_id=group.pk)
        if group.pk in raters.rated.categories:
            rated &= Q(unit__category_id__in=raters.rated.categories[group.pk])
        if group.pk in raters.rated.indicators:
            rated &= Q(indicator_id__in=raters.rated.indicators[group.pk])
        rating |= rated
    return rating


@dataclass(frozen=True)
class UnitVotesProgress:
    """How many of the rater groups rating a unit on an indicator have its votes in."""

    unit: Unit
    entered: int
    rating: int

    @property
    def is_complete(self) -> bool:
        return 0 < self.rating == self.entered


@dataclass(frozen=True)
class VotesProgress:
    """Each unit's progress on an indicator, in order, with the units whose every rating group
    is in (complete) and those with some but not all (partial) counted."""

    units: list[UnitVotesProgress]
    complete: int
    partial: int


def votes_progress(
    *, raters: CycleRaterGroups, indicator: Indicator, period: str, units: list[Unit]
) -> VotesProgress:
    """Return, for each unit in order, how many of the rater groups rating it on the indicator
    have its votes in for the period, and how many units are complete or partly entered (one
    query). A group's row of 0 votes is in: a group that did not vote is entered so."""
    entered: dict[int, set[int]] = {}
    votes = Vote.objects.filter(indicator=indicator, period=period)
    for unit_id, group_id in votes.values_list("unit_id", "rater_group_id"):
        entered.setdefault(unit_id, set()).add(group_id)
    # What groups rate depends on the unit's category alone: asked once per category, not
    # for each of a province's thousands of units.
    rating = {
        category_id: {
            group.pk for group in raters.rating(category_id=category_id, indicator_id=indicator.pk)
        }
        for category_id in {unit.category_id for unit in units}
    }
    rows = [
        UnitVotesProgress(
            unit=unit,
            entered=len(entered.get(unit.pk, set()) & rating[unit.category_id]),
            rating=len(rating[unit.category_id]),
        )
        for unit in units
    ]
    complete = sum(row.is_complete for row in rows)
    begun = sum(row.entered > 0 for row in rows)
    return VotesProgress(units=rows, complete=complete, partial=begun - complete)


def votes_of_unit(*, indicator: Indicator, unit: Unit, period: str) -> dict[int, Vote]:
    """Return the unit's votes on the indicator for the period, by rater group id (one query)."""
    votes = Vote.objects.filter(indicator=indicator, unit=unit, period=period)
    return {vote.rater_group_id: vote for vote in votes}


def votes_save(
    *,
    cycle: Cycle,
    indicator: Indicator,
    unit: Unit,
    period: str,
    counts: list[VoteCounts],
    by,
    source: str,
) -> SaveReport:
    """Store the vote counts of each rater group for a unit (see votes_save_many); the report's
    refusals are keyed by rater group id."""
    rows = [VoteRow(indicator=indicator, unit=unit, period=period, counts=row) for row in counts]
    report = votes_save_many(cycle=cycle, rows=rows, by=by, source=source)
    report.errors = {key[3]: error for key, error in report.errors.items()}
    report.conflicts = {key[3]: conflict for key, conflict in report.conflicts.items()}
    return report


@transaction.atomic
def votes_save_many(
    *, cycle: Cycle, rows: list[VoteRow], by, source: str, all_or_none: bool = False
) -> SaveReport:
    """Store the vote counts of the rows, keep the valid ones and report why the others were
    refused, keyed by VoteKey; with `all_or_none`, write nothing when any row is refused.

    Rows obey what values_save applies to values: a row left blank stores nothing and cannot
    clear a stored one (a count left blank beside others is 0); a row someone else changed
    since the editor loaded it is refused as a conflict naming who, never overwritten (the
    page then shows the row as stored now). An indicator that is no evaluation indicator of
    the cycle, or a count that is negative or beyond VOTE_COUNT_MAX, refuses the whole save.
    The stored rows are read and locked in one query, and the results of the touched units'
    categories refreshed once.
    """
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    cycle_ensure_takes_values(cycle=cycle, by=by, periods={row.period for row in rows})
    for indicator in {row.indicator for row in rows}:
        if indicator.cycle_id != cycle.pk or indicator.method != Indicator.Method.EVALUATION:
            raise ValidationError(_("%(code)s 不是本周期的综合评价指标") % {"code": indicator.code})
    rated = rater_groups_rated({row.counts.rater_group.pk for row in rows})
    for row in rows:
        _vote_counts_check(row.counts)
        group = row.counts.rater_group
        if not rated.rates_category(group_id=group.pk, category_id=row.unit.category_id):
            raise ValidationError(
                _("测评群体“%(group)s”不评议%(category)s的单位（%(unit)s）")
                % {"group": group, "category": row.unit.category, "unit": row.unit}
            )
        if not rated.rates_indicator(group_id=group.pk, indicator_id=row.indicator.pk):
            raise ValidationError(
                _("测评群体“%(group)s”不评议指标 %(code)s")
                % {"group": group, "code": row.indicator.code}
            )
    stored = _votes_stored(rows)
    report, stale = SaveReport(), {}
    creates, updates, changed = [], [], []
    for row in rows:
        count, key = row.counts, row.key
        vote = stored.get(key)
        if count.is_blank:
            if vote is not None and count.version:
                report.errors[key] = _("已填报的票数不能清空；该群体未投票请填 0")
            continue
        numbers = {name: getattr(count, name) or 0 for name in Vote.KINDS}
        if vote is None:
            if count.version:
                # Deleted since the editor loaded it (a workbook import replaces the cycle).
                report.conflicts[key] = CellConflict(value=None, version=0, by="")
                continue
            creates.append(
                Vote(
                    indicator=row.indicator,
                    unit=row.unit,
                    period=row.period,
                    rater_group=count.rater_group,
                    **numbers,
                )
            )
            changed.append((row.unit, row.period))
        elif all(getattr(vote, name) == number for name, number in numbers.items()):
            report.unchanged += 1
        elif count.version is not None and count.version != vote.version:
            stale[key] = vote
        else:
            for name, number in numbers.items():
                setattr(vote, name, number)
            vote.version += 1
            vote.updated_at = timezone.now()
            updates.append(vote)
            changed.append((row.unit, row.period))
    # A row has no single value: the conflict names who saved it and its version, and the
    # page shows its counts as stored now.
    changed_by = _votes_last_changed_by(stale.values())
    for key, vote in stale.items():
        report.conflicts[key] = CellConflict(
            value=None, version=vote.version, by=changed_by.get(vote.pk, "")
        )
    if all_or_none and report.refused:
        return report
    history = {"default_user": by, "default_change_reason": source}
    if creates:
        bulk_create_with_history(creates, Vote, **history)
    if updates:
        fields = [*Vote.KINDS, "version", "updated_at"]
        bulk_update_with_history(updates, Vote, fields, **history)
    report.created, report.updated = len(creates), len(updates)
    if changed:
        results_refresh_for_changes(cycle=cycle, changes=changed)
    return report


def _votes_stored(rows: list[VoteRow]) -> dict[VoteKey, Vote]:
    """Read and lock the stored votes of the rows in one query, by their key."""
    if not rows:
        return {}
    votes = Vote.objects.select_for_update().filter(
        indicator_id__in={row.indicator.pk for row in rows},
        unit_id__in={row.unit.pk for row in rows},
        period__in={row.period for row in rows},
        rater_group_id__in={row.counts.rater_group.pk for row in rows},
    )
    return {
        (vote.unit_id, vote.indicator_id, vote.period, vote.rater_group_id): vote for vote in votes
    }


def _vote_counts_check(count: VoteCounts) -> None:
    numbers = [n for n in (getattr(count, name) for name in Vote.KINDS) if n is not None]
    if any(number < 0 for number in numbers):
        raise ValidationError(_("票数不能为负数（%(group)s）") % {"group": count.rater_group})
    if any(number > VOTE_COUNT_MAX for number in numbers):
        raise ValidationError(
            _("票数每项最多 %(max)s（%(group)s）")
            % {"max": VOTE_COUNT_MAX, "group": count.rater_group}
        )


def _votes_last_changed_by(votes) -> dict[int, str]:
    """Return {vote id: who saved it last} from the votes' history, in one query (none when no
    vote is given): a vote keeps no author of its own."""
    ids = [vote.pk for vote in votes]
    if not ids:
        return {}
    records = (
        Vote.history.filter(id__in=ids)
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    # The newest record of each vote comes last and wins.
    return {record.id: _user_name(record.history_user) for record in records}


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
    cycle_ensure_editable(cycle=cycle, periods=[period])
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


@transaction.atomic
def adjustment_withdraw(*, cycle: Cycle, adjustment_id: int, reason: str, by, source: str) -> None:
    """Withdraw an adjustment recorded by mistake, for a reason that is recorded.

    It no longer counts: the row goes, and so every reader of adjustments (the results, the
    workbook, the dashboards) leaves it out, while its history keeps it with who withdrew it,
    when and why (`adjustments_withdrawn`). The unit's results of the period are refreshed.
    """
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    cycle_ensure_editable(cycle=cycle)
    reason = reason_cleaned(reason, missing=_("撤销调整须说明理由"))
    # The cycle row is locked: an adjustment withdrawn at the same moment by someone else is
    # gone when this one looks.
    adjustment = Adjustment.objects.filter(pk=adjustment_id, cycle=cycle).first()
    if adjustment is None:
        raise ValidationError(_("该调整已被撤销或删除"))
    cycle_ensure_editable(cycle=cycle, periods=[adjustment.period])
    adjustment._history_user = by
    adjustment._change_reason = f"{source}：{NOTE_WITHDRAW_PREFIX}{reason}"
    adjustment.delete()
    results_refresh_for_changes(cycle=cycle, changes=[(adjustment.unit, adjustment.period)])


def adjustments_withdrawn(*, cycle: Cycle) -> list:
    """Return the cycle's withdrawn adjustments, newest first (one query): their history rows,
    which name who withdrew each one (`history_user`) and when (`history_date`), with the
    reason given in `withdrawal_reason`."""
    note = f"：{NOTE_WITHDRAW_PREFIX}"
    records = list(
        Adjustment.history.filter(
            cycle_id=cycle.pk, history_type="-", history_change_reason__contains=note
        )
        .select_related("unit", "created_by", "history_user")
        .order_by("-history_date", "-history_id")
    )
    for record in records:
        record.withdrawal_reason = record.history_change_reason.partition(note)[2]
    return records
