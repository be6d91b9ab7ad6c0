"""A liaison reads their own unit's published quarters, page by page, and nothing of a quarter
not yet published nor of the year before the cycle is published; leaders see all as before."""

import re

import pytest
from django.test import Client

from cadre import roles
from scoring.models import Cycle
from scoring.services.cycles import (
    cycle_close,
    cycle_publish,
    cycle_quarter_publish,
    cycle_quarter_reopen,
)
from tests.dashboard.factories import user_with_role
from tests.dashboard.test_query_counts import MAX_QUERIES
from tests.quarters import TOTALS, quarter_district, quarters_moved

pytestmark = pytest.mark.django_db

UNIT_PAGE = "/dashboard/unit/ZJ01/"


@pytest.fixture
def district():
    return quarters_moved(quarter_district())


@pytest.fixture
def liaison(district):
    client = Client()
    client.force_login(district["liaison"])
    return client


def _period_options(page: str) -> list[str]:
    picker = re.search(r'<select name="period">(.*?)</select>', page, re.S).group(1)
    return re.findall(r'<option value="(\w+)"', picker)


def _period_links(page: str) -> list[str]:
    table = re.search(r'<table class="data" id="unit-periods">(.*?)</table>', page, re.S).group(1)
    return re.findall(r"period=(\w+)", table)


def test_a_liaison_reads_their_units_published_quarter_and_its_reasons(liaison):
    response = liaison.get(UNIT_PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    assert response.context["selection"].period == "Q1"
    assert TOTALS["ZJ01"]["Q1"] in page
    # Each score's reason: the indicator's line in the explanation column.
    assert "A1.1 创新发展指标" in page and "200.00" in page
    assert _period_options(page) == ["Q1"]
    assert _period_links(page) == ["Q1"]
    for period in ("Q2", "Y"):
        assert TOTALS["ZJ01"][period] not in page
    # The personal scores are the year's, not published yet.
    assert "干部个人得分" not in page and "书记ZJ01" not in page


@pytest.mark.parametrize("period", ["Q2", "Q3", "Y"])
def test_a_period_not_published_is_not_shown_but_said_so(liaison, period):
    response = liaison.get(f"{UNIT_PAGE}?cycle=2026&period={period}")
    page = response.content.decode()
    assert response.context["selection"].period == "Q1"
    assert TOTALS["ZJ01"]["Q2"] not in page and TOTALS["ZJ01"]["Y"] not in page
    label = {"Q2": "第二季度", "Q3": "第三季度", "Y": "全年"}[period]
    assert f"2026年度考核 {label}的考核结果尚未发布。" in page


def test_a_liaison_still_sees_no_other_unit(liaison):
    assert liaison.get("/dashboard/unit/ZJ02/").status_code == 403
    assert liaison.get("/dashboard/").url == UNIT_PAGE


def test_a_liaison_sees_nothing_of_a_cycle_without_a_published_quarter(district, liaison):
    cycle_quarter_reopen(cycle=district["cycle"], quarter="Q1", by=district["admin"], reason="更正")
    page = liaison.get(UNIT_PAGE).content.decode()
    assert "本单位还没有已发布的考核结果，考核办发布后即可在此查看。" in page
    assert TOTALS["ZJ01"]["Q1"] not in page


def test_closing_the_cycle_shows_no_more_and_publishing_it_shows_every_period(district, liaison):
    cycle, admin = district["cycle"], district["admin"]
    cycle_close(cycle=cycle, by=admin)
    page = liaison.get(UNIT_PAGE).content.decode()
    assert _period_options(page) == ["Q1"]
    cycle_publish(cycle=cycle, by=admin)
    page = liaison.get(UNIT_PAGE).content.decode()
    assert _period_options(page) == ["Q1", "Q2", "Y"]
    assert _period_links(page) == ["Q1", "Q2", "Y"]
    assert TOTALS["ZJ01"]["Y"] in page and "书记ZJ01" in page


def test_leaders_see_every_period_whatever_is_published(district):
    client = Client()
    client.force_login(user_with_role("leader", roles.LEADER))
    page = client.get(f"{UNIT_PAGE}?period=Q2").content.decode()
    assert _period_options(page) == ["Q1", "Q2", "Y"]
    assert TOTALS["ZJ01"]["Q2"] in page
    assert "尚未发布" not in page


def test_the_history_lists_the_published_quarters_changes_only(district, liaison):
    cycle = district["cycle"]
    response = liaison.get(f"/entry/units/ZJ01/history/?cycle={cycle.year}")
    assert response.status_code == 200
    events = [event["what"] for event in response.context["events"]]
    assert events and all(what.endswith("第一季度") for what in events)
    assert len(events) == 4
    page = response.content.decode()
    assert "第二季度" not in page
    # The link back goes to the unit's results, which open on what is published.
    assert f'href="/dashboard/unit/ZJ01/?cycle={cycle.year}"' in page
    Cycle.objects.filter(pk=cycle.pk).update(state=Cycle.State.PUBLISHED)
    response = liaison.get(f"/entry/units/ZJ01/history/?cycle={cycle.year}")
    assert len(response.context["events"]) == 8


def test_the_liaisons_pages_take_the_same_queries_with_more_quarters_published(
    district, liaison, django_assert_max_num_queries
):
    with django_assert_max_num_queries(MAX_QUERIES) as one:
        liaison.get(UNIT_PAGE)
    cycle_quarter_publish(cycle=district["cycle"], quarter="Q2", by=district["admin"])
    with django_assert_max_num_queries(len(one)):
        page = liaison.get(UNIT_PAGE).content.decode()
    assert _period_options(page) == ["Q1", "Q2"]
