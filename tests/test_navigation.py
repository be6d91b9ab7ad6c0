"""The home page and the top bar offer each role only what it can open; refusals are pages."""

import re

import pytest
from django.contrib.staticfiles import finders

from cadre import roles
from talent.models import AwardCategory, AwardRound
from tests.entry.conftest import user_with_role

pytestmark = pytest.mark.django_db

SECTION_LINKS = {"/dashboard/", "/entry/", "/talent/", "/talent/awards/"}


def section_links(html: str, block: str) -> set[str]:
    """Return the section links inside the top bar ("nav") or the page body ("main")."""
    start = html.index("<main") if block == "main" else html.index('<nav class="mainnav"')
    end = html.index("</main>") if block == "main" else html.index("</nav>", start)
    return set(re.findall(r'href="([^"]+)"', html[start:end])) & SECTION_LINKS


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (roles.ADMIN, {"/dashboard/", "/entry/", "/talent/"}),
        (roles.LEADER, {"/dashboard/", "/talent/"}),
    ],
)
def test_home_and_top_bar_offer_only_the_sections_of_the_role(client, unit, role, expected):
    client.force_login(user_with_role("someone", role))
    html = client.get("/").content.decode()
    assert section_links(html, "main") == expected
    assert section_links(html, "nav") == expected
    for url in expected:
        assert client.get(url).status_code in (200, 302, 404), url


@pytest.mark.parametrize(
    ("role", "section"), [(roles.SCORER, "/entry/"), (roles.LIAISON, "/dashboard/")]
)
def test_a_user_with_one_section_goes_straight_there(client, unit, role, section):
    user = user_with_role("someone", role)
    user.liaison_units.add(unit)
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 302 and response.url == section
    html = client.get(section, follow=True).content.decode()
    assert section_links(html, "nav") == {section}


def test_an_award_reviewer_without_a_role_is_sent_to_the_awards(client):
    expert = user_with_role("expert")
    category = AwardCategory.objects.create(
        round=AwardRound.objects.create(name="2025—2026年度优秀人才评选", year=2026),
        name="领军人才",
        quota=2,
        prize="200000",
    )
    category.reviewers.add(expert)
    client.force_login(expert)
    response = client.get("/", follow=True)
    assert response.redirect_chain == [("/talent/awards/", 302)]
    assert "人才奖评审" in response.content.decode()


@pytest.mark.parametrize("role", [None, roles.LIAISON])
def test_a_user_with_nothing_to_open_is_told_whom_to_ask(client, role):
    """No role at all, or a liaison not yet given a unit."""
    client.force_login(user_with_role("nobody", role))
    html = client.get("/").content.decode()
    assert section_links(html, "main") == set()
    assert "请联系考核办" in html


@pytest.mark.parametrize(
    ("role", "url", "status", "expected"),
    [
        (roles.SCORER, "/talent/", 403, ["<title>无权访问", "您没有查看人才工作的权限。"]),
        (roles.LEADER, "/dashboard/unit/NOPE/", 404, ["<title>页面不存在", "要找的内容不存在"]),
    ],
)
def test_a_refusal_is_a_page_that_says_why_and_leads_home(client, role, url, status, expected):
    client.force_login(user_with_role("someone", role))
    response = client.get(url)
    assert response.status_code == status
    html = response.content.decode()
    assert all(text in html for text in expected)
    assert "matches the given query" not in html  # Django's English, not for people
    assert 'class="button" href="/"' in html


def test_the_language_switch_names_each_language_in_itself(client):
    client.force_login(user_with_role("someone", roles.LEADER))
    html = client.get("/").content.decode()
    assert ">English</button>" in html and ">简体中文</button>" in html


def test_every_page_has_the_apps_icon_and_favicon_ico_leads_to_it(client):
    """Pages name the icon, and /favicon.ico, which browsers ask for where a page names none
    (the admin's), leads to it rather than to a 404 in the log. The redirect is temporary: the
    icon's hashed name changes with the icon, and a browser keeps a permanent one."""
    login_page = client.get("/accounts/login/").content.decode()
    named = re.search(r'<link rel="icon" href="([^"]+)"', login_page).group(1)
    answer = client.get("/favicon.ico")
    assert answer.status_code == 302
    assert answer["Location"] == named
    assert finders.find("favicon.svg")
