"""Who sees what: leaders and admins everything, a liaison their own unit once published."""

import pytest

from cadre import roles
from scoring.models import Cycle
from tests.dashboard.factories import user_with_role

pytestmark = pytest.mark.django_db

LEADER_PAGES = [
    "/dashboard/",
    "/dashboard/distance/",
    "/dashboard/compare/",
    "/dashboard/whatif/",
    "/dashboard/officials/",
]


@pytest.mark.parametrize("url", [*LEADER_PAGES, "/dashboard/unit/ZJ0001/"])
def test_anonymous_visitors_are_sent_to_the_login_page(client, stored_year, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("role", [roles.ADMIN, roles.LEADER])
@pytest.mark.parametrize("url", [*LEADER_PAGES, "/dashboard/unit/ZJ0003/"])
def test_admins_and_leaders_see_every_page(client, stored_year, role, url):
    client.force_login(user_with_role("reader", role))
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", [*LEADER_PAGES, "/dashboard/unit/ZJ0001/"])
def test_scorers_and_users_without_a_role_see_no_dashboard(client, stored_year, url):
    client.force_login(user_with_role("scorer", roles.SCORER))
    assert client.get(url).status_code == 403
    client.force_login(user_with_role("nobody", None))
    assert client.get(url).status_code == 403


@pytest.fixture
def liaison_client(client, town_units):
    liaison = user_with_role("liaison", roles.LIAISON)
    liaison.liaison_units.add(town_units[0])
    client.force_login(liaison)
    return client


def test_a_liaison_is_taken_from_the_dashboard_to_their_own_unit(liaison_client, stored_year):
    response = liaison_client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/unit/ZJ0001/"
    page = liaison_client.get("/dashboard/unit/ZJ0001/?period=Y")
    assert page.status_code == 200
    assert "950.00" in page.content.decode()


def test_a_liaison_cannot_open_another_unit(liaison_client, stored_year):
    assert liaison_client.get("/dashboard/unit/ZJ0002/").status_code == 403


@pytest.mark.parametrize("url", LEADER_PAGES[1:])
def test_a_liaison_cannot_open_the_ranked_pages(liaison_client, stored_year, url):
    assert liaison_client.get(url).status_code == 403


def test_a_liaison_sees_nothing_before_publication(liaison_client, stored_year):
    Cycle.objects.update(state=Cycle.State.CLOSED)
    response = liaison_client.get("/dashboard/unit/ZJ0001/?cycle=2025&period=Y")
    page = response.content.decode()
    assert "本单位还没有已发布的考核结果，考核办发布后即可在此查看。" in page
    assert "950.00" not in page


def test_a_liaison_asking_for_a_year_not_published_is_told_so(liaison_client, stored_year):
    """2026 is still being filled: the liaison's link to it shows 2025, and says why."""
    Cycle.objects.create(year=2026, state=Cycle.State.OPEN)
    response = liaison_client.get("/dashboard/?cycle=2026&period=Q1")
    assert response["Location"] == "/dashboard/unit/ZJ0001/?cycle=2026&period=Q1"
    page = liaison_client.get(response["Location"])
    assert page.context["selection"].cycle == stored_year
    text = page.content.decode()
    assert "2026年度考核的考核结果尚未发布，下面是2025年度考核。" in text
    unknown = liaison_client.get("/dashboard/unit/ZJ0001/?cycle=1999").content.decode()
    assert "没有1999年度的考核周期，下面是2025年度考核。" in unknown


def test_a_leader_asking_for_a_year_that_does_not_exist_is_told_so(client, stored_year):
    client.force_login(user_with_role("leader", roles.LEADER))
    page = client.get("/dashboard/?cycle=2024&period=Y").content.decode()
    assert "没有2024年度的考核周期，下面是2025年度考核。" in page
    assert "考核周期，下面是" not in client.get("/dashboard/?cycle=2025").content.decode()


def test_a_liaison_of_two_units_reaches_both_from_either(client, stored_year, town_units):
    """The dashboard takes them to the first; the second was reachable only by typing its
    address."""
    liaison = user_with_role("liaison", roles.LIAISON)
    liaison.liaison_units.add(town_units[0], town_units[2])
    client.force_login(liaison)
    first = client.get(client.get("/dashboard/")["Location"]).content.decode()
    assert f'<a href="/dashboard/unit/{town_units[2].code}/?cycle=2025">镇街单位3</a>' in first
    assert f"/dashboard/unit/{town_units[1].code}/" not in first
    third = client.get(f"/dashboard/unit/{town_units[2].code}/").content.decode()
    assert f'<a href="/dashboard/unit/{town_units[0].code}/?cycle=2025">镇街单位1</a>' in third
