"""The admin's import preview in Chromium: a refused row reads as the clerk's file does, its
columns headed as the file heads them and its cells as the clerk typed them."""

import pytest
from django.contrib.auth import get_user_model

from cadre.models import UnitCategory
from tests.browser.conftest import log_in
from tests.browser.uploads import XLSX
from tests.test_admin_imports import xlsx

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Kaohe@2026"


@pytest.mark.parametrize(
    "locale, headings, category_heading",
    [
        ("zh-CN", ["代码", "名称", "类别"], "类别"),
        ("en-US", ["Code", "Name", "Category"], "Category"),
    ],
)
def test_a_refused_row_is_shown_under_the_files_own_headings(
    open_page, locale, headings, category_heading
):
    get_user_model().objects.create_superuser("clerk", "clerk@example.com", PASSWORD)
    UnitCategory.objects.create(code="ZJ", name="镇街")
    page = open_page(language=locale, viewport={"width": 1366, "height": 900})
    log_in(page, "clerk", PASSWORD)
    page.goto("/admin/cadre/unit/import/")
    page.select_option("select[name=format]", label="xlsx")
    data = xlsx(["code", "name", "category"], ["ZJ09", "新镇", "ZZ"])
    page.set_input_files(
        "input[name=import_file]", files=[{"name": "units.xlsx", "mimeType": XLSX, "buffer": data}]
    )
    page.click("form input[type=submit]")
    page.wait_for_load_state()

    preview = page.locator("table.import-preview")
    shown = preview.locator("thead th").all_inner_texts()
    assert shown[2:5] == headings
    assert preview.locator("tbody td").all_inner_texts()[2:5] == ["ZJ09", "新镇", "ZZ"]
    assert preview.locator(".validation-error-field-label").inner_text() == category_heading
