from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Sum

from cadre.models import Official, Unit, UnitCategory
from scoring.models import (
    Adjustment,
    Cycle,
    Indicator,
    IndicatorValue,
    ResultSnapshot,
    UnitResult,
    Vote,
)
from scoring.services.tree import indicator_tree_problems

pytestmark = pytest.mark.django_db


def counts():
    return [
        model.objects.count()
        for model in (
            UnitCategory,
            Unit,
            Official,
            Cycle,
            Indicator,
            IndicatorValue,
            Vote,
            Adjustment,
        )
    ]


def test_load_demo_builds_a_district_and_is_idempotent(capsys):
    call_command("load_demo")
    first = counts()
    call_command("load_demo")
    assert counts() == first
    assert first[:4] == [4, 40, first[2], 2]
    assert 3 * 40 <= first[2] <= 5 * 40
    output = capsys.readouterr().out
    for username in ("admin", "scorer", "leader", "liaison"):
        assert username in output
    # 2025 was published through the cycle service, once: its moves and its snapshot.
    published = Cycle.objects.get(year=2025)
    assert published.state == Cycle.State.PUBLISHED
    snapshot = ResultSnapshot.objects.get()
    assert (snapshot.cycle, snapshot.published_by.username) == (published, "admin")
    assert len(snapshot.results) == UnitResult.objects.filter(cycle=published).count() > 0
    states = list(published.history.order_by("history_date").values_list("state", flat=True))
    assert states == ["open", "closed", "published"]


def test_demo_tree_adds_up_and_uses_every_method():
    call_command("load_demo")
    for cycle in Cycle.objects.all():
        assert indicator_tree_problems(cycle=cycle) == []
        areas = cycle.indicators.filter(parent=None).exclude(method__in=["bonus", "veto"])
        assert areas.aggregate(total=Sum("max_points"))["total"] == Decimal(1000)
        methods = set(cycle.indicators.exclude(method="").values_list("method", flat=True))
        assert methods == set(Indicator.Method.values)
        assert 80 <= cycle.indicators.exclude(method="").count() <= 110


def test_demo_has_a_veto_and_adjustments():
    call_command("load_demo")
    assert IndicatorValue.objects.filter(indicator__method="veto", value=1).count() == 2
    assert Adjustment.objects.filter(cycle__year=2026).exists()
