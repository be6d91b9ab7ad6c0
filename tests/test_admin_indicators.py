"""The indicator tree in the admin, as the 考核办 edits it in the middle of a year: changes that
would leave entered values scored wrongly are refused by name, an indicator with values is not
deleted, parents stay in their year, scorers are assigned in one go, and a cycle's settings
and a responsibility are refused in words, not by a constraint's name."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db.models import ProtectedError

from cadre.models import Official, Unit, UnitCategory
from cadre.roles import LIAISON, SCORER, role_groups_ensure
from scoring.models import Cycle, Indicator, IndicatorValue, RaterGroup, Responsibility, Vote

pytestmark = pytest.mark.django_db

MAX_LOWERED = (
    "分值改为 5 后，以下 2 个已填数值超出范围：城关街道 第一季度 7.49，东城街道 第一季度 8.85；"
    "请先修改这些数值。"
)
METHOD_CHANGED = "该指标已有 2 个数值，不能改变计分方法；请先清除数值或新建指标。"
DELETE_REFUSED = "不能删除：已有 2 条填报数据（指标数据或测评票数）。"


@pytest.fixture
def units(category):
    return [
        Unit.objects.create(code="ZJ01", name="城关街道", category=category, sort_order=1),
        Unit.objects.create(code="ZJ02", name="东城街道", category=category, sort_order=2),
    ]


@pytest.fixture
def tree(make_indicator):
    """A1 → A1.1 → A1.1.1 (direct, 10) and A1.1.2 (best ratio, 10)."""
    area = make_indicator("A1", 1000, method="")
    item = make_indicator("A1.1", 1000, method="", parent=area)
    return {
        "A1": area,
        "A1.1": item,
        "A1.1.1": make_indicator("A1.1.1", 10, parent=item),
        "A1.1.2": make_indicator("A1.1.2", 990, method="best_ratio", parent=item),
    }


@pytest.fixture
def entered(tree, units):
    """Q1 values of both units for both leaves."""
    for indicator, figures in ((tree["A1.1.1"], ("7.49", "8.85")), (tree["A1.1.2"], (106, 104))):
        for unit, figure in zip(units, figures, strict=True):
            IndicatorValue.objects.create(
                indicator=indicator, unit=unit, period="Q1", value=Decimal(figure)
            )
    return tree


@pytest.fixture
def accounts(db):
    groups = role_groups_ensure()
    users = {}
    for name, role in (("scorer", SCORER), ("scorer2", SCORER), ("liaison", LIAISON)):
        users[name] = get_user_model().objects.create_user(name, password="pw-long-enough")
        users[name].groups.add(groups[role])
    return users


def change_url(indicator) -> str:
    return f"/admin/scoring/indicator/{indicator.pk}/change/"


def form_of(client, url) -> dict:
    """The fields of the change page as the admin fills them."""
    form = client.get(url).context["adminform"].form
    data = {}
    for name in form.fields:
        shown = form[name].value()
        if shown is not None and shown is not False:
            data[name] = shown
    return data


# --- A1: a change that would leave stored values wrong ---------------------------------------


def test_lowering_the_maximum_below_entered_values_is_refused_naming_them(admin_client, entered):
    indicator = entered["A1.1.1"]
    form = form_of(admin_client, change_url(indicator))
    response = admin_client.post(change_url(indicator), {**form, "max_points": "5"})
    assert response.status_code == 200
    assert MAX_LOWERED in response.content.decode()
    indicator.refresh_from_db()
    assert indicator.max_points == Decimal("10")
    # A maximum every value still fits is saved.
    assert admin_client.post(change_url(indicator), {**form, "max_points": "9"}).status_code == 302


def test_a_method_change_over_raw_figures_is_refused_until_the_values_are_cleared(
    admin_client, entered
):
    indicator = entered["A1.1.2"]
    form = form_of(admin_client, change_url(indicator))
    response = admin_client.post(change_url(indicator), {**form, "method": "direct"})
    assert METHOD_CHANGED in response.content.decode()
    assert Indicator.objects.get(pk=indicator.pk).method == "best_ratio"
    IndicatorValue.objects.filter(indicator=indicator).delete()
    assert admin_client.post(change_url(indicator), {**form, "method": "direct"}).status_code == 302


# --- A7: an indicator with values is kept ----------------------------------------------------


def test_an_indicator_with_values_is_not_deleted_and_the_page_says_why(admin_client, entered):
    indicator = entered["A1.1.1"]
    url = f"/admin/scoring/indicator/{indicator.pk}/delete/"
    page = admin_client.get(url).content.decode()
    assert DELETE_REFUSED in page
    assert "受保护的相关对象" in page and "城关街道 A1.1.1 Q1" in page
    admin_client.post(url, {"post": "yes"})
    assert IndicatorValue.objects.filter(indicator=indicator).count() == 2
    with pytest.raises(ProtectedError):
        indicator.delete()


def test_an_area_whose_indicators_have_values_is_not_deleted_in_bulk_either(admin_client, entered):
    area = entered["A1"]
    action = {"action": "delete_selected", "_selected_action": [area.pk]}
    page = admin_client.post("/admin/scoring/indicator/", action).content.decode()
    assert "不能删除：已有 4 条填报数据" in page
    admin_client.post("/admin/scoring/indicator/", {**action, "post": "yes"})
    assert Indicator.objects.count() == 4


def test_votes_keep_their_evaluation_indicator_and_the_cycle_page_says_why(
    admin_client, cycle, units, make_indicator
):
    evaluation = make_indicator("P1", 100, method="evaluation")
    group = RaterGroup.objects.create(cycle=cycle, code="LD", name="区领导", weight=1)
    for unit in units:
        Vote.objects.create(
            indicator=evaluation, unit=unit, period="Y", rater_group=group, excellent=3
        )
    with pytest.raises(ProtectedError):
        evaluation.delete()
    page = admin_client.get(f"/admin/scoring/cycle/{cycle.pk}/delete/", follow=True)
    assert "2026年度考核 有 2 条测评票数，不能删除" in page.content.decode()


def test_an_indicator_without_values_is_deleted(admin_client, tree):
    leaf = tree["A1.1.1"]
    admin_client.post(f"/admin/scoring/indicator/{leaf.pk}/delete/", {"post": "yes"})
    assert not Indicator.objects.filter(pk=leaf.pk).exists()


# --- B3: a parent from the indicator's own year -----------------------------------------------


def test_a_parent_from_another_year_is_refused_on_the_form(admin_client, tree):
    later = Cycle.objects.create(year=2027)
    form = {"cycle": later.pk, "code": "A1.1.3", "name": "新指标", "parent": tree["A1.1"].pk}
    form |= {"max_points": "5", "method": "direct", "frequency": "quarterly"}
    form |= {"sort_order": 0, "floor": 0, "cap": 1, "min_share": 0}
    response = admin_client.post("/admin/scoring/indicator/add/", form)
    assert response.status_code == 200
    assert "上级指标须属于同一考核周期：A1.1 A1.1 属于2026年度考核。" in response.content.decode()
    assert not Indicator.objects.filter(cycle=later).exists()


def test_the_parent_picker_lists_the_cycles_nodes_with_their_year(admin_client, tree):
    later = Cycle.objects.create(year=2027)
    Indicator.objects.create(cycle=later, code="A1", name="创新发展", max_points=1000)
    field = admin_client.get(change_url(tree["A1.1.1"])).context["adminform"].form["parent"]
    labels = [label for _value, label in field.field.choices][1:]
    assert labels == ["A1 A1（2026年度）", "A1.1 A1.1（2026年度）", "A1.1.2 A1.1.2（2026年度）"]
    add = admin_client.get(f"/admin/scoring/indicator/add/?cycle={later.pk}")
    field = add.context["adminform"].form["parent"]
    assert [label for _value, label in field.field.choices][1:] == ["A1 创新发展（2027年度）"]


# --- B6: scorer accounts ---------------------------------------------------------------------


def test_the_scorer_picker_offers_scorers_only_and_refuses_anyone_else(
    admin_client, tree, accounts
):
    leaf = tree["A1.1.1"]
    form = form_of(admin_client, change_url(leaf))
    field = admin_client.get(change_url(leaf)).context["adminform"].form["owners"]
    assert [label for _value, label in field.field.choices] == ["scorer", "scorer2"]
    # An account given the indicator before is shown, to be taken away, and refused.
    leaf.owners.add(accounts["liaison"])
    response = admin_client.post(change_url(leaf), {**form, "owners": [accounts["liaison"].pk]})
    assert "只有评分员组的账号可以评分，以下账号不是评分员：liaison" in response.content.decode()
    response = admin_client.post(change_url(leaf), {**form, "owners": [accounts["scorer"].pk]})
    assert response.status_code == 302
    assert list(leaf.owners.all()) == [accounts["scorer"]]


def test_scorers_are_added_to_the_selected_indicators_in_one_go(admin_client, tree, accounts):
    tree["A1.1.1"].owners.add(accounts["scorer2"])
    selected = [tree[code].pk for code in ("A1.1", "A1.1.1", "A1.1.2")]
    action = {"action": "owners_assign", "_selected_action": selected}
    page = admin_client.post("/admin/scoring/indicator/", action)
    assert page.status_code == 200
    assert [user.username for user in page.context["form"].fields["owners"].queryset] == [
        "scorer",
        "scorer2",
    ]
    response = admin_client.post(
        "/admin/scoring/indicator/",
        {**action, "apply": "1", "owners": [accounts["scorer"].pk]},
        follow=True,
    )
    text = response.content.decode()
    assert "已为 2 个末级指标增加评分账号：scorer。" in text
    assert "所选的 1 个汇总项没有计分方法，不需要评分账号，已跳过。" in text
    owners = {
        code: sorted(tree[code].owners.values_list("username", flat=True))
        for code in ("A1.1", "A1.1.1", "A1.1.2")
    }
    assert owners == {"A1.1": [], "A1.1.1": ["scorer", "scorer2"], "A1.1.2": ["scorer"]}


def test_scorers_are_not_assigned_in_a_closed_cycle(admin_client, tree, accounts):
    Cycle.objects.filter(pk=tree["A1"].cycle_id).update(state=Cycle.State.CLOSED)
    action = {"action": "owners_assign", "_selected_action": [tree["A1.1.1"].pk]}
    response = admin_client.post(
        "/admin/scoring/indicator/",
        {**action, "apply": "1", "owners": [accounts["scorer"].pk]},
        follow=True,
    )
    assert "不能再修改任何数据" in response.content.decode()
    assert not tree["A1.1.1"].owners.exists()


# --- C2: a cycle's settings in words ---------------------------------------------------------


@pytest.mark.parametrize(
    "changes, message",
    [
        (
            {"weight_q1": "0.3", "weight_q2": "0.3", "weight_q3": "0.3", "weight_q4": "0.3"},
            "季度权重合计应为 1，实为 1.2",
        ),
        ({"excellent_share": "30"}, "优秀比例应在 0 到 1 之间，实为 30"),
        ({"good_min": "950"}, "分数线应满足 优秀 ≥ 良好 ≥ 一般，实为 900、950、600"),
        ({"bonus_cap": "-5"}, "加分上限不能为负数，实为 -5"),
    ],
)
def test_cycle_settings_are_refused_with_the_rule_and_the_values(
    admin_client, cycle, changes, message
):
    url = f"/admin/scoring/cycle/{cycle.pk}/change/"
    form = form_of(admin_client, url)
    form |= {"rater_groups-TOTAL_FORMS": 0, "rater_groups-INITIAL_FORMS": 0}
    page = admin_client.post(url, {**form, **changes}).content.decode()
    assert message in page
    assert "约束" not in page and "是无效的" not in page
    # Each rule is said once, with its values, not again in the check's general words.
    assert not any(str(check.violation_error_message) in page for check in Cycle._meta.constraints)


def test_every_check_of_the_scoring_tables_has_a_message():
    from django.apps import apps
    from django.db import models

    silent = [
        constraint.name
        for model in apps.get_app_config("scoring").get_models()
        for constraint in model._meta.constraints
        if isinstance(constraint, models.CheckConstraint)
        and constraint.violation_error_message == constraint.default_violation_error_message
    ]
    assert silent == []


# --- C9: responsibilities name leaves that apply ---------------------------------------------


@pytest.fixture
def officials(units):
    department = UnitCategory.objects.create(code="SH", name="社会事业部门")
    bureau = Unit.objects.create(code="SH01", name="区教育局", category=department)
    return {
        "town": Official.objects.create(code="ZJ01-01", name="王伟", unit=units[0]),
        "bureau": Official.objects.create(code="SH01-01", name="李涛斌", unit=bureau),
    }


def test_a_responsibility_for_a_summary_node_or_another_category_is_refused(
    admin_client, tree, officials, category
):
    tree["A1.1.1"].categories.add(category)  # towns (镇街) only
    cases = [
        ("town", "A1", "A1 A1 是汇总项，没有计分方法：责任人只能对应末级指标。"),
        (
            "bureau",
            "A1.1.1",
            "指标 A1.1.1 不适用于李涛斌（区教育局）所在单位的类别（社会事业部门）。",
        ),
    ]
    for official, code, message in cases:
        form = {"official": officials[official].pk, "indicator": tree[code].pk}
        page = admin_client.post("/admin/scoring/responsibility/add/", form).content.decode()
        assert message in page
    assert not Responsibility.objects.exists()
    form = {"official": officials["town"].pk, "indicator": tree["A1.1.1"].pk}
    assert admin_client.post("/admin/scoring/responsibility/add/", form).status_code == 302


def test_the_responsibility_picker_offers_leaves_only(admin_client, tree):
    query = "app_label=scoring&model_name=responsibility&field_name=indicator&term=A1"
    response = admin_client.get(f"/admin/autocomplete/?{query}")
    assert [row["text"] for row in response.json()["results"]] == [
        "A1.1.1 A1.1.1",
        "A1.1.2 A1.1.2",
    ]
