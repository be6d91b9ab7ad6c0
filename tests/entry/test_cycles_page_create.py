"""The cycles page's "以 2026 年度为模板新建 2027 年度" and the Cycle admin's action alike."""

from decimal import Decimal

import pytest

from cadre.models import Official, Unit, UnitCategory
from scoring.models import Cycle, Indicator, IndicatorValue, RaterGroup, Responsibility

from .conftest import user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def this_year(scorer):
    """2026, open, with a two-node tree, a scorer, a rater group, a responsibility, a value."""
    cycle = Cycle.objects.create(year=2026, state=Cycle.State.OPEN, bonus_cap=Decimal("35"))
    category = UnitCategory.objects.create(code="ZJ", name="镇街")
    area = Indicator.objects.create(cycle=cycle, code="A1", name="创新", max_points=1000)
    leaf = Indicator.objects.create(
        cycle=cycle,
        code="A1.1",
        name="研发",
        parent=area,
        max_points=1000,
        method="completion",
        target=Decimal("3.5"),
        lead_department="区科技局",
    )
    leaf.categories.add(category)
    leaf.owners.add(scorer)
    RaterGroup.objects.create(cycle=cycle, code="LD", name="区领导", weight=Decimal("1"))
    unit = Unit.objects.create(code="ZJ01", name="城关街道", category=category)
    official = Official.objects.create(code="ZJ01-01", name="赵帆", unit=unit)
    Responsibility.objects.create(official=official, indicator=leaf)
    IndicatorValue.objects.create(indicator=leaf, unit=unit, period="Q1", value=Decimal("3"))
    return cycle


def copied(year) -> dict:
    cycle = Cycle.objects.get(year=year)
    leaf = Indicator.objects.get(cycle=cycle, code="A1.1")
    return {
        "state": cycle.state,
        "bonus_cap": cycle.bonus_cap,
        "tree": list(
            Indicator.objects.filter(cycle=cycle).values_list(
                "code", "parent__code", "parent__cycle"
            )
        ),
        "target": leaf.target,
        "lead": leaf.lead_department,
        "categories": [c.code for c in leaf.categories.all()],
        "owners": [u.username for u in leaf.owners.all()],
        "groups": list(cycle.rater_groups.values_list("code", "weight")),
        "responsibilities": list(leaf.responsibilities.values_list("official__code", flat=True)),
        "values": IndicatorValue.objects.filter(indicator__cycle=cycle).count(),
    }


def test_the_page_offers_the_newest_cycle_and_the_year_after_it(client, admin_user, this_year):
    Cycle.objects.create(year=2025)
    client.force_login(admin_user)
    page = client.get("/entry/cycles/").content.decode()
    assert "默认以 2026 年度为模板新建 2027 年度。" in page
    assert '<option value="2026" selected>2026</option>' in page
    assert 'name="year" value="2027"' in page


def test_posting_the_form_copies_the_year_and_nothing_of_its_data(client, admin_user, this_year):
    client.force_login(admin_user)
    response = client.post("/entry/cycles/", {"previous": "2026", "year": "2027"}, follow=True)
    new = Cycle.objects.get(year=2027)
    # The tree to check is one click away: the new cycle's indicators.
    assert (
        "已以 2026 年度为模板新建 2027年度考核（草稿），请"
        f'<a href="/admin/scoring/indicator/?cycle__id__exact={new.pk}">核对指标体系</a>'
        "后再开放填报。"
    ) in response.content.decode()
    assert copied(2027) == {
        "state": "draft",
        "bonus_cap": Decimal("35.00"),
        "tree": [("A1", None, None), ("A1.1", "A1", new.pk)],
        "target": Decimal("3.5000"),
        "lead": "区科技局",
        "categories": ["ZJ"],
        "owners": ["fgj"],
        "groups": [("LD", Decimal("1.0000"))],
        "responsibilities": ["ZJ01-01"],
        "values": 0,
    }
    assert copied(2026)["values"] == 1


def test_a_taken_year_is_refused_on_the_form(client, admin_user, this_year):
    Cycle.objects.create(year=2027)
    client.force_login(admin_user)
    response = client.post("/entry/cycles/", {"previous": "2026", "year": "2027"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "2027 年度已有考核周期，不能再新建" in page
    # The refused form keeps what was typed and still says what the default is.
    assert "默认以 2027 年度为模板新建 2028 年度。" in page
    assert not Indicator.objects.filter(cycle__year=2027).exists()


def test_a_year_typed_full_width_is_read_and_one_in_chinese_numerals_refused(
    client, admin_user, this_year
):
    client.force_login(admin_user)
    refused = client.post("/entry/cycles/", {"previous": "2026", "year": "二〇二七"})
    assert refused.context["create_form"].errors == {"year": ["应为数字，实为“二〇二七”"]}
    assert "应为数字，实为“二〇二七”" in refused.content.decode()
    too_late = client.post("/entry/cycles/", {"previous": "2026", "year": "２１０１"})
    assert too_late.context["create_form"].errors == {"year": ["应不晚于 2100 年"]}
    assert list(Cycle.objects.values_list("year", flat=True)) == [2026]

    client.post("/entry/cycles/", {"previous": "2026", "year": "２０２７"})
    assert copied(2027)["tree"] == [
        ("A1", None, None),
        ("A1.1", "A1", Cycle.objects.get(year=2027).pk),
    ]


def test_only_admins_may_create(client, scorer, this_year):
    client.force_login(scorer)
    response = client.post("/entry/cycles/", {"previous": "2026", "year": "2027"})
    assert response.status_code == 403
    assert not Cycle.objects.filter(year=2027).exists()


def test_the_admin_action_creates_the_year_after_the_selected_cycle(client, this_year):
    boss = user_with_role("boss", "考核办", is_staff=True, is_superuser=True)
    client.force_login(boss)
    response = client.post(
        "/admin/scoring/cycle/",
        {"action": "next_year_create", "_selected_action": [this_year.pk]},
        follow=True,
    )
    new = Cycle.objects.get(year=2027)
    assert response.redirect_chain[-1][0] == f"/admin/scoring/cycle/{new.pk}/change/"
    assert copied(2027)["tree"] == [("A1", None, None), ("A1.1", "A1", new.pk)]
    assert copied(2027)["owners"] == ["fgj"]
    assert new.history.get().history_change_reason == "后台：以模板新建，模板年度：2026"
    # Once more: 2027 is taken now.
    response = client.post(
        "/admin/scoring/cycle/",
        {"action": "next_year_create", "_selected_action": [this_year.pk]},
        follow=True,
    )
    assert "2027 年度已有考核周期，不能再新建" in response.content.decode()


def test_the_admin_action_takes_one_cycle(client, this_year):
    other = Cycle.objects.create(year=2020)
    client.force_login(user_with_role("boss", "考核办", is_staff=True, is_superuser=True))
    response = client.post(
        "/admin/scoring/cycle/",
        {"action": "next_year_create", "_selected_action": [this_year.pk, other.pk]},
        follow=True,
    )
    assert "请只选择一个考核周期作为模板。" in response.content.decode()
    assert Cycle.objects.count() == 2
