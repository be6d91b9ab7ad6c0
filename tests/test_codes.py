"""Codes (units, categories, officials, indicators, rater groups, programmes, star nodes) go into
URLs and Excel cells: one validator refuses "/", spaces and formula starts, in every model, the
admin's forms and its imports, and the star-tree import, each naming the row."""

import csv
import io

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import call_command
from openpyxl import Workbook
from simple_history.models import HistoricalChanges

from cadre.models import Official, Unit, UnitCategory
from cadre.validators import validate_code
from scoring.demo import STANDARD_TREE
from scoring.models import Indicator, RaterGroup
from talent.models import Programme, StarNode, StarTree
from talent.services.star_xlsx import star_tree_import
from tests.test_admin_imports import preview, xlsx

BAD_CODES = ["ZJ/99", "=1+2", "+1", "-A1", "@SUM", "ZJ 01", " ZJ01", "_A", ".A", "A\n", "A\x00"]
GOOD_CODES = ["ZJ01", "A1.1.1", "ZJ01-01", "C1-B01-M02-H03", "城关", "LD_2", "1"]
CODED_MODELS = [UnitCategory, Unit, Official, Indicator, RaterGroup, Programme, StarNode]


@pytest.mark.parametrize("code", GOOD_CODES)
def test_letters_digits_dots_underscores_and_hyphens_make_a_code(code):
    validate_code(code)


@pytest.mark.parametrize("code", BAD_CODES)
def test_a_slash_a_blank_or_a_formula_start_is_no_code(code):
    with pytest.raises(ValidationError, match="代码只能由字母、数字和 . _ - 组成"):
        validate_code(code)


def test_every_code_field_of_the_project_carries_the_validator():
    coded = [
        model
        for app in ("cadre", "scoring", "talent")
        for model in apps.get_app_config(app).get_models()
        # A history row keeps whatever code its row had: it is never typed.
        if any(field.name == "code" for field in model._meta.fields)
        and not issubclass(model, HistoricalChanges)
    ]
    assert set(coded) == set(CODED_MODELS)
    for model in coded:
        assert validate_code in model._meta.get_field("code").validators, model


@pytest.mark.django_db
def test_the_demo_and_the_standard_tree_hold_only_good_codes():
    call_command("load_demo", stdout=io.StringIO())
    for model in CODED_MODELS:
        for code in model.objects.values_list("code", flat=True).distinct():
            validate_code(code)
    with STANDARD_TREE.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            validate_code(row["code"])


@pytest.mark.django_db
def test_the_admin_form_refuses_a_unit_coded_with_a_slash(admin_client, category):
    response = admin_client.post(
        "/admin/cadre/unit/add/",
        {"code": "ZJ/99", "name": "新镇", "category": category.pk, "sort_order": 0},
    )
    assert response.status_code == 200
    assert "代码只能由字母、数字和 . _ - 组成" in response.content.decode()
    assert not Unit.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path, headers, row",
    [
        # As the admin's export escapes it: the import takes the apostrophe away.
        ("cadre/unitcategory", ["code", "name"], ["'=1+2", "类别"]),
        ("cadre/unit", ["code", "name", "category"], ["ZJ/99", "新镇", "ZJ"]),
        ("cadre/official", ["code", "name", "unit"], ["@SUM(A1)", "张三", "ZJ01"]),
        ("scoring/indicator", ["cycle", "code", "name", "max_points"], [2026, "B 1", "乙", 10]),
        ("talent/programme", ["code", "name"], ["-QR", "千人计划"]),
    ],
)
def test_an_admin_import_names_the_row_of_a_bad_code_and_writes_nothing(
    admin_client, unit, cycle, path, headers, row
):
    good = ["ZJ08", "甲", "ZJ"] if path == "cadre/unit" else None
    rows = [good, row] if good else [row]
    _page, context = preview(admin_client, path, xlsx(headers, *rows))
    (invalid,) = context["result"].invalid_rows
    assert invalid.number == len(rows) + 1  # Excel's row: the header is row 1
    assert "代码只能由字母、数字和 . _ - 组成" in " ".join(invalid.error_dict["code"])
    assert context.get("confirm_form") is None
    assert Unit.objects.count() == 1 and UnitCategory.objects.count() == 1
    assert not Official.objects.exists() and not Indicator.objects.exists()
    assert not Programme.objects.exists()


@pytest.fixture
def star_tree(db):
    return StarTree.objects.create(name="星级树", year=2026)


def star_upload(*rows) -> io.BytesIO:
    """A star tree's sheet 星级 with the rows (代码, 名称, 层级, 上级, 记录星级), as .xlsx."""
    book = Workbook()
    book.active.title = "星级"
    book.active.append(["代码", "名称", "层级", "上级", "记录星级"])
    for row in rows:
        book.active.append(row)
    upload = io.BytesIO()
    book.save(upload)
    upload.seek(0)
    return upload


@pytest.mark.django_db
def test_the_star_tree_import_names_the_row_of_a_bad_code(star_tree):
    upload = star_upload(
        ["C1", "站前社区党委", "社区党委", "", 10], ["C1/B1", "第一党支部", "党支部", "C1", 10]
    )
    with pytest.raises(ValidationError) as error:
        star_tree_import(tree=star_tree, upload=upload)
    assert len(error.value.messages) == 1
    assert error.value.messages[0].startswith("工作表“星级”第 3 行“代码”列：代码只能由字母")
    assert not StarNode.objects.exists()
