"""The ranked dashboard and the distance to the next step, read from stored results."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cadre import roles
from cadre.models import UnitCategory
from scoring.models import Cycle, IndicatorValue, Period, UnitResult
from scoring.services.compute import results_compute
from scoring.services.cycles import cycle_close
from tests.dashboard.factories import (
    embedded_charts,
    results_store,
    units_make,
    user_with_role,
)

pytestmark = pytest.mark.django_db


def table_rows(response):
    """Return (rank, unit code, total) for each row of the ranked table, in page order."""
    rows = []
    for row in response.context["rows"]:
        rows.append((row.result.rank, row.result.unit.code, row.result.total))
    return rows


def test_the_ranked_table_matches_the_stored_results(leader_client, stored_year):
    response = leader_client.get("/dashboard/?cycle=2025&period=Q3&category=ZJ")
    stored = list(
        UnitResult.objects.filter(period="Q3")
        .order_by("rank", "unit__code")
        .values_list("rank", "unit__code", "total")
    )
    assert table_rows(response) == stored
    html = response.content.decode()
    for _rank, code, total in stored:
        assert f'data-unit="{code}"' in html
        assert f"<strong>{total}</strong>" in html
    charts = embedded_charts(response)
    assert charts["totals"] == [str(total) for _rank, _code, total in stored]
    assert [line["name"] for line in charts["trend"]["series"]][:1] == ["镇街单位1"]
    assert len(charts["trend"]["series"][0]["ranks"]) == 4
    # The trend chart draws ranks only.
    assert set(charts["trend"]["series"][0]) == {"name", "ranks"}
    assert "<h1>2025年度考核 · 镇街 · 第三季度</h1>" in html


def test_the_year_is_shown_by_default_with_every_area_as_a_column(leader_client, stored_year):
    response = leader_client.get("/dashboard/")
    assert response.context["selection"].period == Period.YEAR
    html = response.content.decode()
    for area in ("创新发展", "协调发展", "绿色发展", "开放发展"):
        assert f">{area}</th>" in html
    assert "237.50" in html  # 950 shared by four areas


def test_a_cycle_still_open_opens_on_its_latest_quarter_not_its_provisional_year(
    leader_client, stored_year
):
    stored_year.state = Cycle.State.OPEN
    stored_year.save()
    UnitResult.objects.filter(cycle=stored_year, period="Q4").delete()
    response = leader_client.get("/dashboard/")
    assert response.context["selection"].period == Period.Q3
    assert leader_client.get("/dashboard/?period=Y").context["selection"].period == Period.YEAR


def test_rank_changes_show_an_arrow_against_the_previous_quarter(
    leader_client, published_cycle, town_units
):
    first, second, third = town_units[:3]
    results_store(
        cycle=published_cycle,
        period="Q1",
        totals={first: Decimal(900), second: Decimal(880), third: Decimal(870)},
    )
    results_store(
        cycle=published_cycle,
        period="Q2",
        totals={first: Decimal(880), second: Decimal(900), third: Decimal(870)},
    )
    response = leader_client.get("/dashboard/?period=Q2")
    changes = {row.result.unit: row.rank_change for row in response.context["rows"]}
    assert changes == {second: 1, first: -1, third: 0}
    html = response.content.decode()
    assert "▲1" in html and "▼1" in html and "＝" in html


def test_ties_share_a_place_and_the_gap_points_at_the_better_unit(
    leader_client, published_cycle, town_units
):
    first, second, third, fourth = town_units[:4]
    results_store(
        cycle=published_cycle,
        period="Q1",
        totals={
            first: Decimal("905.10"),
            second: Decimal("880.00"),
            third: Decimal("880.00"),
            fourth: Decimal("700.25"),
        },
        vetoed=frozenset({fourth}),
        needs_adjustment=frozenset({fourth}),
        missing={third: ["A1.1", "A2.1"]},
    )
    rows = leader_client.get("/dashboard/?period=Q1").context["rows"]
    assert [row.result.rank for row in rows] == [1, 2, 2, 4]
    assert [row.gap_to_above for row in rows] == [
        None,
        Decimal("25.11"),
        Decimal("25.11"),
        Decimal("179.76"),
    ]
    assert rows[3].above.unit in (second, third)
    html = leader_client.get("/dashboard/?period=Q1").content.decode()
    assert html.count("一票否决</span>") == 1
    assert html.count("重点调整</span>") == 1
    # The missing indicators are listed as the page's language lists them.
    assert 'title="A1.1、A2.1">2<' in html


def test_distance_lists_the_units_closest_to_a_boundary_first(
    leader_client, published_cycle, town_units
):
    near, far, vetoed, top = town_units[:4]
    results_store(
        cycle=published_cycle,
        period="Y",
        totals={
            top: Decimal("950"),
            near: Decimal("799.50"),
            far: Decimal("650"),
            vetoed: Decimal("700"),
        },
        vetoed=frozenset({vetoed}),
    )
    response = leader_client.get("/dashboard/distance/")
    rows = response.context["rows"]
    assert [row.result.unit for row in rows] == [near, far, vetoed, top]
    by_unit = {row.result.unit: row for row in rows}
    assert (by_unit[near].next_grade, by_unit[near].gap_to_next_grade) == ("good", Decimal("0.50"))
    assert by_unit[vetoed].next_grade is None
    assert by_unit[far].gap_to_above == Decimal("50.01")
    assert by_unit[top].gap_to_above is None and by_unit[top].next_grade is None
    html = response.content.decode()
    assert "一票否决，最高一般" in html
    assert html.count("<td>良好</td>") == 2


def test_a_unit_past_the_excellent_line_but_over_the_quota_is_marked(
    leader_client, published_cycle, town_units
):
    results_store(
        cycle=published_cycle,
        period="Y",
        totals={unit: Decimal(960) - index for index, unit in enumerate(town_units)},
    )
    rows = leader_client.get("/dashboard/distance/").context["rows"]
    held = [row for row in rows if row.held_by_quota]
    # Six units, 30% quota: one 优秀, the other five are past 900 but held at 良好.
    assert len(held) == 5
    assert "已过线，受优秀比例限制" in leader_client.get("/dashboard/distance/").content.decode()


def test_the_year_of_an_open_cycle_is_marked_provisional(leader_client, stored_year):
    assert 'id="provisional-year"' not in leader_client.get("/dashboard/?period=Y").content.decode()
    stored_year.state = Cycle.State.OPEN
    stored_year.save()
    page = leader_client.get("/dashboard/?period=Y").content.decode()
    assert "全年结果为临时结果" in page
    assert (
        'id="provisional-year"' not in leader_client.get("/dashboard/?period=Q3").content.decode()
    )


def test_a_quarter_still_taking_input_is_marked_provisional(leader_client, stored_year):
    """An open cycle's third quarter ranks units on what has been entered so far; once it is
    closed its ranking stands, and the page no longer says otherwise."""
    stored_year.state = Cycle.State.OPEN
    stored_year.save()
    for page in ("/dashboard/", "/dashboard/distance/", "/dashboard/unit/ZJ0001/"):
        text = leader_client.get(f"{page}?cycle=2025&period=Q3").content.decode()
        assert "第三季度仍在填报中，结果为临时结果" in text, page
    Cycle.objects.filter(pk=stored_year.pk).update(
        state_q1="published", state_q2="closed", state_q3="closed"
    )
    for period in ("Q1", "Q3"):
        page = leader_client.get(f"/dashboard/?cycle=2025&period={period}").content.decode()
        assert 'id="provisional-quarter"' not in page
    assert (
        'id="provisional-quarter"' not in leader_client.get("/dashboard/?period=Y").content.decode()
    )


def test_the_results_page_counts_the_values_still_unverified(
    leader_client, stored_year, town_units
):
    indicator = stored_year.indicators.exclude(method="").first()
    assert 'id="unverified-count"' not in leader_client.get("/dashboard/").content.decode()
    for unit in town_units[:2]:
        IndicatorValue.objects.create(indicator=indicator, unit=unit, period="Q1", value=5)
    IndicatorValue.objects.filter(unit=town_units[0]).update(verified_at=timezone.now())
    page = leader_client.get("/dashboard/").content.decode()
    assert "本周期尚有 1 项数据未经考核办审核。" in page


def test_the_unverified_count_is_grouped_by_thousands_in_english(
    leader_client, stored_year, town_units, monkeypatch
):
    from scoring.dashboard import views

    monkeypatch.setattr(views, "values_unverified_count", lambda cycle: 6224)
    leader_client.cookies["django_language"] = "en"
    page = leader_client.get("/dashboard/").content.decode()
    assert "6,224 values of this cycle are not yet verified by the assessment office." in page


def test_a_closed_years_page_shows_the_unverified_count_taken_at_its_close(
    leader_client, stored_year, town_units
):
    indicator = stored_year.indicators.exclude(method="").first()
    for unit in town_units[:3]:
        IndicatorValue.objects.create(indicator=indicator, unit=unit, period="Q1", value=5)
    Cycle.objects.filter(pk=stored_year.pk).update(state=Cycle.State.OPEN)
    cycle_close(cycle=stored_year, by=user_with_role("kaoheban", roles.ADMIN))
    with CaptureQueriesContext(connection) as queries:
        page = leader_client.get("/dashboard/").content.decode()
    assert "本周期尚有 3 项数据未经考核办审核。" in page
    # A province's year holds 2 million values; a locked year's page reads none of them.
    assert [q["sql"] for q in queries if "scoring_indicatorvalue" in q["sql"]] == []


def test_a_weighted_bonus_reads_in_cents_on_the_tables_and_in_full_in_the_explanation(
    leader_client, category, make_indicator, cycle
):
    """The year counts a quarter's bonus of 2.53 as 0.6325, kept unrounded for its total."""
    units = units_make(category=category, count=2)
    bonus = make_indicator("B", 10, "bonus")
    annual = make_indicator("A", 100, frequency="annual")
    for unit in units:
        IndicatorValue.objects.create(indicator=annual, unit=unit, period="Y", value="50.0003")
    IndicatorValue.objects.create(indicator=bonus, unit=units[0], period="Q1", value="2.53")
    results_compute(cycle=cycle)
    query = f"cycle={cycle.year}&period=Y"
    ranking = leader_client.get(f"/dashboard/?{query}&category=ZJ").content.decode()
    assert '<td class="num">0.63</td>' in ranking and "0.6325" not in ranking
    compare = leader_client.get(f"/dashboard/compare/?{query}&units=ZJ0001&units=ZJ0002")
    assert '<td class="num">0.63</td>' in compare.content.decode()
    unit_page = leader_client.get(f"/dashboard/unit/ZJ0001/?{query}").content.decode()
    assert "= 500.003；加分 0.633；柔性调整 0.00；总分 500.64" in unit_page


def test_the_years_ranking_names_every_team_flagged_in_the_district(
    leader_client, published_cycle, town_units
):
    """Whichever category a leader opens, the year's page names the district's flagged teams:
    the one in the other category too, with a link to its page."""
    departments = UnitCategory.objects.create(code="BM", name="区直部门", sort_order=2)
    offices = units_make(category=departments, count=3)
    towns = {unit: Decimal(900) - 20 * index for index, unit in enumerate(town_units)}
    results_store(
        cycle=published_cycle, period="Y", totals=towns, needs_adjustment={town_units[-1]}
    )
    results_store(
        cycle=published_cycle,
        period="Y",
        totals={unit: Decimal(850) - 10 * index for index, unit in enumerate(offices)},
        needs_adjustment={offices[2]},
    )
    results_store(cycle=published_cycle, period="Q4", totals=towns)
    page = leader_client.get("/dashboard/?cycle=2025&period=Y&category=ZJ").content.decode()
    flagged = re.search(r'<p id="flagged-units">(.*?)</p>', page, re.S).group(1)
    assert re.sub(r"<[^>]+>", "", flagged) == (
        "重点调整 本年度和上一年度都排在本类别后两名的单位（全区）："
        "镇街单位6（镇街）、区直部门单位3（区直部门）"
    )
    assert f'href="/dashboard/unit/{offices[2].code}/?cycle=2025&period=Y"' in flagged
    assert 'id="flagged-units"' not in leader_client.get("/dashboard/?period=Q4").content.decode()
    leader_client.cookies["django_language"] = "en"
    page = leader_client.get("/dashboard/?cycle=2025&period=Y&category=ZJ").content.decode()
    flagged = re.search(r'<p id="flagged-units">(.*?)</p>', page, re.S).group(1)
    assert re.sub(r"<[^>]+>", "", flagged).endswith("镇街单位6 (镇街), 区直部门单位3 (区直部门)")


def test_a_draft_cycle_says_it_is_not_open_for_input_yet(client, stored_year):
    """Only the 考核办 reads a draft: 仍在填报中 told them it was open."""
    client.force_login(user_with_role("kaoheban", roles.ADMIN))
    Cycle.objects.filter(pk=stored_year.pk).update(state=Cycle.State.DRAFT)
    for page in ("/dashboard/?period=Y", "/dashboard/?period=Q3", "/dashboard/officials/?"):
        text = client.get(f"{page}&cycle=2025").content.decode()
        assert "本周期为草稿，尚未开放填报" in text, page
        assert "仍在填报中" not in text, page
