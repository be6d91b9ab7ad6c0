"""Logging in: failed attempts are throttled on the site's and the admin's login, every user can
change their own password, and a session ends with the browser or after ten hours."""

import logging
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from cadre import login_throttle
from cadre.roles import SCORER
from tests.entry.conftest import user_with_role

pytestmark = pytest.mark.django_db

PASSWORD = "pw-Kaohe-2026"
TOO_MANY = "登录失败次数过多，请 15 分钟后再试"
LOGIN_PAGES = ["/accounts/login/", "/admin/login/"]


@pytest.fixture
def staff():
    """A staff member, who may use both login pages."""
    return user_with_role("kaoheban", is_staff=True, is_superuser=True)


def attempt(client, page, username, password, address="10.1.1.1", **headers):
    response = client.post(
        page, {"username": username, "password": password}, REMOTE_ADDR=address, **headers
    )
    return response, "_auth_user_id" in client.session


@pytest.mark.parametrize("page", LOGIN_PAGES)
def test_the_sixth_attempt_after_five_failures_is_refused_unchecked_and_logged(
    client, staff, page, monkeypatch, caplog
):
    for _number in range(5):
        response, logged_in = attempt(client, page, "kaoheban", "wrong")
        assert response.status_code == 200 and not logged_in
        assert TOO_MANY not in response.content.decode()
    checked = []
    monkeypatch.setattr("django.contrib.auth.forms.authenticate", lambda *a, **k: checked.append(k))
    with caplog.at_level(logging.WARNING, logger="cadre.login_throttle"):
        response, logged_in = attempt(client, page, "kaoheban", PASSWORD)
    assert not logged_in
    assert TOO_MANY in response.content.decode()
    assert checked == []  # the password was not checked
    (record,) = caplog.records
    assert record.levelname == "WARNING"
    assert "'kaoheban'" in record.getMessage() and "10.1.1.1" in record.getMessage()


@pytest.mark.parametrize("page", LOGIN_PAGES)
def test_twenty_failures_from_one_address_refuse_it_for_every_username(client, staff, page):
    for number in range(20):
        attempt(client, page, f"guess{number}", "wrong", address="10.9.9.9")
    response, logged_in = attempt(client, page, "kaoheban", PASSWORD, address="10.9.9.9")
    assert not logged_in and TOO_MANY in response.content.decode()
    # Another address is not refused, and the username is not locked by another's guesses.
    _response, logged_in = attempt(client, page, "kaoheban", PASSWORD, address="10.2.2.2")
    assert logged_in


def test_behind_the_proxy_the_address_is_the_forwarded_one(client, staff):
    proxy = "127.0.0.1"
    for number in range(20):
        attempt(
            client, LOGIN_PAGES[0], f"guess{number}", "x", proxy, HTTP_X_FORWARDED_FOR="1.2.3.4"
        )
    # Someone else behind the same proxy is not refused; the guessing client is.
    _response, logged_in = attempt(
        client, LOGIN_PAGES[0], "kaoheban", PASSWORD, proxy, HTTP_X_FORWARDED_FOR="5.6.7.8"
    )
    assert logged_in
    client.logout()
    response, logged_in = attempt(
        client, LOGIN_PAGES[0], "kaoheban", PASSWORD, proxy, HTTP_X_FORWARDED_FOR="1.2.3.4"
    )
    assert not logged_in and TOO_MANY in response.content.decode()


def test_a_successful_login_clears_the_usernames_failures(client, staff):
    page = LOGIN_PAGES[0]
    for _number in range(4):
        attempt(client, page, "kaoheban", "wrong")
    assert attempt(client, page, "kaoheban", PASSWORD)[1]
    client.logout()
    for _number in range(4):
        attempt(client, page, "kaoheban", "wrong")
    assert attempt(client, page, "kaoheban", PASSWORD)[1]


def test_the_lock_ends_fifteen_minutes_after_the_failures(client, staff, monkeypatch):
    now = 1_800_000_000.0
    monkeypatch.setattr(login_throttle.time, "time", lambda: now)
    for _number in range(5):
        attempt(client, LOGIN_PAGES[0], "kaoheban", "wrong")
    assert TOO_MANY in attempt(client, LOGIN_PAGES[0], "kaoheban", PASSWORD)[0].content.decode()
    now += 15 * 60 + 1
    assert attempt(client, LOGIN_PAGES[0], "kaoheban", PASSWORD)[1]


def test_the_admin_turning_away_a_right_password_is_no_failure(client):
    user_with_role("scorer", SCORER)  # no staff flag: the admin refuses them
    for _number in range(6):
        attempt(client, "/admin/login/", "scorer", PASSWORD)
    assert attempt(client, "/accounts/login/", "scorer", PASSWORD)[1]


def test_every_user_changes_their_own_password_from_the_top_bar(client):
    scorer = user_with_role("scorer", SCORER)
    client.force_login(scorer)
    page = client.get("/entry/", follow=True).content.decode()
    top_bar = page[page.index('<header class="topbar">') : page.index("</header>")]
    assert '<a href="/accounts/password_change/">修改密码</a>' in top_bar
    form = client.get("/accounts/password_change/")
    assert form.status_code == 200 and 'class="topbar"' in form.content.decode()
    assert "旧密码" in form.content.decode()
    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "Another-Kaohe-2027",
            "new_password2": "Another-Kaohe-2027",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/accounts/password_change/done/"
    assert "密码已修改" in response.content.decode()
    assert get_user_model().objects.get(username="scorer").check_password("Another-Kaohe-2027")


def test_the_current_password_of_a_password_change_is_throttled_as_a_login(client):
    """A session left open on a shared PC must not try passwords at 修改密码 without limit:
    knowing the password, whoever sat down there could log in again any time."""
    scorer = user_with_role("scorer", SCORER)
    client.force_login(scorer)
    change = {"new_password1": "Another-Kaohe-2027", "new_password2": "Another-Kaohe-2027"}
    for _number in range(5):
        response = client.post("/accounts/password_change/", {"old_password": "guess", **change})
        assert response.status_code == 200 and TOO_MANY not in response.content.decode()
    response = client.post("/accounts/password_change/", {"old_password": PASSWORD, **change})
    assert TOO_MANY in response.content.decode()
    assert get_user_model().objects.get(username="scorer").check_password(PASSWORD)
    # The failures count for the login too, as the password is the same.
    client.logout()
    assert not attempt(client, "/accounts/login/", "scorer", PASSWORD, address="10.2.2.2")[1]


def test_a_session_ends_with_the_browser_and_after_ten_hours(client, staff):
    response = client.post("/accounts/login/", {"username": "kaoheban", "password": PASSWORD})
    cookie = response.cookies["sessionid"]
    assert cookie["expires"] == "" and cookie["max-age"] == ""  # gone when the browser closes
    assert client.session.get_expiry_age() == 10 * 60 * 60


def test_a_session_written_to_since_the_login_still_ends_ten_hours_after_it(client, monkeypatch):
    """Django counts a session's ten hours from its last write (a message too long for its
    cookie, a note kept beside a subsidy): a session kept busy, or a cookie taken from a shared
    PC and kept busy, never ran out."""
    user_with_role("scorer", SCORER)
    logged_in_at = timezone.now()
    client.post("/accounts/login/", {"username": "scorer", "password": PASSWORD})

    def hours_later(hours):
        monkeypatch.setattr(timezone, "now", lambda: logged_in_at + timedelta(hours=hours))

    hours_later(9)
    session = client.session
    session["written"] = "late"  # as an overflowing message is
    session.save()
    assert client.get("/entry/sheets/").status_code == 200
    hours_later(10.1)
    response = client.get("/entry/sheets/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session


def test_a_page_that_sends_to_the_login_says_why_and_that_typed_cells_wait(client):
    # A save after the session ran out lands here: without a word the clerk took the grid's
    # typing for lost.
    sent_back = client.get("/entry/?cycle=1&period=Q4", follow=True).content.decode()
    assert "请先登录（登录可能已过期），登录后回到刚才的页面。" in sent_back
    assert "输入但还没保存的单元格不会丢失" in sent_back
    assert "请先登录" not in client.get("/accounts/login/").content.decode()
    elsewhere = client.get("/dashboard/", follow=True).content.decode()
    assert "请先登录（登录可能已过期）" in elsewhere and "单元格不会丢失" not in elsewhere
