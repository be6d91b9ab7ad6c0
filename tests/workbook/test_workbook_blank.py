"""The blank workbook a new district fills in to set up its first cycle."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from openpyxl import load_workbook

from cadre.models import Official, Unit
from scoring.models import Cycle, Indicator, IndicatorValue, RaterGroup
from scoring.services.workbook import WorkbookInvalid
from tests.workbook.conftest import import_bytes, small_cycle_sheets, xlsx

pytestmark = pytest.mark.django_db

BLANK = "/entry/workbook/blank.xlsx"

# A tiny district, written under the blank workbook's Chinese headers, in the words of its
# drop-down lists (目标完成率, 主要负责人, 是).
TINY_DISTRICT = {
    "categories": [["ZJ", "镇街"], ["BM", "区直部门"]],
    "units": [["ZJ01", "城关街道", "ZJ"], ["ZJ02", "东城街道", "ZJ"], ["BM01", "区发改局", "BM"]],
    "officials": [
        ["ZJ01-01", "王伟", "ZJ01", "主要负责人"],
        ["BM01-01", "张强", "BM01", "班子成员"],
    ],
    "indicators": [
        ["A1", "经济发展", None, 600],
        ["A1.1", "地区生产总值增速", "A1", 400, "目标完成率", "按季度", "ZJ", 8, None, 1.2],
        ["A1.2", "单位GDP能耗", "A1", 200, "对标最优", "按年度", "ZJ", *[None] * 3, "是"],
        ["A2", "党的建设", None, 400],
        ["A2.1", "党建工作", "A2", 300, "直接赋分"],
        ["A2.2", "民主测评", "A2", 100, "综合评价", "按年度"],
    ],
    "responsibilities": [["ZJ01-01", "A1.1"]],
    "rater_groups": [["LD", "区领导", "０．６"]],
    "values": [["ZJ01", "A1.1", "Q1", 9.6], ["BM01", "A2.1", "Q1", 280]],
}


def blank_download(client) -> bytes:
    response = client.get(BLANK)
    assert response.status_code == 200
    return response.content


def filled(blank: bytes, rows: dict[str, list[list]]) -> bytes:
    book = load_workbook(io.BytesIO(blank))
    for name, sheet_rows in rows.items():
        for row in sheet_rows:
            book[name].append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_new_district_downloads_the_blank_workbook_before_any_cycle_exists(admin_client):
    page = admin_client.get("/entry/workbook/").content.decode()
    assert "还没有考核周期。" in page
    assert f'href="{BLANK}">下载空白工作簿（模板）</a>' in page

    response = admin_client.get(BLANK)

    year = timezone.localdate().year
    assert response["Content-Disposition"] == (
        f'attachment; filename="kaohe-workbook-blank-{year}.xlsx"'
    )
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[0] == "说明"
    assert [cell.value for cell in book["units"][1]] == ["代码", "名称", "类别"]
    assert [cell.value for cell in book["values"][1]] == ["单位代码", "指标代码", "期间", "数值"]
    settings = {row[0]: row[1] for row in book["settings"].iter_rows(min_row=2, values_only=True)}
    assert settings["年度"] == year and settings["季度权重"] == "0.25,0.25,0.25,0.25"
    assert settings["加分上限"] == 50 and settings["优秀分数线"] == 900
    assert all(book[name].max_row == 1 for name in ("units", "indicators", "values"))


def test_the_blank_workbook_offers_the_choices_and_says_what_each_column_takes(admin_client):
    book = load_workbook(io.BytesIO(blank_download(admin_client)))

    lists = {
        str(validation.sqref): validation.formula1
        for validation in book["indicators"].data_validations.dataValidation
    }
    assert (
        lists["E2:E1048576"]
        == '"直接赋分,目标完成率,排名赋分,对标最优,扣分,加分,一票否决,综合评价"'
    )
    assert lists["F2:F1048576"] == '"按季度,按年度"'
    assert lists["K2:K1048576"] == '"是,否"'
    (role,) = book["officials"].data_validations.dataValidation
    assert role.formula1 == '"主要负责人,班子成员,其他干部"'
    notes = {
        (sheet, column): note
        for sheet, column, note in book["说明"].iter_rows(min_row=4, values_only=True)
    }
    assert "得分可超过该指标的分值" in notes[("indicators", "完成率上限")]
    assert notes[("officials", "班子角色")] == "班子角色：从下拉列表选择"


def test_the_blank_workbook_speaks_english_to_an_english_session(admin_client):
    admin_client.cookies["django_language"] = "en"
    book = load_workbook(io.BytesIO(blank_download(admin_client)))

    # (The notes' own words are new msgids: their English comes with the merge's locale files.)
    assert [cell.value for cell in book["units"][1]] == ["code", "name", "category"]
    assert book["settings"]["A2"].value == "year"
    (role,) = book["officials"].data_validations.dataValidation
    assert role.formula1 == '"Principal,Team member,Other staff"'


def test_the_blank_workbook_filled_in_imports_a_tiny_district_into_an_empty_database(
    admin_client,
):
    data = filled(blank_download(admin_client), TINY_DISTRICT)

    with translation.override("en"):  # the choices in Chinese are read in any language
        report = import_bytes(data, file_name="setup.xlsx")

    cycle = Cycle.objects.get()
    assert report.created and cycle.year == timezone.localdate().year
    assert cycle.weight_q1 == Decimal("0.25") and cycle.excellent_min == 900
    assert Unit.objects.count() == 3
    assert Official.objects.get(code="ZJ01-01").role == Official.Role.PRINCIPAL
    growth = Indicator.objects.get(code="A1.1")
    assert (growth.method, growth.cap) == (Indicator.Method.COMPLETION, Decimal("1.2"))
    energy = Indicator.objects.get(code="A1.2")
    assert energy.lower_is_better and energy.frequency == Indicator.Frequency.ANNUAL
    assert RaterGroup.objects.get().weight == Decimal("0.6")
    assert IndicatorValue.objects.count() == 2


def test_the_blank_workbook_as_downloaded_is_refused_for_its_empty_tree(admin_client):
    blank = blank_download(admin_client)

    with pytest.raises(WorkbookInvalid) as refused:
        import_bytes(blank)

    (problem,) = refused.value.problems
    assert str(problem) == (
        "工作表 indicators：没有任何指标：请填写指标体系，一级指标分值合计 1000，"
        "末级指标须有计分方法"
    )
    assert not Cycle.objects.exists()
    page = admin_client.post(
        "/entry/workbook/", {"file": SimpleUploadedFile("blank.xlsx", blank)}, follow=True
    )
    assert "没有任何指标" in page.content.decode()


def test_a_workbook_with_an_empty_tree_does_not_empty_a_stored_cycle():
    import_bytes(xlsx(small_cycle_sheets()))
    sheets = small_cycle_sheets()
    sheets["indicators"] = []
    sheets["responsibilities"] = sheets["values"] = sheets["votes"] = []

    with pytest.raises(WorkbookInvalid):
        import_bytes(xlsx(sheets))

    assert Indicator.objects.filter(cycle__year=2027).count() == 9


def test_the_blank_workbook_proposes_the_year_after_the_newest_cycle(admin_client):
    Cycle.objects.create(year=2031)

    book = load_workbook(io.BytesIO(blank_download(admin_client)))

    assert book["settings"]["B2"].value == 2032
