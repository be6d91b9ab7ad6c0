"""Nothing is lost by a deletion: a unit, an official, a category, a rater group or a cycle
that holds assessment data is kept, and the admin says in words which data holds it, on the
delete page and in the bulk delete alike; a record created by mistake, holding nothing, goes."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db.models import ProtectedError

from cadre.models import GrowthRecord, Official, Unit, UnitCategory
from scoring.models import (
    Adjustment,
    Cycle,
    Indicator,
    IndicatorValue,
    OfficialScore,
    RaterGroup,
    Responsibility,
    ResultSnapshot,
    UnitResult,
    Vote,
)
from scoring.services.refresh import results_refresh_all
from tests.locked_years import district_make, year_scored

pytestmark = pytest.mark.django_db

UNIT_KEPT = (
    "单位 ZJ01 单位ZJ01 有 1 名干部，2025、2026 年度的 8 条指标数据，"
    "2025 年度的 2 条考核结果、1 条干部个人得分，不能删除；"
    "不再参加考核的单位请取消“参加考核”。"
)


@pytest.fixture
def district():
    """Seven units; 2025 published, 2026 open, both scored, each with a Q1 value per leaf."""
    units = district_make()
    published = year_scored(year=2025, state=Cycle.State.PUBLISHED, units=units)
    ResultSnapshot.objects.create(cycle=published)
    year_scored(year=2026, state=Cycle.State.OPEN, units=units)
    return units


def said(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def delete_page(obj):
    opts = obj._meta
    return f"/admin/{opts.app_label}/{opts.model_name}/{obj.pk}/delete/"


def delete_refused(client, obj) -> list[str]:
    """Confirm the object's delete page; return what the admin is told, the object kept."""
    response = client.post(delete_page(obj), {"post": "yes"}, follow=True)
    assert type(obj).objects.filter(pk=obj.pk).exists()
    return said(response)


def bulk_delete(client, model, objs, *, confirmed=True):
    opts = model._meta
    action = {"action": "delete_selected", "_selected_action": [obj.pk for obj in objs]}
    if confirmed:
        action["post"] = "yes"
    return client.post(f"/admin/{opts.app_label}/{opts.model_name}/", action, follow=True)


# --- units ---------------------------------------------------------------------------------


def test_a_unit_with_assessment_data_is_kept_and_the_delete_page_says_which(admin_client, district):
    unit = district["ZJ01"]
    results_before = UnitResult.objects.filter(unit=unit).count()
    response = admin_client.get(delete_page(unit), follow=True)
    assert said(response) == [UNIT_KEPT]
    assert response.redirect_chain[-1][0] == f"/admin/cadre/unit/{unit.pk}/change/"
    assert delete_refused(admin_client, unit) == [UNIT_KEPT]
    assert UnitResult.objects.filter(unit=unit).count() == results_before
    assert IndicatorValue.objects.filter(unit=unit).count() == 8
    # Every other path: the models refuse it, its officials gone or not.
    Official.objects.filter(unit=unit).update(unit=district["ZJ02"])
    with pytest.raises(ProtectedError):
        unit.delete()


def test_the_bulk_delete_deletes_nothing_of_a_selection_holding_data(admin_client, district):
    category = UnitCategory.objects.get(code="ZJ")
    mistaken = Unit.objects.create(code="ZJ99", name="误建单位", category=category)
    response = bulk_delete(admin_client, Unit, [district["ZJ01"], mistaken])
    assert said(response) == [UNIT_KEPT]
    assert Unit.objects.filter(code__in=["ZJ01", "ZJ99"]).count() == 2
    # Asked before the confirmation page, too.
    response = bulk_delete(admin_client, Unit, [district["ZJ01"]], confirmed=False)
    assert said(response) == [UNIT_KEPT]


def test_a_unit_with_only_a_past_years_results_is_kept_too(admin_client, district):
    unit = district["JJ03"]
    # Its principal transferred: the score of 2025 stays at the unit it was computed for.
    Official.objects.filter(unit=unit).update(unit=district["JJ01"])
    IndicatorValue.objects.filter(unit=unit).delete()
    UnitResult.objects.filter(unit=unit, cycle__year=2026).delete()
    assert delete_refused(admin_client, unit) == [
        "单位 JJ03 单位JJ03 有 2025 年度的 2 条考核结果、1 条干部个人得分，不能删除；"
        "不再参加考核的单位请取消“参加考核”。"
    ]
    with pytest.raises(ProtectedError):
        unit.delete()


def test_a_unit_created_by_mistake_is_deleted_and_the_open_year_reranked(admin_client, district):
    category = UnitCategory.objects.get(code="JJ")
    form = {"code": "JJ99", "name": "误建单位", "category": category.pk, "sort_order": 0}
    admin_client.post("/admin/cadre/unit/add/", {**form, "is_active": "on"})
    mistaken = Unit.objects.get(code="JJ99")
    # Saving it computed its (empty) results in the open year: they hold nothing.
    assert UnitResult.objects.filter(unit=mistaken, cycle__year=2026).exists()
    response = admin_client.post(delete_page(mistaken), {"post": "yes"})
    assert response.status_code == 302
    assert not Unit.objects.filter(code="JJ99").exists()
    ranks = UnitResult.objects.filter(cycle__year=2026, period="Q1", category=category)
    assert sorted(ranks.values_list("rank", flat=True)) == [1, 2, 3]


def test_a_selection_of_units_holding_nothing_is_deleted_in_bulk(admin_client, district):
    category = UnitCategory.objects.get(code="ZJ")
    mistaken = [
        Unit.objects.create(code=f"ZJ9{number}", name=f"误建{number}", category=category)
        for number in (1, 2)
    ]
    results_refresh_all(cycle=Cycle.objects.get(year=2026))
    bulk_delete(admin_client, Unit, mistaken)
    assert not Unit.objects.filter(code__in=["ZJ91", "ZJ92"]).exists()


# --- officials -----------------------------------------------------------------------------


def test_an_official_with_a_record_is_kept_naming_it(admin_client, district):
    official = Official.objects.get(code="ZJ02-01")
    GrowthRecord.objects.create(official=official, date=date(2024, 3, 1), kind="award", title="奖")
    leaf = Indicator.objects.get(cycle__year=2026, code="A1.3")
    Responsibility.objects.create(official=official, indicator=leaf)
    assert delete_refused(admin_client, official) == [
        "干部 ZJ02-01 书记ZJ02 有 1 条成长纪实，2026 年度的 1 项指标责任，"
        "2025 年度的 1 条干部个人得分，不能删除；不再在职的干部请取消“在职”。"
    ]
    with pytest.raises(ProtectedError):
        official.delete()


def test_an_official_added_by_mistake_is_deleted(admin_client, district):
    unit = district["ZJ01"]
    mistaken = Official.objects.create(code="ZJ01-99", name="误建", unit=unit)
    results_refresh_all(cycle=Cycle.objects.get(year=2026))
    assert OfficialScore.objects.filter(official=mistaken).exists()
    bulk_delete(admin_client, Official, [mistaken])
    assert not Official.objects.filter(code="ZJ01-99").exists()


# --- categories ----------------------------------------------------------------------------


def test_a_category_with_units_and_indicators_is_kept(admin_client, district):
    category = UnitCategory.objects.get(code="JJ")
    assert delete_refused(admin_client, category) == [
        "单位类别 JJ 经济部门 有 3 个考核单位，2025、2026 年度的 12 条考核结果、"
        "2 个指标以其为适用类别，不能删除；不再使用的类别可以保留：没有单位的类别不参加排名。"
    ]


def test_a_category_an_indicator_applies_to_is_kept_even_without_units(admin_client, cycle):
    """Taken off the indicator, it would make the indicator apply to every category."""
    category = UnitCategory.objects.create(code="XX", name="新类别")
    indicator = Indicator.objects.create(
        cycle=cycle, code="A1", name="A1", max_points=10, method="direct"
    )
    indicator.categories.add(category)
    bulk_delete(admin_client, UnitCategory, [category])
    assert list(indicator.categories.all()) == [category]
    indicator.categories.clear()
    bulk_delete(admin_client, UnitCategory, [category])
    assert not UnitCategory.objects.filter(code="XX").exists()


# --- rater groups and cycles ---------------------------------------------------------------


@pytest.fixture
def voted(cycle, unit):
    Cycle.objects.filter(pk=cycle.pk).update(state=Cycle.State.OPEN)
    evaluation = Indicator.objects.create(
        cycle=cycle, code="P1", name="P1", max_points=1000, method="evaluation"
    )
    group = RaterGroup.objects.create(cycle=cycle, code="LD", name="区领导", weight=1)
    Vote.objects.create(indicator=evaluation, unit=unit, period="Y", rater_group=group, excellent=3)
    return group


def inline_form(client, cycle) -> dict:
    """The cycle's change form as the admin fills it, rater groups included."""
    response = client.get(f"/admin/scoring/cycle/{cycle.pk}/change/")
    form = response.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        for form in formset.formset.forms:
            for name in form.fields:
                value = form[name].value()
                if value is not None and value is not False:
                    data[form.add_prefix(name)] = value
    return data


def test_a_rater_group_with_votes_is_kept_saying_so(admin_client, cycle, voted):
    data = inline_form(admin_client, cycle)
    data["rater_groups-0-DELETE"] = "on"
    response = admin_client.post(f"/admin/scoring/cycle/{cycle.pk}/change/", data)
    page = response.content.decode()
    assert (
        "测评群体 LD 区领导 有 1 条测评票数，不能删除；"
        "如确属误建，请先在“测评票数”中删除这些票数（删除会记入历史）。"
    ) in page
    assert "protected" not in page
    assert RaterGroup.objects.filter(pk=voted.pk).exists()
    with pytest.raises(ProtectedError):
        voted.delete()


def test_a_cycle_with_data_or_a_publication_is_kept(admin_client, cycle, voted, unit):
    Adjustment.objects.create(
        cycle=cycle, unit=unit, period="Y", points=Decimal(2), reason="灾害", approved_by="王"
    )
    assert delete_refused(admin_client, cycle) == [
        "2026年度考核 有 1 条测评票数、1 条柔性考核调整，不能删除；"
        "考核周期的数据是当年考核的记录，须保留。"
    ]
    published = Cycle.objects.create(year=2024, state=Cycle.State.PUBLISHED)
    ResultSnapshot.objects.create(cycle=published)
    response = bulk_delete(admin_client, Cycle, [published])
    assert said(response) == [
        "2024年度考核 有 1 次结果发布记录，不能删除；考核周期的数据是当年考核的记录，须保留。"
    ]
    # Reopened, it still is not deleted by any path.
    Cycle.objects.filter(pk=published.pk).update(state=Cycle.State.OPEN)
    with pytest.raises(ProtectedError):
        Cycle.objects.get(pk=published.pk).delete()


def test_an_empty_draft_cycle_is_deleted(admin_client, make_indicator):
    make_indicator("A1", 1000)
    draft = Cycle.objects.get(year=2026)
    admin_client.post(delete_page(draft), {"post": "yes"})
    assert not Cycle.objects.filter(year=2026).exists()
