"""What may change on an indicator once scorers have entered values for it, and who scores it.

A stored value is checked by the rules of scoring.services.values when it is entered. Changing
the indicator afterwards (its maximum, its method or the method's parameters) must not leave
values those same rules would now refuse: they would be scored as they stand, above the
maximum, or as points where they were raw figures.
"""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from cadre.roles import SCORER
from cadre.words import listed
from scoring.models import Indicator, IndicatorValue, Period, RaterGroup, Vote
from scoring.services.cells import decimal_plain
from scoring.services.history import history_record
from scoring.services.values import cycle_ensure_editable, value_problem

# What a stored value means under each method. Between two methods of one meaning the values
# keep it and are checked again; any other change would read raw figures as points (or points
# as figures, counts as vetoes…), so it waits until the values are cleared. A summary node
# (no method) has no values.
VALUE_MEANING = {
    Indicator.Method.DIRECT: "points",
    Indicator.Method.BONUS: "points",
    Indicator.Method.COMPLETION: "figure",
    Indicator.Method.RANK: "figure",
    Indicator.Method.BEST_RATIO: "figure",
    Indicator.Method.DEDUCTION: "incidents",
    Indicator.Method.VETO: "veto",
    Indicator.Method.EVALUATION: "votes",
}
# The fields value_problem reads, through the method's rules: a change to any other field
# (name, order, lead department) leaves the values meaning what they meant. Frequency and
# categories are not among them: a value they no longer cover is left out of the scoring,
# not scored wrongly, and counts again if the change is undone.
VALUE_RULE_FIELDS = [
    "max_points",
    "method",
    "target",
    "floor",
    "cap",
    "lower_is_better",
    "step",
    "min_share",
    "per_incident",
]
# A message names this many cells, then gives the count: enough to find them, short to read.
CELLS_NAMED = 20


def indicator_change_validate(*, indicator: Indicator) -> None:
    """Raise ValidationError when saving the indicator as changed would leave stored values
    scored wrongly; do nothing for a new indicator or a harmless change.

    `indicator` carries the new field values, not saved yet. Refused, on the field changed:
    a method whose values mean something else (raw figures would become points, or the
    reverse) while values or votes exist; stored values that value_problem, the rule every
    value was entered by, now refuses (above a lowered maximum…), named by unit, period and
    value (the first CELLS_NAMED of them, and the count).
    """
    if indicator.pk is None:
        return
    stored = Indicator.objects.get(pk=indicator.pk)
    changed = [
        name for name in VALUE_RULE_FIELDS if getattr(indicator, name) != getattr(stored, name)
    ]
    if not changed:
        return
    if VALUE_MEANING.get(indicator.method) != VALUE_MEANING.get(stored.method):
        _method_change_validate(stored)
    if stored.method == Indicator.Method.EVALUATION != indicator.method:
        _rating_groups_validate(stored)
    values = (
        IndicatorValue.objects.filter(indicator=stored)
        .order_by("unit", "period")
        .values_list("unit__name", "period", "value")
    )
    refused = [
        f"{unit} {Period(period).label} {decimal_plain(value)}"
        for unit, period, value in values
        if value_problem(indicator=indicator, value=value)
    ]
    if refused:
        between = pgettext("between groups of a list", "，")
        shown = between.join(refused[:CELLS_NAMED] + (["…"] if len(refused) > CELLS_NAMED else []))
        message = _(
            "%(change)s 后，以下 %(count)s 个已填数值超出范围：%(cells)s；请先修改这些数值。"
        )
        raise ValidationError(
            {
                changed[0]: message
                % {
                    "change": _changes_text(indicator, changed),
                    "count": len(refused),
                    "cells": shown,
                }
            }
        )


def _rating_groups_validate(stored: Indicator) -> None:
    """Refuse to take the evaluation method from an indicator that rater groups name as one
    they rate: they would name an indicator no vote can be cast on."""
    groups = list(
        RaterGroup.objects.filter(indicators=stored).order_by("code").values_list("name", flat=True)
    )
    if groups:
        raise ValidationError(
            {
                "method": _(
                    "测评群体 %(groups)s 的评议指标包含该指标：请先从其评议指标中去掉，"
                    "再修改计分方法。"
                )
                % {"groups": listed(groups)}
            }
        )


def _method_change_validate(stored: Indicator) -> None:
    """Refuse to change the meaning of the stored indicator's values or votes."""
    values = IndicatorValue.objects.filter(indicator=stored).count()
    if values:
        raise ValidationError(
            {
                "method": _(
                    "该指标已有 %(count)s 个数值，不能改变计分方法；请先清除数值或新建指标。"
                )
                % {"count": values}
            }
        )
    votes = Vote.objects.filter(indicator=stored).count()
    if votes:
        raise ValidationError(
            {
                "method": _(
                    "该指标已有 %(count)s 条测评票数，不能改变计分方法；请先清除票数或新建指标。"
                )
                % {"count": votes}
            }
        )


def _changes_text(indicator: Indicator, names: list[str]) -> str:
    """Return what changed, as "分值改为 5、计分方法改为 加分"."""
    parts = []
    for name in names:
        field = Indicator._meta.get_field(name)
        value = getattr(indicator, name)
        if field.choices:
            shown = getattr(indicator, f"get_{name}_display")() or "—"
        elif isinstance(value, bool):
            shown = _("是") if value else _("否")
        else:
            shown = "—" if value is None else decimal_plain(value)
        parts.append(_("%(field)s改为 %(value)s") % {"field": field.verbose_name, "value": shown})
    return listed(parts)


def scorer_accounts() -> QuerySet:
    """Return the accounts that may score indicators: the users of the scorer group."""
    return get_user_model().objects.filter(groups__name=SCORER).order_by("username")


def indicator_owner_choices(*, indicator: Indicator) -> QuerySet:
    """Return the accounts an indicator's scorer picker offers: the active scorers, and the
    indicator's own scorer accounts, shown to be kept or taken away (one outside the scorer
    group is then refused by name, never dropped unseen)."""
    current = indicator.owners.values("pk") if indicator.pk is not None else []
    active = scorer_accounts().filter(is_active=True).values("pk")
    return (
        get_user_model().objects.filter(Q(pk__in=active) | Q(pk__in=current)).order_by("username")
    )


def owners_refusal(*, usernames: Iterable[str]) -> str:
    """Return the message refusing the named accounts as scorers of an indicator."""
    return _("只有评分员组的账号可以评分，以下账号不是评分员：%(names)s") % {
        "names": listed(usernames)
    }


def indicator_owners_problem(*, users: Iterable) -> str | None:
    """Return why the users cannot all score indicators (those outside the scorer group),
    or None. A liaison or a leader given an indicator could never open the entry grid."""
    users = list(users)
    scorers = set(
        scorer_accounts().filter(pk__in=[user.pk for user in users]).values_list("pk", flat=True)
    )
    outside = sorted(user.get_username() for user in users if user.pk not in scorers)
    return owners_refusal(usernames=outside) if outside else None


def indicator_owners_add(
    *, indicators: Iterable[Indicator], users: Iterable, by, source: str
) -> int:
    """Add the users to the scorer accounts of the indicators that have a scoring method
    (summary nodes take no values, so no scorer), keeping the accounts they have; return how
    many indicators that is. Each indicator that gains an account gets a history row, by `by`
    from `source`.

    Raises ValidationError for a user outside the scorer group and CycleLockedError for an
    indicator of a closed or published cycle, having changed nothing.
    """
    users = list(users)
    problem = indicator_owners_problem(users=users)
    if problem:
        raise ValidationError(problem)
    leaves = [indicator for indicator in indicators if indicator.method]
    for cycle in {indicator.cycle for indicator in leaves}:
        cycle_ensure_editable(cycle=cycle)
    through = Indicator.owners.through
    links = {(leaf.pk, user.pk) for leaf in leaves for user in users}
    links -= set(
        through.objects.filter(indicator__in=leaves, user__in=users).values_list(
            "indicator_id", "user_id"
        )
    )
    through.objects.bulk_create(
        [through(indicator_id=indicator_id, user_id=user_id) for indicator_id, user_id in links],
        # Another admin may give the same account at the same moment.
        ignore_conflicts=True,
    )
    history_record(
        queryset=Indicator.objects.filter(pk__in={indicator_id for indicator_id, _user in links}),
        reason=source,
        by=by,
        history_type="~",
    )
    return len(leaves)
