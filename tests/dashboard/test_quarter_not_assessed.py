"""A published quarter shows the units it assessed when it closed: a unit retired since keeps
its result and is marked so; a unit added since has none, and every page that shows it the
quarter, or the quarter's ranking, says it was not assessed then."""

import io
import re

import pytest
from django.test import Client
from openpyxl import load_workbook

from cadre import roles
from cadre.models import Unit
from scoring.models import ResultSnapshot, UnitResult
from scoring.services.cycles import cycle_quarter_close, cycle_quarter_publish
from scoring.services.refresh import results_refresh_unlocked
from tests.dashboard.factories import user_with_role
from tests.dashboard.test_query_counts import MAX_QUERIES
from tests.quarters import ranked_district

pytestmark = pytest.mark.django_db

NOT_ASSESSED = "第一季度关闭时本单位未参加考核，没有本单位该期间的考核结果。"
RANKING_NOTE = "第一季度关闭时以下单位未参加本类别考核，该期间没有其考核结果：ZJ05 新设街道"
RETIRED = "已停止参加考核"


@pytest.fixture
def district():
    """The ranked district with Q1 closed, then ZJ04 retired and ZJ05 created, then Q1
    published; ZJ05's liaison can log in."""
    made = ranked_district()
    cycle, admin = made["cycle"], made["admin"]
    cycle_quarter_close(cycle=cycle, quarter="Q1", by=admin)
    Unit.objects.filter(code="ZJ04").update(is_active=False)
    made["newcomer"] = Unit.objects.create(
        code="ZJ05", name="新设街道", category=made["towns"], sort_order=9
    )
    results_refresh_unlocked()  # as the admin's saves of the units do
    cycle_quarter_publish(cycle=cycle, quarter="Q1", by=admin)
    made["liaison"] = user_with_role("lianluo05", roles.LIAISON)
    made["liaison"].liaison_units.add(made["newcomer"])
    return made


@pytest.fixture
def leader(client):
    client.force_login(user_with_role("leader", roles.LEADER))
    return client


def _ranked_codes(page: str) -> list[str]:
    table = re.search(r'<table class="data ranked" id="ranked-table">(.*?)</table>', page, re.S)
    return re.findall(r"/dashboard/unit/(\w+)/", table.group(1))


def test_the_quarters_ranking_keeps_the_retired_unit_and_names_the_new_one(
    district, leader, django_assert_max_num_queries
):
    with django_assert_max_num_queries(MAX_QUERIES):
        page = leader.get("/dashboard/?cycle=2026&period=Q1&category=ZJ").content.decode()
    assert _ranked_codes(page) == ["ZJ04", "ZJ01", "ZJ02", "ZJ03"]
    retired_row = re.search(r'<tr[^>]*data-unit="ZJ04".*?</tr>', page, re.S).group(0)
    assert RETIRED in retired_row
    assert page.count(f">{RETIRED}<") == 1
    assert RANKING_NOTE in page

    # Q2, still open, ranks the units taking part now: nothing to say there.
    page = leader.get("/dashboard/?cycle=2026&period=Q2&category=ZJ").content.decode()
    assert sorted(_ranked_codes(page)) == ["ZJ01", "ZJ02", "ZJ03", "ZJ05"]
    assert "未参加本类别考核" not in page and RETIRED not in page


def test_the_distance_page_marks_the_retired_unit_as_the_ranking_does(
    district, leader, django_assert_max_num_queries
):
    ranking = leader.get("/dashboard/?cycle=2026&period=Q1&category=ZJ").content.decode()
    with django_assert_max_num_queries(MAX_QUERIES):
        page = leader.get("/dashboard/distance/?cycle=2026&period=Q1&category=ZJ")
    page = page.content.decode()
    # The same badge as the ranking's, title and all.
    badge = re.search(rf'<span class="badge[^"]*"[^>]*>{RETIRED}</span>', ranking).group(0)
    rows = dict(re.findall(r'<tr data-unit="(\w+)">(.*?)</tr>', page, re.S))
    assert sorted(rows) == ["ZJ01", "ZJ02", "ZJ03", "ZJ04"]
    assert badge in rows["ZJ04"]
    assert page.count(f">{RETIRED}<") == 1

    page = leader.get("/dashboard/distance/?cycle=2026&period=Q2&category=ZJ").content.decode()
    assert RETIRED not in page


def test_the_new_units_page_says_it_was_not_assessed_in_the_quarter(district, leader):
    page = leader.get("/dashboard/unit/ZJ05/?cycle=2026&period=Q1").content.decode()
    assert NOT_ASSESSED in page
    assert 'id="unit-indicators"' not in page
    # Its Q2, still open, has a result like any other's.
    page = leader.get("/dashboard/unit/ZJ05/?cycle=2026&period=Q2").content.decode()
    assert NOT_ASSESSED not in page and 'id="unit-indicators"' in page


def test_the_retired_units_page_shows_its_q1_and_says_it_has_no_open_quarter(district, leader):
    stored = UnitResult.objects.get(unit__code="ZJ04", period="Q1")
    page = leader.get("/dashboard/unit/ZJ04/?cycle=2026&period=Q1").content.decode()
    assert str(stored.total) in page and 'id="unit-indicators"' in page
    page = leader.get("/dashboard/unit/ZJ04/?cycle=2026&period=Q2").content.decode()
    assert "第二季度没有本单位的考核结果。" in page


def test_the_new_units_liaison_reads_that_it_was_not_assessed_in_the_published_quarter(
    district,
):
    liaison = Client()
    liaison.force_login(district["liaison"])
    response = liaison.get("/dashboard/unit/ZJ05/")
    assert response.status_code == 200
    assert response.context["selection"].period == "Q1"
    assert NOT_ASSESSED in response.content.decode()


def test_the_quarters_export_names_the_unit_it_did_not_assess(district, leader):
    response = leader.get("/dashboard/export/?cycle=2026&period=Q1&category=ZJ")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [row for row in sheet.iter_rows(values_only=True) if any(row)]
    assert [row[1] for row in rows[2:6]] == ["ZJ04", "ZJ01", "ZJ02", "ZJ03"]
    assert rows[-1][0] == RANKING_NOTE
    assert "ZJ05" not in {row[1] for row in rows}


def test_the_snapshot_holds_the_units_the_quarter_assessed(district):
    snapshot = ResultSnapshot.objects.get(cycle=district["cycle"], period="Q1")
    assert sorted(row["unit"] for row in snapshot.results) == ["ZJ01", "ZJ02", "ZJ03", "ZJ04"]
