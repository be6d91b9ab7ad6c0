import pytest
from django.contrib.auth import get_user_model

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_user_logs_in_through_the_chinese_form(page, login, screenshot):
    get_user_model().objects.create_user("clerk", password="Kaohe@2026")
    login("clerk", "wrong-password")
    assert "用户名或密码不正确" in page.content()
    login("clerk", "Kaohe@2026")
    screenshot("login-done")
    assert page.locator(".who").inner_text() == "clerk"
