"""The star pages as a reader of either language sees them."""

import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook

from talent.models import StarNode, StarTree
from talent.services.star import star_node_path, star_tree_certify
from talent.views import MESSAGES_SHOWN

pytestmark = pytest.mark.django_db


def upload(rows, header=("代码", "名称", "层级", "上级", "记录星级")):
    book = Workbook()
    book.active.title = "星级认证"
    book.active.append(list(header))
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "star.xlsx"
    return buffer


def import_page(client, tree, rows, language):
    response = client.post(
        reverse("talent:star_import", args=[tree.pk]),
        {"file": upload(rows)},
        headers={"accept-language": language},
        follow=True,
    )
    return response.content.decode()


def test_an_english_page_imports_the_chinese_workbook_its_help_describes(
    client, admin_user, star_tree
):
    client.force_login(admin_user)
    rows = [
        ["C1", "站前社区党委", "社区党委", "", 10],
        ["C1-B1", "第一党支部", "党支部", "C1", 10],
        ["C1-B1-M1", "王伟", "党员", "C1-B1", 10],
        ["C1-B1-M1-H1", "一号户", "文明户", "C1-B1-M1", 10],
    ]
    page = import_page(client, star_tree, rows, "en")
    assert "4 rows imported and the tree certified again." in page
    assert "is not a level" not in page
    assert StarNode.objects.filter(is_ten_star=True).count() == 4


def test_a_workbook_wrong_on_every_row_lists_a_few_problems_and_counts_the_rest(
    client, admin_user, star_tree
):
    client.force_login(admin_user)
    rows = [[f"H{number}", f"{number}号户", "居委会", "", 10] for number in range(100)]
    page = import_page(client, star_tree, rows, "en")
    # The headline, the problems shown and the count of the others.
    assert page.count('<li class="msg-error">') == 1 + MESSAGES_SHOWN + 1
    assert "Found 100 problems; nothing was imported. Fix the file and upload it again." in page
    assert "row 2, column “层级”: “居委会” is not a level." in page
    assert "row 21, column" in page and "row 22, column" not in page
    assert "And 80 more problems." in page
    page = import_page(client, star_tree, rows[: MESSAGES_SHOWN + 1], "en")
    assert "And 1 more problem." in page
    page = import_page(client, star_tree, rows[: MESSAGES_SHOWN + 1], "zh-hans")
    assert "发现 21 个问题，没有导入任何数据。请修改文件后重新上传。" in page
    assert "另有 1 个问题未列出。" in page
    assert not StarNode.objects.exists()


def test_a_nodes_verdict_reads_as_one_sentence_in_english(client, leader, star_tree, star_branch):
    branch = star_branch([(10, [10] * 10)] * 7 + [(10, [10] * 5 + [9] * 5)] * 3)
    star_tree_certify(tree=star_tree)
    client.force_login(leader)
    url = reverse("talent:star_tree", args=[star_tree.pk])
    page = client.get(url, {"node": branch.pk}, headers={"accept-language": "en"}).content.decode()
    card = page.split('id="node-reason">')[1].split("</div>")[0].strip()
    assert card == (
        "<strong>Party branch 第3楼栋党支部</strong>: not ten-star — "
        "7 of 10 party members ten-star, 70% &lt; 80%"
    )
    member = StarNode.objects.get(code="C1-B1-M01")
    page = client.get(url, {"node": member.pk}, headers={"accept-language": "en"}).content.decode()
    card = page.split('id="node-reason">')[1].split("</div>")[0].strip()
    assert card == (
        "<strong>Party member 党员1</strong>: ten-star — 10 of 10 households ten-star, 100% ≥ 80%"
    )
    page = client.get(url, {"node": branch.pk}).content.decode()
    card = page.split('id="node-reason">')[1].split("</div>")[0].strip()
    assert card == (
        "<strong>党支部 第3楼栋党支部</strong>：不是十星 — 10 个党员中 7 个十星，70% &lt; 80%"
    )


def test_a_committee_with_one_branch_names_it_in_the_singular(
    client, leader, star_tree, star_branch
):
    star_branch([(10, [10])])
    star_tree_certify(tree=star_tree)
    client.force_login(leader)
    page = client.get(
        reverse("talent:star_tree", args=[star_tree.pk]), headers={"accept-language": "en"}
    ).content.decode()
    assert "1 of 1 party branch ten-star, 100% ≥ 80%" in page


def test_each_years_tree_is_reached_from_the_others(client, leader, star_tree):
    last_year = StarTree.objects.create(name="站前区2025年度星级管理", year=2025)
    client.force_login(leader)
    assert client.get(reverse("talent:star_trees")).url == reverse(
        "talent:star_tree", args=[star_tree.pk]
    )
    page = client.get(reverse("talent:star_tree", args=[star_tree.pk])).content.decode()
    trees = page.split('id="star-trees"')[1].split("</nav>")[0]
    last_year_url = reverse("talent:star_tree", args=[last_year.pk])
    assert f'href="{last_year_url}">站前区2025年度星级管理' in trees
    assert "aria-current" in trees.split("站前区2025")[0]


def test_a_households_page_leads_back_through_every_level_in_as_many_queries_as_a_committees(
    client, leader, star_tree, star_branch
):
    star_branch([(10, [10, 9])])
    star_tree_certify(tree=star_tree)
    client.force_login(leader)
    url = reverse("talent:star_tree", args=[star_tree.pk])
    committee = StarNode.objects.get(code="C1")
    household = StarNode.objects.filter(parent__code="C1-B1-M01").order_by("code").first()
    client.get(url, {"node": committee.pk})  # the session and the language settle first
    with CaptureQueriesContext(connection) as at_committee:
        client.get(url, {"node": committee.pk})
    with CaptureQueriesContext(connection) as at_household:
        page = client.get(url, {"node": household.pk}).content.decode()
    assert len(at_household) <= len(at_committee)  # a household has no children to list
    crumbs = page.split('<nav class="crumbs">')[1].split("</nav>")[0]
    assert re.findall(r">([^<]+)</a>", crumbs) == [
        "全区", "站前社区党委", "第3楼栋党支部", "党员1", household.name,
    ]  # fmt: skip


def test_a_node_of_another_tree_is_not_found_on_this_trees_page(
    client, leader, star_tree, star_branch
):
    branch = star_branch([(10, [10])])
    other = StarTree.objects.create(name="另一年", year=2025)
    client.force_login(leader)
    url = reverse("talent:star_tree", args=[other.pk])
    assert client.get(url, {"node": branch.pk}).status_code == 404
    for no_id in ("abc", "²", "9" * 5000):
        assert client.get(url, {"node": no_id}).status_code == 200


def test_a_nodes_path_from_its_committee_is_read_in_one_query(
    star_tree, star_branch, django_assert_num_queries
):
    star_branch([(10, [10])])
    household = StarNode.objects.get(parent__code="C1-B1-M01")
    with django_assert_num_queries(1):
        path = star_node_path(tree=star_tree, pk=household.pk)
        codes = [node.code for node in path]
    assert codes == ["C1", "C1-B1", "C1-B1-M01", household.code]
    other = StarTree.objects.create(name="另一年", year=2025)
    assert star_node_path(tree=other, pk=household.pk) == []
