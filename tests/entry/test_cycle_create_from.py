"""cycle_create_from: next year starts as a copy of this year's tree, settings, rater groups,
scorer accounts and responsibilities, and of nothing that belongs to this year only."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cadre.models import Official, Unit, UnitCategory
from scoring.models import (
    QUARTER_STATE_FIELDS,
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
from scoring.services.compute import results_compute
from scoring.services.cycles import (
    SETTING_FIELDS,
    TREE_COPIED_FIELDS,
    cycle_close,
    cycle_create_from,
    cycle_publish,
)

from .conftest import user_with_role

pytestmark = pytest.mark.django_db

YEAR_TAKEN = "2027 年度已有考核周期，不能再新建"
# One query each: the user's roles, the year's check, the cycle, its history row, the nodes,
# their parents, categories, scorer accounts, responsibilities, rater groups, the categories
# those rate and the evaluation indicators they rate; the history rows of the nodes (with their
# categories and scorer accounts), the responsibilities and the rater groups (with the
# categories and indicators they rate); and the transaction's savepoint and its release.
CREATE_FROM_QUERIES = 21


def tree_build(*, cycle, areas: int, items: int, leaves: int, categories, owner) -> None:
    """A three-level tree adding up to 1000, its leaves with every method's parameters."""
    leaf_kinds = [
        {"method": "direct"},
        {
            "method": "completion",
            "target": Decimal("120.5"),
            "floor": Decimal("0.6"),
            "cap": Decimal("1.2"),
            "lower_is_better": True,
            "frequency": "annual",
        },
        {"method": "rank", "step": Decimal("0.5"), "min_share": Decimal("0.4")},
        {"method": "deduction", "per_incident": Decimal("2")},
        {"method": "best_ratio", "lead_department": "区统计局"},
    ]
    order = 0
    for a in range(1, areas + 1):
        order += 1
        area = Indicator.objects.create(
            cycle=cycle,
            code=f"A{a}",
            name=f"领域{a}",
            max_points=Decimal(1000) / areas,
            sort_order=order,
        )
        for i in range(1, items + 1):
            order += 1
            item = Indicator.objects.create(
                cycle=cycle,
                code=f"A{a}.{i}",
                name=f"工作{a}.{i}",
                parent=area,
                max_points=area.max_points / items,
                sort_order=order,
            )
            for n in range(1, leaves + 1):
                order += 1
                leaf = Indicator.objects.create(
                    cycle=cycle,
                    code=f"A{a}.{i}.{n}",
                    name=f"指标{a}.{i}.{n}",
                    parent=item,
                    max_points=item.max_points / leaves,
                    sort_order=order,
                    **leaf_kinds[(order - 1) % len(leaf_kinds)],
                )
                if n % 2:
                    leaf.categories.set(categories[: 1 + n % len(categories)])
                    leaf.owners.add(owner)
    Indicator.objects.create(
        cycle=cycle,
        code="B1",
        name="特色亮点",
        max_points=Decimal(20),
        method="bonus",
        sort_order=order + 1,
    )


def tree_of(cycle) -> dict:
    """Each node by code: its copied fields, its parent's code, categories and scorers."""
    nodes = Indicator.objects.filter(cycle=cycle).select_related("parent")
    return {
        node.code: {
            **{name: getattr(node, name) for name in TREE_COPIED_FIELDS},
            "parent": node.parent.code if node.parent else None,
            "parent_in_cycle": node.parent.cycle_id == cycle.pk if node.parent else None,
            "categories": sorted(c.code for c in node.categories.all()),
            "owners": sorted(u.username for u in node.owners.all()),
        }
        for node in nodes.prefetch_related("categories", "owners")
    }


@pytest.fixture
def last_year(db, scorer):
    """2026 with a tree, settings off their defaults, two rater groups (BM rating the towns
    only, on E1 only), responsibilities, and what belongs to the year only: values, votes, an
    adjustment, results, a snapshot."""
    cycle = Cycle.objects.create(
        year=2026,
        name="2026年度领导班子综合考核",
        state=Cycle.State.OPEN,
        weight_q1=Decimal("0.1"),
        weight_q2=Decimal("0.2"),
        weight_q3=Decimal("0.3"),
        weight_q4=Decimal("0.4"),
        bonus_cap=Decimal("30"),
        excellent_share=Decimal("0.25"),
        excellent_min=Decimal("910"),
        good_min=Decimal("810"),
        fair_min=Decimal("610"),
        alpha_principal=Decimal("0.65"),
        alpha_member=Decimal("0.45"),
        vote_excellent=Decimal("0.95"),
        vote_competent=Decimal("0.75"),
        vote_basic=Decimal("0.55"),
        vote_incompetent=Decimal("0.05"),
        star_share=Decimal("0.7"),
    )
    categories = [
        UnitCategory.objects.create(code="ZJ", name="镇街"),
        UnitCategory.objects.create(code="JJ", name="经济部门"),
    ]
    tree_build(cycle=cycle, areas=2, items=2, leaves=2, categories=categories, owner=scorer)
    unit = Unit.objects.create(code="ZJ01", name="城关街道", category=categories[0])
    official = Official.objects.create(code="ZJ01-01", name="赵帆", unit=unit, role="principal")
    Responsibility.objects.create(official=official, indicator=Indicator.objects.get(code="A1.1.1"))
    Responsibility.objects.create(official=official, indicator=Indicator.objects.get(code="A2.2.2"))
    group = RaterGroup.objects.create(cycle=cycle, code="LD", name="区领导", weight=Decimal("0.6"))
    two_way = RaterGroup.objects.create(cycle=cycle, code="BM", name="部门", weight=Decimal("0.4"))
    two_way.categories.add(categories[0])
    evaluation = Indicator.objects.create(
        cycle=cycle, code="E1", name="民主测评", max_points=Decimal(0), method="evaluation"
    )
    two_way.indicators.add(evaluation)
    IndicatorValue.objects.create(
        indicator=Indicator.objects.get(code="A1.1.1"), unit=unit, period="Q1", value=5
    )
    Vote.objects.create(
        indicator=evaluation, unit=unit, period="Q1", rater_group=group, excellent=3
    )
    Adjustment.objects.create(
        cycle=cycle, unit=unit, period="Q1", points=Decimal("2"), reason="暴雨", approved_by="区委"
    )
    results_compute(cycle=cycle)
    return cycle


def test_the_new_year_copies_the_tree_with_parameters_parents_categories_and_scorers(
    last_year, admin_user
):
    new = cycle_create_from(previous=last_year, year=2027, by=admin_user)
    assert tree_of(new) == tree_of(last_year)
    assert len(tree_of(new)) == 2 + 4 + 8 + 2
    assert all(node["parent_in_cycle"] in (True, None) for node in tree_of(new).values())
    # The old tree is left as it was: 2026's nodes keep their own parents and links.
    assert Indicator.objects.filter(cycle=last_year, parent__cycle=new).count() == 0


def test_the_new_year_copies_settings_rater_groups_and_responsibilities(last_year, admin_user):
    new = cycle_create_from(previous=last_year, year=2027, by=admin_user)
    assert new.state == Cycle.State.DRAFT
    assert str(new) == "2027年度领导班子综合考核"
    new.refresh_from_db()
    # Every field of a cycle but its identity, states, times and the count of unverified
    # values kept at its close is a setting, copied.
    states = {"state", *QUARTER_STATE_FIELDS.values()}
    settings = [
        field.attname
        for field in Cycle._meta.concrete_fields
        if field.name
        not in {"id", "year", "name", "created_at", "updated_at", "unverified_at_close", *states}
    ]
    assert len(settings) == len(SETTING_FIELDS) == 16
    assert {f: getattr(new, f) for f in settings} == {f: getattr(last_year, f) for f in settings}
    assert list(new.rater_groups.values_list("code", "name", "weight", "categories__code")) == [
        ("BM", "部门", Decimal("0.4"), "ZJ"),
        ("LD", "区领导", Decimal("0.6"), None),
    ]
    # The indicator of the new year of the same code, not last year's.
    rated = new.rater_groups.values_list("code", "indicators__code", "indicators__cycle")
    assert list(rated) == [("BM", "E1", new.pk), ("LD", None, None)]
    assert sorted(
        Responsibility.objects.filter(indicator__cycle=new).values_list(
            "official__code", "indicator__code"
        )
    ) == [("ZJ01-01", "A1.1.1"), ("ZJ01-01", "A2.2.2")]


def test_nothing_that_belongs_to_the_year_is_copied(last_year, admin_user):
    cycle_close(cycle=last_year, by=admin_user)
    cycle_publish(cycle=last_year, by=admin_user)
    new = cycle_create_from(previous=last_year, year=2027, name=" 2027年度考核 ", by=admin_user)
    assert new.name == "2027年度考核"
    assert not IndicatorValue.objects.filter(indicator__cycle=new).exists()
    assert not Vote.objects.filter(indicator__cycle=new).exists()
    assert not Vote.objects.filter(rater_group__cycle=new).exists()
    assert not Adjustment.objects.filter(cycle=new).exists()
    assert not UnitResult.objects.filter(cycle=new).exists()
    assert not OfficialScore.objects.filter(cycle=new).exists()
    assert not ResultSnapshot.objects.filter(cycle=new).exists()
    # And 2026 keeps all of its own.
    assert IndicatorValue.objects.filter(indicator__cycle=last_year).count() == 1
    assert Responsibility.objects.filter(indicator__cycle=last_year).count() == 2


def test_the_creation_is_recorded_in_the_new_cycles_history_with_the_source_year(
    last_year, admin_user
):
    new = cycle_create_from(previous=last_year, year=2027, by=admin_user)
    (record,) = new.history.all()
    assert (record.history_type, record.state, record.history_user) == ("+", "draft", admin_user)
    assert record.history_change_reason == "周期管理页面：以模板新建，模板年度：2026"


def test_every_copied_node_rater_group_and_responsibility_has_its_first_history_row(
    last_year, admin_user
):
    new = cycle_create_from(previous=last_year, year=2027, by=admin_user)
    reason = "周期管理页面：以模板新建，模板年度：2026"
    for model, rows in (
        (Indicator, Indicator.objects.filter(cycle=new)),
        (RaterGroup, RaterGroup.objects.filter(cycle=new)),
        (Responsibility, Responsibility.objects.filter(indicator__cycle=new)),
    ):
        records = model.history.filter(id__in=rows.values("pk"))
        assert sorted(records.values_list("id", flat=True)) == sorted(
            rows.values_list("pk", flat=True)
        )
        assert set(records.values_list("history_type", "history_change_reason")) == {("+", reason)}
        assert {record.history_user for record in records} == {admin_user}
    # Each node's first row holds the categories and scorer accounts it was copied with.
    for node in Indicator.objects.filter(cycle=new).exclude(method=""):
        first = Indicator.history.get(id=node.pk)
        assert {row.unitcategory_id for row in first.categories.all()} == set(
            node.categories.values_list("pk", flat=True)
        )
        assert {row.user_id for row in first.owners.all()} == set(
            node.owners.values_list("pk", flat=True)
        )


def test_a_year_that_has_a_cycle_is_refused_and_nothing_is_written(last_year, admin_user):
    taken = Cycle.objects.create(year=2027)
    with pytest.raises(ValidationError, match=YEAR_TAKEN):
        cycle_create_from(previous=last_year, year=2027, by=admin_user)
    assert not Indicator.objects.filter(cycle=taken).exists()
    assert Cycle.objects.count() == 2


def test_only_admins_create_a_cycle(last_year, scorer):
    with pytest.raises(PermissionDenied):
        cycle_create_from(previous=last_year, year=2027, by=scorer)
    assert not Cycle.objects.filter(year=2027).exists()


def test_a_failure_halfway_leaves_no_cycle(last_year, admin_user, monkeypatch):
    from scoring.services import cycles

    def fail(**_kwargs):
        raise RuntimeError("磁盘已满")

    monkeypatch.setattr(cycles, "_tree_parents_link", fail)
    with pytest.raises(RuntimeError):
        cycle_create_from(previous=last_year, year=2027, by=admin_user)
    assert not Cycle.objects.filter(year=2027).exists()
    assert Indicator.objects.exclude(cycle=last_year).count() == 0


@pytest.mark.parametrize(("areas", "items", "leaves"), [(1, 1, 2), (5, 4, 5)])
def test_the_number_of_queries_does_not_grow_with_the_tree(
    admin_user, scorer, django_assert_max_num_queries, areas, items, leaves
):
    previous = Cycle.objects.create(year=2026)
    categories = [UnitCategory.objects.create(code="ZJ", name="镇街")]
    tree_build(
        cycle=previous,
        areas=areas,
        items=items,
        leaves=leaves,
        categories=categories,
        owner=user_with_role("owner2"),
    )
    unit = Unit.objects.create(code="ZJ01", name="城关街道", category=categories[0])
    official = Official.objects.create(code="ZJ01-01", name="赵帆", unit=unit)
    Responsibility.objects.bulk_create(
        Responsibility(official=official, indicator=leaf)
        for leaf in Indicator.objects.filter(cycle=previous, method="direct")
    )
    RaterGroup.objects.create(cycle=previous, code="LD", name="区领导", weight=Decimal("1"))
    with django_assert_max_num_queries(CREATE_FROM_QUERIES):
        new = cycle_create_from(previous=previous, year=2027, by=admin_user)
    assert tree_of(new) == tree_of(previous)
    assert Responsibility.objects.filter(indicator__cycle=new).count() == (
        Responsibility.objects.filter(indicator__cycle=previous).count()
    )


def test_the_new_year_is_named_as_its_template_with_its_own_year(last_year, admin_user):
    """A district that names its years 2026年度领导班子综合考核 finds 2027 named alike in every
    picker; a name without its year is not carried to another year."""
    new = cycle_create_from(previous=last_year, year=2027, by=admin_user)
    assert str(new) == "2027年度领导班子综合考核"
    last_year.name = "领导班子综合考核"
    last_year.save()
    assert str(cycle_create_from(previous=last_year, year=2028, by=admin_user)) == "2028年度考核"
