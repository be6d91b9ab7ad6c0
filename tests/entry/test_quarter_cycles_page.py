"""The cycles page shows each quarter's state and offers the 考核办 the moves it allows."""

import re

import pytest
from django.test import Client

from scoring.models import Cycle
from tests.entry.test_cycles_page import _cycle_forms
from tests.quarters import quarter_district, quarters_moved

pytestmark = pytest.mark.django_db


@pytest.fixture
def district():
    return quarters_moved(quarter_district())


@pytest.fixture
def admin_client(district):
    client = Client()
    client.force_login(district["admin"])
    return client


def _quarters(page: str) -> dict[str, str]:
    """Each quarter's state as the page shows it."""
    return dict(
        re.findall(
            r'<li data-quarter="(Q\d)"><span class="quarter-name">[^<]+</span> '
            r'<span class="state state-\w+">([^<]+)</span>',
            page,
        )
    )


def test_each_quarter_shows_its_state_and_the_moves_it_allows(district, admin_client):
    page = admin_client.get("/entry/cycles/").content.decode()
    assert _quarters(page) == {"Q1": "已发布", "Q2": "已关闭", "Q3": "填报中", "Q4": "填报中"}
    pk = district["cycle"].pk
    moves = {
        (form["url"].split("/")[-3], tuple(form["actions"]))
        for form in _cycle_forms(admin_client, quarters=True)
    }
    # Q1 reopens; Q2 publishes or reopens; Q3 closes next; Q4 waits for Q3.
    assert moves == {
        ("Q1", ("reopen",)),
        ("Q2", ("publish",)),
        ("Q2", ("reopen",)),
        ("Q3", ("close",)),
    }
    publish = next(
        form for form in _cycle_forms(admin_client, quarters=True) if form["actions"] == ["publish"]
    )
    assert publish["url"] == f"/entry/cycles/{pk}/quarters/Q2/move/"
    assert publish["confirm"] == (
        "发布后，各单位即可查看 2026年度考核 第二季度的结果。该季度仍有 0 项指标缺报、"
        "8 项数据未审核。确定发布？"
    )
    # Reopening Q1 takes its published results from the units, and says so first; Q2 is
    # published to nobody yet.
    reopen = {
        form["url"].split("/")[-3]: form["confirm"]
        for form in _cycle_forms(admin_client, quarters=True)
        if form["actions"] == ["reopen"]
    }
    assert reopen == {
        "Q1": "重新开放 2026年度考核 第一季度后，该季度的结果重新计算，"
        "各单位在再次发布之前看不到它。确定重新开放？",
        "Q2": None,
    }


def test_the_page_moves_a_quarter_and_says_what_it_did(district, admin_client):
    pk = district["cycle"].pk
    page = admin_client.post(
        f"/entry/cycles/{pk}/quarters/Q4/move/", {"action": "close"}, follow=True
    ).content.decode()
    assert "请先关闭第三季度：季度按顺序关闭，第四季度在其后。" in page
    page = admin_client.post(
        f"/entry/cycles/{pk}/quarters/Q3/move/", {"action": "close"}, follow=True
    ).content.decode()
    assert "2026年度考核 第三季度现为“已关闭”。" in page
    page = admin_client.post(
        f"/entry/cycles/{pk}/quarters/Q2/move/", {"action": "reopen", "reason": ""}, follow=True
    ).content.decode()
    assert "重新开放必须说明理由" in page
    admin_client.post(
        f"/entry/cycles/{pk}/quarters/Q2/move/", {"action": "reopen", "reason": "补录"}
    )
    cycle = Cycle.objects.get(pk=pk)
    assert (cycle.state_q2, cycle.state_q3) == ("open", "closed")
    page = admin_client.get("/entry/cycles/").content.decode()
    assert "2026 · 第二季度" in page and "周期管理页面：重新开放：补录" in page
    assert admin_client.post(f"/entry/cycles/{pk}/quarters/Y/move/").status_code == 404


def test_the_cycles_page_takes_the_same_queries_for_more_cycles(
    district, admin_client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12) as one:
        admin_client.get("/entry/cycles/")
    for year in (2024, 2025):
        Cycle.objects.create(year=year, state=Cycle.State.OPEN, state_q1="published")
    with django_assert_max_num_queries(len(one)):
        page = admin_client.get("/entry/cycles/").content.decode()
    assert page.count('data-quarter="Q1"') == 3


def test_a_reopened_quarter_says_its_date_is_of_its_last_publication(district, admin_client):
    pk = district["cycle"].pk

    def q1(page: str) -> str:
        item = re.search(r'<li data-quarter="Q1">(.*?)<div class="actions">', page, re.S)
        return re.sub(r"<[^>]+>", "", item.group(1)).split()

    published = q1(admin_client.get("/entry/cycles/").content.decode())
    assert published[:2] == ["第一季度", "已发布"]
    date, time = published[2:]
    admin_client.post(
        f"/entry/cycles/{pk}/quarters/Q1/move/", {"action": "reopen", "reason": "补录"}
    )
    # A bare date beside 填报中 read as when it opened; it is when the results were last shown.
    assert q1(admin_client.get("/entry/cycles/").content.decode()) == [
        "第一季度",
        "填报中",
        "上次发布",
        date,
        time,
    ]
