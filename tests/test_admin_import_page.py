"""The admin's import page speaks the clerk's language: the columns a file may hold as the
forms name them, and a template of them to fill in."""

import io

import pytest
from django.contrib.auth.models import Permission
from openpyxl import load_workbook

from cadre.models import Official
from tests.test_admin_imports import preview, xlsx

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


def test_a_staff_account_that_may_not_add_and_change_officials_imports_none(
    client, django_user_model
):
    staff = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_official"))
    client.force_login(staff)

    assert client.get("/admin/cadre/official/import/").status_code == 403
    assert client.get("/admin/cadre/official/import/template.xlsx").status_code == 403
    assert "/import/" not in client.get("/admin/cadre/official/").content.decode()
