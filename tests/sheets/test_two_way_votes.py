"""Two-way assessment (双向考核): a rater group that rates some categories only (departments
rate the towns, towns rate the departments), or some evaluation indicators only (they vote on
双向互评, not on the others), offers, takes and counts no votes for the others."""

import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import ValidationError

from cadre.models import Unit, UnitCategory
from scoring.models import Cycle, Indicator, RaterGroup, Vote
from scoring.services.evaluations import VoteCounts, votes_save
from scoring.services.values import SOURCE_ENTRY
from tests.admin_forms import change_form_data
from tests.sheets.records import import_start, record_problems, vote_record_changes

pytestmark = pytest.mark.django_db

TEMPLATE = "/entry/sheets/votes-template/2026/Y.xlsx"
HEADERS = ["unit", "indicator", "period", "rater_group", *Vote.KINDS]


@pytest.fixture
def two_way(tally):
    """Besides LD and FW (all units): BM 部门评议 rates the towns, ZJ 镇街评议 the departments."""
    cycle = tally["cycle"]
    towns, offices = (UnitCategory.objects.get(code=code) for code in ("ZJ", "JJ"))
    groups = dict(tally["groups"])
    for code, name, rated in (("BM", "部门评议", towns), ("ZJ", "镇街评议", offices)):
        groups[code] = RaterGroup.objects.create(
            cycle=cycle, code=code, name=name, weight=Decimal("0.3")
        )
        groups[code].categories.add(rated)
    return {**tally, "groups": groups}


@pytest.fixture
def scorer_client(client, scorer):
    client.force_login(scorer)
    return client


@pytest.fixture
def two_way_on_mz(two_way, scorer):
    """BM and ZJ vote on MZ only; the scorer enters DJ too, which LD and FW alone vote on."""
    two_way["evaluations"]["DJ"].owners.add(scorer)
    for code in ("BM", "ZJ"):
        two_way["groups"][code].indicators.set([two_way["evaluations"]["MZ"]])
    return two_way


def _votes_page(client, two_way, indicator, unit=None) -> str:
    """The votes page of the year for the indicator and the unit (its first unit without one)."""
    query = {
        "cycle": two_way["cycle"].year,
        "period": "Y",
        "indicator": two_way["evaluations"][indicator].pk,
    }
    if unit:
        query["unit"] = two_way["units"][unit].pk
    return client.get("/entry/votes/", query).content.decode()


def _rows_offered(client, two_way, unit, indicator="MZ"):
    page = _votes_page(client, two_way, indicator, unit)
    return re.findall(r'<th scope="row">([^<]+?)(?: <span|<input)', page)


def _template_rows(client, *columns) -> set[tuple]:
    """The template's rows, each by the cells of the columns (0: unit, 2: indicator, 4: group)."""
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(TEMPLATE).content)).active
    rows = sheet.iter_rows(min_row=3, values_only=True)
    return {tuple(row[column] for column in columns) for row in rows}


def _import_problems(district, scorer, xlsx, rows) -> list[tuple]:
    """Import the votes rows under HEADERS: the problems, each with its sheet; nothing saved."""
    record = import_start(district, scorer, xlsx([HEADERS, *rows], title="票数"), period="")
    assert vote_record_changes(record) == {}
    return record_problems(record, with_sheet=True)


def test_the_votes_page_offers_a_unit_only_the_rater_groups_that_rate_it(scorer_client, two_way):
    assert _rows_offered(scorer_client, two_way, "ZJ01") == ["部门评议", "服务对象", "区领导"]
    assert _rows_offered(scorer_client, two_way, "JJ01") == ["服务对象", "区领导", "镇街评议"]


def _votes_saved(two_way, scorer, *, group, indicator, unit):
    """Save 5/1/0/0 of the group for the unit on the indicator for the year from the page."""
    counts = VoteCounts(
        rater_group=two_way["groups"][group], excellent=5, competent=1, basic=0, incompetent=0
    )
    return votes_save(
        cycle=two_way["cycle"],
        indicator=two_way["evaluations"][indicator],
        unit=two_way["units"][unit],
        period="Y",
        counts=[counts],
        by=scorer,
        source=SOURCE_ENTRY,
    )


def test_votes_of_a_group_for_a_unit_it_does_not_rate_are_refused(two_way, scorer):
    with pytest.raises(ValidationError, match="测评群体“镇街评议”不评议镇街的单位（城关街道）"):
        _votes_saved(two_way, scorer, group="ZJ", indicator="MZ", unit="ZJ01")


def test_the_template_has_a_row_per_unit_and_group_rating_it(scorer_client, two_way):
    assert _template_rows(scorer_client, 0, 4) == {
        *((town, group) for town in ("ZJ01", "ZJ02") for group in ("LD", "FW", "BM")),
        *(("JJ01", group) for group in ("LD", "FW", "ZJ")),
    }


def test_an_imported_vote_of_a_group_for_a_unit_it_does_not_rate_names_its_cell(
    two_way, scorer, xlsx
):
    rows = [
        ["ZJ01", "MZ", "Y", "BM", 20, 5, 0, 0],
        ["ZJ01", "MZ", "Y", "ZJ", 20, 5, 0, 0],
        ["JJ01", "MZ", "Y", "BM", 12, 3, 1, 0],
        ["JJ01", "MZ", "Y", "ZJ", 12, 3, 1, 0],
    ]
    assert _import_problems(two_way, scorer, xlsx, rows) == [
        ("票数", 3, "D", "测评群体 ZJ 不评议该单位的类别"),
        ("票数", 4, "D", "测评群体 BM 不评议该单位的类别"),
    ]


def test_the_cycle_page_refuses_rated_categories_that_leave_out_votes_already_in(
    admin_client, two_way
):
    towns, offices = (UnitCategory.objects.get(code=code) for code in ("ZJ", "JJ"))
    bm = two_way["groups"]["BM"]
    Vote.objects.create(
        indicator=two_way["evaluations"]["MZ"],
        unit=two_way["units"]["ZJ01"],
        period="Y",
        rater_group=bm,
        excellent=12,
    )
    url = f"/admin/scoring/cycle/{two_way['cycle'].pk}/change/"
    form = change_form_data(admin_client, url)
    assert form["rater_groups-0-code"] == "BM"

    refused = admin_client.post(url, {**form, "rater_groups-0-categories": [offices.pk]})

    assert "测评群体“部门评议”已有镇街单位的票数，评议类别须包含这些类别" in (
        refused.content.decode()
    )
    assert list(bm.categories.all()) == [towns]
    widened = admin_client.post(url, {**form, "rater_groups-0-categories": [towns.pk, offices.pk]})
    assert widened.status_code == 302
    assert set(bm.categories.all()) == {towns, offices}


def test_the_votes_page_offers_only_the_rater_groups_that_rate_the_indicator(
    scorer_client, two_way_on_mz
):
    assert _rows_offered(scorer_client, two_way_on_mz, "ZJ01", "DJ") == ["服务对象", "区领导"]
    assert _rows_offered(scorer_client, two_way_on_mz, "ZJ01", "MZ") == [
        "部门评议",
        "服务对象",
        "区领导",
    ]
    assert _rows_offered(scorer_client, two_way_on_mz, "JJ01", "DJ") == ["服务对象", "区领导"]


def test_votes_of_a_group_on_an_indicator_it_does_not_rate_are_refused(two_way_on_mz, scorer):
    with pytest.raises(ValidationError, match="测评群体“部门评议”不评议指标 DJ"):
        _votes_saved(two_way_on_mz, scorer, group="BM", indicator="DJ", unit="ZJ01")
    assert not Vote.objects.filter(rater_group=two_way_on_mz["groups"]["BM"]).exists()


def test_the_template_has_no_row_for_a_group_on_an_indicator_it_does_not_rate(
    scorer_client, two_way_on_mz
):
    towns = ("ZJ01", "ZJ02")
    assert _template_rows(scorer_client, 0, 2, 4) == {
        *((town, "MZ", group) for town in towns for group in ("LD", "FW", "BM")),
        *(("JJ01", "MZ", group) for group in ("LD", "FW", "ZJ")),
        *((unit, "DJ", group) for unit in (*towns, "JJ01") for group in ("LD", "FW")),
    }


def test_an_imported_vote_of_a_group_on_an_indicator_it_does_not_rate_names_its_cell(
    two_way_on_mz, scorer, xlsx
):
    rows = [
        ["ZJ01", "MZ", "Y", "BM", 20, 5, 0, 0],
        ["ZJ01", "DJ", "Y", "BM", 20, 5, 0, 0],
        ["JJ01", "DJ", "Y", "LD", 12, 3, 1, 0],
    ]
    assert _import_problems(two_way_on_mz, scorer, xlsx, rows) == [
        ("票数", 3, "D", "测评群体 BM 不评议指标 DJ"),
    ]


def test_the_cycle_page_refuses_rated_indicators_that_leave_out_votes_already_in(
    admin_client, two_way_on_mz
):
    mz, dj = (two_way_on_mz["evaluations"][code] for code in ("MZ", "DJ"))
    bm = two_way_on_mz["groups"]["BM"]
    Vote.objects.create(
        indicator=mz, unit=two_way_on_mz["units"]["ZJ01"], period="Y", rater_group=bm, excellent=12
    )
    url = f"/admin/scoring/cycle/{two_way_on_mz['cycle'].pk}/change/"
    form = change_form_data(admin_client, url)
    assert form["rater_groups-0-code"] == "BM"
    offered = admin_client.get(url).context["inline_admin_formsets"][0].formset.forms[0]
    # The cycle's evaluation indicators, none of another year nor any other method.
    assert set(offered.fields["indicators"].queryset) == set(two_way_on_mz["evaluations"].values())

    refused = admin_client.post(url, {**form, "rater_groups-0-indicators": [dj.pk]})

    assert "测评群体“部门评议”已有指标 MZ 的票数，评议指标须包含这些指标" in (
        refused.content.decode()
    )
    assert list(bm.indicators.all()) == [mz]
    widened = admin_client.post(url, {**form, "rater_groups-0-indicators": [mz.pk, dj.pk]})
    assert widened.status_code == 302
    assert set(bm.indicators.all()) == {mz, dj}


def test_a_group_may_rate_no_indicator_of_another_year_nor_one_taking_no_votes(
    admin_client, two_way_on_mz
):
    cycle = two_way_on_mz["cycle"]
    other_year = Cycle.objects.create(year=cycle.year - 1, name="上年度")
    elsewhere = Indicator.objects.create(
        cycle=other_year, code="MZ", name="民主测评", max_points=50, method="evaluation"
    )
    direct = Indicator.objects.filter(cycle=cycle).exclude(method="evaluation").first()
    # An add page offers every year's evaluation indicators, named with their year.
    add = admin_client.get("/admin/scoring/ratergroup/add/").content.decode()
    assert "MZ 民主测评（2025年度）" in add
    assert "MZ 民主测评（2026年度）" in add

    added = admin_client.post(
        "/admin/scoring/ratergroup/add/",
        {
            "cycle": cycle.pk,
            "code": "QT",
            "name": "其他",
            "weight": "0.1",
            "indicators": [elsewhere.pk],
        },
    )
    assert "MZ 不是本周期的综合评价指标" in added.content.decode()
    assert not RaterGroup.objects.filter(code="QT").exists()
    bm = two_way_on_mz["groups"]["BM"]
    url = f"/admin/scoring/ratergroup/{bm.pk}/change/"
    form = change_form_data(admin_client, url)
    page = admin_client.post(url, {**form, "indicators": [direct.pk]}).content.decode()
    assert "选择一个有效的选项" in page
    assert list(bm.indicators.all()) == [two_way_on_mz["evaluations"]["MZ"]]


def test_the_votes_page_costs_the_same_queries_whatever_the_groups_rate(
    scorer_client, two_way_on_mz, scorer, django_assert_max_num_queries
):
    def page():
        return _rows_offered(scorer_client, two_way_on_mz, "ZJ01", "DJ")

    with django_assert_max_num_queries(30) as few:
        page()
    cycle, evaluations = two_way_on_mz["cycle"], two_way_on_mz["evaluations"]
    towns = two_way_on_mz["units"]["ZJ01"].category
    for number in range(6):
        group = RaterGroup.objects.create(
            cycle=cycle, code=f"G{number}", name=f"群体{number}", weight=Decimal("0.1")
        )
        group.categories.add(towns)
        group.indicators.add(evaluations["DJ"] if number % 2 else evaluations["MZ"])
        two_way_on_mz["groups"][group.code] = group
    for number in range(3, 9):
        Unit.objects.create(
            code=f"ZJ0{number}", name=f"街道{number}", category=towns, sort_order=number
        )
    for unit in ("ZJ01", "ZJ02", "JJ01"):
        _votes_saved(two_way_on_mz, scorer, group="FW", indicator="DJ", unit=unit)
    _votes_saved(two_way_on_mz, scorer, group="G1", indicator="DJ", unit="ZJ01")
    with django_assert_max_num_queries(len(few)):
        assert page() == ["服务对象", "群体1", "群体3", "群体5", "区领导"]
    assert _units_progress(scorer_client, two_way_on_mz, "DJ")[0] == [
        "城关街道 2/5",
        "=东城街道 1/5",
        *(f"街道{number}" for number in range(3, 9)),
        "区发改局 1/2",
    ]


def _units_progress(client, two_way, indicator="MZ") -> tuple[list[str], str]:
    """The unit picker's options on the year's votes page of the indicator, each as it reads,
    and the progress said beside it."""
    page = client.get(
        "/entry/votes/",
        {
            "cycle": two_way["cycle"].pk,
            "period": "Y",
            "indicator": two_way["evaluations"][indicator].pk,
        },
    ).content.decode()
    picker = re.search(r'<select name="unit".*?</select>', page, re.DOTALL).group()
    said = re.search(r'<span class="muted" id="votes-progress">([^<]+)</span>', page).group(1)
    return re.findall(r"<option [^>]*>([^<]+)</option>", picker), said


def test_a_unit_is_marked_done_once_every_group_rating_it_has_votes_in(
    scorer_client, two_way_on_mz, scorer
):
    """ZJ01's leaders are in for MZ, not 部门评议 nor 服务对象: 1 of the 3 groups rating it."""
    assert _units_progress(scorer_client, two_way_on_mz) == (
        ["城关街道 1/3", "=东城街道", "区发改局"],
        "0 / 3 个单位已录入全部测评群体的票数，"
        "1 个单位部分录入（单位名后为已录入 / 应录入的群体数，未投票的群体可填 0）",
    )
    for group in ("BM", "FW"):
        _votes_saved(two_way_on_mz, scorer, group=group, indicator="MZ", unit="ZJ01")
    _votes_saved(two_way_on_mz, scorer, group="ZJ", indicator="MZ", unit="JJ01")
    units, said = _units_progress(scorer_client, two_way_on_mz)
    assert units == ["城关街道 ✓", "=东城街道", "区发改局 1/3"]
    assert said.startswith("1 / 3 个单位已录入全部测评群体的票数，1 个单位部分录入")
    # On DJ, which 部门评议 does not rate, the leaders and the service users make ZJ01 complete.
    assert _units_progress(scorer_client, two_way_on_mz, "DJ")[0] == [
        "城关街道",
        "=东城街道",
        "区发改局",
    ]
    for group in ("LD", "FW"):
        _votes_saved(two_way_on_mz, scorer, group=group, indicator="DJ", unit="ZJ01")
    assert _units_progress(scorer_client, two_way_on_mz, "DJ") == (
        ["城关街道 ✓", "=东城街道", "区发改局"],
        "1 / 3 个单位已录入全部测评群体的票数",
    )


def test_a_unit_no_rater_group_rates_on_the_indicator_is_told_so_not_that_the_cycle_has_none(
    scorer_client, admin_client, two_way
):
    towns = UnitCategory.objects.get(code="ZJ")
    for code in ("LD", "FW"):
        two_way["groups"][code].categories.set([towns])
    two_way["groups"]["ZJ"].indicators.set([two_way["evaluations"]["DJ"]])
    # The office JJ01 is rated by no group on MZ: by ZJ on DJ only, by the rest as a town never.
    cycle_page = f'href="/admin/scoring/cycle/{two_way["cycle"].pk}/change/#rater_groups-group"'
    for client, where in [(admin_client, cycle_page), (scorer_client, "请联系考核办")]:
        page = _votes_page(client, two_way, "MZ", "JJ01")
        assert "本周期没有测评群体评议区发改局的指标 MZ" in page
        assert where in page
        assert "本周期还没有测评群体" not in page
        assert 'id="votes-form"' not in page


def test_an_indicator_applying_to_no_active_unit_is_told_so_not_that_the_cycle_has_no_groups(
    scorer_client, two_way
):
    retired = UnitCategory.objects.create(code="CX", name="已撤并单位")
    two_way["evaluations"]["MZ"].categories.set([retired])
    page = _votes_page(scorer_client, two_way, "MZ")
    assert "该指标不适用于任何在用单位，无需录入票数。" in page
    assert "本周期还没有测评群体" not in page
