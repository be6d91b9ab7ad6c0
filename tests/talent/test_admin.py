import io
from datetime import date, datetime
from decimal import Decimal

import pytest
import tablib
from django.core.exceptions import ValidationError
from import_export.formats.base_formats import XLSX
from openpyxl import load_workbook

from talent.admin import SubsidyAdmin, TalentResource
from talent.models import (
    AwardCategory,
    AwardRound,
    FundYear,
    Nomination,
    ReviewScore,
    StarNode,
    StarTree,
    Subsidy,
    Talent,
    TalentStatusChange,
)
from talent.services.awards import award_winners_confirm, review_scores_save
from talent.services.star import star_tree_certify
from talent.services.subsidies import subsidy_approve, subsidy_delete, subsidy_withdraw
from tests.test_admin_imports import confirm, preview
from tests.test_admin_imports import xlsx as xlsx_file

pytestmark = pytest.mark.django_db


def node(code):
    return StarNode.objects.get(code=code)


def test_editing_a_star_node_in_the_admin_certifies_the_tree_again(site_admin, star_branch):
    branch = star_branch([(10, [10]), (10, [10])])
    star_tree_certify(tree=branch.tree)
    assert node("C1-B1").is_ten_star
    household = node("C1-B1-M01-H0001")
    form = {
        "tree": household.tree_id,
        "parent": household.parent_id,
        "code": household.code,
        "name": household.name,
        "level": household.level,
        "stars": "6",
    }
    response = site_admin.post(f"/admin/talent/starnode/{household.pk}/change/", form)
    assert response.status_code == 302
    assert (node("C1-B1-M01").is_ten_star, node("C1-B1").is_ten_star) == (False, False)
    assert node("C1-B1").children_ten_star == 1

    member = node("C1-B1-M01")
    site_admin.post(f"/admin/talent/starnode/{member.pk}/delete/", {"post": "yes"})
    assert node("C1-B1").is_ten_star
    assert node("C1-B1").children_total == 1


def test_bulk_deleting_star_nodes_certifies_the_tree_again(site_admin, star_branch):
    branch = star_branch([(10, [10]), (10, [4])])
    star_tree_certify(tree=branch.tree)
    assert not node("C1-B1").is_ten_star
    fallen = node("C1-B1-M02")
    site_admin.post(
        "/admin/talent/starnode/",
        {"action": "delete_selected", "_selected_action": [fallen.pk], "post": "yes"},
    )
    assert node("C1-B1").is_ten_star


def test_changing_the_threshold_in_the_admin_certifies_the_tree_again(site_admin, star_branch):
    branch = star_branch([(10, [10])] * 3 + [(10, [4])])
    tree = branch.tree
    star_tree_certify(tree=tree)
    assert not node("C1-B1").is_ten_star  # 3 of 4 is 75% < 80%
    form = {"name": tree.name, "year": tree.year, "share": "0.7"}
    assert site_admin.post(f"/admin/talent/startree/{tree.pk}/change/", form).status_code == 302
    tree.refresh_from_db()
    assert tree.share == Decimal("0.7")
    assert node("C1-B1").is_ten_star


def test_out_of_range_figures_are_refused_beside_their_field_in_the_admin(
    site_admin, star_branch, make_category, make_subsidy
):
    """Not "Constraint star_tree_share_is_share is violated": what is wrong, beside it."""
    branch = star_branch([(10, [10])])
    tree, household = branch.tree, node("C1-B1-M01-H0001")
    category = make_category()
    pending = make_subsidy("100")
    cases = [
        (
            f"/admin/talent/startree/{tree.pk}/change/",
            {"name": tree.name, "year": tree.year, "share": "80"},
            "比例应在 0 到 1 之间，例如 0.80 表示 80%。",
        ),
        (
            f"/admin/talent/starnode/{household.pk}/change/",
            {
                "tree": tree.pk,
                "parent": household.parent_id,
                "code": household.code,
                "name": household.name,
                "level": household.level,
                "stars": "11",
            },
            "记录星级应在 0 到 10 之间。",
        ),
        (
            f"/admin/talent/awardcategory/{category.pk}/change/",
            {"round": category.round_id, "name": category.name, "sort_order": 0, "quota": 2}
            | {"prize": "-100"},
            "奖金不能为负数。",
        ),
        (
            f"/admin/talent/subsidy/{pending.pk}/change/",
            subsidy_form(pending, amount="0"),
            "金额应大于 0",
        ),
    ]
    for url, form, message in cases:
        page = site_admin.post(url, form).content.decode()
        assert message in page, url
        assert "约束" not in page and "是无效的" not in page
    tree.refresh_from_db()
    household.refresh_from_db()
    assert (tree.share, household.stars) == (Decimal("0.80"), 10)


def test_the_admin_exports_a_nominee_named_like_a_formula_as_text(site_admin, make_category):
    category = make_category(nominees=['=HYPERLINK("http://evil")'])
    fields = ["id", "category", "nominee", "employer", "summary", "nominated_by", "is_winner"]
    form = {"format": "0", "resource": "0"} | {f"nominationresource_{f}": "on" for f in fields}
    response = site_admin.post("/admin/talent/nomination/export/", form)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][2] == '\'=HYPERLINK("http://evil")'
    assert category.nominations.get().nominee.startswith("=")


def talent_rows(*rows):
    headers = ["id", "name", "programme", "year", "employer", "status", "status_date"]
    return tablib.Dataset(*rows, headers=headers)


def test_an_imported_talent_gets_its_first_status_change_recorded(admin_user, programme):
    rows = talent_rows(("", "李娜", "SSBS", 2026, "蓝海生物", "applied", "2026-03-02"))
    result = TalentResource().import_data(rows, dry_run=False, user=admin_user)
    assert not result.has_errors() and not result.has_validation_errors()
    change = Talent.objects.get(name="李娜").status_changes.get()
    assert (change.status, change.date, change.changed_by) == (
        "applied",
        date(2026, 3, 2),
        admin_user,
    )


def test_an_imported_date_that_is_no_date_is_named_in_chinese_on_its_cell(admin_user, programme):
    rows = talent_rows(("", "钱七", "SSBS", 2026, "蓝海生物", "talks", "2026-13-40"))
    result = TalentResource().import_data(rows, dry_run=True, user=admin_user)
    assert result.invalid_rows[0].error_dict == {
        "status_date": ["应为日期（如 2026-03-01），实为“2026-13-40”"]
    }


def test_an_import_cannot_change_an_existing_talents_status(admin_user, make_talent):
    talent = make_talent(name="张伟", employer="旧单位")
    unchanged = ("talks", datetime(2026, 3, 1))  # a date typed in Excel
    # One import per row: a file naming one talent twice is refused as a duplicate.
    invalid = {}
    for changed in (("arrived", "2026-03-01"), ("talks", "2026-05-01")):
        result = TalentResource().import_data(
            talent_rows((talent.pk, "张伟", "SSBS", 2026, "蓝海生物", *changed)),
            dry_run=True,
            user=admin_user,
        )
        invalid[changed[0]] = result.invalid_rows[0].error_dict
    assert list(invalid["arrived"]) == ["status"] and list(invalid["talks"]) == ["status_date"]
    assert "请在人才页面变更" in invalid["arrived"]["status"][0]
    result = TalentResource().import_data(
        talent_rows((talent.pk, "张伟", "SSBS", 2026, "蓝海生物", *unchanged)),
        dry_run=False,
        user=admin_user,
    )
    assert not result.has_errors() and not result.has_validation_errors()
    talent.refresh_from_db()
    assert (talent.employer, talent.status, talent.status_date) == (
        "蓝海生物",
        "talks",
        date(2026, 3, 1),
    )
    assert not talent.status_changes.exists()


def test_a_clerks_list_of_new_talents_without_ids_imports_in_the_admin(site_admin, programme):
    heads = ["姓名", "人才计划", "引才年度", "工作单位", "状态", "状态日期"]
    rows = [
        ["李娜", "SSBS", 2026, "蓝海生物", "申报", datetime(2026, 3, 2)],
        ["王强", "SSBS", 2026, "", "在谈", datetime(2026, 3, 5)],
    ]

    page, context = preview(site_admin, "talent/talent", xlsx_file(heads, *rows))

    assert "文件缺少列" not in page
    assert [row.import_type for row in context["result"].rows] == ["new", "new"]
    confirm(site_admin, "talent/talent", context)
    assert dict(Talent.objects.values_list("name", "status")) == {
        "李娜": "applied",
        "王强": "talks",
    }
    assert TalentStatusChange.objects.count() == 2


def test_a_list_of_new_talents_imported_again_is_refused_row_by_row(site_admin, programme):
    heads = ["姓名", "人才计划", "引才年度", "状态", "状态日期"]
    rows = [["李娜", "SSBS", 2026, "申报", datetime(2026, 3, 2)]]
    _page, context = preview(site_admin, "talent/talent", xlsx_file(heads, *rows))
    confirm(site_admin, "talent/talent", context)
    registered = Talent.objects.get(name="李娜")

    again = [*rows, ["王强", "SSBS", 2026, "在谈", datetime(2026, 3, 5)]]
    _page, context = preview(site_admin, "talent/talent", xlsx_file(heads, *again))

    refusal = context["result"].invalid_rows[0]
    assert refusal.number == 2  # as Excel numbers it, under the heads
    assert f"ID {registered.pk}" in refusal.error_dict["name"][0]
    assert Talent.objects.count() == 1


def test_a_new_talent_listed_twice_in_one_file_is_refused_on_its_second_row(admin_user, programme):
    rows = talent_rows(
        ("", "李娜", "SSBS", 2026, "蓝海生物", "applied", "2026-03-02"),
        ("", "李娜", "SSBS", 2026, "蓝海生物", "applied", "2026-03-02"),
        ("", "李娜", "SSBS", 2025, "蓝海生物", "applied", "2025-03-02"),
    )
    result = TalentResource().import_data(rows, dry_run=True, user=admin_user)
    assert [(row.number, row.error_dict) for row in result.invalid_rows] == [
        (3, {"name": ["与第 2 行重复"]})
    ]


def test_the_admins_talent_spreadsheet_imports_back_unchanged(admin_user, make_talent):
    make_talent(name="张伟")
    xlsx = XLSX().export_data(TalentResource().export())
    result = TalentResource().import_data(
        XLSX().create_dataset(xlsx), dry_run=False, user=admin_user
    )
    assert not result.has_errors() and not result.has_validation_errors()
    assert Talent.objects.get().note == ""


def test_the_subsidy_list_runs_the_same_queries_for_3_and_40_subsidies(
    site_admin, make_talent, make_subsidy, django_assert_max_num_queries
):
    counts, made = [], 0
    for size in (3, 40):
        for number in range(made, size):
            make_subsidy("1", talent=make_talent(name=f"人才{number}", status="arrived"))
        made = size
        # Each row names its talent with the talent's programme.
        with django_assert_max_num_queries(8) as page:
            assert site_admin.get("/admin/talent/subsidy/").status_code == 200
        counts.append(len(page.captured_queries))
    assert counts[0] == counts[1]


@pytest.mark.parametrize("count", [3, 40])
def test_re_importing_talents_reads_them_in_a_fixed_number_of_queries(
    admin_user, make_talent, count
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for number in range(count):
        make_talent(name=f"人才{number}")
    exported = TalentResource().export()
    with CaptureQueriesContext(connection) as queries:
        result = TalentResource().import_data(exported, dry_run=True, user=admin_user)
    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["skip"] == count, "an unchanged talent is not written again"
    # The talents with their programmes, and the programmes: one query each, not one a row.
    reads = [query for query in queries.captured_queries if query["sql"].startswith("SELECT")]
    assert len(reads) == 2


def subsidy_form(subsidy, **changes):
    fields = {
        "fund": subsidy.fund_id,
        "talent": subsidy.talent_id,
        "kind": subsidy.kind,
        "amount": str(subsidy.amount),
        "requested_at": subsidy.requested_at.isoformat(),
    }
    return fields | changes


def test_an_amount_with_too_many_decimals_is_refused_in_the_projects_words(
    site_admin, make_subsidy
):
    pending = make_subsidy("100")

    page = site_admin.post(
        f"/admin/talent/subsidy/{pending.pk}/change/", subsidy_form(pending, amount="１００.１２３")
    ).content.decode()

    assert "最多保留 2 位小数，实为 100.123。" in page
    assert "确认小数不超过" not in page
    pending.refresh_from_db()
    assert pending.amount == Decimal("100.00")


def test_an_approved_subsidy_keeps_its_amount_and_fund_in_the_admin(
    site_admin, fund, make_subsidy, admin_user
):
    subsidy = subsidy_approve(subsidy=make_subsidy("60000"), by=admin_user)
    last_year = FundYear.objects.create(year=2025, budget=Decimal("100000.00"))
    response = site_admin.post(
        f"/admin/talent/subsidy/{subsidy.pk}/change/",
        subsidy_form(subsidy, amount="9999999.99", fund=last_year.pk),
    )
    assert response.status_code == 302
    subsidy.refresh_from_db()
    fund.refresh_from_db()
    assert (subsidy.amount, subsidy.fund, fund.committed) == (
        Decimal("60000.00"),
        fund,
        Decimal("60000.00"),
    )
    # A request still pending may be corrected.
    pending = make_subsidy("100")
    url = f"/admin/talent/subsidy/{pending.pk}/change/"
    assert site_admin.post(url, subsidy_form(pending, amount="200")).status_code == 302
    pending.refresh_from_db()
    assert (pending.amount, pending.state) == (Decimal("200.00"), Subsidy.State.PENDING)


CHANGED_ELSEWHERE = "保存前数据已在别处变更，本次未保存："


def test_a_subsidy_approved_between_the_admins_check_and_save_comes_back_unsaved(
    site_admin, make_subsidy, admin_user, monkeypatch
):
    """The approval runs on the admin's own connection, the only one SQLite has, so the refusal
    rolls it back with the form; test_subsidies commits one from another connection."""
    pending = make_subsidy("100")
    url = f"/admin/talent/subsidy/{pending.pk}/change/"
    save_form = SubsidyAdmin.save_form

    def approved_meanwhile(self, request, form, change):
        subsidy_approve(subsidy=pending, by=admin_user)
        return save_form(self, request, form, change)

    monkeypatch.setattr(SubsidyAdmin, "save_form", approved_meanwhile)
    response = site_admin.post(url, subsidy_form(pending, amount="200"), follow=True)
    assert response.redirect_chain == [(url, 302)]
    assert (
        f"{CHANGED_ELSEWHERE}张伟 一次性安家补贴 100.00 元 已是“已批准”，资金年度和金额不能再修改。"
        in response.content.decode()
    )
    pending.refresh_from_db()
    assert pending.amount == Decimal("100.00")


def test_a_subsidy_asked_for_twice_at_once_in_the_admin_comes_back_unsaved(
    site_admin, fund, make_talent, monkeypatch
):
    talent = make_talent(name="王芳", status=Talent.Status.ARRIVED)
    form = {"fund": fund.pk, "kind": "settle_in", "amount": "500", "requested_at": "2026-05-01"}
    save_form = SubsidyAdmin.save_form

    def asked_meanwhile(self, request, form, change):
        Subsidy.objects.create(
            fund=fund, talent=talent, kind="settle_in", amount=1, requested_at=date(2026, 5, 1)
        )
        return save_form(self, request, form, change)

    monkeypatch.setattr(SubsidyAdmin, "save_form", asked_meanwhile)
    add = "/admin/talent/subsidy/add/"
    response = site_admin.post(add, form | {"talent": talent.pk}, follow=True)
    assert response.redirect_chain == [(add, 302)]
    assert (
        f"{CHANGED_ELSEWHERE}王芳 已有一笔“一次性安家补贴”（待审批），一次性补贴不能重复申请。"
        in response.content.decode()
    )
    assert not Subsidy.objects.exists()


def deletion_pages(model: str, *kept_refusals, all_pks: list[int]) -> list:
    """The admin's deletion pages of `model`: each kept row's own, with its refusal, then the
    list's bulk deletion of `all_pks`, with every refusal; as (url, form, refusals)."""
    return [
        (f"/admin/talent/{model}/{pk}/delete/", {"post": "yes"}, [refusal])
        for pk, refusal in kept_refusals
    ] + [
        (
            f"/admin/talent/{model}/",
            {"action": "delete_selected", "_selected_action": all_pks, "post": "yes"},
            [refusal for _pk, refusal in kept_refusals],
        )
    ]


def test_approved_and_withdrawn_subsidies_cannot_be_deleted_in_the_admin(
    site_admin, fund, make_subsidy, make_talent, admin_user
):
    approved = subsidy_approve(subsidy=make_subsidy("60000"), by=admin_user)
    withdrawn = subsidy_approve(
        subsidy=make_subsidy("100", talent=make_talent(name="李明", status=Talent.Status.ARRIVED)),
        by=admin_user,
    )
    withdrawn = subsidy_withdraw(subsidy=withdrawn, by=admin_user, reason="金额录错")
    pending = make_subsidy("100")
    approved_kept = (
        "张伟 一次性安家补贴 60,000.00 元 已是“已批准”，是人才专项资金的审批记录，不能删除。"
    )
    withdrawn_kept = (
        "李明 一次性安家补贴 100.00 元 已是“已撤销”，是人才专项资金的审批记录，不能删除。"
    )
    for url, form, refusals in deletion_pages(
        "subsidy",
        (approved.pk, approved_kept),
        (withdrawn.pk, withdrawn_kept),
        all_pks=[approved.pk, withdrawn.pk, pending.pk],
    ):
        page = site_admin.post(url, form)
        assert page.status_code == 200, url
        assert all(refusal in page.content.decode() for refusal in refusals), url
    assert Subsidy.objects.count() == 3
    # A request not decided yet may go.
    site_admin.post(f"/admin/talent/subsidy/{pending.pk}/delete/", {"post": "yes"})
    assert list(Subsidy.objects.order_by("pk")) == [approved, withdrawn]
    fund.refresh_from_db()
    assert fund.committed == Decimal("60000.00")


def test_a_withdrawn_subsidy_is_refused_deletion_by_the_service(fund, make_subsidy, admin_user):
    withdrawn = subsidy_approve(subsidy=make_subsidy("100"), by=admin_user)
    subsidy_withdraw(subsidy=withdrawn, by=admin_user, reason="金额录错")
    with pytest.raises(ValidationError, match="已是“已撤销”，是人才专项资金的审批记录，不能删除"):
        subsidy_delete(subsidy=withdrawn)
    assert Subsidy.objects.filter(pk=withdrawn.pk).exists()


def test_a_subsidy_added_in_the_admin_follows_the_subsidies_pages_rules(
    site_admin, fund, make_talent, make_subsidy, admin_user
):
    paid = subsidy_approve(subsidy=make_subsidy("100"), by=admin_user)
    form = {"fund": fund.pk, "kind": "settle_in", "amount": "50000", "requested_at": "2026-05-01"}
    add = "/admin/talent/subsidy/add/"
    page = site_admin.post(add, form | {"talent": make_talent(name="李明").pk}).content.decode()
    assert "李明 当前状态为“在谈”，引进到岗后才能申请补贴。" in page
    page = site_admin.post(add, form | {"talent": paid.talent_id}).content.decode()
    assert "已有一笔“一次性安家补贴”（已批准），一次性补贴不能重复申请。" in page
    assert Subsidy.objects.count() == 1
    arrived = make_talent(name="王芳", status=Talent.Status.ARRIVED)
    assert site_admin.post(add, form | {"talent": arrived.pk}).status_code == 302
    added = arrived.subsidies.get()
    assert added.state == Subsidy.State.PENDING
    # A withdrawal is recorded on the subsidies page, which gives the fund its amount back.
    for url in (add, f"/admin/talent/subsidy/{paid.pk}/change/"):
        page = site_admin.get(url).content.decode()
        assert 'name="withdrawal_reason"' not in page and 'name="withdrawn_by"' not in page


@pytest.fixture
def confirmed(make_category, make_user, admin_user):
    """A category of quota 1 whose winner, 甲, is confirmed, in a round still under review."""
    expert = make_user("expert1")
    category = make_category(quota=1, reviewers=[expert])
    make_category(name="优秀企业家", reviewers=[expert])
    ids = {nomination.nominee: nomination.pk for nomination in category.nominations.all()}
    review_scores_save(
        category=category,
        reviewer=expert,
        scores={ids["甲"]: "90", ids["乙"]: "80", ids["丙"]: "70"},
    )
    award_winners_confirm(category=category, nomination_ids=[ids["甲"]], by=admin_user)
    category.refresh_from_db()
    return category


def category_form(category, **changes):
    fields = {
        "round": category.round_id,
        "name": category.name,
        "sort_order": category.sort_order,
        "quota": category.quota,
        "prize": str(category.prize),
        "reviewers": [user.pk for user in category.reviewers.all()],
    }
    return fields | changes


def test_a_confirmed_award_decision_cannot_be_rewritten_in_the_admin(
    site_admin, confirmed, make_user
):
    reopened = {"confirmed_at_0": "", "confirmed_at_1": "", "confirmed_by": ""}
    form = category_form(confirmed, quota="3", prize="1.00", reviewers=[make_user("e9").pk])
    url = f"/admin/talent/awardcategory/{confirmed.pk}/change/"
    assert site_admin.post(url, form | reopened | {"decision_reason": "改"}).status_code == 302
    category = AwardCategory.objects.get(pk=confirmed.pk)
    assert (category.confirmed_at, category.confirmed_by, category.decision_reason) == (
        confirmed.confirmed_at,
        confirmed.confirmed_by,
        "",
    )
    assert (category.quota, category.prize) == (1, Decimal("100000.00"))
    assert [user.username for user in category.reviewers.all()] == ["expert1"]
    with pytest.raises(ValidationError, match="获奖人已经确定"):
        award_winners_confirm(category=category, nomination_ids=[], by=None, no_winner=True)


def test_an_open_categorys_quota_changes_in_the_admin_but_not_its_decision(
    site_admin, make_category
):
    category = make_category(quota=1)
    decided = {"confirmed_at_0": "2026-11-01", "confirmed_at_1": "10:00:00", "decision_reason": "x"}
    url = f"/admin/talent/awardcategory/{category.pk}/change/"
    assert site_admin.post(url, category_form(category, quota="2") | decided).status_code == 302
    category.refresh_from_db()
    assert (category.quota, category.confirmed_at, category.decision_reason) == (2, None, "")


def test_the_rounds_admin_page_changes_neither_its_state_nor_a_confirmed_quota(
    site_admin, confirmed
):
    award_round = confirmed.round
    categories = list(award_round.categories.all())
    form = {
        "name": award_round.name,
        "year": award_round.year,
        "state": AwardRound.State.NOMINATING,
        "categories-TOTAL_FORMS": len(categories),
        "categories-INITIAL_FORMS": len(categories),
    }
    for index, category in enumerate(categories):
        fields = category_form(category, quota="5") | {"id": category.pk}
        form |= {f"categories-{index}-{name}": value for name, value in fields.items()}
    response = site_admin.post(f"/admin/talent/awardround/{award_round.pk}/change/", form)
    assert response.status_code == 302
    assert AwardRound.objects.get().state == AwardRound.State.REVIEWING
    # The open category's quota may still change.
    assert dict(AwardCategory.objects.values_list("name", "quota")) == {
        "领军人才": 1,
        "优秀企业家": 5,
    }


CONFIRMED_KEPT = "“2026 领军人才”的获奖结果已经确定，是发放奖金的依据，不能删除。"


def round_form(award_round, **deleted):
    """The round's change form as sent back unchanged, with `deleted` (a category's name →
    True) ticked for deletion."""
    categories = list(award_round.categories.all())
    form = {
        "name": award_round.name,
        "year": award_round.year,
        "categories-TOTAL_FORMS": len(categories),
        "categories-INITIAL_FORMS": len(categories),
    }
    for index, category in enumerate(categories):
        fields = category_form(category) | {"id": category.pk, "round": award_round.pk}
        if deleted.get(category.name):
            fields["DELETE"] = "on"
        form |= {f"categories-{index}-{name}": value for name, value in fields.items()}
    return form


def test_a_confirmed_category_cannot_be_deleted_in_the_admin_nor_its_round(
    site_admin, confirmed, make_category, admin_user
):
    award_round, other = confirmed.round, AwardCategory.objects.get(name="优秀企业家")
    # Confirmed without winners, among no nominees: kept all the same.
    vacant = make_category(name="专业拔尖人才", nominees=())
    award_winners_confirm(category=vacant, nomination_ids=[], by=admin_user, no_winner=True)
    vacant_kept = CONFIRMED_KEPT.replace("领军人才", "专业拔尖人才")
    for url, form, refusals in [
        *deletion_pages(
            "awardcategory",
            (confirmed.pk, CONFIRMED_KEPT),
            (vacant.pk, vacant_kept),
            all_pks=[confirmed.pk, other.pk, vacant.pk],
        ),
        (
            f"/admin/talent/awardround/{award_round.pk}/delete/",
            {"post": "yes"},
            [CONFIRMED_KEPT, vacant_kept],
        ),
        (
            f"/admin/talent/awardround/{award_round.pk}/change/",
            round_form(award_round, 领军人才=True, 专业拔尖人才=True),
            [CONFIRMED_KEPT, vacant_kept],
        ),
    ]:
        page = site_admin.post(url, form)
        assert page.status_code == 200, url
        assert all(refusal in page.content.decode() for refusal in refusals), url
    assert list(AwardCategory.objects.order_by("pk")) == [confirmed, other, vacant]
    assert Nomination.objects.count() == 6
    # A category whose winners are not confirmed yet may go.
    fresh = make_category(name="优秀专家", nominees=())
    response = site_admin.post(f"/admin/talent/awardcategory/{fresh.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert list(AwardCategory.objects.order_by("pk")) == [confirmed, other, vacant]


def test_nominations_and_scores_are_only_shown_and_exported_in_the_admin(
    site_admin, confirmed, admin_user
):
    nomination = confirmed.nominations.get(nominee="丙")
    score = nomination.scores.get()
    nominated = {"category": confirmed.pk, "nominee": "丁", "employer": "某公司"}
    scored = {"nomination": nomination.pk, "reviewer": admin_user.pk, "score": "100"}
    for url, form in [
        ("/admin/talent/nomination/add/", nominated),
        (f"/admin/talent/nomination/{nomination.pk}/change/", nominated),
        (f"/admin/talent/nomination/{nomination.pk}/delete/", {"post": "yes"}),
        ("/admin/talent/reviewscore/add/", scored),
        (f"/admin/talent/reviewscore/{score.pk}/change/", scored),
        (f"/admin/talent/reviewscore/{score.pk}/delete/", {"post": "yes"}),
    ]:
        assert site_admin.post(url, form).status_code == 403, url
    assert list(confirmed.nominations.values_list("nominee", flat=True)) == ["甲", "乙", "丙"]
    assert list(ReviewScore.objects.values_list("score", flat=True)) == [
        Decimal("90.00"),
        Decimal("80.00"),
        Decimal("70.00"),
    ]
    for url in [
        "/admin/talent/nomination/",
        f"/admin/talent/nomination/{nomination.pk}/change/",
        "/admin/talent/reviewscore/",
        f"/admin/talent/reviewscore/{score.pk}/change/",
    ]:
        assert site_admin.get(url).status_code == 200, url


@pytest.mark.parametrize(
    ("level", "parent", "refusal"),
    [
        ("household", "C1", "上级“C1”不存在或不是党员。"),
        ("member", "C1-B1-M01-H0001", "上级“C1-B1-M01-H0001”不存在或不是党支部。"),
        ("branch", "another tree's C1", "上级“C1”不存在或不是社区党委。"),
    ],
    ids=["household under a committee", "member under a household", "parent in another tree"],
)
def test_the_admin_places_a_star_node_only_under_the_level_above_in_its_tree(
    site_admin, star_branch, level, parent, refusal
):
    tree = star_branch([(10, [10])]).tree
    elsewhere = StarTree.objects.create(name="另一棵星级树", year=2027)
    if parent == "another tree's C1":
        tree, parent = elsewhere, "C1"
    form = {
        "tree": tree.pk,
        "parent": node(parent).pk,
        "code": "NEW",
        "name": "新节点",
        "level": level,
        "stars": "10",
    }
    response = site_admin.post("/admin/talent/starnode/add/", form)
    assert response.status_code == 200
    assert refusal in response.content.decode()
    assert not StarNode.objects.filter(code="NEW").exists()


def admin_rows_grown(talent, award_round, make_user, size):
    """Give the talent `size` status changes and the round `size` categories, each change by
    and each category reviewed by a user of its own, each category with a scored nominee."""
    made = talent.status_changes.count()
    for number in range(made, size):
        user = make_user(f"user{number}")
        TalentStatusChange.objects.create(
            talent=talent, status="talks", date=talent.status_date, changed_by=user
        )
        category = AwardCategory.objects.create(
            round=award_round, name=f"奖项{number}", quota=1, prize=Decimal("1000")
        )
        category.reviewers.add(user)
        nomination = Nomination.objects.create(category=category, nominee="甲", employer="某")
        ReviewScore.objects.create(nomination=nomination, reviewer=user, score=80)


# Each page's queries, the session and the user first; none is read per row.
ADMIN_PAGES_QUERIES = [
    # The talent; its status changes with who made them; the programmes to pick from (twice).
    ("/admin/talent/talent/{talent}/change/", 6),
    # The round; the users to pick reviewers from, once; its categories; their reviewers.
    ("/admin/talent/awardround/{round}/change/", 6),
    # The score; its nomination, category and reviewer, shown as text.
    ("/admin/talent/reviewscore/{score}/change/", 6),
    # The rounds and the categories to filter by; the counts (twice); the page's nominations.
    ("/admin/talent/nomination/", 7),
    # The nomination; its category with its round, shown as text.
    ("/admin/talent/nomination/{nomination}/change/", 5),
]


@pytest.mark.parametrize(("path", "most"), ADMIN_PAGES_QUERIES)
def test_the_talent_and_award_admin_pages_run_the_same_queries_for_3_and_30_rows(
    site_admin, make_talent, award_round, make_user, django_assert_max_num_queries, path, most
):
    talent = make_talent()
    counts = []
    for size in (3, 30):
        admin_rows_grown(talent, award_round, make_user, size)
        score = ReviewScore.objects.first()
        url = path.format(
            talent=talent.pk, round=award_round.pk, score=score.pk, nomination=score.nomination_id
        )
        site_admin.get(url)  # the first visit fills Django's caches (content types)
        with django_assert_max_num_queries(most) as page:
            assert site_admin.get(url).status_code == 200
        counts.append(len(page.captured_queries))
    assert counts[0] == counts[1]
