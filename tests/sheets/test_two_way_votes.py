"""Two-way assessment (双向考核): a rater group that rates some categories only (departments
rate the towns, towns rate the departments) offers, takes and counts no votes for the others."""

import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import ValidationError

from cadre.models import UnitCategory
from scoring.models import RaterGroup, Vote
from scoring.services.evaluations import VoteCounts, votes_save
from scoring.services.values import SOURCE_ENTRY
from tests.admin_forms import change_form_data
from tests.sheets.records import import_start, record_problems, vote_record_changes

pytestmark = pytest.mark.django_db

TEMPLATE = "/entry/sheets/votes-template/2026/Y.xlsx"


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


def _rows_offered(client, two_way, unit):
    page = client.get(
        "/entry/votes/",
        {
            "cycle": two_way["cycle"].pk,
            "period": "Y",
            "indicator": two_way["evaluations"]["MZ"].pk,
            "unit": two_way["units"][unit].pk,
        },
    ).content.decode()
    return re.findall(r'<th scope="row">([^<]+?)(?: <span|<input)', page)


def test_the_votes_page_offers_a_unit_only_the_rater_groups_that_rate_it(scorer_client, two_way):
    assert _rows_offered(scorer_client, two_way, "ZJ01") == ["部门评议", "服务对象", "区领导"]
    assert _rows_offered(scorer_client, two_way, "JJ01") == ["服务对象", "区领导", "镇街评议"]


def test_votes_of_a_group_for_a_unit_it_does_not_rate_are_refused(two_way, scorer):
    counts = VoteCounts(
        rater_group=two_way["groups"]["ZJ"], excellent=5, competent=1, basic=0, incompetent=0
    )
    with pytest.raises(ValidationError, match="测评群体“镇街评议”不评议镇街的单位（城关街道）"):
        votes_save(
            cycle=two_way["cycle"],
            indicator=two_way["evaluations"]["MZ"],
            unit=two_way["units"]["ZJ01"],
            period="Y",
            counts=[counts],
            by=scorer,
            source=SOURCE_ENTRY,
        )


def test_the_template_has_a_row_per_unit_and_group_rating_it(scorer_client, two_way):
    sheet = openpyxl.load_workbook(io.BytesIO(scorer_client.get(TEMPLATE).content)).active
    rows = {(row[0], row[4]) for row in sheet.iter_rows(min_row=3, values_only=True)}
    assert rows == {
        *((town, group) for town in ("ZJ01", "ZJ02") for group in ("LD", "FW", "BM")),
        *(("JJ01", group) for group in ("LD", "FW", "ZJ")),
    }


def test_an_imported_vote_of_a_group_for_a_unit_it_does_not_rate_names_its_cell(
    two_way, scorer, xlsx
):
    upload = xlsx(
        [
            [
                "unit",
                "indicator",
                "period",
                "rater_group",
                "excellent",
                "competent",
                "basic",
                "incompetent",
            ],
            ["ZJ01", "MZ", "Y", "BM", 20, 5, 0, 0],
            ["ZJ01", "MZ", "Y", "ZJ", 20, 5, 0, 0],
            ["JJ01", "MZ", "Y", "BM", 12, 3, 1, 0],
            ["JJ01", "MZ", "Y", "ZJ", 12, 3, 1, 0],
        ],
        title="票数",
    )
    record = import_start(two_way, scorer, upload, period="")
    assert record_problems(record, with_sheet=True) == [
        ("票数", 3, "D", "测评群体 ZJ 不评议该单位的类别"),
        ("票数", 4, "D", "测评群体 BM 不评议该单位的类别"),
    ]
    assert vote_record_changes(record) == {}


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
