"""A closed or published year keeps showing what was computed, whatever happened to the units
and officials since: a unit moved to another category or retired, an official transferred."""

import re

import pytest

from cadre.models import Official, Unit, UnitCategory
from scoring.models import Cycle, OfficialScore, UnitResult
from tests.locked_years import district_make, year_scored

pytestmark = pytest.mark.django_db

PAGES = [(code, period) for code in ("ZJ01", "ZJ02", "ZJ03", "JJ01") for period in ("Q1", "Y")]


@pytest.fixture
def units(db):
    return district_make()


@pytest.fixture
def published(units):
    return year_scored(year=2025, state=Cycle.State.PUBLISHED, units=units)


def unit_page_facts(client, code, period):
    """What a unit's page says: its heading (with the category), ranks of n, area averages,
    indicator lines and the total's explanation."""
    response = client.get(f"/dashboard/unit/{code}/?cycle=2025&period={period}")
    assert response.status_code == 200
    context = response.context
    return {
        "heading": response.content.decode().split("<h1>")[1].split("</h1>")[0],
        "ranks": [(r.period, r.rank, size) for r, size, _current in context["overview"]],
        "areas": [(area.code, own, average) for area, own, average, _moved in context["areas"]],
        "lines": [(row.indicator.code, row.explanation) for row in context["indicator_rows"]],
        "total": context["total_explanation"],
    }


def test_a_past_year_reads_the_same_after_a_unit_moved_and_another_retired(
    leader_client, published
):
    before = {page: unit_page_facts(leader_client, *page) for page in PAGES}
    departments = UnitCategory.objects.get(code="JJ")
    Unit.objects.filter(code="ZJ02").update(category=departments)
    Unit.objects.filter(code="ZJ03").update(is_active=False)
    after = {page: unit_page_facts(leader_client, *page) for page in PAGES}
    assert after == before
    moved = after["ZJ02", "Q1"]
    # Ranked among the four towns, with the towns' indicators, in 2025.
    assert "镇街 · 2025年度考核" in moved["heading"]
    assert moved["ranks"] == [("Q1", 2, 4), ("Y", 2, 4)]
    assert [code for code, _line in moved["lines"]] == ["A1.1", "A1.2", "A1.3", "A1.4"]
    assert dict(moved["lines"])["A1.1"].startswith("第 3 名 / 共 4 个单位")
    assert dict(moved["lines"])["A1.2"] == "对标最优 60/80 × 20 = 15.00"
    # The departments' lines count their three units of 2025, not the town moved in since.
    assert dict(after["JJ01", "Q1"]["lines"])["A1.1"].startswith("第 1 名 / 共 3 个单位")


def test_a_retired_units_past_page_opens_with_its_explanations(leader_client, published):
    Unit.objects.filter(code="ZJ03").update(is_active=False)
    facts = unit_page_facts(leader_client, "ZJ03", "Q1")
    assert dict(facts["lines"])["A1.2"] == "对标最优 40/80 × 20 = 10.00"
    assert dict(facts["lines"])["A1.1"].startswith("第 2 名 / 共 4 个单位")


def test_the_page_links_back_to_the_ranking_it_was_ranked_in(leader_client, published):
    Unit.objects.filter(code="ZJ02").update(category=UnitCategory.objects.get(code="JJ"))
    html = leader_client.get("/dashboard/unit/ZJ02/?cycle=2025&period=Y").content.decode()
    assert "period=Y&category=ZJ" in html


def test_compare_offers_the_units_as_they_were_ranked(leader_client, published):
    Unit.objects.filter(code="ZJ02").update(category=UnitCategory.objects.get(code="JJ"))
    Unit.objects.filter(code="ZJ03").update(is_active=False)
    response = leader_client.get("/dashboard/compare/?cycle=2025&period=Y&units=ZJ02&units=ZJ03")
    choices = dict(response.context["form"].fields["units"].choices)
    assert choices["ZJ02"] == "镇街 · 单位ZJ02" and choices["ZJ03"] == "镇街 · 单位ZJ03"
    assert [result.unit.code for result in response.context["results"]] == ["ZJ02", "ZJ03"]


def official_rows(client, query: str) -> dict[str, str]:
    """The officials' list as shown: official's name → their row's HTML."""
    html = client.get(f"/dashboard/officials/?{query}").content.decode()
    rows = html.split('<tr class="official')[1:]
    # The name links to the official's page.
    return {
        re.sub(r"<[^>]+>", "", row.split('<td class="name">')[1].split("</td>")[0]): row
        for row in rows
    }


def test_the_officials_of_a_past_year_are_listed_at_the_unit_their_score_was_computed_at(
    leader_client, published, units
):
    transferred = Official.objects.get(code="ZJ01-01")
    transferred.unit = units["JJ02"]
    transferred.save()
    Official.objects.filter(code="ZJ02-01").update(is_active=False)
    rows = official_rows(leader_client, "cycle=2025")
    score = OfficialScore.objects.get(cycle=published, official=transferred)
    unit_link = '<a href="/dashboard/unit/ZJ01/?cycle=2025&amp;period=Y">单位ZJ01</a>'
    assert unit_link in rows["书记ZJ01"]
    assert f"{score.score}" in rows["书记ZJ01"] and "单位JJ02" not in rows["书记ZJ01"]
    # No longer in office, still the score they had that year.
    retired = OfficialScore.objects.get(cycle=published, official__code="ZJ02-01")
    assert f"{retired.score}" in rows["书记ZJ02"]
    # Searched by the unit shown.
    assert set(official_rows(leader_client, "cycle=2025&q=单位ZJ01")) == {"书记ZJ01"}


def test_the_flag_waits_for_the_previous_year_and_says_so(leader_client, units):
    previous = year_scored(year=2025, state=Cycle.State.OPEN, units=units)
    year_scored(year=2026, state=Cycle.State.OPEN, units=units)
    assert not UnitResult.objects.filter(needs_adjustment=True).exists()
    unit_page = leader_client.get("/dashboard/unit/ZJ04/?cycle=2026&period=Y").content.decode()
    ranking = leader_client.get("/dashboard/?cycle=2026&period=Y&category=ZJ").content.decode()
    assert "上一年度结果未定" in unit_page and "重点调整：上一年度结果未定" in ranking
    assert "badge-adjust" not in unit_page + ranking
    Cycle.objects.filter(pk=previous.pk).update(state=Cycle.State.CLOSED)
    quarter = leader_client.get("/dashboard/?cycle=2026&period=Q1&category=ZJ").content.decode()
    assert "上一年度结果未定" not in quarter
