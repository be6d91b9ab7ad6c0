"""Star-level certification (星级管理): the ten-star rule, computed bottom-up in one pass.

A household is ten-star by its record. Any other node is ten-star when its own record says
ten stars and at least the tree's share (0.80 by default) of its direct children are ten-star.
A committee, branch or member without any child is not ten-star: the rule certifies a node
by the people it leads, and a node that leads nobody has shown nothing to certify.
"""

from collections import defaultdict
from decimal import ROUND_DOWN, Decimal

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from talent.models import StarLevel, StarNode, StarTree, StarVerdict

TEN = 10
WRITE_BATCH = 2000
RESULT_FIELDS = ["is_ten_star", "verdict", "children_total", "children_ten_star"]
# The level of a node's children; households have none.
CHILD_LEVEL = {
    StarLevel.COMMITTEE: StarLevel.BRANCH,
    StarLevel.BRANCH: StarLevel.MEMBER,
    StarLevel.MEMBER: StarLevel.HOUSEHOLD,
}
PARENT_LEVEL = {child: parent for parent, child in CHILD_LEVEL.items()}
# Why a node cannot sit under a parent, per level the parent must have: a level's label is a
# heading ("Party branch"), so each sentence names its level in its own words.
PARENT_MISSING = {
    StarLevel.COMMITTEE: gettext_lazy("上级“%(parent)s”不存在或不是社区党委。"),
    StarLevel.BRANCH: gettext_lazy("上级“%(parent)s”不存在或不是党支部。"),
    StarLevel.MEMBER: gettext_lazy("上级“%(parent)s”不存在或不是党员。"),
}

# A household sits under a member, a branch and a committee: the most nodes above any node.
ABOVE_A_HOUSEHOLD = "__".join(["parent"] * len(PARENT_LEVEL))


def star_node_path(*, tree: StarTree, pk: int) -> list[StarNode]:
    """Return the tree's node `pk` preceded by the nodes above it, its committee first, read
    in one query whatever its level; empty when the tree has no such node."""
    node = StarNode.objects.select_related(ABOVE_A_HOUSEHOLD).filter(tree=tree, pk=pk).first()
    path = []
    while node is not None:
        path.insert(0, node)
        # A committee's missing parent is known from its parent_id, without asking for it.
        node = node.parent if node.parent_id else None
    return path


def star_parent_problem(*, level: str, parent: str, parent_level: str | None) -> str | None:
    """Return why a node of the level cannot sit under the parent named by its code ("" for
    none), whose level in the node's own tree is `parent_level` (None when the tree has no
    such node); None when it can. A committee has no parent; any other node sits under a node
    of the level just above its own."""
    wanted = PARENT_LEVEL.get(level)
    if wanted is None and parent:
        return _("社区党委没有上级，请留空。")
    if wanted is not None and parent_level != wanted:
        return PARENT_MISSING[wanted] % {"parent": parent}
    return None


def star_node_judge(*, node: StarNode, children: list[StarNode], share: Decimal) -> None:
    """Set the node's certification fields from its record and its already judged children."""
    node.children_total = len(children)
    node.children_ten_star = sum(1 for child in children if child.is_ten_star)
    own_ten = node.stars == TEN
    if node.level == StarLevel.HOUSEHOLD:
        node.is_ten_star, node.verdict = own_ten, StarVerdict.LEAF_RECORD
    elif not children:
        node.is_ten_star, node.verdict = False, StarVerdict.NO_CHILDREN
    elif not own_ten:
        node.is_ten_star, node.verdict = False, StarVerdict.OWN_RECORD
    # Compared as integers times an exact Decimal, so 80% of 10 is 8 exactly.
    elif node.children_ten_star >= share * node.children_total:
        node.is_ten_star, node.verdict = True, StarVerdict.CERTIFIED
    else:
        node.is_ten_star, node.verdict = False, StarVerdict.SHARE_BELOW


@transaction.atomic
def star_tree_certify(*, tree: StarTree) -> dict[str, int]:
    """Certify every node of the tree bottom-up; return the ten-star count per level.

    One query reads the nodes, the results are written with bulk_update in batches.
    """
    nodes = list(
        StarNode.objects.filter(tree=tree).only("pk", "parent_id", "level", "stars", *RESULT_FIELDS)
    )
    before = {node.pk: tuple(getattr(node, field) for field in RESULT_FIELDS) for node in nodes}
    children = defaultdict(list)
    for node in nodes:
        children[node.parent_id].append(node)
    for node in _bottom_up(children):
        star_node_judge(node=node, children=children[node.pk], share=tree.share)
    changed = [
        node
        for node in nodes
        if before[node.pk] != tuple(getattr(node, field) for field in RESULT_FIELDS)
    ]
    _results_write(changed)
    tree.certified_at = timezone.now()
    tree.save(update_fields=["certified_at"])
    counts = {level: 0 for level in StarLevel.values}
    for node in nodes:
        counts[node.level] += bool(node.is_ten_star)
    return counts


def _results_write(nodes: list[StarNode]) -> None:
    # Households, the bulk of any tree, share a handful of distinct results: one UPDATE per
    # result is much faster than a CASE per row. The few hundred other nodes go in bulk_update.
    households = defaultdict(list)
    for node in nodes:
        if node.level == StarLevel.HOUSEHOLD:
            households[tuple(getattr(node, field) for field in RESULT_FIELDS)].append(node.pk)
    for result, pks in households.items():
        for start in range(0, len(pks), WRITE_BATCH):
            StarNode.objects.filter(pk__in=pks[start : start + WRITE_BATCH]).update(
                **dict(zip(RESULT_FIELDS, result, strict=True))
            )
    others = [node for node in nodes if node.level != StarLevel.HOUSEHOLD]
    StarNode.objects.bulk_update(others, RESULT_FIELDS, batch_size=500)


def _bottom_up(children: dict) -> list[StarNode]:
    """Return the nodes so that every node comes after all of its children."""
    order, stack = [], list(children[None])
    while stack:
        node = stack.pop()
        order.append(node)
        stack.extend(children[node.pk])
    order.reverse()
    return order


def percent_text(value: Decimal) -> str:
    # Rounded down so that 79.999% never shows as 80% next to a refusal.
    return format((value * 100).quantize(Decimal("0.01"), rounding=ROUND_DOWN).normalize(), "f")


def star_node_reason(*, node: StarNode, share: Decimal) -> str:
    """Say in one line why the node is or is not ten-star."""
    if not node.verdict:
        return _("尚未认证")
    if node.verdict == StarVerdict.LEAF_RECORD:
        return _("本户记录 %(stars)s 星") % {"stars": node.stars}
    if node.verdict == StarVerdict.NO_CHILDREN:
        return _("没有下级，不能认证为十星")
    if node.verdict == StarVerdict.OWN_RECORD:
        return _("本级记录 %(stars)s 星，不是十星") % {"stars": node.stars}
    counted = _children_counted(
        level=CHILD_LEVEL[node.level], ten=node.children_ten_star, total=node.children_total
    )
    numbers = {
        "counted": counted,
        "pct": percent_text(node.children_share),
        "need": percent_text(share),
    }
    if node.verdict == StarVerdict.CERTIFIED:
        return _("%(counted)s，%(pct)s%% ≥ %(need)s%%") % numbers
    return _("%(counted)s，%(pct)s%% < %(need)s%%") % numbers


def _children_counted(*, level: str, ten: int, total: int) -> str:
    """Say how many of a node's children, all of the level, are ten-star ("5 of 5 party
    branches ten-star"), the level's noun agreeing with the number of children."""
    numbers = {"ten": ten, "total": total}
    if level == StarLevel.BRANCH:
        return (
            ngettext(
                "%(total)s 个党支部中 %(ten)s 个十星", "%(total)s 个党支部中 %(ten)s 个十星", total
            )
            % numbers
        )
    if level == StarLevel.MEMBER:
        return (
            ngettext(
                "%(total)s 个党员中 %(ten)s 个十星", "%(total)s 个党员中 %(ten)s 个十星", total
            )
            % numbers
        )
    return (
        ngettext(
            "%(total)s 个文明户中 %(ten)s 个十星", "%(total)s 个文明户中 %(ten)s 个十星", total
        )
        % numbers
    )


def star_tree_summary(*, tree: StarTree) -> list[dict]:
    """Return, per level, the number of nodes and of ten-star nodes (one query)."""
    counts = {
        row["level"]: row
        for row in StarNode.objects.filter(tree=tree)
        .values("level")
        .annotate(total=Count("pk"), ten_star=Count("pk", filter=Q(is_ten_star=True)))
    }
    return [
        {
            "level": level,
            "total": counts.get(level, {}).get("total", 0),
            "ten_star": counts.get(level, {}).get("ten_star", 0),
        }
        for level in StarLevel
    ]
