"""A code typed full-width (ＺＪ０１, a Chinese input method in full-width mode) is stored as the
half-width code every spreadsheet reads it as: whichever way it is saved (a model, the admin's
form, its import, the workbook import, the star-tree import), and codes stored full-width
before are folded by a migration, save those whose half-width code another row has."""

import importlib
import io

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from openpyxl import Workbook

from cadre import roles
from cadre.fields import CodeField
from cadre.models import Unit, UnitCategory
from scoring.models import Cycle, Indicator
from scoring.services.sheets import sheet_import_start
from talent.models import StarNode, StarTree
from talent.services.star_xlsx import star_tree_import
from tests.entry.conftest import user_with_role
from tests.test_admin_imports import confirm, preview, xlsx
from tests.test_codes import CODED_MODELS, star_upload
from tests.workbook.conftest import import_bytes, small_cycle_sheets
from tests.workbook.conftest import xlsx as workbook_xlsx

pytestmark = pytest.mark.django_db


def test_every_code_field_is_stored_half_width():
    for model in CODED_MODELS:
        assert isinstance(model._meta.get_field("code"), CodeField), model


def test_a_code_saved_full_width_is_stored_and_found_half_width(category):
    unit = Unit.objects.create(code="ＺＪ０１ ", name="城关街道", category=category)
    assert unit.code == "ZJ01"
    assert Unit.objects.values_list("code", flat=True).get() == "ZJ01"
    assert Unit.objects.get(code="ＺＪ０１") == unit
    Unit.objects.filter(pk=unit.pk).update(code="ＺＪ０２")
    assert Unit.objects.values_list("code", flat=True).get() == "ZJ02"


def test_the_admin_form_stores_a_full_width_code_half_width_and_sees_its_twin(
    admin_client, category
):
    form = {"name": "新镇", "category": category.pk, "sort_order": 0, "is_active": "on"}
    response = admin_client.post("/admin/cadre/unit/add/", {**form, "code": "ＺＪ０１"})
    assert response.status_code == 302
    assert list(Unit.objects.values_list("code", flat=True)) == ["ZJ01"]
    response = admin_client.post("/admin/cadre/unit/add/", {**form, "code": "ZJ01"})
    assert response.status_code == 200
    assert "已存在" in response.content.decode()
    assert Unit.objects.count() == 1


def test_the_admin_import_matches_a_full_width_code_to_its_row(admin_client, unit):
    data = xlsx(
        ["code", "name", "category"],
        ["ＺＪ０１", "城关街道（新）", "ZJ"],
        ["ＺＪ０３", "新镇", "ZJ"],
    )
    _page, context = preview(admin_client, "cadre/unit", data)
    assert not context["result"].invalid_rows
    confirm(admin_client, "cadre/unit", context)
    assert dict(Unit.objects.values_list("code", "name")) == {
        "ZJ01": "城关街道（新）",
        "ZJ03": "新镇",
    }


def test_the_workbook_import_stores_full_width_codes_half_width():
    sheets = small_cycle_sheets()
    sheets["units"] = [
        ["ＺＪ" + code[2:] if code.startswith("ZJ") else code, *rest]
        for code, *rest in sheets["units"]
    ]
    sheets["rater_groups"][0][0] = "ＬＤ"
    import_bytes(workbook_xlsx(sheets))
    assert not Unit.objects.filter(code__regex=r"[^\x00-\x7f]").exists()
    assert Cycle.objects.get(year=2027).rater_groups.filter(code="LD").exists()


def test_the_star_tree_import_stores_full_width_codes_half_width():
    tree = StarTree.objects.create(name="星级树", year=2026)
    upload = star_upload(
        ["Ｃ１", "站前社区党委", "社区党委", "", 10],
        ["Ｃ１-Ｂ１", "第一党支部", "党支部", "Ｃ１", 10],
    )
    star_tree_import(tree=tree, upload=upload)
    assert sorted(StarNode.objects.values_list("code", flat=True)) == ["C1", "C1-B1"]


def test_a_unit_saved_full_width_is_named_by_a_sheets_half_width_code(
    admin_client, category, cycle
):
    Cycle.objects.filter(pk=cycle.pk).update(state=Cycle.State.OPEN)
    form = {"name": "城关街道", "category": category.pk, "sort_order": 0, "is_active": "on"}
    admin_client.post("/admin/cadre/unit/add/", {**form, "code": "ＺＪ０１"})
    Indicator.objects.create(cycle=cycle, code="GDP", name="GDP", max_points=20, method="direct")
    book = Workbook()
    book.active.title = "2026-Q1"
    book.active.append(["单位代码", "GDP"])
    book.active.append(["ZJ01", 12])
    buffer = io.BytesIO()
    book.save(buffer)
    admin = user_with_role("kaoheban", roles.ADMIN)
    upload = SimpleUploadedFile("q1.xlsx", buffer.getvalue())
    record = sheet_import_start(cycle=cycle, user=admin, period="", upload=upload)
    assert (record.status, record.errors) == ("pending", [])
    assert record.changes[0][3:] == [None, "12"]


def _stored_raw(model, pk, code):
    """Write a code past the field's folding, as rows saved before it were."""
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {model._meta.db_table} SET code = %s WHERE id = %s", [code, pk])


def test_the_migration_folds_codes_stored_full_width_unless_taken(category, caplog):
    kept = Unit.objects.create(code="ZJ01", name="城关街道", category=category)
    twin = Unit.objects.create(code="X1", name="城关街道（重复）", category=category)
    folded = Unit.objects.create(code="X2", name="东城街道", category=category)
    _stored_raw(Unit, twin.pk, "ＺＪ０１")
    _stored_raw(Unit, folded.pk, "ＺＪ０２")
    _stored_raw(UnitCategory, category.pk, "ＺＪ")
    migration = importlib.import_module("cadre.migrations.0007_codes_half_width").Migration
    fold = migration.operations[0]
    fold.code(apps, None)
    assert dict(Unit.objects.values_list("pk", "code")) == {
        kept.pk: "ZJ01",
        twin.pk: "ＺＪ０１",
        folded.pk: "ZJ02",
    }
    assert UnitCategory.objects.values_list("code", flat=True).get() == "ZJ"
    assert "Unit: codes left as they were" in caplog.text and "ＺＪ０１" in caplog.text
