"""The admin keeps a closed or published year as it was computed: its results cannot be deleted,
publications never can, and changing a unit or an official recomputes only the cycles still
taking input, saying which."""

import pytest
from django.contrib.auth import get_user_model

from cadre.models import Official, Unit, UnitCategory
from scoring.models import CategoryPoints, Cycle, OfficialScore, ResultSnapshot, UnitResult
from tests.locked_years import district_make, year_scored
from tests.test_admin_imports import confirm, preview, xlsx

pytestmark = pytest.mark.django_db

RECOMPUTED = "已重新计算 2026年度考核 的考核结果；已关闭或已发布的周期保持原结果。"


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("boss", password="pw-long-enough")
    client.force_login(user)
    return client


@pytest.fixture
def units(db):
    return district_make()


@pytest.fixture
def published(units):
    return year_scored(year=2025, state=Cycle.State.PUBLISHED, units=units)


@pytest.fixture
def open_year(units, published):
    return year_scored(year=2026, state=Cycle.State.OPEN, units=units)


def stored(cycle) -> dict:
    """Everything the scoring service stored for the cycle."""
    return {
        "results": sorted(
            UnitResult.objects.filter(cycle=cycle).values_list(
                "unit__code", "period", "category__code", "total", "rank", "grade"
            )
        ),
        "points": sorted(
            CategoryPoints.objects.filter(cycle=cycle).values_list(
                "category__code", "period", "unit_ids", "indicator_codes"
            )
        ),
        "officials": sorted(
            OfficialScore.objects.filter(cycle=cycle).values_list(
                "official__code", "unit__code", "score"
            )
        ),
    }


# --- Deleting results and publications -------------------------------------------------------


@pytest.mark.parametrize("state", [Cycle.State.CLOSED, Cycle.State.PUBLISHED])
@pytest.mark.parametrize("model", [UnitResult, OfficialScore])
def test_results_of_a_locked_cycle_cannot_be_deleted(admin_client, published, state, model):
    Cycle.objects.filter(pk=published.pk).update(state=state)
    row = model.objects.filter(cycle=published).first()
    url = f"/admin/scoring/{model._meta.model_name}/"
    assert admin_client.get(f"{url}{row.pk}/delete/").status_code == 403
    assert admin_client.post(f"{url}{row.pk}/delete/", {"post": "yes"}).status_code == 403
    response = admin_client.post(
        url, {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"}, follow=True
    )
    assert "不能再修改任何数据" in response.content.decode()
    assert model.objects.filter(pk=row.pk).exists()


def test_results_of_an_open_cycle_can_still_be_deleted(admin_client, open_year):
    row = UnitResult.objects.filter(cycle=open_year).first()
    response = admin_client.post(f"/admin/scoring/unitresult/{row.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not UnitResult.objects.filter(pk=row.pk).exists()


@pytest.mark.parametrize("state", [Cycle.State.OPEN, Cycle.State.PUBLISHED])
def test_a_publication_snapshot_can_never_be_deleted(admin_client, published, state):
    Cycle.objects.filter(pk=published.pk).update(state=state)
    snapshot = ResultSnapshot.objects.create(cycle=published, results=[{"unit": "ZJ01"}])
    url = "/admin/scoring/resultsnapshot/"
    assert admin_client.get(f"{url}{snapshot.pk}/delete/").status_code == 403
    assert admin_client.post(f"{url}{snapshot.pk}/delete/", {"post": "yes"}).status_code == 403
    # No action offers to delete it (the admin shows no actions at all then).
    action_form = admin_client.get(url).context["action_form"]
    assert action_form is None or "delete_selected" not in dict(
        action_form.fields["action"].choices
    )
    admin_client.post(url, {"action": "delete_selected", "_selected_action": [snapshot.pk]})
    assert ResultSnapshot.objects.filter(pk=snapshot.pk).exists()


def test_the_snapshots_list_names_the_whole_cycle_and_filters_by_it(admin_client, published):
    """A whole cycle's snapshot holds every quarter and the year: listed as 整个周期, not "-",
    and found by that filter, where 全年 found none."""
    whole = ResultSnapshot.objects.create(cycle=published)
    quarter = ResultSnapshot.objects.create(cycle=published, period="Q2")
    url = "/admin/scoring/resultsnapshot/"
    page = admin_client.get(url).content.decode()
    assert '<td class="field-period_shown">整个周期</td>' in page
    assert '<td class="field-period_shown">第二季度</td>' in page
    for period, shown in [("cycle", whole), ("Q2", quarter)]:
        listed = admin_client.get(f"{url}?period={period}").context["cl"].result_list
        assert list(listed) == [shown]


# --- Master data changes ----------------------------------------------------------------------


def unit_form(unit: Unit, **changes) -> dict:
    form = {"code": unit.code, "name": unit.name, "category": unit.category_id, "sort_order": 0}
    form.update(is_active="on")
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


def test_moving_a_unit_recomputes_the_open_year_only_and_says_so(admin_client, open_year):
    published = Cycle.objects.get(year=2025)
    before = stored(published)
    unit = Unit.objects.get(code="ZJ02")
    departments = UnitCategory.objects.get(code="JJ")
    response = admin_client.post(
        f"/admin/cadre/unit/{unit.pk}/change/",
        unit_form(unit, category=departments.pk),
        follow=True,
    )
    assert RECOMPUTED in [str(message) for message in response.context["messages"]]
    assert stored(published) == before
    moved = UnitResult.objects.get(cycle=open_year, unit=unit, period="Y")
    assert moved.category == departments
    retired = admin_client.post(
        f"/admin/cadre/unit/{unit.pk}/change/",
        unit_form(unit, category=departments.pk, is_active=None),
    )
    assert retired.status_code == 302
    assert stored(published) == before
    assert not UnitResult.objects.filter(cycle=open_year, unit=unit).exists()


def test_with_no_cycle_taking_input_the_admin_says_nothing_was_recomputed(admin_client, published):
    before = stored(published)
    unit = Unit.objects.get(code="ZJ02")
    response = admin_client.post(
        f"/admin/cadre/unit/{unit.pk}/change/", unit_form(unit, is_active=None), follow=True
    )
    messages = [str(message) for message in response.context["messages"]]
    assert "没有正在填报的考核周期，无需重新计算；已关闭或已发布的周期保持原结果。" in messages
    assert stored(published) == before


def test_an_import_of_units_says_which_cycles_it_recomputed(admin_client, open_year):
    published = Cycle.objects.get(year=2025)
    before = stored(published)
    rows = [("ZJ02", "单位ZJ02", "JJ")]
    _page, context = preview(
        admin_client, "cadre/unit", xlsx(["code", "name", "category"], *rows), name="单位.xlsx"
    )
    response = confirm(admin_client, "cadre/unit", context)
    messages = [str(message) for message in response.context["messages"]]
    assert messages[-1] == RECOMPUTED
    moved = UnitResult.objects.get(cycle=open_year, unit__code="ZJ02", period="Y")
    assert moved.category.code == "JJ"
    assert stored(published) == before


def official_form(official: Official, **changes) -> dict:
    form = {
        "code": official.code,
        "name": official.name,
        "unit": official.unit_id,
        "role": official.role,
        "is_active": "on",
        "growth_records-TOTAL_FORMS": "0",
        "growth_records-INITIAL_FORMS": "0",
    }
    form.update(changes)
    return form


def test_transferring_an_official_recomputes_their_open_score_at_once(admin_client, open_year):
    published = Cycle.objects.get(year=2025)
    before = stored(published)
    official = Official.objects.get(code="ZJ01-01")
    new_unit = Unit.objects.get(code="ZJ02")
    response = admin_client.post(
        f"/admin/cadre/official/{official.pk}/change/",
        official_form(official, unit=new_unit.pk),
        follow=True,
    )
    assert RECOMPUTED in [str(message) for message in response.context["messages"]]
    score = OfficialScore.objects.get(cycle=open_year, official=official)
    new_total = UnitResult.objects.get(cycle=open_year, unit=new_unit, period="Y").total
    assert (score.unit, score.unit_total) == (new_unit, new_total)
    assert stored(published) == before
    assert OfficialScore.objects.get(cycle=published, official=official).unit.code == "ZJ01"


def test_an_unchanged_official_recomputes_nothing(admin_client, open_year):
    official = Official.objects.get(code="ZJ01-01")
    response = admin_client.post(
        f"/admin/cadre/official/{official.pk}/change/",
        official_form(official, position="党委书记"),
        follow=True,
    )
    assert RECOMPUTED not in [str(message) for message in response.context["messages"]]
