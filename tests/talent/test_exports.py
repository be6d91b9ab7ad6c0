import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from talent.models import Nomination, Programme, Subsidy, Talent
from talent.services.awards import award_winners_confirm, review_scores_save
from talent.services.subsidies import subsidy_approve, subsidy_withdraw

pytestmark = pytest.mark.django_db


def sheet_of(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content)).active


def values(sheet):
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


@pytest.fixture
def registry(make_talent):
    """Three talents of 2026: two arrived (one of a second programme), one in talks."""
    academician = Programme.objects.create(code="YS", name="院士", sort_order=1)
    make_talent(
        name='=HYPERLINK("http://x")',
        status=Talent.Status.ARRIVED,
        employer="+86 某研究院",
        phone="13800000000",
        status_date=date(2026, 4, 2),
    )
    make_talent(name="李明", status=Talent.Status.ARRIVED, programme=academician)
    make_talent(name="王芳", employer="@某公司")
    return academician


def test_the_registry_exports_what_its_filters_show_formatted_and_escaped(
    client, admin_user, registry
):
    client.force_login(admin_user)
    page = client.get(reverse("talent:registry"), {"status": "arrived", "page": "1"})
    # The page's link carries its filters, not its page number.
    assert f'href="{reverse("talent:registry_export")}?status=arrived"' in page.content.decode()
    sheet = sheet_of(client.get(reverse("talent:registry_export"), {"status": "arrived"}))
    assert sheet.title == "人才库"
    header, *rows = values(sheet)
    assert header == [
        "姓名", "人才计划", "专业领域", "工作单位", "引才年度",
        "状态", "状态日期", "联系电话", "电子邮箱", "备注",
    ]  # fmt: skip
    # In the page's order: the year, the programme's rank, the name.
    assert rows == [
        ["李明", "院士", None, None, 2026, "引进", datetime(2026, 3, 1), None, None, None],
        [
            "'=HYPERLINK(\"http://x\")", "硕士博士", None, "'+86 某研究院", 2026,
            "引进", datetime(2026, 4, 2), "13800000000", None, None,
        ],
    ]  # fmt: skip
    assert sheet["G2"].number_format == "yyyy-mm-dd"
    assert sheet["A1"].font.bold and sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["D"].width == 28
    # The programme filter narrows as on the page.
    sheet = sheet_of(client.get(reverse("talent:registry_export"), {"programme": registry.pk}))
    assert [row[0] for row in values(sheet)[1:]] == ["李明"]


@pytest.mark.parametrize("invalid", [{"q": "李\x00"}, {"year": "二〇二六"}])
def test_an_invalid_filter_exports_nobody_as_the_page_shows_nobody(
    client, admin_user, registry, invalid
):
    client.force_login(admin_user)
    assert "共 0 人" in client.get(reverse("talent:registry"), invalid).content.decode()
    sheet = sheet_of(client.get(reverse("talent:registry_export"), invalid))
    assert values(sheet)[1:] == []


def test_a_leader_exports_the_registry_without_contacts_as_the_page_shows_it(
    client, leader, make_user, registry
):
    client.force_login(leader)
    sheet = sheet_of(client.get(reverse("talent:registry_export")))
    assert "联系电话" not in values(sheet)[0] and "电子邮箱" not in values(sheet)[0]
    assert "13800000000" not in str(values(sheet))
    assert "'@某公司" in str(values(sheet))
    client.force_login(make_user("scorer"))
    assert client.get(reverse("talent:registry_export")).status_code == 403
    client.logout()
    assert client.get(reverse("talent:registry_export")).status_code == 302


@pytest.mark.parametrize("talents", [2, 40])
def test_the_registry_export_takes_as_many_queries_for_few_talents_as_for_many(
    client, admin_user, make_talent, django_assert_max_num_queries, talents
):
    for number in range(talents):
        make_talent(
            name=f"人才{number}",
            programme=Programme.objects.create(code=f"P{number}", name=f"计划{number}"),
        )
    client.force_login(admin_user)
    # Session, user, roles, then the talents with their programmes.
    with django_assert_max_num_queries(4):
        sheet = sheet_of(client.get(reverse("talent:registry_export")))
    assert sheet.max_row == talents + 1


@pytest.fixture
def decided(fund, make_subsidy, make_talent, admin_user):
    """A subsidy approved with a note, one approved then withdrawn, one pending."""
    approved = subsidy_approve(subsidy=make_subsidy("60000.5"), by=admin_user, note="同意")
    withdrawn = subsidy_approve(
        subsidy=make_subsidy("1234.56", talent=make_talent(name="李明", status="arrived")),
        by=admin_user,
    )
    withdrawn = subsidy_withdraw(subsidy=withdrawn, by=admin_user, reason="-金额录错")
    make_subsidy("100", talent=make_talent(name="王芳", status="arrived"))
    return approved, withdrawn


def test_the_subsidies_export_what_the_state_filter_shows_with_money_and_times(
    client, leader, decided
):
    approved, withdrawn = decided
    client.force_login(leader)
    page = client.get(reverse("talent:subsidies"), {"state": "withdrawn"}).content.decode()
    assert f'href="{reverse("talent:subsidies_export")}?state=withdrawn"' in page
    sheet = sheet_of(client.get(reverse("talent:subsidies_export"), {"state": "withdrawn"}))
    decided_at = timezone.localtime(withdrawn.decided_at).replace(tzinfo=None, microsecond=0)
    withdrawn_at = timezone.localtime(withdrawn.withdrawn_at).replace(tzinfo=None, microsecond=0)
    rows = values(sheet)
    assert rows[0] == [
        "申请日期", "领取人", "人才计划", "补贴类型", "金额（元）", "资金年度", "状态",
        "审批人", "审批时间", "审批意见", "撤销人", "撤销时间", "撤销理由",
    ]  # fmt: skip
    # Excel keeps times to the millisecond; the district's clock, as the page shows it.
    rows[1][8] = rows[1][8].replace(microsecond=0)
    rows[1][11] = rows[1][11].replace(microsecond=0)
    assert rows[1:] == [
        [datetime(2026, 5, 1), "李明", "硕士博士", "一次性安家补贴", 1234.56, 2026, "已撤销",
         "office", decided_at, None, "office", withdrawn_at, "'-金额录错"],
    ]  # fmt: skip
    assert sheet["E2"].number_format == "#,##0.00"
    assert sheet["I2"].number_format == "yyyy-mm-dd hh:mm"
    sheet = sheet_of(client.get(reverse("talent:subsidies_export")))
    amounts = sorted(row[4] for row in values(sheet)[1:])
    # 60000.5 is written with its two places, as the page shows 60,000.50.
    assert amounts == [100, 1234.56, 60000.5]
    assert sheet.cell(2, 5).number_format == "#,##0.00"


@pytest.mark.parametrize("subsidies", [2, 40])
def test_the_subsidies_export_takes_as_many_queries_for_few_rows_as_for_many(
    client, admin_user, fund, make_subsidy, make_talent, django_assert_max_num_queries, subsidies
):
    for number in range(subsidies):
        subsidy = make_subsidy("10", talent=make_talent(name=f"人才{number}", status="arrived"))
        if number % 2:
            subsidy_withdraw(
                subsidy=subsidy_approve(subsidy=subsidy, by=admin_user), by=admin_user, reason="错"
            )
    client.force_login(admin_user)
    # Session, user, roles, then the subsidies with talent, programme, fund and both users.
    with django_assert_max_num_queries(4):
        sheet = sheet_of(client.get(reverse("talent:subsidies_export")))
    assert sheet.max_row == subsidies + 1
    assert Subsidy.objects.filter(state="withdrawn").count() == subsidies // 2


def test_the_award_round_exports_each_categorys_ranking_winners_and_prize_money(
    client, admin_user, leader, make_user, make_category, django_assert_max_num_queries
):
    experts = [make_user(f"expert{number}") for number in range(1, 3)]
    leading = make_category(
        name="领军人才", quota=2, nominees=["甲", "乙", "丙"], reviewers=experts
    )
    leading.prize = Decimal("200000.50")
    leading.save()
    scores = {"甲": ("90", "81"), "乙": ("70", "70"), "丙": ("88", "83")}
    for number, expert in enumerate(experts):
        review_scores_save(
            category=leading,
            reviewer=expert,
            scores={n.pk: scores[n.nominee][number] for n in leading.nominations.all()},
        )
    open_one = make_category(name="优秀专家", nominees=["丁"], reviewers=[leader, experts[0]])
    review_scores_save(
        category=open_one, reviewer=experts[0], scores={open_one.nominations.get().pk: "77.5"}
    )
    # 甲 and 丙 (85.50 each) share the first place and win; 乙 (70.00) does not.
    award_winners_confirm(
        category=leading,
        nomination_ids=list(leading.nominations.exclude(nominee="乙").values_list("pk", flat=True)),
        by=admin_user,
    )
    url = reverse("talent:award_round_export", args=[leading.round_id])
    client.force_login(admin_user)
    assert (
        url in client.get(reverse("talent:award_round", args=[leading.round_id])).content.decode()
    )
    with django_assert_max_num_queries(14) as small:
        sheet = sheet_of(client.get(url))
    Nomination.objects.bulk_create(
        Nomination(category=open_one, nominee=f"戊{n}", employer="某") for n in range(30)
    )
    with django_assert_max_num_queries(14) as large:
        sheet_of(client.get(url))
    assert len(large.captured_queries) == len(small.captured_queries)
    header, *rows = values(sheet)
    assert header == [
        "奖项", "名次", "被提名人", "工作单位", "推荐单位", "评分数", "得分", "获奖", "奖金（元）",
    ]  # fmt: skip
    assert rows == [
        ["领军人才", 1, "甲", "某公司", None, 2, 85.5, "是", 200000.5],
        ["领军人才", 1, "丙", "某公司", None, 2, 85.5, "是", 200000.5],
        ["领军人才", 3, "乙", "某公司", None, 2, 70, None, None],
        ["优秀专家", 1, "丁", "某公司", None, 1, 77.5, None, None],
        ["合计", None, None, None, None, None, None, None, 400001],
    ]
    assert sheet["G2"].number_format == "0.00" and sheet["I2"].number_format == "#,##0.00"
    # A leader on the open category's panel reads its nominees, not the scores given so far.
    client.force_login(leader)
    rows = values(sheet_of(client.get(url)))[1:]
    assert ["优秀专家", None, "丁", "某公司", None, None, None, None, None] in rows
    assert ["优秀专家", None, "戊29", "某", None, None, None, None, None] in rows
    client.force_login(experts[0])
    assert client.get(url).status_code == 403
