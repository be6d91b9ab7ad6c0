"""The thousand-point indicator tree: its rules and how it is loaded."""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cadre.history import history_deferred
from cadre.models import UnitCategory
from scoring.models import OUTSIDE_THOUSAND, THOUSAND, Cycle, Indicator


@dataclass(frozen=True)
class TreeNode:
    """What the tree rules look at in one node, wherever it comes from (database or a sheet)."""

    code: str
    parent: str | None
    max_points: Decimal
    method: str

    @property
    def is_outside_thousand(self) -> bool:
        return self.method in OUTSIDE_THOUSAND


@dataclass(frozen=True)
class TreeProblem:
    """A broken tree rule: the node it concerns (None for the areas' total) and the field."""

    code: str | None
    field: str
    message: str


def tree_parent_loops(*, node) -> bool:
    """Return whether the node's parent is the node itself or one of its descendants: saved,
    such a node would hang outside its tree and every walk up the tree would never end."""
    if node.pk is None:
        return False
    seen = {node.pk}
    parent = node.parent
    while parent is not None:
        if parent.pk in seen:
            return True
        seen.add(parent.pk)
        parent = parent.parent
    return False


# Lazy: model clean() methods read it in the language of the request.
PARENT_LOOP = gettext_lazy("上级不能是本身或其下级。")


def tree_nodes_problems(*, nodes: list[TreeNode]) -> list[TreeProblem]:
    """Return one problem per broken rule of the tree made of the nodes.

    Children add up to their parent and the areas to 1000, bonus and veto indicators aside;
    a node with children carries no scoring method, a leaf needs one.
    """
    children = defaultdict(list)
    for node in nodes:
        children[node.parent].append(node)

    problems = []
    area_total = Decimal(0)
    for node in nodes:
        counted = [child for child in children[node.code] if not child.is_outside_thousand]
        if node.parent is None and not node.is_outside_thousand:
            area_total += node.max_points
        if children[node.code]:
            if node.method:
                problems.append(
                    TreeProblem(
                        node.code,
                        "method",
                        _("指标 %(code)s 有下级指标，不应设置计分方法。") % {"code": node.code},
                    )
                )
            child_sum = sum((child.max_points for child in counted), Decimal(0))
            if counted and child_sum != node.max_points:
                problems.append(
                    TreeProblem(
                        node.code,
                        "max_points",
                        _("%(code)s 的下级分值合计 %(sum)s，与其分值 %(max)s 不符。")
                        % {"code": node.code, "sum": child_sum, "max": node.max_points},
                    )
                )
        elif not node.method:
            problems.append(
                TreeProblem(
                    node.code, "method", _("末级指标 %(code)s 没有计分方法。") % {"code": node.code}
                )
            )
    if nodes and area_total != THOUSAND:
        problems.append(
            TreeProblem(
                None, "max_points", _("一级指标分值合计 %(sum)s，应为 1000。") % {"sum": area_total}
            )
        )
    # A total is earned / applicable maximum: with no leaf counted in the thousand, no unit
    # could earn a point.
    if nodes and not any(
        node.method and not node.is_outside_thousand and not children[node.code] for node in nodes
    ):
        problems.append(
            TreeProblem(
                None,
                "method",
                _("没有计入千分的末级指标（加分、一票否决指标之外），无法计算总分。"),
            )
        )
    return problems


def indicator_tree_problems(*, cycle: Cycle) -> list[str]:
    """Return one message per broken rule of the cycle's tree; an empty list means it is sound."""
    return cycles_tree_problems(cycles=[cycle]).get(cycle.pk, [])


def cycles_tree_problems(*, cycles) -> dict[int, list[str]]:
    """Return {cycle id: one message per broken rule of its tree} for the cycles whose tree
    breaks a rule, reading every cycle's nodes in one query (the cycles page lists them all)."""
    rows = Indicator.objects.filter(cycle__in=cycles).values_list(
        "cycle_id", "code", "parent__code", "max_points", "method"
    )
    nodes = defaultdict(list)
    for cycle_id, *node in rows:
        nodes[cycle_id].append(TreeNode(*node))
    problems = {
        cycle_id: [problem.message for problem in tree_nodes_problems(nodes=tree)]
        for cycle_id, tree in nodes.items()
    }
    for cycle in cycles:
        if cycle.pk not in nodes:
            problems[cycle.pk] = [_("还没有任何指标：请先在后台“考核指标”中建立或导入指标体系。")]
    return {cycle_id: messages for cycle_id, messages in problems.items() if messages}


def indicator_fields(*, row: dict) -> dict:
    """Return the fields an indicator row of the `indicators` sheet stores (code, parent and
    order aside), blank cells given the defaults the tree loads them with."""

    def given(key: str, default: Decimal) -> Decimal:
        return row[key] if row.get(key) is not None else default

    return {
        "name": row["name"],
        "max_points": row["max_points"],
        "method": row.get("method") or "",
        "frequency": row.get("frequency") or Indicator.Frequency.QUARTERLY,
        "target": row.get("target"),
        "floor": given("floor", Decimal("0")),
        "cap": given("cap", Decimal("1")),
        "lower_is_better": bool(row.get("lower_is_better")),
        "step": row.get("step"),
        "min_share": given("min_share", Decimal("0")),
        "per_incident": row.get("per_incident"),
        "lead_department": row.get("lead_department") or "",
    }


@history_deferred()
def indicator_tree_load(*, cycle: Cycle, rows: list[dict]) -> list[Indicator]:
    """Create the cycle's indicator tree from rows shaped like the `indicators` sheet.

    Rows are dicts of already-clean cells (codes, Decimals or None, booleans); parents come
    before their children. Returns the created indicators in row order. Writes no history:
    the caller records the tree once it is complete, categories and scorer accounts with it
    (`master_data_history_record`), instead of a row per node without them.
    """
    categories = {category.code: category for category in UnitCategory.objects.all()}
    created: dict[str, Indicator] = {}
    applicability = []
    for order, row in enumerate(rows, start=1):
        indicator = Indicator.objects.create(
            cycle=cycle,
            code=row["code"],
            parent=created[row["parent"]] if row.get("parent") else None,
            sort_order=order,
            **indicator_fields(row=row),
        )
        created[indicator.code] = indicator
        applicability += [
            Indicator.categories.through(indicator=indicator, unitcategory=categories[code])
            for code in row.get("categories") or []
        ]
    Indicator.categories.through.objects.bulk_create(applicability)
    return list(created.values())
