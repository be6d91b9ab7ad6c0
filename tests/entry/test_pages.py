from decimal import Decimal

import pytest
from django.utils import translation

from cadre import roles
from cadre.models import Unit, UnitCategory
from scoring.models import Adjustment, Cycle, Indicator, IndicatorValue, Vote
from scoring.services.values import CellInput, source_label, values_save
from tests.entry.conftest import user_with_role

pytestmark = pytest.mark.django_db


def test_votes_are_entered_per_rater_group_and_recorded(
    client, open_cycle, scorer, unit, make_indicator
):
    evaluation = make_indicator("E1", 50, method="evaluation")
    evaluation.owners.add(scorer)
    group = open_cycle.rater_groups.get()
    client.force_login(scorer)
    url = (
        f"/entry/votes/?cycle={open_cycle.year}&period=Q1&indicator={evaluation.pk}&unit={unit.pk}"
    )
    form = {
        f"g{group.pk}-{name}": count
        for name, count in [("excellent", 20), ("competent", 5), ("basic", 1), ("incompetent", 0)]
    }
    assert client.post(url, {**form, f"g{group.pk}-basic": "-1"}).status_code == 200
    assert not Vote.objects.exists()
    assert client.post(url, form).status_code == 302
    vote = Vote.objects.get()
    assert (vote.excellent, vote.competent, vote.basic) == (20, 5, 1)
    assert vote.history.get().history_change_reason == "填报页面"
    assert 'value="20"' in client.get(url).content.decode()


def test_the_vote_form_lists_only_the_units_the_indicator_applies_to(
    client, open_cycle, scorer, unit, make_indicator
):
    bureaus = UnitCategory.objects.create(code="JJ", name="经济部门")
    bureau = Unit.objects.create(code="JJ01", name="区发改局", category=bureaus)
    for_towns = make_indicator("E1", 50, method="evaluation")
    for_towns.categories.add(unit.category)
    for_all = make_indicator("E2", 50, method="evaluation")
    for indicator in (for_towns, for_all):
        indicator.owners.add(scorer)
    client.force_login(scorer)
    url = f"/entry/votes/?cycle={open_cycle.year}&period=Q1&indicator="
    page = client.get(f"{url}{for_towns.pk}&unit={bureau.pk}").content.decode()
    assert "城关街道" in page and "区发改局" not in page
    page = client.get(f"{url}{for_all.pk}").content.decode()
    assert "城关街道" in page and "区发改局" in page
    group = open_cycle.rater_groups.get()
    form = {
        f"g{group.pk}-{name}": "1" for name in ("excellent", "competent", "basic", "incompetent")
    }
    assert client.post(f"{url}{for_towns.pk}&unit={bureau.pk}", form).status_code == 404
    assert not Vote.objects.exists()


def test_an_adjustment_needs_reason_and_approver_and_is_listed(
    client, open_cycle, admin_user, unit
):
    client.force_login(admin_user)
    url = f"/entry/adjustments/?cycle={open_cycle.year}"
    form = {"unit": unit.pk, "period": "Q2", "points": "-2.5", "reason": "", "approved_by": "区委"}
    client.post(url, form)
    assert not Adjustment.objects.exists()
    assert client.post(url, {**form, "reason": "政策调整"}).status_code == 302
    page = client.get(url).content.decode()
    assert "政策调整" in page and "-2.50" in page
    assert Adjustment.history.get().history_user == admin_user


@pytest.fixture
def changed_value(open_cycle, scorer, unit, make_indicator):
    indicator = make_indicator("X01", 10)
    indicator.owners.add(scorer)
    for text, version in [("5", 0), ("7", 1)]:
        values_save(
            cycle=open_cycle,
            cells=[
                CellInput(unit=unit, indicator=indicator, period="Q1", raw=text, version=version)
            ],
            by=scorer,
            source="填报页面",
        )
    return indicator


def test_the_history_page_shows_each_change_old_to_new(
    client, open_cycle, scorer, unit, changed_value
):
    client.force_login(scorer)
    page = client.get(f"/entry/units/{unit.code}/history/?cycle={open_cycle.year}").content.decode()
    assert '<span class="old">5</span>' in page
    assert "X01 X01 · 第一季度" in page
    assert page.count("填报页面") == 2
    # A scorer goes back to the grid; the unit's results are not theirs to read.
    assert f'href="/entry/?cycle={open_cycle.year}"' in page
    assert f'href="/dashboard/unit/{unit.code}/' not in page


def test_the_history_page_names_the_source_in_the_readers_language(
    client, open_cycle, scorer, unit, changed_value
):
    IndicatorValue.history.filter(history_type="~").update(
        history_change_reason="导入 季度数据.xlsx (#3)"
    )
    client.force_login(scorer)
    url = f"/entry/units/{unit.code}/history/?cycle={open_cycle.year}"
    page = client.get(url, headers={"accept-language": "en"}).content.decode()
    assert page.count("Entry page") == 1
    assert "Imported 季度数据.xlsx (#3)" in page
    assert "填报页面" not in page and "导入" not in page


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("后台", "Admin site"),
        ("周期管理页面：重新开放：理由", "Cycles page: Reopened: 理由"),
        ("导入 a：b.xlsx", "Imported a：b.xlsx"),
        ("后台管理", "后台管理"),
        ("别处：理由", "别处：理由"),
        (None, ""),
    ],
)
def test_a_source_is_translated_and_what_was_typed_is_kept(stored, shown):
    with translation.override("en"):
        assert source_label(stored) == shown


def test_a_liaison_sees_their_own_units_history_only_once_published(
    client, open_cycle, unit, changed_value
):
    liaison = user_with_role("lly", roles.LIAISON)
    unit.liaisons.add(liaison)
    client.force_login(liaison)
    url = f"/entry/units/{unit.code}/history/?cycle={open_cycle.year}"
    assert client.get(url).status_code == 403
    Cycle.objects.filter(pk=open_cycle.pk).update(state=Cycle.State.PUBLISHED)
    page = client.get(url).content.decode()
    assert f'href="/dashboard/unit/{unit.code}/?cycle={open_cycle.year}"' in page
    assert 'href="/entry/?' not in page
    unit.liaisons.remove(liaison)
    assert client.get(url).status_code == 403


def test_a_scorer_who_is_the_units_liaison_reads_its_published_history_whole(
    client, open_cycle, scorer, unit, changed_value, admin_user
):
    Adjustment.objects.create(
        cycle=open_cycle, unit=unit, period="Q1", points=2, reason="抗洪", approved_by="区委"
    )
    other = Indicator.objects.create(
        cycle=open_cycle, code="X02", name="他人指标", max_points=10, method="direct"
    )
    values_save(
        cycle=open_cycle,
        cells=[CellInput(unit=unit, indicator=other, period="Q1", raw="3")],
        by=admin_user,
        source="后台",
    )
    unit.liaisons.add(scorer)
    scorer.groups.add(roles.role_groups_ensure()[roles.LIAISON])
    client.force_login(scorer)
    url = f"/entry/units/{unit.code}/history/?cycle={open_cycle.year}"
    page = client.get(url).content.decode()
    assert "他人指标" not in page and "抗洪" not in page
    Cycle.objects.filter(pk=open_cycle.pk).update(state=Cycle.State.PUBLISHED)
    page = client.get(url).content.decode()
    assert "他人指标" in page and "抗洪" in page
    assert f'href="/dashboard/unit/{unit.code}/?cycle={open_cycle.year}"' in page


def test_admins_verify_values_and_see_how_many_remain(
    client, open_cycle, admin_user, unit, changed_value
):
    client.force_login(admin_user)
    url = f"/entry/verify/?cycle={open_cycle.year}&period=Q1"
    assert "第一季度还有 1 项数据未审核，本周期共 1 项" in client.get(url).content.decode()
    assert client.post(url, {"indicator": [changed_value.pk]}).status_code == 302
    value = IndicatorValue.objects.get()
    assert value.verified_by == admin_user
    assert "第一季度还有 0 项数据未审核，本周期共 0 项" in client.get(url).content.decode()
    assert value.value == Decimal("7")


@pytest.mark.parametrize("changes", [2, 12])
def test_the_history_page_takes_the_same_queries_for_few_or_many_changes(
    client, open_cycle, admin_user, unit, make_indicator, changes, django_assert_max_num_queries
):
    indicators = [make_indicator(f"X{n:02d}", 10) for n in range(changes)]
    values_save(
        cycle=open_cycle,
        cells=[CellInput(unit=unit, indicator=i, period="Q1", raw="5") for i in indicators],
        by=admin_user,
        source="填报页面",
    )
    client.force_login(admin_user)
    with django_assert_max_num_queries(9):
        page = client.get(f"/entry/units/{unit.code}/history/?cycle={open_cycle.year}")
    assert page.content.decode().count("填报页面") == changes


def test_the_import_page_opens_on_the_cycle_picked_in_the_entry_navigation(
    client, open_cycle, admin_user
):
    older = Cycle.objects.create(year=2025)
    client.force_login(admin_user)
    grid = client.get(f"/entry/?cycle={older.year}&period=Q3").content.decode()
    assert f'href="/entry/sheets/?cycle={older.year}&amp;period=Q3"' in grid
    assert client.get(f"/entry/sheets/?cycle={older.year}").context["cycle"] == older
    assert client.get("/entry/sheets/").context["cycle"] == open_cycle


def test_a_liaison_is_offered_and_shown_published_cycles_only(
    client, open_cycle, unit, changed_value
):
    published = Cycle.objects.create(year=2025, state=Cycle.State.PUBLISHED)
    liaison = user_with_role("lly", roles.LIAISON)
    unit.liaisons.add(liaison)
    client.force_login(liaison)
    response = client.get(f"/entry/units/{unit.code}/history/")
    assert response.status_code == 200
    assert response.context["cycle"] == published
    assert response.context["cycles"] == [published]


@pytest.mark.parametrize("picked", ["abc", "１", "²", "-1", "9" * 5000])
def test_a_verification_with_an_indicator_that_is_no_id_verifies_nothing(
    client, open_cycle, admin_user, changed_value, picked
):
    client.force_login(admin_user)
    url = f"/entry/verify/?cycle={open_cycle.year}&period=Q1"
    assert client.post(url, {"indicator": [picked]}).status_code == 302
    assert IndicatorValue.objects.get().verified_at is None


def test_a_verification_leaves_other_cycles_values_alone(
    client, open_cycle, admin_user, changed_value
):
    other = Cycle.objects.create(year=2025, state=Cycle.State.OPEN)
    client.force_login(admin_user)
    url = f"/entry/verify/?cycle={other.year}&period=Q1"
    client.post(url, {"indicator": [changed_value.pk]})
    assert IndicatorValue.objects.get().verified_at is None
