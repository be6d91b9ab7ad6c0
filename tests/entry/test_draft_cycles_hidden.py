"""A draft cycle is still being set up by the 考核办: only they see it in the cycle pickers,
marked 草稿. Scorers, leaders and liaisons are never given one, by default nor by ?cycle=;
with nothing else they read the page saying what to wait for."""

import pytest

from cadre import roles
from scoring.models import Cycle, IndicatorValue

from .conftest import grid_post, grid_url, user_with_role

pytestmark = pytest.mark.django_db

ENTRY_WAIT = "考核办建立第一个年度的考核周期并开放填报后，即可在此填报。"
DASHBOARD_WAIT = "考核办建立第一个年度的考核周期并开放填报后，即可在此查看排名和得分。"


@pytest.fixture
def draft(db):
    return Cycle.objects.create(year=2027)


@pytest.fixture
def leader_client(client, db):
    client.force_login(user_with_role("leader", roles.LEADER))
    return client


def picker_years(html: str) -> list[str]:
    """The cycles offered by the entry pages' picker, as their option text."""
    picker = html.split('<select name="cycle"', 1)[1].split("</select>", 1)[0]
    return [part.split(">", 1)[1].split("<", 1)[0] for part in picker.split("<option")[1:]]


@pytest.mark.parametrize("url", ["/entry/", "/entry/votes/"])
def test_a_scorer_with_only_a_draft_reads_what_to_wait_for(scorer_client, draft, url):
    html = scorer_client.get(url).content.decode()
    assert ENTRY_WAIT in html
    assert "2027" not in html


def test_a_scorer_is_offered_the_open_cycle_not_the_draft_even_when_asked_for_it(
    scorer_client, open_cycle, draft
):
    for url in ["/entry/", f"/entry/?cycle={draft.year}", f"/entry/votes/?cycle={draft.year}"]:
        response = scorer_client.get(url)
        assert response.context["cycle"] == open_cycle
        assert picker_years(response.content.decode()) == ["2026年度考核（填报中）"]


def test_the_admin_sees_the_draft_marked_as_such(client, admin_user, open_cycle, draft):
    client.force_login(admin_user)
    html = client.get(f"/entry/?cycle={draft.year}").content.decode()
    assert picker_years(html) == ["2027年度考核（草稿）", "2026年度考核（填报中）"]
    assert "selected>2027年度考核（草稿）" in html


def test_a_scorer_posting_into_a_draft_saves_nothing(draft, scorer_client, scorer, district):
    units, indicators = district(cycle=draft, owner=scorer, units=1, indicators=1)
    response = scorer_client.post(
        grid_url(draft), grid_post(draft, "Q1", {(units[0], indicators[0], 0): "8"})
    )
    assert ENTRY_WAIT in response.content.decode()
    assert not IndicatorValue.objects.exists()


def test_the_sheets_page_and_template_of_a_draft_are_not_a_scorers(
    scorer_client, open_cycle, draft
):
    assert scorer_client.get(f"/entry/sheets/?cycle={draft.year}").context["cycle"] == open_cycle
    assert scorer_client.get("/entry/sheets/template/2027/Q1.xlsx").status_code == 404
    assert scorer_client.get("/entry/sheets/template/2026/Q1.xlsx").status_code == 200


def test_a_scorer_reads_a_units_history_in_the_open_cycle_only(
    scorer_client, open_cycle, draft, unit
):
    response = scorer_client.get(f"/entry/units/{unit.code}/history/?cycle={draft.year}")
    assert response.context["cycle"] == open_cycle
    assert response.context["cycles"] == [open_cycle]


def test_a_leader_with_only_a_draft_reads_what_to_wait_for(leader_client, draft):
    html = leader_client.get("/dashboard/").content.decode()
    assert DASHBOARD_WAIT in html
    assert "仍在填报中" not in html


def test_a_leader_asking_for_a_draft_year_is_told_there_is_none(leader_client, open_cycle, draft):
    response = leader_client.get("/dashboard/?cycle=2027")
    html = response.content.decode()
    assert response.context["selection"].cycles == [open_cycle]
    assert "没有2027年度的考核周期，下面是2026年度考核。" in html
    assert "2027年度考核（草稿）" not in html


def test_the_admin_reads_the_draft_on_the_dashboard(client, admin_user, open_cycle, draft):
    client.force_login(admin_user)
    response = client.get("/dashboard/?cycle=2027")
    assert response.context["selection"].cycle == draft
    assert "2027年度考核（草稿）" in response.content.decode()
