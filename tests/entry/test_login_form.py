"""The login form after a failed attempt: the user name stays, the password never does."""

import re

import pytest

from tests.entry.conftest import user_with_role

pytestmark = pytest.mark.django_db


def test_a_failed_login_keeps_the_user_name_and_never_the_password(client):
    user_with_role("clerk")
    page = client.post(
        "/accounts/login/", {"username": "clerk", "password": "wrong-Password-1"}
    ).content.decode()
    assert "用户名或密码不正确" in page
    (username,) = re.findall(r'<input name="username"[^>]*>', page)
    assert 'value="clerk"' in username
    (password,) = re.findall(r'<input type="password"[^>]*>', page)
    assert "value=" not in password and "wrong-Password-1" not in page
    # The cursor waits in the password box, the one left to fill.
    assert "autofocus" in password and "autofocus" not in username


def test_a_user_name_with_markup_comes_back_escaped(client):
    page = client.post(
        "/accounts/login/", {"username": '"><script>x</script>', "password": "x"}
    ).content.decode()
    assert 'value="&quot;&gt;&lt;script&gt;x&lt;/script&gt;"' in page


def test_the_first_visit_has_an_empty_user_name_with_the_cursor_in_it(client):
    page = client.get("/accounts/login/").content.decode()
    (username,) = re.findall(r'<input name="username"[^>]*>', page)
    assert 'value=""' in username and "autofocus" in username
