"""?cycle= names a year on every page, as users say it: a clerk told "add ?cycle=2025" reads
2025 on the entry pages as on the dashboard, and every link and form of those pages carries the
year on. A ?cycle= naming no year the user may read never shows another year without a word."""

import pytest

from cadre import roles
from scoring.models import Cycle, IndicatorValue
from tests.dashboard.factories import tree_make, units_make, year_store

from .conftest import grid_post, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def years(category):
    """2025 published with results, 2026 taking input, 2027 a draft still being set up."""
    published = Cycle.objects.create(year=2025, state=Cycle.State.PUBLISHED)
    tree_make(cycle=published)
    year_store(cycle=published, units=units_make(category=category, count=3))
    return {
        2025: published,
        2026: Cycle.objects.create(year=2026, state=Cycle.State.OPEN),
        2027: Cycle.objects.create(year=2027),
    }


@pytest.fixture
def leader_client(client):
    client.force_login(user_with_role("leader", roles.LEADER))
    return client


def test_an_entry_page_asked_for_a_year_shows_it_and_keeps_it_in_its_links(
    client, admin_user, years
):
    client.force_login(admin_user)
    response = client.get("/entry/?cycle=2025&period=Q2")
    assert response.context["cycle"] == years[2025]
    page = response.content.decode()
    assert '<option value="2025" selected>2025年度考核（已发布）</option>' in page
    assert 'href="/entry/votes/?cycle=2025&amp;period=Q2"' in page
    assert 'href="/entry/sheets/?cycle=2025&amp;period=Q2"' in page
    assert '<input type="hidden" name="cycle" value="2025">' in page
    assert "考核周期，下面是" not in page


def test_the_import_page_asked_for_a_year_offers_that_years_templates(scorer_client, years):
    page = scorer_client.get("/entry/sheets/?cycle=2025").content.decode()
    assert "Excel 导入 · 2025年度考核" in page
    assert 'href="/entry/votes/?cycle=2025&amp;period=' in page


def test_the_dashboards_unit_page_links_to_the_history_of_the_year_it_shows(leader_client, years):
    page = leader_client.get("/dashboard/unit/ZJ0001/?cycle=2025").content.decode()
    history = leader_client.get("/entry/units/ZJ0001/history/?cycle=2025")
    assert 'href="/entry/units/ZJ0001/history/?cycle=2025"' in page
    assert history.context["cycle"] == years[2025]


@pytest.mark.parametrize(
    ("asked", "said"),
    [
        ("2030", "没有2030年度的考核周期"),
        # A draft is the 考核办's until the cycle opens: for anyone else it is not there.
        ("2027", "没有2027年度的考核周期"),
        ("２０３０", "没有２０３０年度的考核周期"),
        ("9" * 5000, f"没有{'9' * 12}年度的考核周期"),
        ("abc", "“abc”不是年度"),
        ("%00", "“\ufffd”不是年度"),
        ("2025%00", "“2025\ufffd”不是年度"),
    ],
)
@pytest.mark.parametrize(
    ("user", "url", "shown"),
    [
        ("scorer_client", "/entry/?cycle={asked}&period=Q1", 2026),
        ("scorer_client", "/entry/votes/?cycle={asked}", 2026),
        ("scorer_client", "/entry/sheets/?cycle={asked}", 2026),
        # The dashboard opens on the latest year with results.
        ("leader_client", "/dashboard/?cycle={asked}", 2025),
        ("leader_client", "/entry/units/ZJ0001/history/?cycle={asked}", 2026),
    ],
)
def test_a_year_the_user_cannot_read_is_said_with_the_year_shown_instead(
    request, years, asked, said, user, url, shown
):
    response = request.getfixturevalue(user).get(url.format(asked=asked))
    assert response.status_code == 200
    context = response.context
    assert (context["selection"].cycle if "selection" in context else context["cycle"]) == years[
        shown
    ]
    assert f"{said}，下面是{shown}年度考核。" in response.content.decode()


def test_a_form_sent_for_a_year_the_user_cannot_pick_changes_nothing(
    scorer_client, scorer, years, district
):
    units, indicators = district(cycle=years[2026], owner=scorer, units=1, indicators=1)
    form = {**grid_post(years[2026], "Q1", {(units[0], indicators[0], 0): "8"}), "cycle": "2030"}
    response = scorer_client.post("/entry/?cycle=2030&period=Q1", form)
    assert response.status_code == 404
    assert "地址中的“2030”不是可选的年度，未作任何修改。" in response.content.decode()
    assert not IndicatorValue.objects.exists()


def test_an_address_from_before_years_with_a_cycles_id_still_opens_that_cycle(
    scorer_client, scorer, years, district
):
    """Bookmarks and pages left open over the upgrade carry the cycle's id, a small number no
    year is: they keep reaching that cycle, and the page's links and forms now name the year."""
    units, indicators = district(cycle=years[2026], owner=scorer, units=1, indicators=1)
    older = scorer_client.get(f"/entry/?cycle={years[2025].pk}&period=Q1")
    assert older.context["cycle"] == years[2025]
    assert 'href="/entry/votes/?cycle=2025&amp;period=Q1"' in older.content.decode()
    form = {**grid_post(years[2026], "Q1", {(units[0], indicators[0], 0): "8"})}
    form["cycle"] = str(years[2026].pk)
    saved = scorer_client.post(f"/entry/?cycle={years[2026].pk}&period=Q1", form)
    assert saved["Location"] == "/entry/?cycle=2026&period=Q1"
    assert IndicatorValue.objects.get().value == 8
