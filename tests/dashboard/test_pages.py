"""A unit's page, the comparison of units and the officials' list."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from cadre.models import GrowthRecord, Official, UnitCategory
from scoring.models import Indicator, IndicatorValue, UnitResult
from tests.dashboard.factories import (
    AREAS,
    embedded_charts,
    official_score_store,
    results_store,
    units_make,
)

pytestmark = pytest.mark.django_db


def test_a_unit_page_shows_each_period_and_its_indicators(leader_client, stored_year, town_units):
    unit = town_units[1]
    indicator = Indicator.objects.get(code="A1.1")
    scorer = get_user_model().objects.create_user("tongji")
    IndicatorValue.objects.create(
        indicator=indicator, unit=unit, period="Q2", value=Decimal("201.5"), entered_by=scorer
    )
    response = leader_client.get(f"/dashboard/unit/{unit.code}/?period=Q2")
    overview = response.context["overview"]
    assert [result.period for result, _size, _current in overview] == ["Q1", "Q2", "Q3", "Q4", "Y"]
    assert all(size == 6 for _result, size, _current in overview)
    rows = {row.indicator.code: row for row in response.context["indicator_rows"]}
    assert set(rows) == {"A1.1", "A2.1", "A3.1", "A4.1"}
    assert rows["A1.1"].entered_by == scorer.username
    assert rows["A1.1"].explanation
    html = response.content.decode()
    assert "201.5" in html and "tongji" in html
    # The page keeps each term of an explanation on one line with no-break spaces.
    assert rows["A1.1"].explanation in html.replace("\u00a0", " ")
    radar = embedded_charts(response)["radar"]
    assert [line["name"] for line in radar["series"]] == [unit.name, "类别平均"]
    assert [item["name"] for item in radar["indicators"]] == [name for _code, name in AREAS]


def test_the_radar_leaves_out_an_area_scored_in_no_unit_that_period(
    leader_client, stored_year, town_units
):
    """The year's evaluation area has no points in a quarter: the radar drew it at 0."""
    for result in UnitResult.objects.filter(cycle=stored_year, period="Q2"):
        result.area_points.pop("A4")
        result.save()
    unit_page = leader_client.get(f"/dashboard/unit/{town_units[0].code}/?period=Q2")
    compare = leader_client.get(
        f"/dashboard/compare/?period=Q2&units={town_units[0].code}&units={town_units[1].code}"
    )
    for response in (unit_page, compare):
        radar = embedded_charts(response)["radar"]
        assert [item["name"] for item in radar["indicators"]] == [
            "创新发展",
            "协调发展",
            "绿色发展",
        ]
        assert all(len(line["values"]) == 3 for line in radar["series"])
    assert (
        len(embedded_charts(leader_client.get("/dashboard/unit/ZJ0001/"))["radar"]["indicators"])
        == 4
    )


def test_a_unit_page_lists_officials_personal_scores_and_parts(
    leader_client, stored_year, town_units
):
    unit = town_units[0]
    principal = Official.objects.create(code="P1", name="王伟", unit=unit, role="principal")
    official_score_store(
        cycle=stored_year, official=principal, unit_total="950.00", own_part="900.00", alpha="0.7"
    )
    html = leader_client.get(f"/dashboard/unit/{unit.code}/").content.decode()
    assert "王伟" in html and "935.00" in html and "900.00" in html
    assert "0.7 × 950.00 + (1 − 0.7) × 900.00" in html
    assert f'href="/entry/units/{unit.code}/history/?cycle={stored_year.year}"' in html


def test_compare_puts_two_to_five_units_side_by_side(leader_client, stored_year, town_units):
    codes = [unit.code for unit in town_units[:3]]
    query = "&".join(f"units={code}" for code in reversed(codes))
    response = leader_client.get(f"/dashboard/compare/?period=Y&{query}")
    assert [result.unit.code for result in response.context["results"]] == list(reversed(codes))
    assert len(embedded_charts(response)["radar"]["series"]) == 3

    one = leader_client.get(f"/dashboard/compare/?units={codes[0]}")
    assert one.context["results"] == []
    assert "请选择2至5个单位进行对比，当前选择了1个。" in one.content.decode()


def test_compare_gives_each_place_out_of_its_own_category(leader_client, stored_year, town_units):
    """Last of three departments and fourth of six towns: a bare 3 beside a 4 read the wrong
    way round."""
    departments = UnitCategory.objects.create(code="BM", name="区直部门")
    offices = units_make(category=departments, count=3)
    results_store(
        cycle=stored_year,
        period="Y",
        totals={unit: Decimal(900) - 10 * index for index, unit in enumerate(offices)},
    )
    query = f"units={town_units[3].code}&units={offices[2].code}"
    response = leader_client.get(f"/dashboard/compare/?period=Y&{query}")
    places = re.search(r"类别内名次</th>(.*?)</tr>", response.content.decode()).group(1)
    assert re.findall(r'<td class="num">(.*?)</td>', places) == ["4 / 6", "3 / 3"]


def test_officials_can_be_searched_and_filtered_to_the_young_cadre_pool(
    leader_client, stored_year, town_units
):
    young = Official.objects.create(
        code="Y1",
        name="李静",
        unit=town_units[0],
        position="副镇长",
        in_young_cadre_pool=True,
        young_cadre_since=date(2024, 6, 30),
    )
    Official.objects.create(code="O1", name="张强", unit=town_units[1], position="书记")
    GrowthRecord.objects.create(
        official=young, date=date(2024, 9, 1), kind="training", title="中青年干部培训班"
    )
    official_score_store(
        cycle=stored_year, official=young, unit_total="950", own_part="880", alpha="0.5"
    )
    everyone = leader_client.get("/dashboard/officials/")
    assert [o.name for o in everyone.context["page"]] == ["李静", "张强"]
    found = leader_client.get("/dashboard/officials/?q=书记")
    assert [o.name for o in found.context["page"]] == ["张强"]
    pool = leader_client.get("/dashboard/officials/?young=1")
    assert [o.name for o in pool.context["page"]] == ["李静"]
    html = pool.content.decode()
    assert "915.00" in html and "中青年干部培训班" in html
    assert '<span class="grade grade-excellent">优秀</span>' in html
    # Personal scores are annual: the page says so and offers no quarter to pick.
    assert "个人得分（年度）" in html and 'name="period"' not in html
    assert "个人得分为截至目前的临时结果" not in html
    stored_year.state = stored_year.State.OPEN
    stored_year.save()
    provisional = leader_client.get("/dashboard/officials/?young=1").content.decode()
    assert "915.00" in provisional and "grade-excellent" not in provisional
    assert "个人得分为截至目前的临时结果" in provisional


def test_officials_can_be_listed_highest_score_first(leader_client, stored_year, town_units):
    """By unit, its principal first (whatever their code), then its members, then the others,
    and the second unit's principal after the first unit's staff; by score the best of the
    district comes first, and who has no score yet comes last, on every page."""
    scored = [
        ("A1", 0, "member", "880"),
        ("A2", 0, "staff", "990"),
        ("A3", 0, "principal", "870"),
        ("B1", 1, "principal", "930"),
    ]
    for code, unit, role, own_part in scored:
        official = Official.objects.create(
            code=code, name=f"干部{code}", unit=town_units[unit], role=role
        )
        official_score_store(
            cycle=stored_year, official=official, unit_total="900", own_part=own_part, alpha="0.5"
        )
    Official.objects.bulk_create(
        Official(code=f"N{number:02d}", name=f"新干部{number:02d}", unit=town_units[2])
        for number in range(50)
    )
    by_unit = leader_client.get("/dashboard/officials/?cycle=2025")
    assert [o.code for o in by_unit.context["page"]][:4] == ["A3", "A1", "A2", "B1"]
    by_score = leader_client.get("/dashboard/officials/?cycle=2025&order=score")
    page = [(o.code, o.personal_score) for o in by_score.context["page"]]
    assert page[:5] == [
        ("A2", Decimal("945.00")),
        ("B1", Decimal("915.00")),
        ("A1", Decimal("890.00")),
        ("A3", Decimal("885.00")),
        ("N00", None),
    ]
    html = by_score.content.decode()
    assert '<option value="score" selected>个人得分从高到低</option>' in html
    assert "order=score&page=2" in html
    last = leader_client.get("/dashboard/officials/?cycle=2025&order=score&page=2")
    assert [o.code for o in last.context["page"]] == ["N46", "N47", "N48", "N49"]


def test_weights_that_do_not_add_up_are_refused_with_a_message(leader_client, stored_year):
    response = leader_client.get(
        "/dashboard/whatif/?cycle=2025&period=Y&category=ZJ&run=1"
        "&weight_q1=0.5&weight_q2=0.25&weight_q3=0.25&weight_q4=0.25"
    )
    assert response.context["rows"] is None
    assert "四个季度的权重之和应为1，现在是1.25。" in response.content.decode()


def test_an_official_who_moved_keeps_their_score_on_the_page_of_the_unit_it_linked_to(
    leader_client, stored_year, town_units
):
    old_unit, new_unit = town_units[:2]
    official = Official.objects.create(code="P1", name="王伟", unit=old_unit, role="principal")
    official_score_store(
        cycle=stored_year, official=official, unit_total="950.00", own_part="900.00", alpha="0.7"
    )
    official.unit = new_unit
    official.save()
    assert "王伟" in leader_client.get(f"/dashboard/unit/{old_unit.code}/").content.decode()
    assert "王伟" not in leader_client.get(f"/dashboard/unit/{new_unit.code}/").content.decode()
