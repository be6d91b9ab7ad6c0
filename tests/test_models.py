from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from cadre.models import Unit
from scoring.models import Adjustment, Cycle, Indicator, IndicatorValue, ResultSnapshot


def refused(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_indicator_code_is_unique_within_a_cycle_only(cycle, make_indicator):
    make_indicator("A1", 100)
    refused(lambda: make_indicator("A1", 50))
    other = Cycle.objects.create(year=2025)
    Indicator.objects.create(cycle=other, code="A1", name="A1", max_points=Decimal(100))


def test_unit_code_is_unique(unit, category):
    refused(lambda: Unit.objects.create(code="ZJ01", name="重复", category=category))


def test_negative_maximum_points_are_refused(make_indicator):
    refused(lambda: make_indicator("A1", -1))


def test_completion_needs_a_positive_target(make_indicator):
    refused(lambda: make_indicator("C1", 10, method="completion"))
    refused(lambda: make_indicator("C2", 10, method="completion", target=Decimal(0)))
    make_indicator("C3", 10, method="completion", target=Decimal(80))


def test_deduction_needs_points_per_incident(make_indicator):
    refused(lambda: make_indicator("D1", 10, method="deduction"))


def test_unknown_method_is_refused(make_indicator):
    refused(lambda: make_indicator("X1", 10, method="lottery"))


def test_cap_below_floor_is_refused(make_indicator):
    refused(
        lambda: make_indicator(
            "C1", 10, method="completion", target=1, floor=Decimal("0.9"), cap=Decimal("0.5")
        )
    )


def test_value_period_must_be_a_quarter_or_the_year(unit, make_indicator):
    indicator = make_indicator("D1", 10)
    IndicatorValue.objects.create(indicator=indicator, unit=unit, period="Q1", value=5)
    refused(
        lambda: IndicatorValue.objects.create(indicator=indicator, unit=unit, period="Q5", value=5)
    )
    refused(
        lambda: IndicatorValue.objects.create(indicator=indicator, unit=unit, period="Q1", value=6)
    )


def test_quarter_weights_must_sum_to_one(db):
    refused(lambda: Cycle.objects.create(year=2030, weight_q1=Decimal("0.5")))
    Cycle.objects.create(
        year=2031,
        weight_q1=Decimal("0.1"),
        weight_q2=Decimal("0.2"),
        weight_q3=Decimal("0.3"),
        weight_q4=Decimal("0.4"),
    )


def test_grade_thresholds_must_be_ordered(db):
    refused(lambda: Cycle.objects.create(year=2030, good_min=Decimal("950")))


def test_adjustment_needs_reason_and_approver(cycle, unit):
    refused(
        lambda: Adjustment.objects.create(
            cycle=cycle, unit=unit, period="Q1", points=Decimal(3), reason="", approved_by="区委"
        )
    )
    refused(
        lambda: Adjustment.objects.create(
            cycle=cycle, unit=unit, period="Q1", points=Decimal(3), reason="抗洪", approved_by=""
        )
    )


def test_a_snapshot_is_named_with_its_quarter_and_the_districts_time(cycle):
    """The admin titles a snapshot with this name beside 发布时间: both in Asia/Shanghai."""
    snapshot = ResultSnapshot.objects.create(cycle=cycle, period="Q1")
    snapshot.published_at = datetime(2026, 11, 22, 16, 40, tzinfo=UTC)
    assert str(snapshot) == f"{cycle} 第一季度 @ 2026-11-23 00:40"
    snapshot.period = ""
    assert str(snapshot) == f"{cycle} @ 2026-11-23 00:40"
