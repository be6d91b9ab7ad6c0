"""The admin's JavaScript catalog: Django 5.2's zh_Hans djangojs lacks the reviewer picker's
strings (SelectFilter2.js); the project's locale/zh_Hans/LC_MESSAGES/djangojs.po gives them."""

import json
import re

import pytest

pytestmark = pytest.mark.django_db

PICKER = {
    'Choose %s by selecting them and then select the "Choose" arrow button.': (
        "选中要选择的 %s，然后点击“选择”箭头按钮。"
    ),
    "Choose all %s": "选择全部 %s",
    "Choose selected %s": "选择所选的 %s",
    "Remove selected %s": "删除所选的 %s",
    'Remove %s by selecting them and then select the "Remove" arrow button.': (
        "选中要删除的 %s，然后点击“删除”箭头按钮。"
    ),
    "(click to clear)": "（点击清除）",
    "Remove all %s": "删除全部 %s",
}


def admin_catalog(client, language):
    """The catalog the admin's pages load from /admin/jsi18n/, as a dict."""
    response = client.get("/admin/jsi18n/", headers={"accept-language": language})
    assert response.status_code == 200
    catalog = re.search(r"const newcatalog = (\{.*?\});", response.content.decode(), re.S)
    # An English page gets no catalog at all: the msgids are the English.
    return json.loads(catalog.group(1)) if catalog else {}


def test_the_admins_javascript_catalog_gives_the_reviewer_picker_in_chinese(admin_client):
    catalog = admin_catalog(admin_client, "zh-hans")
    assert {msgid: catalog.get(msgid) for msgid in PICKER} == PICKER
    # Django's own translations stay: the project's catalog only adds the missing ones.
    assert (catalog["Chosen %s"], catalog["Filter"]) == ("选中的 %s", "过滤")


def test_the_english_admin_keeps_the_pickers_english(admin_client):
    catalog = admin_catalog(admin_client, "en")
    assert not set(PICKER) & set(catalog)
