from decimal import Decimal

import pytest
from django.db.models import F, Q, Sum

from talent.demo import talent_demo_load
from talent.models import (
    AwardCategory,
    FundYear,
    Nomination,
    StarLevel,
    StarNode,
    Subsidy,
    Talent,
    TalentStatusChange,
)
from talent.services.registry import talent_progress

pytestmark = pytest.mark.django_db

MODELS = [Talent, TalentStatusChange, AwardCategory, Nomination, FundYear, Subsidy, StarNode]


def test_the_talent_demo_is_believable_and_loading_it_twice_changes_nothing(admin_user):
    talent_demo_load(approver=admin_user)
    first = [model.objects.count() for model in MODELS]
    talent_demo_load(approver=admin_user)
    assert [model.objects.count() for model in MODELS] == first
    seed_year = {row.programme.code: row for row in talent_progress(year=2025)}
    assert (seed_year["ACAD"].talks, seed_year["WRJH"].applied) == (4, 16)
    assert seed_year["SSBS"].arrived + seed_year["GJN"].arrived == 99
    assert seed_year["BKJC"].arrived > 1800
    levels = dict(
        (level, StarNode.objects.filter(level=level).count()) for level in StarLevel.values
    )
    assert levels["committee"] >= 3 and 200 <= levels["member"] and 2000 <= levels["household"]
    assert not StarNode.objects.filter(is_ten_star__isnull=True).exists()
    # 28 arrived talents are each approved a 200,000 settle-in and a 150,000 housing subsidy.
    fund = FundYear.objects.get(year=2026)
    approved = fund.subsidies.filter(state=Subsidy.State.APPROVED).aggregate(total=Sum("amount"))
    assert fund.committed == approved["total"] == Decimal("9800000")


def test_the_demos_approved_subsidies_name_who_approved_them_and_when(admin_user):
    talent_demo_load(approver=admin_user)
    approved = Subsidy.objects.filter(state=Subsidy.State.APPROVED)
    assert approved.count() == 56
    assert not approved.filter(Q(decided_by__isnull=True) | Q(decided_at__isnull=True)).exists()
    assert not approved.filter(decided_at__date__lt=F("requested_at")).exists()
    pending = Subsidy.objects.filter(state=Subsidy.State.PENDING)
    assert pending.count() == 3 and not pending.filter(decided_by__isnull=False).exists()
