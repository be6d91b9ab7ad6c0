"""An official's page: their annual score explained, computed by the scoring service."""

from datetime import date
from decimal import Decimal

import pytest

from cadre.models import GrowthRecord, Official, UnitCategory
from scoring.models import OfficialScore, Responsibility

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(make_units, make_indicator, put, compute, cycle):
    """A town scoring 800: A 60 / 60 and B 20 / 40; A applies to towns only, C to departments.

    principal: A (and C, which does not count); member: B; staff: nothing."""
    (unit,) = make_units(1)
    departments = UnitCategory.objects.create(code="BM", name="区直部门")
    first = make_indicator("A", 60, frequency="annual")
    second = make_indicator("B", 40, frequency="annual")
    departments_only = make_indicator("C", 100, frequency="annual")
    departments_only.categories.add(departments)
    first.categories.add(unit.category)
    put(first, {unit: "60"}, "Y")
    put(second, {unit: "20"}, "Y")
    principal = Official.objects.create(
        code="P", name="书记", unit=unit, role="principal", position="党委书记"
    )
    member = Official.objects.create(code="M", name="副职", unit=unit, role="member")
    Official.objects.create(code="S", name="科长", unit=unit, role="staff")
    Responsibility.objects.create(official=principal, indicator=first)
    Responsibility.objects.create(official=principal, indicator=departments_only)
    Responsibility.objects.create(official=member, indicator=second)
    GrowthRecord.objects.create(
        official=principal, date=date(2024, 3, 15), kind="training", title="中青年干部培训班"
    )
    assert compute()[unit.code, "Y"].total == Decimal("800.00")
    return unit


def page_of(client, code):
    response = client.get(f"/dashboard/official/{code}/?cycle=2026")
    assert response.status_code == 200
    return response.content.decode()


def test_a_principals_page_explains_the_score_by_their_own_indicators(team, cycle, admin_client):
    cycle.state = cycle.State.OPEN
    cycle.save()
    html = page_of(admin_client, "P")
    # 0.7 × 800 + 0.3 × (60 / 60 × 1000) = 560 + 300
    assert "个人得分 = 0.7 × 单位总分 800.00 + (1 − 0.7) × 个人指标得分 1000.00 = 860.00" in html
    assert "个人指标得分 = 得分 60.00 / 满分 60.00 × 1000 = 1000.00" in html
    assert "不适用于该单位的类别（ZJ），不计入个人指标得分" in html
    assert "中青年干部培训班" in html and "党委书记" in html
    # Open cycle: no grade yet, and the page says the score is provisional.
    assert "个人得分为截至目前的临时结果" in html


def test_a_member_and_someone_without_indicators(team, admin_client):
    # 0.5 × 800 + 0.5 × (20 / 40 × 1000) = 400 + 250
    assert "(1 − 0.5) × 个人指标得分 500.00 = 650.00" in page_of(admin_client, "M")
    staff = page_of(admin_client, "S")
    assert "没有负责适用于本单位的考核指标，个人指标得分取单位总分 800.00" in staff
    assert "本周期没有指定该干部负责的考核指标。" in staff
    assert "= 800.00" in staff


def test_a_personal_score_rounds_half_up_once(make_units, make_indicator, put, compute):
    """0.5 × 800.01 + 0.5 × 750 = 775.005: half up gives 775.01 (half even would give 775.00)."""
    (unit,) = make_units(1)
    first = make_indicator("A", 60, frequency="annual")
    second = make_indicator("B", 40, frequency="annual")
    put(first, {unit: "50.001"}, "Y")
    put(second, {unit: "30"}, "Y")
    member = Official.objects.create(code="M", name="副职", unit=unit, role="member")
    Responsibility.objects.create(official=member, indicator=second)
    assert compute()[unit.code, "Y"].total == Decimal("800.01")
    (score,) = OfficialScore.objects.all()
    assert (score.own_part, score.score) == (Decimal("750"), Decimal("775.01"))


def test_a_transfer_is_explained_until_the_year_is_computed_again(
    team, make_units, compute, admin_client
):
    (department,) = make_units(1, category_code="BM", start=2)
    Official.objects.filter(code="P").update(unit=department)
    before = page_of(admin_client, "P")
    assert "个人得分关联的是计算时所在单位“单位1”的年度总分；该干部现任职于“单位2”。" in before
    assert "周期关闭前再次计算时，改按现所在单位计算。" in before
    assert "= 860.00" in before
    compute()
    after = page_of(admin_client, "P")
    # A responsibility the admin's form would now refuse, kept from before the transfer: at
    # the department A does not apply, and C, with no value, is all of their own part.
    assert "个人得分关联的是计算时所在单位" not in after
    assert "不适用于该单位的类别（区直部门），不计入个人指标得分" in after
    assert "个人指标得分 = 得分 0.00 / 满分 100.00 × 1000 = 0.00" in after


def test_a_vetoed_team_is_named_on_its_officials_pages(
    team, make_indicator, put, compute, admin_client
):
    veto = make_indicator("V", 0, "veto", frequency="annual")
    put(veto, {team: "1"}, "Y")
    compute()
    html = page_of(admin_client, "M")
    assert "“单位1”本年度被一票否决，领导班子等次最高为一般。" in html
    assert "加分和一票否决项不计入个人指标得分" not in html


def test_an_official_without_a_score_is_told_why(team, admin_client):
    Official.objects.create(code="N", name="新任", unit=team, role="member", is_active=False)
    assert "该干部不在职，2026" in page_of(admin_client, "N")


def test_the_own_part_line_gives_the_earned_points_with_the_places_it_needs(
    make_units, make_indicator, put, compute, admin_client
):
    """1 / 3 of 10 points is 3.333…: the line gives the four places that make 333.33 (3.33
    would make 333.30), not the ten stored, and the score table's own part is the formula's."""
    (unit,) = make_units(1)
    thirds = make_indicator("A", 10, "completion", frequency="annual", target=Decimal(3))
    make_indicator("B", 90, frequency="annual")
    put(thirds, {unit: "1"}, "Y")
    member = Official.objects.create(code="M", name="副职", unit=unit, role="member")
    Responsibility.objects.create(official=member, indicator=thirds)
    compute()
    (score,) = OfficialScore.objects.all()
    assert score.own_part.quantize(Decimal("0.001")) == Decimal("333.333")
    html = page_of(admin_client, "M")
    assert "个人指标得分 = 得分 3.3333 / 满分 10.00 × 1000 = 333.33" in html
    assert '<td class="num">333.33</td>' in html


def test_an_officials_page_leads_back_to_the_list_as_it_was_left(team, admin_client):
    Official.objects.filter(code="P").update(in_young_cadre_pool=True)
    filters = "cycle=2026&amp;q=%E5%8D%95%E4%BD%8D1&amp;young=1&amp;order=score"
    listed = admin_client.get("/dashboard/officials/?cycle=2026&q=单位1&young=1&order=score")
    link = f"/dashboard/official/P/?{filters}"
    assert f'href="{link}"' in listed.content.decode()
    page = admin_client.get(link.replace("&amp;", "&") + "&page=2").content.decode()
    back = f"/dashboard/officials/?{filters}&amp;page=2"
    assert f'href="{back}" id="back-to-officials"' in page


def test_a_draft_years_page_says_its_score_is_a_trial(team, cycle, admin_client):
    assert cycle.state == cycle.State.DRAFT
    html = page_of(admin_client, "P")
    assert "本周期为草稿，尚未开放填报：个人得分为按目前数据试算的临时结果。" in html
    assert "个人得分为截至目前的临时结果" not in html


def test_the_score_tables_own_part_is_the_one_the_formula_adds_up(team, admin_client):
    """0.5 × 800 + 0.5 × 750.009 = 775.0045 gives 775.00, where 750.01 would give 775.01."""
    OfficialScore.objects.filter(official__code="M").update(
        own_part=Decimal("750.009"), score=Decimal("775.00")
    )
    html = page_of(admin_client, "M")
    assert "(1 − 0.5) × 个人指标得分 750.009 = 775.00" in html
    assert '<td class="num">750.009</td>' in html


def test_the_growth_record_reads_newest_first(team, admin_client):
    for day, title in [(date(2021, 9, 1), "任副镇长"), (date(2025, 1, 20), "年度考核优秀")]:
        GrowthRecord.objects.create(
            official=Official.objects.get(code="P"), date=day, kind="award", title=title
        )
    html = page_of(admin_client, "P")
    growth = html[html.index('id="official-growth"') :]
    dated = [growth.index(day) for day in ("2025-01-20", "2024-03-15", "2021-09-01")]
    assert dated == sorted(dated)


def test_the_personal_grade_names_the_threshold_it_reached(team, cycle, admin_client):
    """A person's grade follows the thresholds alone: the member's 650 reaches 一般's 600, and
    falls below it once 一般 asks for 700. A closed year's grade is final."""
    cycle.state = cycle.State.CLOSED
    cycle.save()
    html = page_of(admin_client, "M")
    assert "个人等次只看分数线，不设比例：650.00 ≥ 一般分数线 600.00，评为一般。" in html
    cycle.fair_min = Decimal(700)
    cycle.save()
    html = page_of(admin_client, "M")
    assert "个人等次只看分数线，不设比例：650.00 低于一般分数线 700.00，评为较差。" in html
