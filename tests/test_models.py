from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from cadre.models import Unit
from scoring.models import Adjustment, Cycle, Indicator, IndicatorValue, ResultSnapshot

# SQLite names a unique constraint's columns, PostgreSQL its name: both say "unique".
UNIQUE = "(?i)unique"


def refused(create, constraint: str):
    """Check that the database refuses the row by that constraint, not by another one the
    set-up happened to break."""
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        create()


def test_indicator_code_is_unique_within_a_cycle_only(cycle, make_indicator):
    make_indicator("A1", 100)
    refused(lambda: make_indicator("A1", 50), UNIQUE)
    other = Cycle.objects.create(year=2025)
    Indicator.objects.create(cycle=other, code="A1", name="A1", max_points=Decimal(100))


def test_unit_code_is_unique(unit, category):
    refused(lambda: Unit.objects.create(code="ZJ01", name="重复", category=category), UNIQUE)


def test_negative_maximum_points_are_refused(make_indicator):
    refused(lambda: make_indicator("A1", -1), "indicator_max_non_negative")


def test_completion_needs_a_positive_target(make_indicator):
    refused(
        lambda: make_indicator("C1", 10, method="completion"), "indicator_completion_has_target"
    )
    refused(
        lambda: make_indicator("C2", 10, method="completion", target=Decimal(0)),
        "indicator_completion_has_target",
    )
    make_indicator("C3", 10, method="completion", target=Decimal(80))


def test_deduction_needs_points_per_incident(make_indicator):
    refused(
        lambda: make_indicator("D1", 10, method="deduction"), "indicator_deduction_has_per_incident"
    )


def test_unknown_method_is_refused(make_indicator):
    refused(lambda: make_indicator("X1", 10, method="lottery"), "indicator_method_valid")


def test_cap_below_floor_is_refused(make_indicator):
    refused(
        lambda: make_indicator(
            "C1", 10, method="completion", target=1, floor=Decimal("0.9"), cap=Decimal("0.5")
        ),
        "indicator_floor_below_cap",
    )


def test_value_period_must_be_a_quarter_or_the_year(unit, make_indicator):
    indicator = make_indicator("D1", 10)
    IndicatorValue.objects.create(indicator=indicator, unit=unit, period="Q1", value=5)
    refused(
        lambda: IndicatorValue.objects.create(indicator=indicator, unit=unit, period="Q5", value=5),
        "value_period_valid",
    )
    refused(
        lambda: IndicatorValue.objects.create(indicator=indicator, unit=unit, period="Q1", value=6),
        UNIQUE,
    )


def test_quarter_weights_must_sum_to_one(db):
    refused(
        lambda: Cycle.objects.create(year=2030, weight_q1=Decimal("0.5")),
        "cycle_quarter_weights_sum_to_one",
    )
    Cycle.objects.create(
        year=2031,
        weight_q1=Decimal("0.1"),
        weight_q2=Decimal("0.2"),
        weight_q3=Decimal("0.3"),
        weight_q4=Decimal("0.4"),
    )


def test_grade_thresholds_must_be_ordered(db):
    refused(
        lambda: Cycle.objects.create(year=2030, good_min=Decimal("950")),
        "cycle_grade_thresholds_ordered",
    )


def test_adjustment_needs_reason_and_approver(cycle, unit):
    refused(
        lambda: Adjustment.objects.create(
            cycle=cycle, unit=unit, period="Q1", points=Decimal(3), reason="", approved_by="区委"
        ),
        "adjustment_has_reason",
    )
    refused(
        lambda: Adjustment.objects.create(
            cycle=cycle, unit=unit, period="Q1", points=Decimal(3), reason="抗洪", approved_by=""
        ),
        "adjustment_has_approver",
    )


def test_a_snapshot_is_named_with_its_quarter_and_the_districts_time(cycle):
    """The admin titles a snapshot with this name beside 发布时间: both in Asia/Shanghai."""
    snapshot = ResultSnapshot.objects.create(cycle=cycle, period="Q1")
    snapshot.published_at = datetime(2026, 11, 22, 16, 40, tzinfo=UTC)
    assert str(snapshot) == f"{cycle} 第一季度 @ 2026-11-23 00:40"
    snapshot.period = ""
    assert str(snapshot) == f"{cycle} @ 2026-11-23 00:40"
