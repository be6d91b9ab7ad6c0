"""The admin's import page speaks the clerk's language: the columns a file may hold as the
forms name them, and a template of them to fill in."""

import io
import re

import pytest
from django.contrib.auth.models import Permission
from openpyxl import load_workbook

from cadre.models import Official, Unit, UnitCategory
from scoring import resources_base
from tests.test_admin_imports import confirm, preview, xlsx

pytestmark = pytest.mark.django_db

IMPORT_PAGES = [
    "cadre/unitcategory",
    "cadre/unit",
    "cadre/official",
    "scoring/indicator",
    "scoring/responsibility",
    "talent/programme",
    "talent/talent",
    "talent/talenttarget",
]


def template_heads(client, path: str) -> list[str]:
    response = client.get(f"/admin/{path}/import/template.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.active.max_row == 1
    return [cell.value for cell in book.active[1]]


def test_the_import_page_names_the_columns_as_the_forms_do(admin_client):
    page = admin_client.get("/admin/cadre/official/import/").content.decode()

    assert "This importer will import the following fields" not in page
    assert "列名可写中文名称或括号中的字段名" in page
    assert (
        "代码（code）, 姓名（name）, 所在单位（unit）, 班子角色（role）, 职务（position）" in page
    )
    assert 'href="/admin/cadre/official/import/template.xlsx"' in page


def test_an_english_clerk_reads_the_columns_in_english(admin_client):
    admin_client.cookies["django_language"] = "en"

    page = admin_client.get("/admin/cadre/unit/import/").content.decode()

    assert "Code（code）, Name（name）, Category（category）" in page
    assert template_heads(admin_client, "cadre/unit")[:3] == ["Code", "Name", "Category"]


def test_the_template_filled_in_imports(admin_client, unit):
    heads = template_heads(admin_client, "cadre/official")
    assert heads[:4] == ["代码", "姓名", "所在单位", "班子角色"]
    row = {"代码": "ZJ01-09", "姓名": "赵敏", "所在单位": unit.code, "班子角色": "主要负责人"}

    page, context = preview(
        admin_client, "cadre/official", xlsx(heads, [row.get(h) for h in heads])
    )

    assert context["confirm_form"] is not None, page
    assert not Official.objects.exists()  # a preview writes nothing


@pytest.mark.parametrize("path", IMPORT_PAGES)
def test_every_import_page_offers_a_template_it_reads_back(admin_client, path):
    heads = template_heads(admin_client, path)
    page = admin_client.get(f"/admin/{path}/import/").content.decode()
    assert f'href="/admin/{path}/import/template.xlsx"' in page

    page, _context = preview(admin_client, path, xlsx(heads, ["x"] * len(heads)))

    assert "文件缺少列" not in page


def test_the_responsibilities_year_column_has_a_chinese_name_like_the_others(
    admin_client, unit, cycle, make_indicator
):
    make_indicator("A1", 1000)
    Official.objects.create(code="ZJ01-01", name="王伟", unit=unit)
    page = admin_client.get("/admin/scoring/responsibility/import/").content.decode()
    assert "干部（official）, 年度（cycle）, 指标（indicator）" in page
    heads = template_heads(admin_client, "scoring/responsibility")
    assert heads == ["干部", "年度", "指标"]

    page, context = preview(
        admin_client, "scoring/responsibility", xlsx(heads, ["ZJ01-01", cycle.year, "A1"])
    )

    assert context["confirm_form"] is not None, page


def test_a_staff_account_that_may_not_add_and_change_officials_imports_none(
    client, django_user_model
):
    staff = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_official"))
    client.force_login(staff)

    assert client.get("/admin/cadre/official/import/").status_code == 403
    assert client.get("/admin/cadre/official/import/template.xlsx").status_code == 403
    assert "/import/" not in client.get("/admin/cadre/official/").content.decode()


@pytest.fixture
def two_units(db):
    category = UnitCategory.objects.create(code="ZJ", name="镇街")
    Unit.objects.create(code="ZJ01", name="城关街道", category=category)
    Unit.objects.create(code="ZJ02", name="东城街道", category=category)


UNITS_FILE = (
    ["code", "name", "category"],
    ["ZJ01", "城关街道办事处", "ZJ"],
    ["ZJ02", "东城街道", "ZJ"],
    ["ZJ03", "西城街道", "ZJ"],
)


def preview_rows(context) -> list[tuple[str, str]]:
    """Each previewed row's kind and its name cell as the page shows it, tags dropped."""
    return [
        (row.import_type, re.sub("<[^>]+>", "", row.diff[1]) if row.diff else None)
        for row in context["result"].valid_rows()
    ]


def test_a_small_file_previews_each_row_as_new_changed_or_unchanged(admin_client, two_units):
    page, context = preview(admin_client, "cadre/unit", xlsx(*UNITS_FILE))

    assert preview_rows(context) == [
        ("update", "城关街道办事处"),
        ("skip", "东城街道"),
        ("new", "西城街道"),
    ]
    assert '<span>城关街道</span><ins style="background:#e6ffe6;">办事处</ins>' in page
    assert "忽略" in page  # import-export's own word for a skipped row

    page = confirm(admin_client, "cadre/unit", context).content.decode()

    assert Unit.objects.get(code="ZJ01").name == "城关街道办事处"
    assert Unit.history.filter(code="ZJ02").count() == 1, "the unchanged row is not rewritten"
    assert Unit.history.filter(code="ZJ01").count() == 2


def test_a_big_file_is_previewed_without_the_row_by_row_comparison(
    admin_client, two_units, monkeypatch
):
    monkeypatch.setattr(resources_base, "BULK_DIFF_ROWS", 2)

    _page, context = preview(admin_client, "cadre/unit", xlsx(*UNITS_FILE))

    assert preview_rows(context) == [("update", None), ("update", None), ("new", None)]
    confirm(admin_client, "cadre/unit", context)
    assert Unit.objects.count() == 3
