"""A closed quarter keeps the tree, rater groups, settings and unit categories it was scored
with: every path that edits them (the admin's forms, deletions and imports, the interchange
workbook) refuses a change that would alter its results or their explanation, naming the
quarter and what to do, and takes every other change, after which each closed-quarter result
still explains itself to its stored total."""

from decimal import Decimal

import pytest
import tablib
from django.test import Client

from cadre.models import Unit
from cadre.resources import UnitResource
from scoring.models import Cycle, Indicator, RaterGroup, UnitResult
from scoring.resources import IndicatorResource
from scoring.services.closed_quarters import cycle_settings_change_ensure_quarters_kept
from scoring.services.cycles import cycle_close, cycle_quarter_close, cycle_quarter_reopen
from scoring.services.explain import unit_indicator_lines
from scoring.services.refresh import results_refresh_all, results_refresh_unlocked
from scoring.services.values import CycleLockedError
from scoring.services.workbook import WorkbookInvalid
from tests.admin_forms import change_form_data
from tests.closed_quarters import closed_quarter_district, closed_quarters_explained, stored_results
from tests.quarters import quarter_district
from tests.workbook.conftest import import_bytes, small_cycle_sheets, xlsx

pytestmark = pytest.mark.django_db


def refused(what: str) -> str:
    return (
        f"{what}会改变2026年度考核 第一季度的得分或得分说明，而这些季度已关闭，"
        "结果保持关闭时的计算。如需修改，请先在“周期状态”页面重新开放第一季度"
        "（须说明理由），改好后再关闭。"
    )


@pytest.fixture
def district():
    return closed_quarter_district()


@pytest.fixture
def admin_client(district):
    client = Client()
    client.force_login(district["admin"])
    return client


def _indicator_post(client, indicator: Indicator, **changes):
    url = f"/admin/scoring/indicator/{indicator.pk}/change/"
    return client.post(url, {**change_form_data(client, url), **changes})


def _form_errors(response) -> list[str]:
    return list(response.context["adminform"].form.non_field_errors())


def _snapshot(district) -> dict:
    return stored_results(district["cycle"], ["Q1"])


def test_the_check_fails_when_the_tree_changes_under_a_closed_quarter_by_no_path(district):
    """The invariant the tests below rely on: it holds as the quarter was closed, and fails
    once a maximum it read is changed behind every path's back."""
    closed_quarters_explained(district["cycle"])
    Indicator.objects.filter(pk=district["indicators"]["A1.1"].pk).update(max_points=250)
    results_refresh_all(cycle=district["cycle"])
    with pytest.raises(AssertionError):
        closed_quarters_explained(district["cycle"])


@pytest.mark.parametrize(
    ("code", "changes", "what"),
    [
        ("A1.1", {"max_points": "250"}, "修改指标 A1.1 的分值"),
        ("A1.1", {"code": "A1.1X"}, "修改指标 A1.1 的代码"),
        ("A1.1", {"parent": "A2"}, "修改指标 A1.1 的上级"),
        ("A1.2", {"target": "120"}, "修改指标 A1.2 的目标值"),
        ("A1.2", {"categories": ["ZJ", "JJ"]}, "修改指标 A1.2 的适用类别"),
        ("A2.1", {"step": "10"}, "修改指标 A2.1 的每名次扣分"),
        ("A2.1", {"lower_is_better": "on"}, "修改指标 A2.1 的越低越好"),
        ("A2.1", {"frequency": "annual"}, "修改指标 A2.1 的频次"),
        ("A2.2", {"frequency": "quarterly"}, "修改指标 A2.2 的频次"),
        ("A3.1", {"method": "direct"}, "修改指标 A3.1 的计分方法"),
        ("B1", {"max_points": "10"}, "修改指标 B1 的分值"),
        ("A1", {"code": "AA"}, "修改指标 A1 的代码"),
    ],
)
def test_a_change_a_closed_quarter_reads_is_refused_in_the_admin_naming_it(
    district, admin_client, code, changes, what
):
    indicators, categories = district["indicators"], district["categories"]
    if "parent" in changes:
        changes["parent"] = indicators[changes["parent"]].pk
    if "categories" in changes:
        changes["categories"] = [categories[c].pk for c in changes["categories"]]
    before = _snapshot(district)
    response = _indicator_post(admin_client, indicators[code], **changes)
    assert response.status_code == 200
    assert _form_errors(response) == [refused(what)]
    stored = Indicator.objects.get(pk=indicators[code].pk)
    assert (stored.code, stored.max_points, stored.frequency) == (
        indicators[code].code,
        indicators[code].max_points,
        indicators[code].frequency,
    )
    assert _snapshot(district) == before
    closed_quarters_explained(district["cycle"])
    # The refusal is needed: made behind every path's back, the change leaves the quarter
    # unexplained.
    _bypassed(indicators[code], changes)
    results_refresh_all(cycle=district["cycle"])
    with pytest.raises(AssertionError):
        closed_quarters_explained(district["cycle"])


def _bypassed(indicator: Indicator, changes: dict) -> None:
    """Make the change the admin's form was refused straight in the database."""
    fields = {name: value for name, value in changes.items() if name != "categories"}
    if "parent" in fields:
        fields["parent_id"] = fields.pop("parent")
    if "lower_is_better" in fields:
        fields["lower_is_better"] = True
    Indicator.objects.filter(pk=indicator.pk).update(**fields)
    if "categories" in changes:
        indicator.categories.set(changes["categories"])


# Changes no closed quarter reads, in the order a 考核办 might make them in the middle of the
# year: each is taken, and the closed quarter still reads as it was computed after each.
ALLOWED = [
    ("A1.1", {"name": "地区生产总值增速（修订）", "lead_department": "区统计局"}),
    ("A1.1", {"sort_order": "99"}),
    ("A2.1", {"target": "99"}),  # a rank indicator reads no target
    ("A2.2", {"target": "60", "max_points": "180"}),  # annual: the year only
    ("A2", {"name": "协调发展（新）", "max_points": "380"}),  # a summary node's maximum
    ("A1.2", {"categories": ["ZJ", "XQ"]}),  # XQ had no unit in Q1
    ("V1", {"max_points": "5"}),  # a veto scores no points
    ("B2", {"max_points": "40"}),  # the annual bonus
]


def test_changes_no_closed_quarter_reads_are_taken_and_it_still_explains_itself(
    district, admin_client
):
    indicators, categories = district["indicators"], district["categories"]
    before = _snapshot(district)
    for code, changes in ALLOWED:
        if "categories" in changes:
            changes = {**changes, "categories": [categories[c].pk for c in changes["categories"]]}
        response = _indicator_post(admin_client, indicators[code], **changes)
        assert response.status_code == 302, (code, changes, _form_errors(response))
        closed_quarters_explained(district["cycle"])
    assert _snapshot(district) == before
    assert Indicator.objects.get(code="A2.2").target == Decimal(60)
    assert set(Indicator.objects.get(code="A1.2").categories.values_list("code", flat=True)) == {
        "ZJ",
        "XQ",
    }
    # The year took the annual changes: A2.2 now counts 180 points.
    year = UnitResult.objects.get(unit__code="ZJ01", period="Y")
    assert year.applicable_max == Decimal("980")


def _add_post(client, district, **fields):
    form = {
        "cycle": district["cycle"].pk,
        "sort_order": "50",
        "floor": "0",
        "cap": "1",
        "min_share": "0",
        "frequency": "quarterly",
        **fields,
    }
    return client.post("/admin/scoring/indicator/add/", form)


def test_adding_a_quarterly_indicator_or_a_child_of_one_is_refused_and_an_annual_one_taken(
    district, admin_client
):
    indicators = district["indicators"]
    quarterly = {"code": "A1.3", "name": "新指标", "parent": indicators["A1"].pk}
    response = _add_post(admin_client, district, **quarterly, max_points="10", method="direct")
    assert _form_errors(response) == [refused("新增指标 A1.3")]
    # A1.1 would become a summary node, its points no longer scored.
    child = {"code": "A1.1.1", "name": "子项", "parent": indicators["A1.1"].pk}
    response = _add_post(
        admin_client, district, **child, max_points="200", method="direct", frequency="annual"
    )
    assert _form_errors(response) == [refused("新增指标 A1.1.1")]
    assert not Indicator.objects.filter(code__in=["A1.3", "A1.1.1"]).exists()
    annual = {"code": "A2.3", "name": "年度新指标", "parent": indicators["A2"].pk}
    response = _add_post(
        admin_client, district, **annual, max_points="10", method="direct", frequency="annual"
    )
    assert response.status_code == 302
    closed_quarters_explained(district["cycle"])


def test_a_deletion_a_closed_quarter_reads_is_refused_alone_and_in_bulk(district, admin_client):
    indicators, cycle = district["indicators"], district["cycle"]
    spare = Indicator.objects.create(
        cycle=cycle,
        code="A2.3",
        name="年度新指标",
        parent=indicators["A2"],
        max_points=10,
        method="direct",
        frequency="annual",
    )
    response = admin_client.get(
        f"/admin/scoring/indicator/{indicators['A3'].pk}/delete/", follow=True
    )
    messages = [str(message) for message in response.context["messages"]]
    assert messages == [refused("删除指标 A3")]
    action = {"action": "delete_selected", "_selected_action": [spare.pk, indicators["B1"].pk]}
    response = admin_client.post(
        "/admin/scoring/indicator/", {**action, "post": "yes"}, follow=True
    )
    assert [str(message) for message in response.context["messages"]] == [refused("删除指标 B1")]
    assert (
        Indicator.objects.filter(
            pk__in=[spare.pk, indicators["A3"].pk, indicators["B1"].pk]
        ).count()
        == 3
    )
    admin_client.post(f"/admin/scoring/indicator/{spare.pk}/delete/", {"post": "yes"})
    assert not Indicator.objects.filter(pk=spare.pk).exists()
    closed_quarters_explained(cycle)


def _import(rows, *, dry_run):
    headers = ["cycle", "code", "name", "parent", "max_points", "method"]
    return IndicatorResource().import_data(tablib.Dataset(*rows, headers=headers), dry_run=dry_run)


def test_the_admin_import_refuses_the_rows_a_closed_quarter_reads_and_takes_the_others(district):
    # A1.1 moves under a work item the file creates, in the same area: its area is still A1.
    rows = [
        ("2026", "A1.9", "工作项", "A1", "200", ""),
        ("2026", "A1.1", "地区生产总值增速", "A1.9", "200", "direct"),
        ("2026", "A1.2", "指标A1.2", "A1", "250", "completion"),
        ("2026", "A3.2", "新测评", "A3", "10", "evaluation"),
    ]
    result = _import(rows, dry_run=True)
    assert {row.number: row.error_dict for row in result.invalid_rows} == {
        4: {"__all__": [refused("修改指标 A1.2 的分值")]},
        5: {"__all__": [refused("新增指标 A3.2")]},
    }
    result = _import(rows[:2], dry_run=False)
    assert not result.has_validation_errors() and not result.has_errors()
    assert Indicator.objects.get(code="A1.1").parent.code == "A1.9"
    closed_quarters_explained(district["cycle"])


def test_a_rater_groups_new_weight_is_refused_where_its_votes_count_in_a_closed_quarter(
    district, admin_client
):
    cycle, groups = district["cycle"], district["groups"]
    url = f"/admin/scoring/cycle/{cycle.pk}/change/"
    form = change_form_data(admin_client, url)
    index = {form[f"rater_groups-{n}-code"]: n for n in range(2)}
    leaders, users = index["LD"], index["QZ"]
    response = admin_client.post(url, {**form, f"rater_groups-{leaders}-weight": "0.8"})
    [formset] = response.context["inline_admin_formsets"]
    assert formset.formset.non_form_errors() == [refused("修改测评群体“区领导”的权重")]
    response = admin_client.post(
        f"/admin/scoring/ratergroup/{groups['LD'].pk}/change/",
        {"code": "LD", "name": "区领导", "weight": "2"},
    )
    assert _form_errors(response) == [refused("修改测评群体“区领导”的权重")]
    assert RaterGroup.objects.get(code="LD").weight == Decimal(1)
    # 服务对象 voted in Q2 only, which is open; a new name weighs on no number.
    changes = {f"rater_groups-{users}-weight": "0.6", f"rater_groups-{leaders}-name": "区委领导"}
    assert admin_client.post(url, {**form, **changes}).status_code == 302
    assert RaterGroup.objects.get(code="QZ").weight == Decimal("0.6")
    closed_quarters_explained(cycle)


@pytest.mark.parametrize(
    ("changes", "what"),
    [
        ({"good_min": "850"}, "修改良好分数线"),
        ({"excellent_share": "0.5", "fair_min": "500"}, "修改优秀比例、一般分数线"),
        ({"bonus_cap": "10"}, "修改加分上限"),
        ({"vote_competent": "0.7"}, "修改称职票分值"),
    ],
)
def test_a_setting_a_closed_quarter_was_computed_with_is_refused(
    district, admin_client, changes, what
):
    cycle = district["cycle"]
    url = f"/admin/scoring/cycle/{cycle.pk}/change/"
    response = admin_client.post(url, {**change_form_data(admin_client, url), **changes})
    assert _form_errors(response) == [refused(what)]
    stored = Cycle.objects.get(pk=cycle.pk)
    assert all(str(getattr(stored, name)) != value for name, value in changes.items())


def test_the_years_settings_are_taken_and_the_closed_quarter_still_explains_itself(
    district, admin_client
):
    cycle = district["cycle"]
    url = f"/admin/scoring/cycle/{cycle.pk}/change/"
    changes = {
        "name": "2026年度综合考核",
        "weight_q1": "0.4",
        "weight_q2": "0.2",
        "weight_q3": "0.2",
        "weight_q4": "0.2",
        "alpha_principal": "0.6",
        "star_share": "0.9",
    }
    before = _snapshot(district)
    response = admin_client.post(url, {**change_form_data(admin_client, url), **changes})
    assert response.status_code == 302
    assert Cycle.objects.get(pk=cycle.pk).weight_q1 == Decimal("0.4")
    assert _snapshot(district) == before
    closed_quarters_explained(cycle)


def test_the_bonus_cap_is_free_where_no_closed_quarter_has_a_bonus():
    made = quarter_district()
    cycle = cycle_quarter_close(cycle=made["cycle"], quarter="Q1", by=made["admin"])
    cycle.bonus_cap = Decimal(10)
    cycle_settings_change_ensure_quarters_kept(cycle=cycle)
    cycle.good_min = Decimal(700)
    with pytest.raises(CycleLockedError, match="^修改良好分数线会改变"):
        cycle_settings_change_ensure_quarters_kept(cycle=cycle)


# --- A unit's category ------------------------------------------------------------------------

MOVE_REFUSED = (
    "单位 ZJ02 单位ZJ02 在2026年度考核 第一季度按类别“镇街”考核，这些季度已关闭；"
    "现在改变其类别，全年结果将不再计入其在这些季度的得分（按 0 分计）。请在该年度关闭后再"
    "调整类别，或先在“周期状态”页面重新开放第一季度（须说明理由）。"
)


def _unit_post(client, unit: Unit, **changes):
    form = {
        "code": unit.code,
        "name": unit.name,
        "category": unit.category_id,
        "sort_order": unit.sort_order,
        "is_active": "on",
        **changes,
    }
    return client.post(f"/admin/cadre/unit/{unit.pk}/change/", form)


def _category_of(code: str) -> str:
    return Unit.objects.get(code=code).category.code


def test_the_admin_refuses_to_move_a_unit_ranked_in_a_closed_quarter(district, admin_client):
    unit, departments = district["units"]["ZJ02"], district["categories"]["JJ"]
    response = _unit_post(admin_client, unit, category=departments.pk)
    assert response.context["adminform"].form.errors == {"category": [MOVE_REFUSED]}
    assert _category_of("ZJ02") == "ZJ"
    response = _unit_post(admin_client, unit, name="东城街道")
    assert response.status_code == 302
    assert Unit.objects.get(code="ZJ02").name == "东城街道"
    closed_quarters_explained(district["cycle"])


def test_a_unit_with_no_closed_quarter_result_moves(district, admin_client):
    unit = Unit.objects.create(code="ZJ03", name="新设街道", category=district["categories"]["ZJ"])
    response = _unit_post(admin_client, unit, category=district["categories"]["XQ"].pk)
    assert response.status_code == 302
    assert _category_of("ZJ03") == "XQ"
    closed_quarters_explained(district["cycle"])


def test_once_the_quarter_is_reopened_the_move_ranks_it_in_the_new_category(district, admin_client):
    cycle, unit = district["cycle"], district["units"]["ZJ02"]
    cycle_quarter_reopen(cycle=cycle, quarter="Q1", by=district["admin"], reason="单位调整类别")
    response = _unit_post(admin_client, unit, category=district["categories"]["JJ"].pk)
    assert response.status_code == 302
    assert UnitResult.objects.get(cycle=cycle, unit=unit, period="Q1").category.code == "JJ"
    ranked = UnitResult.objects.filter(cycle=cycle, period="Q1", category__code="JJ")
    assert sorted(ranked.values_list("unit__code", flat=True)) == ["JJ01", "JJ02", "ZJ02"]


def test_once_the_year_is_closed_the_move_counts_from_the_next_year(district, admin_client):
    cycle, unit = district["cycle"], district["units"]["ZJ02"]
    cycle_close(cycle=cycle, by=district["admin"])
    before = stored_results(cycle, ["Q1", "Q2", "Y"])
    response = _unit_post(admin_client, unit, category=district["categories"]["JJ"].pk)
    assert response.status_code == 302
    assert _category_of("ZJ02") == "JJ"
    assert stored_results(cycle, ["Q1", "Q2", "Y"]) == before


def test_the_admin_import_refuses_the_move_on_its_cell_and_takes_the_other_rows(district):
    rows = [("ZJ02", "单位ZJ02", "JJ"), ("JJ02", "区商务局", "JJ")]
    dataset = tablib.Dataset(*rows, headers=["code", "name", "category"])
    result = UnitResource().import_data(dataset, dry_run=True)
    assert {row.number: row.error_dict for row in result.invalid_rows} == {
        2: {"category": [MOVE_REFUSED]}
    }
    dataset = tablib.Dataset(rows[1], headers=["code", "name", "category"])
    result = UnitResource().import_data(dataset, dry_run=False)
    assert not result.has_validation_errors()
    assert Unit.objects.get(code="JJ02").name == "区商务局"


def test_a_workbook_of_another_year_is_refused_where_it_moves_the_unit(district):
    sheets = small_cycle_sheets()  # 2027, a new cycle
    sheets["units"][1] = ["ZJ02", "东城街道", "JJ"]
    # Its towns-only figure would be refused on its own account.
    sheets["values"] = [row for row in sheets["values"] if row[:2] != ["ZJ02", "A1.1"]]
    with pytest.raises(WorkbookInvalid) as raised:
        import_bytes(xlsx(sheets))
    assert [(p.sheet, p.row, p.column, p.message) for p in raised.value.problems] == [
        ("units", 3, "C", MOVE_REFUSED)
    ]
    assert not Cycle.objects.filter(year=2027).exists()
    assert _category_of("ZJ02") == "ZJ"


def test_a_move_behind_every_paths_back_costs_the_unit_its_closed_quarter_in_the_year(district):
    """Why the move is refused: the closed quarter keeps the unit's points in its old category,
    while the year takes them from its new one, which holds none: Q1 counts 0 for it, though
    the quarter itself still reads as it was closed."""
    cycle = district["cycle"]
    Unit.objects.filter(code="ZJ02").update(category=district["categories"]["JJ"])
    results_refresh_unlocked()
    year = UnitResult.objects.select_related("cycle").get(
        cycle=cycle, unit__code="ZJ02", period="Y"
    )
    [line] = [line for line in unit_indicator_lines(result=year) if line.indicator.code == "A1.1"]
    assert line.explanation.startswith("季度加权 Q1 0.00 × 0.25 + Q2 0.00 × 0.25")
    assert line.explanation.endswith("；第一季度关闭时本单位未参加考核，按 0 分计")
    closed_quarters_explained(cycle)


# --- A unit retired or added while the quarter is closed ----------------------------------------

KEPT_NOTICE = (
    "2026年度考核 第一季度已关闭，其结果保持关闭时的计算，全年也按这些季度关闭时的得分计入："
    "停止参加考核的单位不再计入全年，其他单位这些季度的得分不变；此后新增或调入类别的单位"
    "在这些季度按 0 分计。"
)


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _year_line(cycle, unit_code: str, indicator_code: str) -> str:
    year = UnitResult.objects.select_related("cycle").get(
        cycle=cycle, unit__code=unit_code, period="Y"
    )
    lines = unit_indicator_lines(result=year)
    return next(line.explanation for line in lines if line.indicator.code == indicator_code)


def test_a_unit_retired_while_q1_is_closed_leaves_the_others_q1_as_closed(district, admin_client):
    cycle, unit = district["cycle"], district["units"]["ZJ01"]
    before = _snapshot(district)
    form = {"code": unit.code, "name": unit.name, "category": unit.category_id, "sort_order": 0}
    response = admin_client.post(f"/admin/cadre/unit/{unit.pk}/change/", form, follow=True)
    assert not Unit.objects.get(code="ZJ01").is_active
    assert KEPT_NOTICE in _messages(response)
    assert _snapshot(district) == before
    assert not UnitResult.objects.filter(cycle=cycle, unit=unit, period="Y").exists()
    # ZJ02 stays second of two on the rank indicator in Q1, as its Q1 page says, though it
    # is the only town left.
    assert _year_line(cycle, "ZJ02", "A2.1").startswith("季度加权 Q1 180.00 × 0.25 + Q2 0.00")
    closed_quarters_explained(cycle)


def test_a_unit_added_while_q1_is_closed_counts_0_there_and_says_so(district, admin_client):
    cycle, departments = district["cycle"], district["categories"]["JJ"]
    before = _snapshot(district)
    form = {"code": "JJ03", "name": "区新设局", "category": departments.pk, "sort_order": 9}
    form["is_active"] = "on"
    response = admin_client.post("/admin/cadre/unit/add/", form, follow=True)
    assert KEPT_NOTICE in _messages(response)
    assert _snapshot(district) == before
    assert _year_line(cycle, "JJ03", "A2.1") == (
        "季度加权 Q1 0.00 × 0.25 + Q2 0.00 × 0.25 + Q3 0.00 × 0.25 + Q4 0.00 × 0.25 = 0.00"
        "；第一季度关闭时本单位未参加考核，按 0 分计"
    )
    assert _year_line(cycle, "JJ01", "A2.1").endswith("；第一季度已发布，按发布的得分计")
    closed_quarters_explained(cycle)
