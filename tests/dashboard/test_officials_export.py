"""The officials' personal scores to Excel, ranked, for the cadre section."""

from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook

from cadre.models import Official
from tests.dashboard.factories import official_score_store

pytestmark = pytest.mark.django_db

HEADERS = [
    "名次",
    "干部代码",
    "姓名",
    "单位代码",
    "单位",
    "单位类别",
    "职务",
    "职级",
    "班子角色",
    "优秀年轻干部",
    "单位总分",
    "关联系数",
    "个人指标得分",
    "个人得分",
    "等次",
    "单位一票否决",
    "现所在单位",
]


@pytest.fixture
def scored(stored_year, town_units):
    """Four scored officials, two of them tied at 915, and one without a score."""
    rows = [
        ("A1", 0, "principal", "0.7", "950.00", "850.00", True),  # 920.00
        ("B1", 1, "member", "0.5", "943.00", "887.00", False),  # 915.00
        ("C1", 2, "member", "0.5", "936.00", "894.00", False),  # 915.00
        ("D1", 3, "staff", "0.5", "929.00", "929.00", False),  # 929.00
    ]
    for code, unit, role, alpha, total, own_part, young in rows:
        official = Official.objects.create(
            code=code,
            name=f"干部{code}",
            unit=town_units[unit],
            role=role,
            position="副镇长",
            in_young_cadre_pool=young,
        )
        official_score_store(
            cycle=stored_year, official=official, unit_total=total, own_part=own_part, alpha=alpha
        )
    Official.objects.create(code="E1", name="干部E1", unit=town_units[4])
    return stored_year


def sheet_rows(response):
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="officials-2025.xlsx"'
    sheet = load_workbook(BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_the_export_ranks_every_scored_official_with_their_unit_and_score_parts(
    leader_client, scored, town_units
):
    Official.objects.filter(code="B1").update(unit=town_units[5])
    rows = sheet_rows(leader_client.get("/dashboard/officials/export/?cycle=2025"))
    assert rows[0][0] == "2025年度考核 干部个人得分"
    assert rows[1] == HEADERS
    assert [(row[0], row[1], row[13]) for row in rows[2:]] == [
        (1, "D1", 929),
        (2, "A1", 920),
        (3, "B1", 915),
        (3, "C1", 915),
    ]
    principal = rows[3]
    assert principal[2:12] == [
        "干部A1",
        town_units[0].code,
        town_units[0].name,
        "镇街",
        "副镇长",
        None,
        "主要负责人",
        "是",
        950,
        0.7,
    ]
    assert (principal[12], principal[14], principal[15]) == (850, "优秀", None)
    # B1 moved since: listed at the unit the score links to, with where they are now.
    assert rows[4][4] == town_units[1].name and rows[4][16] == town_units[5].name


def test_the_export_follows_the_lists_search_and_pool_filter(leader_client, scored):
    young = sheet_rows(leader_client.get("/dashboard/officials/export/?cycle=2025&young=1"))
    assert [row[1] for row in young[2:]] == ["A1"]
    found = sheet_rows(leader_client.get("/dashboard/officials/export/?cycle=2025&q=C1"))
    assert [row[1] for row in found[2:]] == ["C1"]
    page = leader_client.get("/dashboard/officials/?cycle=2025&young=1").content.decode()
    assert 'href="/dashboard/officials/export/?cycle=2025&amp;q=&amp;young=1"' in page


def test_an_open_years_export_says_it_is_provisional_and_grades_no_one(leader_client, scored):
    scored.state = scored.State.OPEN
    scored.save()
    rows = sheet_rows(leader_client.get("/dashboard/officials/export/?cycle=2025"))
    assert "临时结果" in rows[0][0]
    assert {row[14] for row in rows[2:]} == {None}
    assert rows[2][13] == Decimal("929") and rows[2][0] == 1


def test_the_export_prints_as_the_results_report_does(leader_client, scored):
    """Title across the table, header frozen and repeated on each page, columns wide enough
    for a unit's name, points with two places, a grade in its colour."""
    response = leader_client.get("/dashboard/officials/export/?cycle=2025")
    sheet = load_workbook(BytesIO(response.content)).active
    assert [str(merged) for merged in sheet.merged_cells.ranges] == ["A1:Q1"]
    assert sheet["A1"].font.bold and sheet["A2"].font.bold
    assert sheet["A2"].fill.fgColor.rgb.endswith("D9D9D9")
    assert sheet.freeze_panes == "D3" and sheet.print_title_rows == "$1:$2"
    assert sheet.column_dimensions["E"].width >= 16  # 单位
    assert sheet.column_dimensions["Q"].width >= 16  # 现所在单位
    principal = sheet[4]
    assert principal[1].value == "A1"
    assert [principal[column].number_format for column in (10, 12, 13)] == ["0.00"] * 3
    assert principal[14].value == "优秀" and principal[14].fill.fgColor.rgb.endswith("C6EFCE")
    assert principal[0].border.left.style == "thin"


def test_the_own_part_shows_the_places_the_officials_page_gives_it(
    leader_client, stored_year, town_units
):
    """0.5 × 839.76 + 0.5 × 804.629 = 822.1945 gives 822.19: the page says 804.629, as 804.63
    would give 822.20. The sheet shows the same places, so that a reader checking the score
    with the cells as shown finds it."""
    official = Official.objects.create(code="M1", name="干部M1", unit=town_units[0], role="member")
    official_score_store(
        cycle=stored_year, official=official, unit_total="839.76", own_part="804.629", alpha="0.5"
    )
    page = leader_client.get("/dashboard/official/M1/?cycle=2025").content.decode()
    assert "个人指标得分 804.629 = 822.19" in page
    response = leader_client.get("/dashboard/officials/export/?cycle=2025")
    row = load_workbook(BytesIO(response.content)).active[3]
    assert (row[12].value, row[12].number_format) == (804.629, "0.000")
    assert (row[13].value, row[13].number_format) == (822.19, "0.00")
