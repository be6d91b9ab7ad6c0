"""A new district starts from an empty database: the 考核办 is shown the set-up steps in order,
each with where it stands and a link to the page where it is done, and the pages that have
nothing to show before a cycle exists say what to wait for instead of "page not found"."""

import re
from decimal import Decimal

import pytest

from cadre import roles
from cadre.models import Official, Unit, UnitCategory
from scoring.models import Cycle, Indicator, RaterGroup
from tests.entry.conftest import user_with_role

pytestmark = pytest.mark.django_db


def steps_shown(html: str) -> list[tuple[str, str]]:
    """Return the checklist's steps as (mark, label): ✓ done, ○ still to take."""
    return re.findall(
        r'step-mark" aria-hidden="true">(.)</span>\s*<a href="[^"]*">([^<]+)</a>', html
    )


@pytest.fixture
def clerk(client):
    client.force_login(user_with_role("kaoheban", roles.ADMIN, is_staff=True))
    return client


def district(
    *, units: int, rater_groups: bool = True, scorer=None, state=Cycle.State.DRAFT
) -> Cycle:
    """A district set up up to its tree: categories, units, officials, a cycle whose tree adds
    up, with an evaluation indicator; the cycle a draft unless `state` says otherwise."""
    category = UnitCategory.objects.create(code="ZJ", name="镇街")
    for number in range(units):
        unit = Unit.objects.create(code=f"ZJ{number:02d}", name=f"镇{number}", category=category)
        Official.objects.create(code=f"GB{number:02d}", name=f"干部{number}", unit=unit)
    cycle = Cycle.objects.create(year=2026, state=state)
    area = Indicator.objects.create(cycle=cycle, code="A1", name="经济", max_points=Decimal(1000))
    direct = Indicator.objects.create(
        cycle=cycle, code="A1.1", name="招商", parent=area, max_points=600, method="direct"
    )
    vote = Indicator.objects.create(
        cycle=cycle, code="A1.2", name="测评", parent=area, max_points=400, method="evaluation"
    )
    if rater_groups:
        RaterGroup.objects.create(cycle=cycle, code="LD", name="区领导", weight=Decimal("1"))
    if scorer is not None:
        direct.owners.add(scorer)
        vote.owners.add(scorer)
    return cycle


def test_an_empty_district_is_shown_the_first_step_and_where_to_take_it(clerk):
    html = clerk.get("/").content.decode()
    assert steps_shown(html) == [
        ("○", "单位类别"),
        ("○", "考核单位"),
        ("○", "干部"),
        ("○", "考核周期"),
        ("○", "账号"),
    ]
    assert '<a href="/admin/cadre/unitcategory/">单位类别</a>' in html
    assert '<a href="/admin/scoring/cycle/add/">考核周期</a>' in html


@pytest.mark.parametrize("url", ["/entry/", "/entry/votes/", "/dashboard/"])
def test_a_page_of_a_cycle_before_there_is_one_says_so_with_the_steps(clerk, url):
    response = clerk.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "还没有考核周期。考核办建立第一个年度的考核周期" in html
    assert "页面不存在" not in html
    assert ("○", "考核周期") in steps_shown(html)


def test_a_scorer_before_there_is_a_cycle_reads_what_to_wait_for_without_the_steps(client):
    client.force_login(user_with_role("tongji", roles.SCORER))
    html = client.get("/entry/").content.decode()
    assert "考核办建立第一个年度的考核周期并开放填报后，即可在此填报。" in html
    assert steps_shown(html) == []


def test_a_liaison_before_anything_is_published_reads_that_it_will_be(client):
    category = UnitCategory.objects.create(code="ZJ", name="镇街")
    unit = Unit.objects.create(code="ZJ01", name="城关街道", category=category)
    Cycle.objects.create(year=2026, state=Cycle.State.OPEN)
    liaison = user_with_role("lianluo", roles.LIAISON)
    liaison.liaison_units.add(unit)
    client.force_login(liaison)
    response = client.get("/dashboard/", follow=True)
    assert response.status_code == 200
    assert "本单位还没有已发布的考核结果，考核办发布后即可在此查看。" in response.content.decode()


def test_the_steps_follow_the_district_and_name_what_is_missing(clerk):
    district(units=3, rater_groups=False)
    html = clerk.get("/").content.decode()
    assert steps_shown(html) == [
        ("✓", "单位类别"),
        ("✓", "考核单位"),
        ("✓", "干部"),
        ("✓", "考核周期"),
        ("✓", "指标体系"),
        ("○", "测评群体"),
        ("○", "评分账号"),
        ("○", "账号"),
        ("○", "开放填报"),
    ]
    assert "2 项指标未指定" in html


def test_a_broken_tree_is_said_on_its_step(clerk):
    cycle = district(units=1)
    Indicator.objects.filter(cycle=cycle, code="A1.1").update(max_points=500)
    html = clerk.get("/").content.decode()
    assert ("○", "指标体系") in steps_shown(html)
    assert "1000" in html.split(">指标体系</a>")[1].split("</li>")[0]


def test_a_liaison_named_by_no_unit_keeps_the_accounts_step_open(clerk):
    district(units=2, scorer=user_with_role("tongji", roles.SCORER))
    user_with_role("lingdao", roles.LEADER)
    liaison = user_with_role("lianluo", roles.LIAISON)
    html = clerk.get("/").content.decode()
    assert ("○", "账号") in steps_shown(html)
    assert "单位联络员 1 人（已指定联络员的单位 0 / 2 个）" in html
    liaison.liaison_units.add(Unit.objects.first())
    assert ("✓", "账号") in steps_shown(clerk.get("/").content.decode())


def test_the_steps_leave_the_home_page_once_a_cycle_takes_input(clerk):
    # Indicators left to the 考核办 and units without a liaison may be the district's choice:
    # once it is under way the steps are no longer pressed on it.
    cycle = district(units=3, rater_groups=False)
    assert ("○", "评分账号") in steps_shown(clerk.get("/").content.decode())
    Cycle.objects.filter(pk=cycle.pk).update(state=Cycle.State.OPEN)
    assert steps_shown(clerk.get("/").content.decode()) == []


def test_the_steps_take_a_fixed_number_of_queries(clerk, django_assert_max_num_queries):
    district(units=2, scorer=user_with_role("tongji", roles.SCORER))
    category = UnitCategory.objects.get()
    with django_assert_max_num_queries(20) as few:
        clerk.get("/")
    for number in range(2, 40):
        unit = Unit.objects.create(code=f"X{number:02d}", name=f"单位{number}", category=category)
        Official.objects.create(code=f"X{number:02d}", name=f"干部{number}", unit=unit)
        user_with_role(f"lianluo{number}", roles.LIAISON).liaison_units.add(unit)
    with django_assert_max_num_queries(len(few.captured_queries)):
        clerk.get("/")


def test_other_roles_see_no_steps(client):
    client.force_login(user_with_role("lingdao", roles.LEADER))
    assert steps_shown(client.get("/").content.decode()) == []


def test_a_liaison_without_a_unit_is_told_so_not_that_they_have_no_role(client):
    client.force_login(user_with_role("lianluo", roles.LIAISON))
    html = client.get("/").content.decode()
    assert "您的账号是单位联络员，但还没有指定所联络的单位。" in html
    assert "您的账号还没有分配角色" not in html


def test_the_votes_page_of_a_cycle_without_rater_groups_says_where_to_add_them(clerk):
    cycle = district(units=2, rater_groups=False)
    html = clerk.get(f"/entry/votes/?cycle={cycle.year}&period=Q1").content.decode()
    assert "本周期还没有测评群体，票数按测评群体录入。" in html
    assert f'href="/admin/scoring/cycle/{cycle.pk}/change/#rater_groups-group"' in html
    assert 'id="votes-form"' not in html


def test_a_scorer_without_rater_groups_is_sent_to_the_kaoheban(client):
    scorer = user_with_role("tongji", roles.SCORER)
    # A scorer is given a cycle once it is open, never a draft.
    cycle = district(units=2, rater_groups=False, scorer=scorer, state=Cycle.State.OPEN)
    client.force_login(scorer)
    html = client.get(f"/entry/votes/?cycle={cycle.year}&period=Q1").content.decode()
    assert "请联系考核办在考核周期中添加测评群体。" in html
    assert "/admin/" not in html.split('id="no-rater-groups"')[1].split("</p>")[0]


def test_a_scorer_named_by_no_indicator_reads_whom_to_ask(client):
    district(units=2, state=Cycle.State.OPEN)
    client.force_login(user_with_role("tongji", roles.SCORER))
    html = client.get("/entry/").content.decode()
    assert "请联系考核办在这些指标的“评分账号”中添加您的账号。" in html


# Accounts are a superuser's (README: only a superuser creates and edits them).
def test_the_new_user_form_says_in_chinese_that_roles_come_next(admin_client):
    html = admin_client.get("/admin/auth/user/add/").content.decode()
    assert "保存后在下一页选择角色（组）" in html
    assert "After you" not in html


def test_a_users_page_says_what_the_account_answers_for_and_what_it_lacks(admin_client):
    scorer = user_with_role("tongji", roles.SCORER)
    liaison = user_with_role("lianluo", roles.LIAISON)
    html = admin_client.get(f"/admin/auth/user/{scorer.pk}/change/").content.decode()
    assert "评分员还没有指标：请在考核指标中把本账号设为评分账号" in html
    assert "评分员还须在考核指标中设为评分账号" in html  # the roles' help under 组
    district(units=1, scorer=scorer)
    html = admin_client.get(f"/admin/auth/user/{scorer.pk}/change/").content.decode()
    assert "评分账号的指标：2026 · A1.1、2026 · A1.2" in html
    html = admin_client.get(f"/admin/auth/user/{liaison.pk}/change/").content.decode()
    assert "单位联络员还没有单位：请在考核单位的“单位联络员”中加入本账号" in html
    liaison.liaison_units.add(Unit.objects.get())
    html = admin_client.get(f"/admin/auth/user/{liaison.pk}/change/").content.decode()
    assert "联络的单位：镇0" in html


def test_a_kaoheban_account_without_the_staff_flag_is_told_it_needs_it(admin_client):
    staffless = user_with_role("ban2", roles.ADMIN)
    html = admin_client.get(f"/admin/auth/user/{staffless.pk}/change/").content.decode()
    assert "考核办须同时勾选“工作人员状态”才能进入后台管理。" in html


def test_the_cycles_page_without_a_cycle_links_to_creating_the_first(clerk):
    html = clerk.get("/entry/cycles/").content.decode()
    assert '<a href="/admin/scoring/cycle/add/">新建第一个年度的考核周期</a>' in html
