"""Demo talent work: a registry shaped like the seed district's report, one award round, a fund
with subsidies, and a star tree of four communities with thousands of households.

Each part is written only when its table is still empty (programmes by code), so loading twice
changes nothing. Figures come from a seeded random generator.
"""

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from scoring.demo import DEMO_PASSWORD, GIVEN, SURNAMES, DemoLogin
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
    TalentStatus,
    TalentStatusChange,
    TalentTarget,
)
from talent.services.star import star_tree_certify

PROGRAMMES = [
    ("ACAD", "院士", "国家级"),
    ("QRJH", "千人计划", "国家级"),
    ("WRJH", "万人计划", "国家级"),
    ("TSCY", "泰山产业领军人才", "省级"),
    ("SSBS", "硕士博士", "区级"),
    ("GJN", "高技能人才", "区级"),
    ("BKJC", "本科及基础人才", "区级"),
]
# (year, programme) → {status: count} and target. 2025 follows the seed district's report:
# 4 academicians and 3 of 千人计划 in talks, 4 泰山 and 16 万人计划 applied, 99 master's/PhD and
# high-skill hires, 1,800+ bachelor hires.
REGISTRY = {
    2025: {
        "ACAD": ({"talks": 4}, 2),
        "QRJH": ({"talks": 3, "dropped": 1}, 3),
        "WRJH": ({"applied": 16}, 15),
        "TSCY": ({"applied": 4, "arrived": 1}, 5),
        "SSBS": ({"arrived": 61, "talks": 4}, 60),
        "GJN": ({"arrived": 38}, 40),
        "BKJC": ({"arrived": 1806}, 1800),
    },
    2026: {
        "ACAD": ({"talks": 2}, 2),
        "QRJH": ({"talks": 1, "applied": 1}, 3),
        "WRJH": ({"applied": 6, "talks": 3}, 18),
        "TSCY": ({"applied": 2}, 5),
        "SSBS": ({"arrived": 23, "talks": 6, "dropped": 2}, 70),
        "GJN": ({"arrived": 14, "applied": 3}, 45),
        "BKJC": ({"arrived": 640, "talks": 40}, 1900),
    },
}
FIELDS = [
    "新材料",
    "海洋生物",
    "智能制造",
    "集成电路",
    "生物医药",
    "现代物流",
    "数字经济",
    "现代农业",
]
EMPLOYERS = [
    "站前高新材料有限公司",
    "蓝海生物科技股份有限公司",
    "智造装备集团",
    "芯联微电子有限公司",
    "康宁医药研究院",
    "区人民医院",
    "区职业技术学校",
    "港湾物流股份有限公司",
]
AWARD_CATEGORIES = [
    ("领军人才", 3, Decimal("200000")),
    ("优秀企业家", 3, Decimal("100000")),
    ("优秀专家", 4, Decimal("50000")),
    ("专业拔尖人才", 5, Decimal("30000")),
]
FUND_BUDGET = Decimal("10000000")
STAR_SEED = 4
COMMUNITIES = ["站前社区党委", "东升社区党委", "盼盼路社区党委", "财富街社区党委"]
EXPERT_USERNAMES = tuple(f"expert{number}" for number in range(1, 8))


@transaction.atomic
def talent_demo_load(*, approver) -> list[DemoLogin]:
    """Fill the talent tables with demo data, the demo's subsidies approved by `approver`;
    return the reviewers' logins."""
    rng = random.Random(2026)
    programmes = _programmes()
    if not Talent.objects.exists():
        _registry(rng, programmes)
    experts = _experts()
    if not AwardRound.objects.exists():
        _award_round(rng, experts)
    if not FundYear.objects.exists():
        _fund_and_subsidies(approver)
    if not StarTree.objects.exists():
        _star_tree(random.Random(STAR_SEED))
    return [
        DemoLogin(username=user.username, role="评审专家", note="人才奖评审专家 / award reviewer")
        for user in experts
    ]


def _programmes() -> dict[str, Programme]:
    return {
        code: Programme.objects.get_or_create(
            code=code, defaults={"name": name, "level": level, "sort_order": order}
        )[0]
        for order, (code, name, level) in enumerate(PROGRAMMES, start=1)
    }


def _person(rng) -> str:
    return rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.randint(1, 2)))


def _registry(rng, programmes):
    talents, targets = [], []
    for year, plan in REGISTRY.items():
        for code, (statuses, target) in plan.items():
            targets.append(TalentTarget(year=year, programme=programmes[code], target=target))
            for status, count in statuses.items():
                for _number in range(count):
                    talents.append(
                        Talent(
                            name=_person(rng),
                            programme=programmes[code],
                            year=year,
                            field=rng.choice(FIELDS),
                            employer=rng.choice(EMPLOYERS),
                            status=status,
                            status_date=date(year, rng.randint(2, 10), rng.randint(1, 28)),
                            phone=f"13{rng.randint(100000000, 999999999)}",
                        )
                    )
    TalentTarget.objects.bulk_create(targets)
    Talent.objects.bulk_create(talents, batch_size=1000)
    changes = []
    for talent in Talent.objects.only("pk", "year", "status", "status_date"):
        if talent.status != TalentStatus.TALKS:
            first = min(talent.status_date, date(talent.year, 2, 1)) - timedelta(days=20)
            changes.append(TalentStatusChange(talent=talent, status=TalentStatus.TALKS, date=first))
        changes.append(
            TalentStatusChange(talent=talent, status=talent.status, date=talent.status_date)
        )
    TalentStatusChange.objects.bulk_create(changes, batch_size=2000)


def _experts() -> list:
    user_model = get_user_model()
    experts = []
    for number, username in enumerate(EXPERT_USERNAMES, start=1):
        user, created = user_model.objects.get_or_create(username=username)
        if created:
            user.first_name = f"评审专家{number}"
            user.set_password(DEMO_PASSWORD)
            user.save()
        experts.append(user)
    return experts


def _award_round(rng, experts):
    award_round = AwardRound.objects.create(name="2025—2026年度优秀人才评选", year=2026)
    for order, (name, quota, prize) in enumerate(AWARD_CATEGORIES, start=1):
        category = AwardCategory.objects.create(
            round=award_round, name=name, sort_order=order, quota=quota, prize=prize
        )
        # Five reviewers a category, so the highest and the lowest score are dropped.
        category.reviewers.set(experts[:5] if order <= 2 else experts[2:7])
        Nomination.objects.bulk_create(
            Nomination(
                category=category,
                nominee=_person(rng),
                employer=rng.choice(EMPLOYERS),
                nominated_by=rng.choice(["区工信局", "区科技局", "区卫健局", "区教育局"]),
                summary=f"在{rng.choice(FIELDS)}领域成绩突出，带动就业{rng.randint(20, 400)}人。",
            )
            for _number in range(quota * 2 + rng.randint(0, 2))
        )


def _fund_and_subsidies(approver):
    FundYear.objects.create(year=2025, budget=FUND_BUDGET, committed=Decimal("0"))
    fund = FundYear.objects.create(year=2026, budget=FUND_BUDGET)
    arrived = list(
        Talent.objects.filter(
            year=2026, status=TalentStatus.ARRIVED, programme__code__in=["SSBS", "GJN"]
        ).order_by("pk")[:31]
    )
    subsidies = []
    for number, talent in enumerate(arrived[:28]):
        requested = date(2026, 3 + number % 6, 1 + number % 27)
        for kind, amount in [
            (Subsidy.Kind.SETTLE_IN, Decimal("200000")),
            (Subsidy.Kind.HOUSING, Decimal("150000")),
        ]:
            subsidies.append(
                Subsidy(
                    fund=fund,
                    talent=talent,
                    kind=kind,
                    amount=amount,
                    state=Subsidy.State.APPROVED,
                    requested_at=requested,
                    decided_by=approver,
                    decided_at=_demo_decision_time(requested),
                    decision_note="区人才工作领导小组审议通过",
                )
            )
    for talent, kind, amount in zip(
        arrived[28:],
        [Subsidy.Kind.HOUSING, Subsidy.Kind.SETTLE_IN, Subsidy.Kind.SETTLE_IN],
        [Decimal("300000"), Decimal("50000"), Decimal("100000")],
        strict=True,
    ):
        subsidies.append(
            Subsidy(
                fund=fund, talent=talent, kind=kind, amount=amount, requested_at=date(2026, 9, 1)
            )
        )
    Subsidy.objects.bulk_create(subsidies)
    fund.committed = sum(
        (s.amount for s in subsidies if s.state == Subsidy.State.APPROVED), Decimal(0)
    )
    fund.save(update_fields=["committed"])


def _demo_decision_time(requested: date) -> datetime:
    """The demo's approvals are decided at the 领导小组's meeting two weeks after the request."""
    decided = requested + timedelta(days=14)
    return timezone.make_aware(datetime(decided.year, decided.month, decided.day, 10))


def _star_tree(rng):
    tree = StarTree.objects.create(name="站前区2026年度星级管理", year=2026)
    committees = StarNode.objects.bulk_create(
        StarNode(
            tree=tree,
            code=f"C{number}",
            name=name,
            level=StarLevel.COMMITTEE,
            stars=10 if number != 4 else 9,
        )
        for number, name in enumerate(COMMUNITIES, start=1)
    )
    branches = _star_children(
        tree, committees, StarLevel.BRANCH, rng, (5, 7), 0.95, lambda n: f"第{n}楼栋党支部"
    )
    members = _star_children(tree, branches, StarLevel.MEMBER, rng, (8, 14), 0.95, None)
    _star_children(
        tree, members, StarLevel.HOUSEHOLD, rng, (10, 16), 0.93, lambda n: f"责任区第{n}户"
    )
    star_tree_certify(tree=tree)


def _star_children(tree, parents, level, rng, count_range, ten_star_odds, name_of):
    prefix = {StarLevel.BRANCH: "B", StarLevel.MEMBER: "M", StarLevel.HOUSEHOLD: "H"}[level]
    nodes = []
    for parent in parents:
        # Each parent gets its own odds, so some branches fall just short of 80% and some pass.
        odds = min(1.0, ten_star_odds + rng.uniform(-0.12, 0.1))
        for number in range(1, rng.randint(*count_range) + 1):
            nodes.append(
                StarNode(
                    tree=tree,
                    parent=parent,
                    code=f"{parent.code}-{prefix}{number:02d}",
                    name=name_of(number) if name_of else _person(rng),
                    level=level,
                    stars=10 if rng.random() < odds else rng.randint(6, 9),
                )
            )
    return StarNode.objects.bulk_create(nodes, batch_size=1000)
