import io
import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from talent.forms import NUL_IN_SEARCH
from talent.models import (
    AwardRound,
    Nomination,
    Programme,
    StarNode,
    Subsidy,
    Talent,
    TalentTarget,
)
from talent.services.awards import review_scores_save
from talent.services.star import star_tree_certify
from talent.services.subsidies import subsidy_approve

pytestmark = pytest.mark.django_db


def test_a_leaders_refused_decision_leaves_the_subsidy_pending(client, leader, make_subsidy):
    # Who gets which status is in tests/test_permissions.py; this checks nothing was written.
    client.force_login(leader)
    subsidy = make_subsidy("100")
    response = client.post(
        reverse("talent:subsidy_decide", args=[subsidy.pk]), {"decision": "approve"}
    )
    assert response.status_code == 403
    subsidy.refresh_from_db()
    assert subsidy.state == Subsidy.State.PENDING


def test_contact_data_is_shown_to_admins_only(client, admin_user, leader, make_talent):
    make_talent(phone="13812345678")
    client.force_login(leader)
    assert "13812345678" not in client.get(reverse("talent:registry")).content.decode()
    client.force_login(admin_user)
    assert "13812345678" in client.get(reverse("talent:registry")).content.decode()


def test_the_registry_searches_and_filters(client, leader, make_talent):
    make_talent(name="王芳", employer="蓝海生物", status="arrived")
    make_talent(name="李明", employer="智造装备")
    client.force_login(leader)
    page = client.get(reverse("talent:registry"), {"q": "蓝海"}).content.decode()
    assert "王芳" in page and "李明" not in page
    page = client.get(reverse("talent:registry"), {"status": "talks"}).content.decode()
    assert "李明" in page and "王芳" not in page


def test_the_registry_reads_a_year_typed_full_width_and_says_what_is_wrong_with_another(
    client, leader, make_talent
):
    make_talent(name="王芳", year=2025)
    make_talent(name="李明", year=2026)
    client.force_login(leader)
    page = client.get(reverse("talent:registry"), {"year": "２０２６"}).content.decode()
    assert "李明" in page and "王芳" not in page
    page = client.get(reverse("talent:registry"), {"year": "二〇二六"}).content.decode()
    assert '<span class="error">应为数字，实为“二〇二六”</span>' in page
    assert "李明" not in page and "王芳" not in page
    assert "共 0 人" in page


def test_a_search_holding_a_nul_finds_nobody_and_says_why(client, admin_user, make_talent):
    make_talent(name="王芳")
    client.force_login(admin_user)
    page = client.get(reverse("talent:registry"), {"q": "\x00"}).content.decode()
    assert "王芳" not in page and "没有符合条件的人才。" in page
    assert f'<span class="error">{NUL_IN_SEARCH}</span>' in page
    assert NUL_IN_SEARCH == "搜索内容含有不可见的空字符（NUL），请删去后重新搜索。"


def test_an_admin_moves_a_talent_on_from_its_page(client, admin_user, make_talent):
    talent = make_talent()
    client.force_login(admin_user)
    response = client.post(
        reverse("talent:talent", args=[talent.pk]),
        {"status": "applied", "on": "2026-04-01", "note": "已报省委组织部"},
        follow=True,
    )
    assert "状态已更新" in response.content.decode()
    talent.refresh_from_db()
    assert (talent.status, talent.status_date) == ("applied", date(2026, 4, 1))


def test_a_subsidy_over_budget_is_refused_with_a_clear_message(client, admin_user, make_subsidy):
    subsidy_approve(subsidy=make_subsidy("90000"), by=admin_user)
    big = make_subsidy("20000")
    client.force_login(admin_user)
    response = client.post(
        reverse("talent:subsidy_decide", args=[big.pk]), {"decision": "approve"}, follow=True
    )
    assert (
        "预算不足，未批准：2026年度人才专项资金预算 100,000.00 元，已批准 90,000.00 元，"
        "剩余 10,000.00 元，本笔 20,000.00 元。"
    ) in response.content.decode()
    big.refresh_from_db()
    assert big.state == Subsidy.State.PENDING


def note_input(page: str, subsidy: Subsidy) -> str:
    """The note's input in the subsidy's row of the subsidies page."""
    row = page[page.index(f'<tr id="subsidy-{subsidy.pk}">') :]
    row = row[: row.index("</tr>")]
    return re.search(r'<input name="note"[^>]*>', row)[0]


def test_the_note_of_an_approval_refused_for_budget_stays_typed_until_it_is_decided(
    client, admin_user, make_subsidy, fund
):
    subsidy_approve(subsidy=make_subsidy("90000"), by=admin_user)
    big = make_subsidy("20000")
    client.force_login(admin_user)
    decide = reverse("talent:subsidy_decide", args=[big.pk])
    back = f"{reverse('talent:subsidies')}?state=pending"
    note = "经区人才办会议研究同意 <加急>"
    response = client.post(decide, {"decision": "approve", "note": note, "next": back})
    assert response.url == f"{back}#subsidy-{big.pk}"
    typed = 'value="经区人才办会议研究同意 &lt;加急&gt;"'
    page = client.get(back).content.decode()
    assert "预算不足，未批准" in page
    assert typed in note_input(page, big)
    reloaded = client.get(back).content.decode()
    assert "预算不足，未批准" not in reloaded
    assert typed in note_input(reloaded, big)
    # The budget raised, the approval goes through with the note, and the page forgets it.
    fund.budget = Decimal("200000")
    fund.save()
    client.post(decide, {"decision": "approve", "note": note})
    big.refresh_from_db()
    assert (big.state, big.decision_note) == (Subsidy.State.APPROVED, note)
    assert str(big.pk) not in client.session["talent_subsidy_notes"]


def test_a_withdrawal_reason_refused_stays_typed_in_its_open_form(client, admin_user, make_subsidy):
    approved = subsidy_approve(subsidy=make_subsidy("100"), by=admin_user)
    client.force_login(admin_user)
    reason = "金额录错" * 60
    client.post(
        reverse("talent:subsidy_decide", args=[approved.pk]),
        {"decision": "withdraw", "note": reason},
    )
    page = client.get(reverse("talent:subsidies")).content.decode()
    assert "撤销理由最多 200 个字，请精简。" in page
    assert '<details class="withdraw" open>' in page
    assert f'value="{reason}"' in note_input(page, approved)


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_a_decision_note_too_long_for_the_record_is_refused_saying_so(
    client, admin_user, make_subsidy, fund, decision
):
    subsidy = make_subsidy("20000")
    client.force_login(admin_user)
    page = client.get(reverse("talent:subsidies")).content.decode()
    assert (
        'name="note" placeholder="审批意见" aria-label="审批意见" size="12" maxlength="200"' in page
    )
    response = client.post(
        reverse("talent:subsidy_decide", args=[subsidy.pk]),
        {"decision": decision, "note": "经研究同意。" * 40},
        follow=True,
    )
    assert "审批意见最多 200 个字，请精简。" in response.content.decode()
    subsidy.refresh_from_db()
    fund.refresh_from_db()
    assert (subsidy.state, fund.committed) == (Subsidy.State.PENDING, Decimal("0"))


def test_a_reviewer_sees_and_scores_only_their_categories(client, make_user, make_category):
    expert = make_user("expert1")
    mine = make_category(name="领军人才", reviewers=[expert])
    other = make_category(name="优秀企业家")
    client.force_login(expert)
    assert client.get(reverse("talent:award_score", args=[other.pk])).status_code == 403
    assert client.get(reverse("talent:award_category", args=[mine.pk])).status_code == 403
    page = client.get(reverse("talent:award_rounds")).content.decode()
    assert "<td>领军人才</td>" in page and "<td>优秀企业家</td>" not in page
    first = mine.nominations.first()
    client.post(reverse("talent:award_score", args=[mine.pk]), {f"score-{first.pk}": "88"})
    assert list(first.scores.values_list("score", flat=True)) == [Decimal("88.00")]
    response = client.post(
        reverse("talent:award_score", args=[other.pk]),
        {f"score-{other.nominations.first().pk}": "88"},
    )
    assert response.status_code == 403


def test_an_admin_confirms_winners_from_the_ranking(client, admin_user, make_user, make_category):
    experts = [make_user(f"e{n}") for n in range(5)]
    category = make_category(quota=1, reviewers=experts)
    a, b, c = category.nominations.all()
    for expert in experts:
        review_scores_save(
            category=category, reviewer=expert, scores={a.pk: "70", b.pk: "90", c.pk: "60"}
        )
    client.force_login(admin_user)
    url = reverse("talent:award_category", args=[category.pk])
    response = client.post(url, {"winner": [a.pk, b.pk]}, follow=True)
    assert "名额 1 人，选择了 2 人" in response.content.decode()
    client.post(url, {"winner": [b.pk]})
    assert list(Nomination.objects.filter(is_winner=True)) == [b]
    assert AwardRound.objects.get().state == AwardRound.State.CLOSED


def test_the_star_tree_page_shows_the_reasons(client, leader, star_tree, star_branch):
    branch = star_branch([(10, [10] * 10)] * 7 + [(10, [10] * 5 + [9] * 5)] * 3)
    star_tree_certify(tree=star_tree)
    client.force_login(leader)
    page = client.get(reverse("talent:star_tree", args=[star_tree.pk]), {"node": branch.pk})
    text = page.content.decode()
    assert "10 个党员中 7 个十星，70% &lt; 80%" in text
    assert "10 个文明户中 5 个十星，50% &lt; 80%" in text


def test_an_admin_imports_a_star_workbook_and_sees_each_problem(client, admin_user, star_tree):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["code", "name", "level", "parent", "stars"])
    book.active.append(["C1", "站前社区党委", "committee", "", "ten"])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "star.xlsx"
    client.force_login(admin_user)
    response = client.post(
        reverse("talent:star_import", args=[star_tree.pk]), {"file": buffer}, follow=True
    )
    # The column is named as the file heads it.
    assert "第 2 行“stars”列：“ten”不是 0 至 10 的整数。" in response.content.decode()
    assert not StarNode.objects.exists()


def test_the_star_report_downloads_as_xlsx(client, leader, star_tree, star_branch):
    star_branch([(10, [10])])
    client.force_login(leader)
    response = client.get(reverse("talent:star_export", args=[star_tree.pk]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response.content[:2] == b"PK"


def grow(make_talent, make_subsidy, star_branch, make_category, size):
    """Add `size` of everything the list pages show; return the star branch, whose page lists
    `size` members."""
    levels = ["国家级", "省级", "区级"]
    for number in range(size):
        programme = Programme.objects.create(
            code=f"P{size}-{number}", name=f"计划{number}", level=levels[number % len(levels)]
        )
        talent = make_talent(
            name=f"人才{number}", status=Talent.Status.ARRIVED, phone="1", programme=programme
        )
        make_subsidy("1", talent=talent)
    make_category(name=f"奖项{size}", nominees=[f"提名{n}" for n in range(size)])
    return star_branch([(10, [10] * 3)] * size)


@pytest.mark.parametrize(
    ("name", "query", "most"),
    [
        ("talent:progress", {}, 8),
        ("talent:registry", {"q": "人才"}, 9),
        ("talent:subsidies", {}, 9),
        ("talent:subsidy_create", {}, 8),
        ("talent:award_rounds", {}, 8),
        ("talent:star_tree", {}, 9),
        ("talent:star_tree", {"node": "the branch"}, 10),
        ("talent:award_category", {}, 10),
    ],
)
def test_list_pages_use_a_fixed_number_of_queries(
    client,
    admin_user,
    make_talent,
    make_subsidy,
    star_tree,
    star_branch,
    make_category,
    django_assert_max_num_queries,
    name,
    query,
    most,
):
    client.force_login(admin_user)

    def asked(branch):
        return {key: branch.pk if value == "the branch" else value for key, value in query.items()}

    branch = grow(make_talent, make_subsidy, star_branch, make_category, 3)
    args = {"talent:star_tree": [star_tree.pk]}.get(name, [])
    if name == "talent:award_category":
        args = [make_category(name="大奖", nominees=["甲"]).pk]
    with django_assert_max_num_queries(most) as small:
        assert client.get(reverse(name, args=args), asked(branch)).status_code == 200
    StarNode.objects.all().delete()
    branch = grow(make_talent, make_subsidy, star_branch, make_category, 40)
    Nomination.objects.bulk_create(
        Nomination(category_id=args[0], nominee=f"乙{n}", employer="某")
        for n in range(40 if name == "talent:award_category" else 0)
    )
    with django_assert_max_num_queries(most) as large:
        assert client.get(reverse(name, args=args), asked(branch)).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)


def test_the_round_and_scoring_pages_use_a_fixed_number_of_queries(
    client, admin_user, make_user, make_category, django_assert_max_num_queries
):
    expert = make_user("expert1")
    scored = make_category(name="领军人才", nominees=["甲"], reviewers=[expert])
    review_scores_save(category=scored, reviewer=expert, scores={scored.nominations.get().pk: "90"})
    pages = {
        "round": (admin_user, reverse("talent:award_round", args=[scored.round.pk])),
        "scoring": (expert, reverse("talent:award_score", args=[scored.pk])),
    }
    counted = {}
    for size in (3, 30):
        for number in range(size - scored.round.categories.count() + 1):
            make_category(name=f"奖项{size}-{number}", reviewers=[expert])
        Nomination.objects.bulk_create(
            Nomination(category=scored, nominee=f"乙{size}-{n}", employer="某") for n in range(size)
        )
        for name, (user, url) in pages.items():
            client.force_login(user)
            with django_assert_max_num_queries(10) as queries:
                assert client.get(url).status_code == 200
            counted.setdefault(name, []).append(len(queries.captured_queries))
    assert all(small == large for small, large in counted.values()), counted


def test_the_star_reasons_speak_english_on_request(client, leader, star_tree, star_branch):
    branch = star_branch([(10, [10] * 10)] * 7 + [(10, [10] * 5 + [9] * 5)] * 3)
    star_tree_certify(tree=star_tree)
    client.force_login(leader)
    page = client.get(
        reverse("talent:star_tree", args=[star_tree.pk]),
        {"node": branch.pk},
        headers={"accept-language": "en"},
    ).content.decode()
    assert "7 of 10 party members ten-star, 70% &lt; 80%" in page


def test_an_admin_registers_a_talent_from_the_registry(client, admin_user, programme):
    client.force_login(admin_user)
    url = reverse("talent:talent_create")
    form = {
        "name": "李娜",
        "programme": programme.pk,
        "year": "2026",
        "status": "applied",
        "status_date": "2026-03-02",
        "email": "not-an-address",
    }
    page = client.post(url, form).content.decode()
    assert "输入一个有效的 Email 地址。" in page
    page = client.post(url, {**form, "year": "1999", "email": ""}).content.decode()
    # Beside the field labelled 引才年度.
    assert '<span class="error">应不早于 2000 年</span>' in page
    assert not Talent.objects.exists()
    response = client.post(url, {**form, "email": "lina@example.cn"})
    talent = Talent.objects.get()
    assert response.url == reverse("talent:talent", args=[talent.pk])
    assert talent.status_changes.get().status == "applied"
    assert "登记人才" in client.get(reverse("talent:registry")).content.decode()


def test_an_admin_records_a_subsidy_request_once_per_kind(client, admin_user, fund, make_talent):
    client.force_login(admin_user)
    arrived = make_talent(name="王芳", status=Talent.Status.ARRIVED)
    in_talks = make_talent(name="李明")
    url = reverse("talent:subsidy_create")
    form = {
        "fund": fund.pk,
        "talent": f"王芳（硕士博士）#{arrived.pk}",
        "kind": "housing",
        "amount": "0",
        "requested_at": "2026-05-01",
    }
    assert "金额应大于 0" in client.post(url, form).content.decode()
    page = client.post(url, {**form, "talent": in_talks.name, "amount": "100"}).content.decode()
    assert "没有找到已到岗人才“李明”" in page
    assert client.post(url, {**form, "amount": "80000.50"}).status_code == 302
    subsidy = Subsidy.objects.get()
    assert (subsidy.talent, subsidy.amount, subsidy.state) == (
        arrived,
        Decimal("80000.50"),
        Subsidy.State.PENDING,
    )
    page = client.post(url, {**form, "amount": "100"}, follow=True).content.decode()
    assert "一次性补贴不能重复申请" in page
    assert Subsidy.objects.count() == 1


def test_the_subsidy_messages_name_the_amount_as_the_table_shows_it(
    client, admin_user, fund, make_talent
):
    client.force_login(admin_user)
    arrived = make_talent(name="王芳", status=Talent.Status.ARRIVED)
    form = {
        "fund": fund.pk,
        "talent": f"王芳（硕士博士）#{arrived.pk}",
        "kind": "settle_in",
        "amount": "80000.5",
        "requested_at": "2026-05-01",
    }
    page = client.post(reverse("talent:subsidy_create"), form, follow=True).content.decode()
    assert "已登记补贴申请：王芳 一次性安家补贴 80,000.50 元。" in page
    assert "80,000.50</td>" in page
    subsidy = Subsidy.objects.get()
    decide = reverse("talent:subsidy_decide", args=[subsidy.pk])
    page = client.post(decide, {"decision": "approve"}, follow=True).content.decode()
    assert "已批准：王芳 一次性安家补贴 80,000.50 元。" in page
    page = client.post(decide, {"decision": "approve"}, follow=True).content.decode()
    assert "王芳 一次性安家补贴 80,000.50 元 已是“已批准”，不能再审批。" in page


def test_an_admin_withdraws_an_approved_subsidy_from_the_subsidies_page(
    client, admin_user, leader, fund, make_subsidy
):
    subsidy = subsidy_approve(subsidy=make_subsidy("90000"), by=admin_user)
    url = reverse("talent:subsidy_decide", args=[subsidy.pk])
    client.force_login(leader)
    assert client.post(url, {"decision": "withdraw", "note": "录错"}).status_code == 403
    assert "撤销批准" not in client.get(reverse("talent:subsidies")).content.decode()
    client.force_login(admin_user)
    page = client.get(reverse("talent:subsidies")).content.decode()
    assert f'action="{url}"' in page and 'value="withdraw"' in page
    page = client.post(url, {"decision": "withdraw", "note": ""}, follow=True).content.decode()
    assert "撤销已批准的补贴必须填写理由。" in page
    page = client.post(
        url, {"decision": "withdraw", "note": "金额多录一个零"}, follow=True
    ).content.decode()
    assert (
        "已撤销：张伟 一次性安家补贴 90,000.00 元，金额已退回2026年度人才专项资金。"
        "如需按正确金额发放，请重新登记补贴申请。"
    ) in page
    assert "批准：office 2026-" in page and "撤销：office 2026-" in page
    assert "金额多录一个零</span>" in page
    # The fund's table has the money back.
    funds = page.split('id="funds"')[1].split("</table>")[0]
    assert "<strong>100,000.00</strong>" in funds
    subsidy.refresh_from_db()
    assert subsidy.state == Subsidy.State.WITHDRAWN


def test_the_subsidy_form_offers_arrived_talents_to_search_without_a_script(
    client, admin_user, fund, make_talent
):
    client.force_login(admin_user)
    arrived = make_talent(name="王芳", status=Talent.Status.ARRIVED, employer="蓝海生物")
    make_talent(name="李明")
    page = client.get(reverse("talent:subsidy_create")).content.decode()
    assert '<select name="talent"' not in page
    assert 'name="talent" autocomplete="off"' in page and 'list="id_talent-options"' in page
    datalist = page.split('<datalist id="id_talent-options">')[1].split("</datalist>")[0]
    assert datalist == f'<option value="王芳（蓝海生物）#{arrived.pk}">'


def test_a_subsidy_is_asked_for_an_arrived_talent_only(fund, make_talent):
    from talent.services.subsidies import subsidy_request

    with pytest.raises(ValidationError, match="引进到岗后才能申请补贴"):
        subsidy_request(
            fund=fund,
            talent=make_talent(),
            kind="housing",
            amount=Decimal("100"),
            requested_at=date(2026, 5, 1),
        )


def test_a_decision_goes_back_to_the_page_it_came_from_on_this_site_only(
    client, admin_user, make_subsidy
):
    client.force_login(admin_user)
    subsidy = make_subsidy("100")
    url = reverse("talent:subsidy_decide", args=[subsidy.pk])
    back = f"{reverse('talent:subsidies')}?state=pending"
    row = f"#subsidy-{subsidy.pk}"
    assert client.post(url, {"decision": "reject", "next": back}).url == back + row
    for outside in ["https://evil.example/", "//evil.example/", "https:evil.example"]:
        response = client.post(url, {"decision": "reject", "next": outside})
        assert response.url == reverse("talent:subsidies") + row


@pytest.mark.parametrize(
    ("asked", "shown"),
    [("abc", 2025), ("２０２６x", 2025), ("²", 2025), ("-1", 2025), ("2031", 2031)]
    + [("9" * 19, 2025), ("9" * 5000, 2025)],
)
def test_the_progress_page_takes_a_year_of_digits_and_else_shows_the_latest(
    client, leader, make_talent, asked, shown
):
    make_talent(year=2025)
    client.force_login(leader)
    response = client.get(reverse("talent:progress"), {"year": asked})
    assert response.status_code == 200
    assert response.context["year"] == shown


def test_readers_see_every_award_round_and_reviewers_only_theirs(
    client, admin_user, leader, make_user, make_category
):
    expert = make_user("expert1")
    make_category(reviewers=[expert])
    AwardRound.objects.create(name="2027—2028年度优秀人才评选", year=2028)
    for reader in (admin_user, leader):
        client.force_login(reader)
        page = client.get(reverse("talent:award_rounds")).content.decode()
        assert "2025—2026年度优秀人才评选" in page and "2027—2028年度优秀人才评选" in page
    client.force_login(expert)
    page = client.get(reverse("talent:award_rounds")).content.decode()
    assert "2025—2026年度优秀人才评选" in page and "2027—2028年度优秀人才评选" not in page


def test_the_progress_page_totals_the_year_under_its_programmes(client, leader, make_talent):
    this_year = timezone.localdate().year
    for status in ["talks", "arrived", "arrived"]:
        talent = make_talent(status=status, year=this_year)
    TalentTarget.objects.create(year=this_year, programme=talent.programme, target=8)
    TalentTarget.objects.create(year=this_year + 1, programme=talent.programme, target=9)
    client.force_login(leader)
    page = client.get(reverse("talent:progress")).content.decode()
    assert f"{this_year}年度引才进度" in page
    total = page.split("<tfoot>")[1].split("</tfoot>")[0]
    assert f'href="/talent/registry/?year={this_year}">合计</a>' in total
    assert '<td class="num">8</td>' in total and '<td class="num">2</td>' in total
    assert "25%" in total


def test_the_progress_page_subtotals_each_programme_level_under_its_programmes(
    client, leader, make_talent
):
    this_year = timezone.localdate().year
    for code, level, target, arrived in [
        ("ACAD", "国家级", 2, 1),
        ("WRJH", "国家级", 8, 2),
        ("TSCY", "省级", 4, 1),
    ]:
        programme = Programme.objects.create(code=code, name=code, level=level)
        TalentTarget.objects.create(year=this_year, programme=programme, target=target)
        for _number in range(arrived):
            make_talent(programme=programme, status="arrived", year=this_year)
    client.force_login(leader)
    page = client.get(reverse("talent:progress")).content.decode()
    subtotals = re.findall(r'<tr class="subtotal">(.*?)</tr>', page, re.S)
    cells = [re.findall(r"<td[^>]*>([^<]*)", row) for row in subtotals]
    # 国家级: 3 of 10 arrived; 省级: 1 of 4; 硕士博士, without a level, has neither.
    assert [(row[0], row[1], row[4]) for row in cells] == [
        ("国家级小计", "10", "3"),
        ("省级小计", "4", "1"),
        ("未分层次小计", "—", "0"),
    ]
    assert "30%" in subtotals[0] and "25%" in subtotals[1]
    assert (
        page.index("WRJH") < page.index("国家级小计") < page.index("TSCY") < page.index("省级小计")
    )


def test_one_level_needs_no_subtotal_beside_the_years_total(client, leader, make_talent):
    make_talent(year=timezone.localdate().year)
    client.force_login(leader)
    page = client.get(reverse("talent:progress")).content.decode()
    assert 'class="subtotal"' not in page and "合计" in page


def test_empty_talent_pages_tell_the_office_where_to_begin(client, admin_user, leader):
    pages = {
        "talent:award_rounds": ("还没有评选。", "/admin/talent/awardround/add/"),
        "talent:subsidies": ("还没有人才专项资金", "/admin/talent/fundyear/add/"),
        "talent:star_trees": ("还没有星级管理数据。", "/admin/talent/startree/add/"),
    }
    for user, sees_the_way in ((admin_user, True), (leader, False)):
        client.force_login(user)
        for name, (said, where) in pages.items():
            page = client.get(reverse(name)).content.decode()
            assert said in page
            assert (f'href="{where}"' in page) is sees_the_way, (name, user)


def test_a_talents_page_lists_their_subsidies_and_leads_the_office_to_edit_them(
    client, admin_user, leader, make_subsidy
):
    subsidy = subsidy_approve(subsidy=make_subsidy("95000"), by=admin_user)
    url = reverse("talent:talent", args=[subsidy.talent_id])
    edit = f'href="/admin/talent/talent/{subsidy.talent_id}/change/"'
    client.force_login(leader)
    page = client.get(url).content.decode()
    rows = page.split('id="talent-subsidies"')[1].split("</table>")[0]
    assert "一次性安家补贴" in rows and "95,000.00" in rows and "已批准" in rows
    assert edit not in page
    client.force_login(admin_user)
    assert edit in client.get(url).content.decode()
