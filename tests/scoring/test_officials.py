"""Personal scores of officials (linked assessment)."""

from decimal import Decimal

import pytest

from cadre.models import Official
from scoring.models import OfficialScore, Responsibility

pytestmark = pytest.mark.django_db


def test_official_scores_link_unit_total_and_own_indicators(
    make_units, make_indicator, put, compute
):
    (unit,) = make_units(1)
    first, second = (
        make_indicator("A", 60, frequency="annual"),
        make_indicator("B", 40, frequency="annual"),
    )
    bonus = make_indicator("BON", 10, "bonus", frequency="annual")
    put(first, {unit: "60"}, "Y")
    put(second, {unit: "20"}, "Y")
    put(bonus, {unit: "10"}, "Y")
    principal = Official.objects.create(code="P", name="书记", unit=unit, role="principal")
    member = Official.objects.create(code="M", name="副职", unit=unit, role="member")
    Official.objects.create(code="S", name="科长", unit=unit, role="staff")
    Official.objects.create(code="X", name="离任", unit=unit, role="member", is_active=False)
    Responsibility.objects.create(official=principal, indicator=first)
    Responsibility.objects.create(official=member, indicator=second)
    Responsibility.objects.create(official=member, indicator=bonus)  # outside the 1000
    year = compute()[unit.code, "Y"]
    assert year.total == Decimal("810.00")  # 800 + 10 bonus
    scores = {
        score.official.code: score for score in OfficialScore.objects.select_related("official")
    }
    assert set(scores) == {"P", "M", "S"}
    # principal: 0.7 × 810 + 0.3 × 1000
    assert scores["P"].own_part == Decimal("1000.00")
    assert scores["P"].score == Decimal("867.00")
    # member: 0.5 × 810 + 0.5 × (20 / 40 × 1000)
    assert scores["M"].own_part == Decimal("500.00")
    assert scores["M"].score == Decimal("655.00")
    # no indicators of their own: the unit total
    assert scores["S"].score == Decimal("810.00")
    assert scores["S"].alpha == Decimal("0.5")


def test_a_score_stays_with_the_unit_it_was_computed_at_until_computed_again(
    make_units, make_indicator, put, compute
):
    first, second = make_units(2)
    indicator = make_indicator("A", 100, frequency="annual")
    put(indicator, {first: "90", second: "50"}, "Y")
    official = Official.objects.create(code="P", name="书记", unit=first, role="principal")
    compute()
    official.unit = second
    official.save()
    (score,) = OfficialScore.objects.all()
    assert (score.unit, score.unit_total) == (first, Decimal("900.00"))
    compute()
    (score,) = OfficialScore.objects.all()
    assert (score.unit, score.unit_total) == (second, Decimal("500.00"))


def test_an_own_part_is_kept_as_its_score_was_computed_from_it(
    make_units, make_indicator, put, compute, client, admin_user
):
    """0.5 × 839.76 + 0.5 × 804.629 = 822.1945 gives 822.19; the own part stored in cents,
    804.63, gave 822.195, which rounds to 822.20: the unit page's formula did not hold."""
    (unit,) = make_units(1)
    rest = make_indicator("A", 900, frequency="annual")
    own = make_indicator("B", 100, frequency="annual")
    put(rest, {unit: "759.2971"}, "Y")
    put(own, {unit: "80.4629"}, "Y")
    member = Official.objects.create(code="M", name="副职", unit=unit, role="member")
    Responsibility.objects.create(official=member, indicator=own)
    assert compute()[unit.code, "Y"].total == Decimal("839.76")
    (score,) = OfficialScore.objects.all()
    assert (score.own_part, score.score) == (Decimal("804.629"), Decimal("822.19"))
    client.force_login(admin_user)
    page = client.get(f"/dashboard/unit/{unit.code}/?cycle=2026&period=Y").content.decode()
    assert '<td class="num">804.629</td>' in page
    assert 'title="0.5 × 839.76 + (1 − 0.5) × 804.629"><strong>822.19</strong>' in page
