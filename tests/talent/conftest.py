from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from cadre import roles
from talent.models import (
    AwardCategory,
    AwardRound,
    FundYear,
    Nomination,
    Programme,
    StarLevel,
    StarNode,
    StarTree,
    Subsidy,
    Talent,
)


@pytest.fixture
def make_user(db):
    def make(username, role=None):
        user = get_user_model().objects.create_user(username, password="pw-long-enough")
        if role:
            user.groups.add(Group.objects.get_or_create(name=role)[0])
        return user

    return make


@pytest.fixture
def admin_user(make_user):
    return make_user("office", roles.ADMIN)


@pytest.fixture
def site_admin(client, admin_user):
    """A client logged in to the admin site as the talent office's admin."""
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    return client


@pytest.fixture
def leader(make_user):
    return make_user("leader", roles.LEADER)


@pytest.fixture
def programme(db):
    return Programme.objects.create(code="SSBS", name="硕士博士", sort_order=5)


@pytest.fixture
def make_talent(programme):
    def make(name="张伟", status=Talent.Status.TALKS, year=2026, **fields):
        return Talent.objects.create(
            name=name,
            programme=fields.pop("programme", programme),
            year=year,
            status=status,
            status_date=fields.pop("status_date", date(year, 3, 1)),
            **fields,
        )

    return make


@pytest.fixture
def award_round(db):
    return AwardRound.objects.create(
        name="2025—2026年度优秀人才评选", year=2026, state=AwardRound.State.REVIEWING
    )


@pytest.fixture
def make_category(award_round):
    def make(name="领军人才", quota=2, nominees=("甲", "乙", "丙"), reviewers=()):
        category = AwardCategory.objects.create(
            round=award_round, name=name, quota=quota, prize=Decimal("100000")
        )
        category.reviewers.set(reviewers)
        Nomination.objects.bulk_create(
            Nomination(category=category, nominee=nominee, employer="某公司")
            for nominee in nominees
        )
        return category

    return make


@pytest.fixture
def fund(db):
    return FundYear.objects.create(year=2026, budget=Decimal("100000.00"))


@pytest.fixture
def make_subsidy(fund, make_talent):
    def make(amount, talent=None):
        return Subsidy.objects.create(
            fund=fund,
            talent=talent or make_talent(status=Talent.Status.ARRIVED),
            kind=Subsidy.Kind.SETTLE_IN,
            amount=Decimal(amount),
            requested_at=date(2026, 5, 1),
        )

    return make


@pytest.fixture
def star_tree(db):
    return StarTree.objects.create(name="站前区星级管理", year=2026)


@pytest.fixture
def star_branch(star_tree):
    """Build a committee → branch → members → households chain; return the branch.

    `members` lists (member record stars, [household stars…]) pairs.
    """

    def build(members, branch_stars=10, committee_stars=10):
        committee = StarNode.objects.create(
            tree=star_tree,
            code="C1",
            name="站前社区党委",
            level=StarLevel.COMMITTEE,
            stars=committee_stars,
        )
        branch = StarNode.objects.create(
            tree=star_tree,
            code="C1-B1",
            name="第3楼栋党支部",
            level=StarLevel.BRANCH,
            parent=committee,
            stars=branch_stars,
        )
        member_nodes = StarNode.objects.bulk_create(
            StarNode(
                tree=star_tree,
                code=f"C1-B1-M{number:02d}",
                name=f"党员{number}",
                level=StarLevel.MEMBER,
                parent=branch,
                stars=stars,
            )
            for number, (stars, _households) in enumerate(members, start=1)
        )
        StarNode.objects.bulk_create(
            StarNode(
                tree=star_tree,
                code=f"{member.code}-H{number:04d}",
                name=f"文明户{number}",
                level=StarLevel.HOUSEHOLD,
                parent=member,
                stars=stars,
            )
            for member, (_stars, households) in zip(member_nodes, members, strict=True)
            for number, stars in enumerate(households, start=1)
        )
        return branch

    return build
