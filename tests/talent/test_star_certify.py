from decimal import Decimal

import pytest

from talent.models import StarLevel, StarNode, StarVerdict
from talent.services.star import star_node_reason, star_tree_certify

pytestmark = pytest.mark.django_db

TEN_STAR_MEMBER = (10, [10] * 10)
FALLEN_MEMBER = (10, [10] * 5 + [8] * 5)


def node(code):
    return StarNode.objects.get(code=code)


def test_a_branch_with_exactly_80_percent_ten_star_members_is_ten_star(star_tree, star_branch):
    star_branch([TEN_STAR_MEMBER] * 8 + [FALLEN_MEMBER] * 2)
    star_tree_certify(tree=star_tree)
    branch = node("C1-B1")
    assert (branch.is_ten_star, branch.children_ten_star, branch.children_total) == (True, 8, 10)
    assert star_node_reason(node=branch, share=star_tree.share) == (
        "10 个党员中 8 个十星，80% ≥ 80%"
    )


def test_a_member_with_799_of_1000_ten_star_households_is_refused(star_tree, star_branch):
    star_branch([(10, [10] * 799 + [9] * 201), (10, [10] * 800 + [9] * 200)])
    star_tree_certify(tree=star_tree)
    below, exact = node("C1-B1-M01"), node("C1-B1-M02")
    assert (below.is_ten_star, below.verdict) == (False, StarVerdict.SHARE_BELOW)
    assert star_node_reason(node=below, share=star_tree.share) == (
        "1000 个文明户中 799 个十星，79.9% < 80%"
    )
    assert exact.is_ten_star is True


def test_the_reason_names_the_shortfall_of_a_branch(star_tree, star_branch):
    star_branch([TEN_STAR_MEMBER] * 7 + [FALLEN_MEMBER] * 3)
    star_tree_certify(tree=star_tree)
    branch = node("C1-B1")
    assert branch.is_ten_star is False
    assert star_node_reason(node=branch, share=star_tree.share) == (
        "10 个党员中 7 个十星，70% < 80%"
    )
    # The committee's only branch fails, so the committee falls too: 0 of 1.
    committee = node("C1")
    assert (committee.is_ten_star, committee.children_ten_star) == (False, 0)


def test_a_non_leaf_without_children_is_not_ten_star(star_tree, star_branch):
    star_branch([TEN_STAR_MEMBER, (10, [])])
    star_tree_certify(tree=star_tree)
    lonely = node("C1-B1-M02")
    assert (lonely.is_ten_star, lonely.verdict, lonely.children_total) == (
        False,
        StarVerdict.NO_CHILDREN,
        0,
    )
    assert star_node_reason(node=lonely, share=star_tree.share) == "没有下级，不能认证为十星"
    # One of two members is ten-star: 50% < 80%, so the branch is refused because of it.
    assert node("C1-B1").verdict == StarVerdict.SHARE_BELOW


def test_households_count_by_their_record_and_members_by_their_own_record_too(
    star_tree, star_branch
):
    star_branch([(9, [10] * 10), TEN_STAR_MEMBER])
    star_tree_certify(tree=star_tree)
    household = StarNode.objects.filter(level=StarLevel.HOUSEHOLD).first()
    assert (household.is_ten_star, household.verdict) == (True, StarVerdict.LEAF_RECORD)
    own = node("C1-B1-M01")
    assert (own.is_ten_star, own.verdict) == (False, StarVerdict.OWN_RECORD)
    assert star_node_reason(node=own, share=star_tree.share) == "本级记录 9 星，不是十星"


def test_the_threshold_is_a_setting_of_the_tree(star_tree, star_branch):
    star_branch([TEN_STAR_MEMBER] * 7 + [FALLEN_MEMBER] * 3)
    star_tree.share = Decimal("0.70")
    star_tree.save()
    counts = star_tree_certify(tree=star_tree)
    assert counts == {"committee": 1, "branch": 1, "member": 7, "household": 85}


def test_certification_runs_in_a_fixed_number_of_queries(
    star_tree, star_branch, django_assert_max_num_queries
):
    star_branch([TEN_STAR_MEMBER] * 3)
    with django_assert_max_num_queries(8) as small:
        star_tree_certify(tree=star_tree)
    StarNode.objects.all().delete()
    star_branch([TEN_STAR_MEMBER] * 40 + [FALLEN_MEMBER] * 40)
    with django_assert_max_num_queries(8) as large:
        star_tree_certify(tree=star_tree)
    assert len(large.captured_queries) <= len(small.captured_queries) + 1


def test_a_second_pass_writes_nothing_new(star_tree, star_branch, django_assert_max_num_queries):
    star_branch([TEN_STAR_MEMBER] * 5)
    star_tree_certify(tree=star_tree)
    # Read nodes, save the tree's time, and the transaction's savepoints: no node updates.
    with django_assert_max_num_queries(4):
        star_tree_certify(tree=star_tree)
