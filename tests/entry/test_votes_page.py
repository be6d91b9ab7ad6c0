"""The votes page: read-only in a locked cycle, counts of a sane size, rows saved by someone
else since refused, rows not entered told from rows of 0, one unit after the other."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from cadre import roles
from cadre.models import Unit
from scoring.models import Cycle, Indicator, RaterGroup, Vote
from scoring.services.evaluations import VoteCounts, votes_save
from tests.entry.conftest import user_with_role

pytestmark = pytest.mark.django_db


def test_a_locked_cycles_votes_are_shown_read_only(client, open_cycle, votes_url):
    Cycle.objects.filter(pk=open_cycle.pk).update(state=Cycle.State.CLOSED)
    page = client.get(votes_url).content.decode()
    assert page.count('inputmode="numeric"') == 4
    assert page.count(" disabled") == 4


def test_a_vote_count_beyond_100000_is_refused(client, open_cycle, votes_url):
    group = open_cycle.rater_groups.get()
    form = {f"g{group.pk}-{name}": 0 for name in ("competent", "basic", "incompetent")}
    response = client.post(votes_url, {**form, f"g{group.pk}-excellent": "99999999999"})
    assert response.status_code == 200
    assert "100000" in response.content.decode()
    assert not Vote.objects.exists()


def test_the_service_refuses_a_vote_count_beyond_100000(open_cycle, scorer, unit, make_indicator):
    evaluation = make_indicator("E1", 50, method="evaluation")
    group = open_cycle.rater_groups.get()
    counts = [VoteCounts(rater_group=group, excellent=100_001, competent=0, basic=0, incompetent=0)]
    with pytest.raises(ValidationError, match="票数每项最多 100000"):
        votes_save(
            cycle=open_cycle,
            indicator=evaluation,
            unit=unit,
            period="Q1",
            counts=counts,
            by=scorer,
            source="填报页面",
        )


def vote_row(group, numbers, version=None):
    """The fields of one rater group's row as the page posts them ("" for a blank count)."""
    names = ("excellent", "competent", "basic", "incompetent")
    row = {f"g{group.pk}-{name}": number for name, number in zip(names, numbers, strict=True)}
    if version is not None:
        row[f"g{group.pk}-version"] = version
    return row


@pytest.fixture
def two_groups(open_cycle):
    users = RaterGroup.objects.create(cycle=open_cycle, code="FW", name="服务对象", weight=1)
    return open_cycle.rater_groups.get(code="LD"), users


def test_a_row_someone_saved_since_the_page_was_loaded_is_refused_showing_both(
    client, open_cycle, scorer, votes_url, two_groups
):
    leaders, users = two_groups
    other = user_with_role("wangwu", roles.SCORER, first_name="王五")
    Indicator.objects.get(code="E1").owners.add(other)
    colleague = Client()
    colleague.force_login(other)
    # Both loaded the page while nothing was entered (version 0); 王五 saves first.
    assert colleague.post(votes_url, vote_row(leaders, (30, 10, 0, 0), 0)).status_code == 302
    mine = {**vote_row(leaders, (0, 0, 5, 0), 0), **vote_row(users, (1, 2, 3, 4), 0)}
    response = client.post(votes_url, mine)
    assert response.status_code == 200
    page = response.content.decode()
    assert "您填的 0/0/5/0 未保存：王五 已改为 30/10/0/0" in page
    assert "已保存 1 个测评群体的票数。" in page
    assert "1 个测评群体的票数未保存，原因见该行。" in page
    saved = {
        v.rater_group_id: (v.excellent, v.competent, v.basic, v.incompetent)
        for v in Vote.objects.all()
    }
    assert saved == {leaders.pk: (30, 10, 0, 0), users.pk: (1, 2, 3, 4)}
    # The refused row now shows what is stored and its version: saving it again overwrites.
    assert f'name="g{leaders.pk}-excellent" value="30"' in page
    assert f'name="g{leaders.pk}-version" value="1"' in page
    assert client.post(votes_url, vote_row(leaders, (0, 0, 5, 0), 1)).status_code == 302
    assert Vote.objects.get(rater_group=leaders).basic == 5


def test_a_row_not_entered_is_blank_and_saving_it_blank_stores_nothing(
    client, open_cycle, votes_url, two_groups
):
    leaders, users = two_groups
    page = client.get(votes_url).content.decode()
    assert page.count('placeholder="未填"') == 8
    assert 'value="0"' not in page
    form = {**vote_row(leaders, ("", "", "", ""), 0), **vote_row(users, (0, 0, 0, 0), 0)}
    assert client.post(votes_url, form).status_code == 302
    # 服务对象 was entered as 0 votes each: stored, and shown as 0, not as not entered.
    assert list(Vote.objects.values_list("rater_group", flat=True)) == [users.pk]
    page = client.get(votes_url).content.decode()
    assert page.count('value="0"') == 4
    assert page.count('placeholder="未填"') == 8
    assert page.count(">未填</span>") == 1


def test_a_quarter_without_evaluation_indicators_points_to_the_year(
    client, open_cycle, scorer, make_indicator
):
    make_indicator("E1", 50, method="evaluation", frequency="annual").owners.add(scorer)
    client.force_login(scorer)
    page = client.get(f"/entry/votes/?cycle={open_cycle.year}&period=Q2").content.decode()
    assert "综合评价指标在“全年”填报" in page
    assert f'href="/entry/votes/?cycle={open_cycle.year}&amp;period=Y"' in page
    # Nothing to enter in the year either: no such pointer.
    Indicator.objects.update(frequency="quarterly")
    page = client.get(f"/entry/votes/?cycle={open_cycle.year}&period=Y").content.decode()
    assert "综合评价指标在“全年”填报" not in page
    assert "本期间没有您负责的综合评价指标。" in page


def test_a_scorer_owning_no_evaluation_indicator_is_told_so_and_who_assigns_them(
    client, open_cycle, scorer, admin_user, make_indicator
):
    """Not "none in this period", which sent them looking through the other periods."""
    make_indicator("E1", 50, method="evaluation", frequency="annual")
    client.force_login(scorer)
    for period in ("Q2", "Y"):
        page = client.get(f"/entry/votes/?cycle={open_cycle.year}&period={period}").content.decode()
        assert "本期间没有" not in page
        assert (
            "您不是本周期任何综合评价指标的评分账号，不能录入测评票数。"
            "评分账号由考核办在指标的“评分账号”中指定；如应由您录入，请联系考核办。"
        ) in page
    # The admin enters every indicator: a cycle without any evaluation one says so.
    Indicator.objects.update(method="direct")
    client.force_login(admin_user)
    page = client.get(f"/entry/votes/?cycle={open_cycle.year}&period=Y").content.decode()
    assert "本周期没有综合评价指标。" in page
    assert f"/admin/scoring/indicator/?cycle__id__exact={open_cycle.pk}" in page


def test_save_and_next_unit_opens_the_next_unit_and_the_page_counts_the_units_done(
    client, open_cycle, scorer, unit, make_indicator
):
    evaluation = make_indicator("E1", 50, method="evaluation")
    evaluation.owners.add(scorer)
    second, third = (
        Unit.objects.create(code=f"ZJ0{n}", name=name, category=unit.category, sort_order=n)
        for n, name in [(2, "西城街道"), (3, "东城街道")]
    )
    group = open_cycle.rater_groups.get()
    client.force_login(scorer)
    url = f"/entry/votes/?cycle={open_cycle.year}&period=Q1&indicator={evaluation.pk}&unit="
    page = client.get(f"{url}{unit.pk}").content.decode()
    assert "0 / 3 个单位已录入全部测评群体的票数" in page
    response = client.post(f"{url}{unit.pk}", {**vote_row(group, (1, 0, 0, 0), 0), "next": "1"})
    assert response.url == f"{url}{second.pk}"
    page = client.get(response.url).content.decode()
    assert "1 / 3 个单位已录入全部测评群体的票数" in page
    assert f'<option value="{unit.pk}">城关街道 ✓</option>' in page
    # Plain 保存 stays on the unit; at the last unit 保存并下一单位 stays and says so.
    assert client.post(f"{url}{second.pk}", vote_row(group, (2, 0, 0, 0), 0)).url == (
        f"{url}{second.pk}"
    )
    response = client.post(
        f"{url}{third.pk}", {**vote_row(group, (3, 0, 0, 0), 0), "next": "1"}, follow=True
    )
    assert response.redirect_chain[-1][0] == f"{url}{third.pk}"
    page = response.content.decode()
    assert "这是本指标的最后一个单位。" in page
    assert "3 / 3 个单位已录入全部测评群体的票数" in page


def test_the_votes_page_opens_on_the_year_when_the_evaluation_is_annual(
    client, open_cycle, scorer, unit, make_indicator
):
    evaluation = make_indicator("E1", 50, method="evaluation", frequency="annual")
    evaluation.owners.add(scorer)
    client.force_login(scorer)
    page = client.get(f"/entry/votes/?cycle={open_cycle.year}")
    assert page.context["period"] == "Y"
    assert "E1" in page.content.decode()
