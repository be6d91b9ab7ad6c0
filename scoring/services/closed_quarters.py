"""What a quarter closed on its own was scored with, and the changes that would alter it.

A quarter closed (or published) on its own keeps the results it was closed with:
`results_compute` no longer recomputes it. Its unit pages, though, explain those results from
the tree, the rater groups and the settings as they are now (`explain.py`), while the year
rolls up its points as stored. A change that the explanation reads would leave a stored score
beside a reason that no longer adds up to it, so it is refused, naming the quarters, until
they are reopened (with a reason) and computed again. A closed or published cycle refuses every
change already (`cycle_ensure_editable`): these rules are for the quarters of an open cycle.

What a closed quarter reads, and so what is refused:
- of each indicator scored in quarters (a leaf with a method, of quarterly frequency): its code
  (the stored points, the list of missing indicators and the explanation are keyed by it), its
  area (the stored area subtotals, which bonus and veto items stay out of), the categories it
  applies to, its method and the parameters that method reads (METHOD_READS). Adding or
  deleting one, moving it to another area, giving it children or changing its frequency alter
  the quarter too;
- of the cycle: the grade thresholds and the 优秀 share (every result's grade), the bonus cap
  where a quarterly bonus indicator has values in the quarter, the vote values where the
  quarter has votes; of a rater group, its weight where it has votes in the quarter;
- of a unit, its category where it has a result in the quarter: the year takes a unit's
  points of a closed quarter from those stored for its category, which in the new category
  holds none of it, so the year would count the quarter as 0 for it (see
  `unit_category_move_refusal`).
Read by no number, so allowed: names, order, lead departments, scorer accounts, a parameter the
method does not read (the target of a rank indicator), a summary node's maximum (its leaves'
maxima are what count, and the tree's rules hold it to them before any publication), annual
indicators, the quarter weights and the officials' α (the year only), the star share.
A change is refused only for the quarters holding results of a category it touches: a quarterly
indicator extended to a category that had no units in the quarter alters nothing stored.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db.models import Q
from django.utils.translation import gettext as _

from cadre.models import Unit
from cadre.words import listed
from scoring.models import (
    FROZEN_QUARTER_STATES,
    OUTSIDE_THOUSAND,
    QUARTER_STATE_FIELDS,
    QUARTERS,
    Cycle,
    Indicator,
    IndicatorValue,
    Method,
    Period,
    RaterGroup,
    UnitResult,
    Vote,
)
from scoring.services.indicators import VALUE_RULE_FIELDS
from scoring.services.values import CycleLockedError

# The parameters of an indicator that its method's points or explanation line may read.
PARAMETERS = [name for name in VALUE_RULE_FIELDS if name != "method"]
# Those each method reads (scoring.services.points, explain): a veto scores no points, so not
# even its maximum; every other maximum counts in the applicable maximum or caps a bonus.
METHOD_READS = {
    Method.DIRECT: ["max_points"],
    Method.BONUS: ["max_points"],
    Method.EVALUATION: ["max_points"],
    Method.COMPLETION: ["max_points", "target", "floor", "cap", "lower_is_better"],
    Method.RANK: ["max_points", "step", "min_share", "lower_is_better"],
    Method.BEST_RATIO: ["max_points", "lower_is_better"],
    Method.DEDUCTION: ["max_points", "per_incident"],
    Method.VETO: [],
}
# What places a node in the tree and its scoring, besides its parameters.
NODE_FIELDS = ["code", "parent", "method", "frequency", "categories"]
# The settings that grade every result of a period.
GRADE_SETTINGS = ["excellent_share", "excellent_min", "good_min", "fair_min"]
VOTE_SETTINGS = ["vote_excellent", "vote_competent", "vote_basic", "vote_incompetent"]
# The key of a node not saved yet, in a tree as a change would leave it.
NEW = "new"


@dataclass(frozen=True)
class QuarterNode:
    """What the scoring of a quarter may read of one node of the tree: `parent` is the key of
    its parent (its id; None for an area), `categories` those it applies to (empty: all)."""

    code: str
    parent: object
    method: str
    frequency: str
    categories: frozenset[int]
    parameters: dict = field(hash=False)


def quarter_node(*, indicator: Indicator, categories: Iterable[int]) -> QuarterNode:
    """The node as `indicator` carries it (saved or not), applying to `categories` (ids)."""
    return QuarterNode(
        code=indicator.code,
        parent=indicator.parent_id,
        method=indicator.method,
        frequency=indicator.frequency,
        categories=frozenset(categories),
        parameters={name: getattr(indicator, name) for name in PARAMETERS},
    )


def tree_nodes_load(*, cycle: Cycle) -> dict[object, QuarterNode]:
    """The cycle's stored tree, by node id, in two queries."""
    categories = defaultdict(set)
    for indicator_id, category_id in Indicator.categories.through.objects.filter(
        indicator__cycle=cycle
    ).values_list("indicator_id", "unitcategory_id"):
        categories[indicator_id].add(category_id)
    return {
        indicator.pk: quarter_node(indicator=indicator, categories=categories[indicator.pk])
        for indicator in Indicator.objects.filter(cycle=cycle).order_by()
    }


def _area_code(nodes: dict[object, QuarterNode], node: QuarterNode) -> str:
    seen = set()
    while node.parent in nodes and node.parent not in seen:
        seen.add(node.parent)
        node = nodes[node.parent]
    return node.code


def _quarter_leaves(nodes: dict[object, QuarterNode]) -> dict[object, tuple[tuple, frozenset]]:
    """Each node scored in quarters, by key: what its points and explanation read, and the
    categories it applies to."""
    parents = {node.parent for node in nodes.values()}
    leaves = {}
    for key, node in nodes.items():
        quarterly = node.frequency == Indicator.Frequency.QUARTERLY
        if not node.method or key in parents or not quarterly:
            continue
        area = None if node.method in OUTSIDE_THOUSAND else _area_code(nodes, node)
        read = METHOD_READS.get(node.method, PARAMETERS)
        rules = tuple(node.parameters[name] for name in read)
        leaves[key] = ((node.code, node.method, area, rules), node.categories)
    return leaves


def _categories_touched(*, before: dict, after: dict, every: frozenset[int]) -> frozenset[int]:
    """The categories among `every` whose quarterly scoring differs between the two trees."""
    old, new = _quarter_leaves(before), _quarter_leaves(after)
    touched = set()
    for key in old.keys() | new.keys():
        old_reads, old_categories = old.get(key, (None, None))
        new_reads, new_categories = new.get(key, (None, None))
        old_applies = (old_categories or every) if key in old else frozenset()
        new_applies = (new_categories or every) if key in new else frozenset()
        if old_reads != new_reads:
            touched |= old_applies | new_applies
        else:
            touched |= old_applies ^ new_applies
    return frozenset(touched) & every


@dataclass(frozen=True)
class ClosedQuarters:
    """The quarters of an open cycle closed on their own that hold results, each with the
    categories of its results. Empty for a cycle with no such quarter, and for a closed or
    published cycle, which refuses every change by itself."""

    cycle: Cycle
    categories: dict[str, frozenset[int]]

    @property
    def every(self) -> frozenset[int]:
        return frozenset().union(*self.categories.values())

    def holding(self, categories: Iterable[int]) -> list[str]:
        """The quarters, in order, holding results of any of the categories."""
        wanted = set(categories)
        return [q for q in QUARTERS if self.categories.get(q, frozenset()) & wanted]


def kept_quarters_notice(*, cycles: Iterable[Cycle]) -> str | None:
    """What the 考核办 is told after the units changed (a unit retired, added or moved) while
    quarters of cycles still taking input are closed, or None without such quarters: those
    quarters keep their results, and the year counts their points as closed (see
    `scoring.services.points`), 0 for a unit they did not assess."""
    kept = [
        f"{cycle} {listed(Period(quarter).label for quarter in cycle.frozen_quarters)}"
        for cycle in cycles
        if not cycle.is_locked and cycle.frozen_quarters
    ]
    if not kept:
        return None
    return _(
        "%(quarters)s已关闭，其结果保持关闭时的计算，全年也按这些季度关闭时的得分计入："
        "停止参加考核的单位不再计入全年，其他单位这些季度的得分不变；此后新增或调入类别的单位"
        "在这些季度按 0 分计。"
    ) % {"quarters": listed(kept)}


def units_change_notices(*, recomputed: list[Cycle]) -> list[str]:
    """What the 考核办 is told after a change of the units recomputed the cycles still taking
    input `recomputed` (see `results_refresh_unlocked`): which cycles, that closed and published
    cycles keep their results, and which closed quarters keep theirs. Empty when none was."""
    if not recomputed:
        return []
    notices = [
        _("已重新计算 %(cycles)s 的考核结果；已关闭或已发布的周期保持原结果。")
        % {"cycles": listed(recomputed)}
    ]
    kept = kept_quarters_notice(cycles=recomputed)
    if kept:
        notices.append(kept)
    return notices


def quarters_change_refusal(*, cycle: Cycle, quarters: list[str], what: str) -> str | None:
    """The message refusing the change `what` (e.g. 修改指标 A1.1 的分值) because it would
    alter the cycle's closed `quarters`, or None when there are none."""
    if not quarters:
        return None
    named = listed(Period(q).label for q in quarters)
    return _(
        "%(what)s会改变%(cycle)s %(quarters)s的得分或得分说明，而这些季度已关闭，"
        "结果保持关闭时的计算。如需修改，请先在“周期状态”页面重新开放%(quarters)s"
        "（须说明理由），改好后再关闭。"
    ) % {"what": what, "cycle": cycle, "quarters": named}


def closed_quarters_load(*, cycle: Cycle) -> ClosedQuarters:
    """The cycle's closed quarters with results (one query; none when no quarter is closed)."""
    frozen = [] if cycle.is_locked else cycle.frozen_quarters
    categories = defaultdict(set)
    if frozen:
        rows = (
            UnitResult.objects.filter(cycle=cycle, period__in=frozen)
            .order_by()
            .values_list("period", "category_id")
            .distinct()
        )
        for period, category_id in rows:
            categories[period].add(category_id)
    return ClosedQuarters(
        cycle=cycle, categories={q: frozenset(ids) for q, ids in categories.items()}
    )


class TreeChanges:
    """The trees of the cycles a sequence of node saves changes (an admin form's one save, an
    import's rows): each save is checked against the tree as stored, together with the saves
    made before it, and refused if a closed quarter would change. Reads each cycle's closed
    quarters and tree once, whatever the number of saves."""

    def __init__(self):
        # Per cycle id: its closed quarters, its tree as stored and as the saves leave it.
        self._cycles: dict[int, tuple[ClosedQuarters, dict, dict]] = {}
        # The node of each save checked and not made yet, by cycle id and key.
        self._checked: dict[tuple[int, object], QuarterNode] = {}

    def _of(self, cycle: Cycle) -> tuple[ClosedQuarters, dict, dict]:
        if cycle.pk not in self._cycles:
            closed = closed_quarters_load(cycle=cycle)
            stored = tree_nodes_load(cycle=cycle) if closed.categories else {}
            self._cycles[cycle.pk] = (closed, stored, dict(stored))
        return self._cycles[cycle.pk]

    @staticmethod
    def _key(indicator: Indicator):
        return indicator.pk if indicator.pk is not None else (NEW, indicator.code)

    def node_ensure(self, *, indicator: Indicator, categories: Iterable[int] | None) -> None:
        """Raise CycleLockedError, naming the quarters, when saving the indicator as it carries
        its fields (new or stored), applying to `categories` (ids; None: those it has, none
        for a new one), would alter a closed quarter of its cycle."""
        closed, stored, current = self._of(indicator.cycle)
        if not closed.categories:
            return
        key = self._key(indicator)
        if categories is None:
            categories = current[key].categories if key in current else ()
        node = quarter_node(indicator=indicator, categories=categories)
        touched = _categories_touched(
            before=stored, after={**current, key: node}, every=closed.every
        )
        what = _node_change_text(indicator=indicator, old=stored.get(key), new=node)
        refusal = quarters_change_refusal(
            cycle=closed.cycle, quarters=closed.holding(touched), what=what
        )
        if refusal:
            raise CycleLockedError(refusal)
        self._checked[indicator.cycle_id, key] = node

    def node_saved(self, *, indicator: Indicator) -> None:
        """Count the save of a node checked before in the checks of the saves after it, keyed
        by its id, by which the rows below name it as their parent."""
        node = self._checked.pop((indicator.cycle_id, (NEW, indicator.code)), None)
        node = self._checked.pop((indicator.cycle_id, indicator.pk), node)
        if node is not None:
            self._cycles[indicator.cycle_id][2][indicator.pk] = node


def _node_change_text(*, indicator: Indicator, old: QuarterNode | None, new: QuarterNode) -> str:
    """修改指标 A1.1 的分值、适用类别: the fields changed that a quarter may read."""
    if old is None:
        return _("新增指标 %(indicator)s") % {"indicator": indicator.code}
    read = {*NODE_FIELDS, *METHOD_READS.get(old.method, []), *METHOD_READS.get(new.method, [])}
    names = [
        name
        for name in [*NODE_FIELDS, *PARAMETERS]
        if name in read and _node_field(old, name) != _node_field(new, name)
    ]
    if not names:
        return _("修改指标 %(indicator)s") % {"indicator": old.code}
    fields = listed(Indicator._meta.get_field(name).verbose_name for name in names)
    return _("修改指标 %(indicator)s 的%(fields)s") % {"indicator": old.code, "fields": fields}


def _node_field(node: QuarterNode, name: str):
    return node.parameters[name] if name in node.parameters else getattr(node, name)


def indicators_deletion_refusals(*, indicators: Iterable[Indicator]) -> list[str]:
    """One message per indicator whose deletion (with its subtree, which goes with it) would
    alter a closed quarter of its cycle. Four queries per cycle of the indicators."""
    refusals = []
    by_cycle = defaultdict(list)
    for indicator in indicators:
        by_cycle[indicator.cycle_id].append(indicator)
    for cycle_id, deleted in by_cycle.items():
        cycle = Cycle.objects.get(pk=cycle_id)
        closed = closed_quarters_load(cycle=cycle)
        if not closed.categories:
            continue
        stored = tree_nodes_load(cycle=cycle)
        for indicator in deleted:
            subtree = _subtree(stored, indicator.pk)
            left = {key: node for key, node in stored.items() if key not in subtree}
            touched = _categories_touched(before=stored, after=left, every=closed.every)
            what = _("删除指标 %(indicator)s") % {"indicator": indicator.code}
            refusal = quarters_change_refusal(
                cycle=cycle, quarters=closed.holding(touched), what=what
            )
            if refusal:
                refusals.append(refusal)
    return refusals


def _subtree(nodes: dict[object, QuarterNode], root) -> set:
    children = defaultdict(list)
    for key, node in nodes.items():
        children[node.parent].append(key)
    found, waiting = set(), [root]
    while waiting:
        key = waiting.pop()
        if key not in found:
            found.add(key)
            waiting += children[key]
    return found


def rater_groups_change_refusals(*, rater_groups: Iterable[RaterGroup]) -> list[str]:
    """One message per rater group, carrying its weight as typed, whose new weight would alter
    a closed quarter: one with the group's votes. Two queries, whatever the groups."""
    changed = [group for group in rater_groups if group.pk is not None]
    stored = dict(
        RaterGroup.objects.filter(pk__in=[group.pk for group in changed]).values_list(
            "pk", "weight"
        )
    )
    changed = [group for group in changed if stored.get(group.pk, group.weight) != group.weight]
    if not changed:
        return []
    voted = defaultdict(set)
    for group_id, period in (
        Vote.objects.filter(rater_group__in=changed, period__in=QUARTERS)
        .order_by()
        .values_list("rater_group_id", "period")
        .distinct()
    ):
        voted[group_id].add(period)
    refusals = []
    for group in changed:
        frozen = [] if group.cycle.is_locked else group.cycle.frozen_quarters
        quarters = [q for q in frozen if q in voted[group.pk]]
        what = _("修改测评群体“%(group)s”的权重") % {"group": group.name}
        refusal = quarters_change_refusal(cycle=group.cycle, quarters=quarters, what=what)
        if refusal:
            refusals.append(refusal)
    return refusals


def cycle_settings_change_ensure_quarters_kept(*, cycle: Cycle) -> None:
    """Raise CycleLockedError, naming the quarters and the settings, when the cycle's settings
    as it carries them (not saved yet) would alter a closed quarter (see the module's rules)."""
    closed = closed_quarters_load(cycle=cycle)
    if not closed.categories:
        return
    stored = Cycle.objects.get(pk=cycle.pk)
    changed = {
        name
        for name in [*GRADE_SETTINGS, "bonus_cap", *VOTE_SETTINGS]
        if getattr(cycle, name) != getattr(stored, name)
    }
    frozen = list(closed.categories)
    # The quarters each changed setting alters, by setting.
    altered = dict.fromkeys(changed & set(GRADE_SETTINGS), set(frozen))
    if "bonus_cap" in changed:
        altered["bonus_cap"] = set(
            IndicatorValue.objects.filter(
                indicator__cycle=cycle,
                indicator__method=Method.BONUS,
                indicator__frequency=Indicator.Frequency.QUARTERLY,
                period__in=frozen,
            )
            .order_by()
            .values_list("period", flat=True)
            .distinct()
        )
    if changed & set(VOTE_SETTINGS):
        voted = set(
            Vote.objects.filter(indicator__cycle=cycle, period__in=frozen)
            .order_by()
            .values_list("period", flat=True)
            .distinct()
        )
        altered |= dict.fromkeys(changed & set(VOTE_SETTINGS), voted)
    names = [name for name in [*GRADE_SETTINGS, "bonus_cap", *VOTE_SETTINGS] if altered.get(name)]
    quarters = set().union(*(altered[name] for name in names))
    what = _("修改%(fields)s") % {
        "fields": listed(Cycle._meta.get_field(name).verbose_name for name in names)
    }
    refusal = quarters_change_refusal(
        cycle=cycle, quarters=[q for q in QUARTERS if q in quarters], what=what
    )
    if refusal:
        raise CycleLockedError(refusal)


@dataclass(frozen=True)
class Placing:
    """A unit's result in a quarter closed on its own: the cycle, the quarter and the category
    the unit was ranked in."""

    cycle: Cycle
    quarter: str
    category_id: int
    category_name: str


def closed_quarter_placings(*, unit_ids: Iterable[int] | None = None) -> dict[int, list[Placing]]:
    """The results, by unit, that units hold in the closed quarters of open cycles (of the
    given units, or of all): one query."""
    frozen = reduce(
        or_,
        (
            Q(period=quarter, **{f"cycle__{field}__in": FROZEN_QUARTER_STATES})
            for quarter, field in QUARTER_STATE_FIELDS.items()
        ),
    )
    results = UnitResult.objects.filter(frozen, cycle__state=Cycle.State.OPEN)
    if unit_ids is not None:
        results = results.filter(unit_id__in=list(unit_ids))
    placings = defaultdict(list)
    for result in results.select_related("cycle", "category").order_by("cycle__year", "period"):
        placings[result.unit_id].append(
            Placing(
                cycle=result.cycle,
                quarter=result.period,
                category_id=result.category_id,
                category_name=result.category.name,
            )
        )
    return placings


def unit_category_move_refusal(
    *, unit: Unit, category_id: int | None, placings: list[Placing]
) -> str | None:
    """The message refusing to move the unit to the category `category_id` (None: one not
    created yet), given its results in closed quarters (`closed_quarter_placings`), or None.

    Refused while the unit holds a result of another category in a closed quarter of an open
    cycle: that quarter keeps its ranking and points in the old category, while the year,
    still computed, takes a closed quarter's points from those stored for the unit's category
    (`scoring.services.points`), where the new one has none of the unit: the quarter would
    count 0 for it. A district then moves the unit once the year is closed
    (the move counts from the next year), or reopens the quarters to rank them anew."""
    moved = [placing for placing in placings if placing.category_id != category_id]
    by_cycle = defaultdict(list)
    for placing in moved:
        by_cycle[placing.cycle].append(placing)
    texts = []
    for cycle, held in by_cycle.items():
        quarters = listed(Period(placing.quarter).label for placing in held)
        texts.append(
            _(
                "单位 %(unit)s 在%(cycle)s %(quarters)s按类别“%(category)s”考核，这些季度已关闭；"
                "现在改变其类别，全年结果将不再计入其在这些季度的得分（按 0 分计）。请在该年度"
                "关闭后再调整类别，或先在“周期状态”页面重新开放%(quarters)s（须说明理由）。"
            )
            % {
                "unit": f"{unit.code} {unit.name}",
                "cycle": cycle,
                "quarters": quarters,
                "category": held[0].category_name,
            }
        )
    return " ".join(texts) or None


def unit_move_refusal(*, unit: Unit, category_id: int | None) -> str | None:
    """The message refusing to move the stored unit to the category `category_id`, or None
    (`unit_category_move_refusal`, reading the unit's results in closed quarters)."""
    placings = closed_quarter_placings(unit_ids=[unit.pk]).get(unit.pk, [])
    return unit_category_move_refusal(unit=unit, category_id=category_id, placings=placings)


def unit_moves_cycles_lock(*, also: Q | None = None) -> None:
    """Lock every cycle whose closed quarters may refuse moving a unit to another category
    (`unit_category_move_refusal`), and those `also` selects. Call inside a transaction, then
    check the moves again: a quarter closed (or given back by a reopened cycle) since they were
    checked would otherwise see a unit leave the category it was closed with. Closing a quarter
    locks its cycle too, so it waits for the move, or the move sees it closed.

    The cycles locked are the open ones (a quarter may close meanwhile) and those with a
    closed quarter, in one statement in the order of the ids: two writers lock their cycles
    alike, and so never each hold one the other waits for.
    """
    may_hold_closed_quarters = reduce(
        or_,
        (Q(**{f"{field}__in": FROZEN_QUARTER_STATES}) for field in QUARTER_STATE_FIELDS.values()),
        Q(state=Cycle.State.OPEN),
    )
    if also is not None:
        may_hold_closed_quarters |= also
    list(
        Cycle.objects.select_for_update()
        .filter(may_hold_closed_quarters)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
