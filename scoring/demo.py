"""A believable demo district: four categories, forty units, two cycles of data, one login per role.

Everything is keyed on codes and written with get_or_create / ignore_conflicts, so loading it
twice adds nothing; a demo account gets its password, flags and role only when it is created,
so a second run never resets them. Figures come from a seeded random generator: every run is
the same.
"""

import csv
import random
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from cadre import roles
from cadre.history import history_deferred
from cadre.models import GrowthRecord, Official, Unit, UnitCategory
from scoring.models import (
    QUARTERS,
    Adjustment,
    Cycle,
    Indicator,
    IndicatorValue,
    Period,
    RaterGroup,
    Responsibility,
    Vote,
)
from scoring.services.compute import results_compute
from scoring.services.cycles import cycle_close, cycle_publish
from scoring.services.history import history_record, master_data_history_record
from scoring.services.sql import history_copy
from scoring.services.tree import indicator_tree_load
from scoring.services.values import SOURCE_DEMO

STANDARD_TREE = Path(settings.BASE_DIR) / "fixtures" / "standard_tree.csv"
DEMO_PASSWORD = "Kaohe@2026"
CENT = Decimal("0.01")

DEMO_YEARS = (2025, 2026)
DEMO_USERNAMES = ("admin", "scorer", "leader", "liaison")  # the logins of _logins
CATEGORIES = [("ZJ", "镇街"), ("JJ", "经济部门"), ("SH", "社会事业部门"), ("DQ", "党群部门")]
UNITS = {
    "ZJ": [
        "城关街道",
        "东城街道",
        "西城街道",
        "南湖街道",
        "北山街道",
        "开发区街道",
        "青石镇",
        "柳河镇",
        "白马镇",
        "龙泉镇",
        "桃源镇",
        "清河镇",
    ],
    "JJ": [
        "区发改局",
        "区工信局",
        "区商务局",
        "区财政局",
        "区统计局",
        "区自然资源局",
        "区住建局",
        "区农业农村局",
        "区投资促进局",
        "区市场监管局",
    ],
    "SH": [
        "区教育局",
        "区卫健局",
        "区人社局",
        "区民政局",
        "区文旅局",
        "区生态环境局",
        "区应急局",
        "区城管局",
        "区水务局",
        "区信访局",
    ],
    "DQ": [
        "区委办",
        "区委组织部",
        "区委宣传部",
        "区委统战部",
        "区委政法委",
        "区纪委监委",
        "区总工会",
        "团区委",
    ],
}
RATER_GROUPS = [
    ("LD", "区领导", Decimal("0.40")),
    ("FW", "服务对象", Decimal("0.30")),
    ("ZJ", "镇街评议", Decimal("0.30")),
    ("BM", "部门评议", Decimal("0.30")),
]
# The groups of the two-way assessment, and the evaluation indicator they vote on.
TWO_WAY_GROUPS = {"ZJ", "BM"}
TWO_WAY_INDICATOR = "双向互评"
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍建国志红文斌宇浩凯健俊帆"
POSITIONS = {
    Official.Role.PRINCIPAL: ("党委书记", "正处级"),
    Official.Role.MEMBER: ("副职", "副处级"),
    Official.Role.STAFF: ("科长", "正科级"),
}


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    note: str


def demo_tree_rows() -> list[dict]:
    """Read the standard 1000-point tree shipped in fixtures/standard_tree.csv."""

    def number(text):
        return Decimal(text) if text.strip() else None

    with STANDARD_TREE.open(encoding="utf-8") as handle:
        return [
            {
                "code": row["code"],
                "name": row["name"],
                "parent": row["parent"] or None,
                "max_points": Decimal(row["max_points"]),
                "method": row["method"],
                "frequency": row["frequency"] or Indicator.Frequency.QUARTERLY,
                "categories": [code for code in row["categories"].split(",") if code],
                "target": number(row["target"]),
                "floor": number(row["floor"]),
                "cap": number(row["cap"]),
                "lower_is_better": row["lower_is_better"] == "yes",
                "step": number(row["step"]),
                "min_share": number(row["min_share"]),
                "per_incident": number(row["per_incident"]),
                "lead_department": row["lead_department"],
            }
            for row in csv.DictReader(handle)
        ]


@transaction.atomic
@history_deferred()
def demo_district_load() -> list[DemoLogin]:
    """Fill the database with the demo district; return the logins it created."""
    rng = random.Random(2026)
    categories = _categories()
    units = _units(categories)
    officials = _officials(rng, units)
    logins = _logins(units)
    for year, state, quarters in [
        (DEMO_YEARS[0], Cycle.State.PUBLISHED, QUARTERS),
        (DEMO_YEARS[1], Cycle.State.OPEN, QUARTERS[:3]),
    ]:
        cycle, created = Cycle.objects.get_or_create(
            year=year, defaults={"name": f"{year}年度领导班子综合考核", "state": Cycle.State.OPEN}
        )
        if created:
            _cycle_fill(rng, cycle, units, officials, quarters)
        if created and state == Cycle.State.PUBLISHED:
            # Through the services, as an admin would: the moves are in the cycle's history and
            # publishing computes the results and freezes them in a snapshot.
            admin = get_user_model().objects.get(username="admin")
            cycle_close(cycle=cycle, by=admin)
            cycle_publish(cycle=cycle, by=admin)
        else:
            results_compute(cycle=cycle)
    return logins


def demo_other_data(*, usernames: list[str]) -> list[str]:
    """Return what the database holds beyond the demo district (categories, units, cycles and
    users other than the demo's, a few of each), empty when it holds the demo or nothing."""
    unit_codes = [
        f"{category}{number:02d}"
        for category, names in UNITS.items()
        for number in range(1, len(names) + 1)
    ]
    category_codes = [code for code, _name in CATEGORIES]
    found = [
        ("categories", UnitCategory.objects.exclude(code__in=category_codes), "code"),
        ("units", Unit.objects.exclude(code__in=unit_codes), "code"),
        ("cycles", Cycle.objects.exclude(year__in=DEMO_YEARS), "year"),
        ("users", get_user_model().objects.exclude(username__in=usernames), "username"),
    ]
    other = []
    for kind, queryset, field in found:
        shown = [str(value) for value in queryset.order_by(field).values_list(field, flat=True)[:6]]
        if shown:
            other.append(f"{kind} {', '.join(shown[:5])}{', …' if len(shown) > 5 else ''}")
    return other


def _categories() -> dict[str, UnitCategory]:
    return {
        code: UnitCategory.objects.get_or_create(
            code=code, defaults={"name": name, "sort_order": order}
        )[0]
        for order, (code, name) in enumerate(CATEGORIES, start=1)
    }


def _units(categories) -> list[Unit]:
    units = []
    for category_code, names in UNITS.items():
        for number, name in enumerate(names, start=1):
            unit, _ = Unit.objects.get_or_create(
                code=f"{category_code}{number:02d}",
                defaults={
                    "name": name,
                    "category": categories[category_code],
                    "sort_order": number,
                },
            )
            units.append(unit)
    return units


def _officials(rng, units) -> list[Official]:
    if Official.objects.exists():
        return list(Official.objects.select_related("unit"))
    officials = []
    for unit in units:
        roles_here = [Official.Role.PRINCIPAL] + [Official.Role.MEMBER] * rng.randint(2, 3)
        roles_here += [Official.Role.STAFF] * rng.randint(0, 1)
        for number, role in enumerate(roles_here, start=1):
            position, rank_level = POSITIONS[role]
            born = date(rng.randint(1968, 1992), rng.randint(1, 12), rng.randint(1, 28))
            young = born.year >= 1986 and rng.random() < 0.6
            officials.append(
                Official(
                    code=f"{unit.code}-{number:02d}",
                    name=rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.randint(1, 2))),
                    unit=unit,
                    role=role,
                    position=position,
                    rank_level=rank_level,
                    gender=rng.choice(Official.Gender.values),
                    birth_date=born,
                    in_young_cadre_pool=young,
                    young_cadre_since=date(2024, 6, 30) if young else None,
                )
            )
    Official.objects.bulk_create(officials)
    officials = list(Official.objects.select_related("unit"))
    records = []
    for official in officials:
        records.append(
            GrowthRecord(
                official=official,
                date=date(2021, 9, 1),
                kind=GrowthRecord.Kind.APPOINTMENT,
                title=f"任{official.unit.name}{official.position}",
            )
        )
        records.append(
            GrowthRecord(
                official=official,
                date=date(2024, rng.randint(3, 11), 15),
                kind=GrowthRecord.Kind.TRAINING,
                title="参加区委党校中青年干部培训班",
            )
        )
        if rng.random() < 0.3:
            records.append(
                GrowthRecord(
                    official=official,
                    date=date(2025, 1, 20),
                    kind=GrowthRecord.Kind.AWARD,
                    title="年度考核优秀等次",
                )
            )
    GrowthRecord.objects.bulk_create(records)
    history_record(
        queryset=GrowthRecord.objects.all(), reason=SOURCE_DEMO, by=None, history_type="+"
    )
    return officials


def _logins(units) -> list[DemoLogin]:
    groups = roles.role_groups_ensure()
    user_model = get_user_model()
    liaison_unit = units[0]
    plan = [
        ("admin", roles.ADMIN, "考核办管理员 / administrator", True),
        ("scorer", roles.SCORER, "区发改局评分员 / scorer of 区发改局", False),
        ("leader", roles.LEADER, "区委领导 / district leader (read-only)", False),
        (
            "liaison",
            roles.LIAISON,
            f"{liaison_unit.name}联络员 / liaison of {liaison_unit.code}",
            False,
        ),
    ]
    logins = []
    for username, role, note, is_admin in plan:
        user, created = user_model.objects.get_or_create(username=username)
        if created:
            # Never on an account that exists: a second run must not give back the public
            # password, or the superuser flag, to an account someone has since secured.
            user.is_staff = is_admin
            user.is_superuser = is_admin
            user.set_password(DEMO_PASSWORD)
            user.save()
            user.groups.add(groups[role])
            if role == roles.LIAISON:
                user.liaison_units.add(liaison_unit)
        logins.append(DemoLogin(username=username, role=role, note=note))
    return logins


def _cycle_fill(rng, cycle, units, officials, quarters):
    indicators = indicator_tree_load(cycle=cycle, rows=demo_tree_rows())
    RaterGroup.objects.bulk_create(
        RaterGroup(cycle=cycle, code=code, name=name, weight=weight)
        for code, name, weight in RATER_GROUPS
    )
    _demo_two_way(cycle)
    leaves = [indicator for indicator in indicators if indicator.method]
    scorer = get_user_model().objects.get(username="scorer")
    for indicator in leaves:
        if indicator.lead_department == "区发改局":
            indicator.owners.add(scorer)
    applicable = {
        indicator.pk: {category.code for category in indicator.categories.all()}
        for indicator in leaves
    }
    strength = {unit.pk: rng.uniform(0.86, 1.12) for unit in units}
    values, votes = [], []
    groups = {group.code: group for group in cycle.rater_groups.all()}
    for unit in units:
        for indicator in leaves:
            if applicable[indicator.pk] and unit.category.code not in applicable[indicator.pk]:
                continue
            periods = quarters if indicator.frequency == "quarterly" else [Period.YEAR]
            if indicator.frequency == "annual" and len(quarters) < 4:
                periods = []
            for period in periods:
                if indicator.method == Indicator.Method.EVALUATION:
                    votes += _demo_votes(rng, indicator, unit, period, groups, strength[unit.pk])
                    continue
                figure = _demo_figure(rng, indicator, strength[unit.pk])
                if figure is not None:
                    values.append(
                        IndicatorValue(indicator=indicator, unit=unit, period=period, value=figure)
                    )
    # A believable gap: one town has not reported its completion figures of the latest quarter.
    values = [
        value
        for value in values
        if not (
            value.unit == units[5]
            and value.period == quarters[-1]
            and value.indicator.method == Indicator.Method.COMPLETION
        )
    ]
    values.append(_demo_veto(cycle, units, leaves, quarters))
    IndicatorValue.objects.bulk_create(values, batch_size=2000, ignore_conflicts=True)
    Vote.objects.bulk_create(votes, batch_size=2000, ignore_conflicts=True)
    # bulk_create sends no signals, so simple_history records nothing: without a first record
    # the history page would show no old value for a demo figure's first change.
    for model in (IndicatorValue, Vote):
        history_copy(
            queryset=model.objects.filter(indicator__cycle=cycle),
            history_type="+",
            reason=SOURCE_DEMO,
            by=None,
        )
    _demo_adjustments(cycle, units, quarters)
    _demo_responsibilities(officials, leaves, applicable)
    # Once the cycle's master data is complete: a first history row each, as it was loaded.
    master_data_history_record(reason=SOURCE_DEMO, by=None, cycle=cycle)


def _demo_figure(rng, indicator, strength):
    maximum = indicator.max_points
    method = indicator.method
    if method == Indicator.Method.DIRECT:
        return (maximum * Decimal(str(min(1.0, rng.uniform(0.7, 1.0) * strength)))).quantize(CENT)
    if method == Indicator.Method.COMPLETION:
        ratio = rng.uniform(0.7, 1.25) * strength
        if indicator.lower_is_better:
            ratio = 1 / ratio
        return (indicator.target * Decimal(str(ratio))).quantize(Decimal("0.0001"))
    if method in (Indicator.Method.RANK, Indicator.Method.BEST_RATIO):
        figure = rng.uniform(40, 120) * (
            strength if not indicator.lower_is_better else 1 / strength
        )
        return Decimal(str(round(figure, 2)))
    if method == Indicator.Method.DEDUCTION:
        return Decimal(rng.choices([0, 1, 2], weights=[80, 15, 5])[0])
    if method == Indicator.Method.BONUS:
        return (
            (maximum * Decimal(str(rng.uniform(0.2, 0.8)))).quantize(CENT)
            if rng.random() < 0.2
            else None
        )
    return None


def _demo_two_way(cycle):
    """Two-way assessment (双向考核): the departments rate the towns, the towns the departments,
    on 双向互评 only, which the district leaders and service users leave to them."""
    categories = {category.code: category for category in UnitCategory.objects.all()}
    groups = {group.code: group for group in cycle.rater_groups.all()}
    groups["BM"].categories.set([categories["ZJ"]])
    groups["ZJ"].categories.set([category for code, category in categories.items() if code != "ZJ"])
    evaluations = cycle.indicators.filter(method=Indicator.Method.EVALUATION)
    for code in TWO_WAY_GROUPS:
        groups[code].indicators.set(evaluations.filter(name=TWO_WAY_INDICATOR))
    for code in groups.keys() - TWO_WAY_GROUPS:
        groups[code].indicators.set(evaluations.exclude(name=TWO_WAY_INDICATOR))


def _demo_votes(rng, indicator, unit, period, groups, strength):
    if indicator.name == TWO_WAY_INDICATOR:
        rating = ["BM"] if unit.category.code == "ZJ" else ["ZJ"]
    else:
        rating = ["LD", "FW"]
    votes = []
    for code in rating:
        raters = rng.randint(15, 40)
        excellent = int(raters * min(0.95, rng.uniform(0.4, 0.8) * strength))
        competent = int((raters - excellent) * 0.8)
        basic = raters - excellent - competent
        votes.append(
            Vote(
                indicator=indicator,
                unit=unit,
                period=period,
                rater_group=groups[code],
                excellent=excellent,
                competent=competent,
                basic=basic,
                incompetent=0,
            )
        )
    return votes


def _demo_veto(cycle, units, leaves, quarters) -> IndicatorValue:
    veto = next(
        i for i in leaves if i.method == Indicator.Method.VETO and i.frequency == "quarterly"
    )
    vetoed_unit = units[9] if cycle.year == 2025 else units[10]
    return IndicatorValue(indicator=veto, unit=vetoed_unit, period=quarters[0], value=Decimal(1))


def _demo_adjustments(cycle, units, quarters):
    for unit, period, points, reason in [
        (units[3], quarters[-1], Decimal("5.00"), "汛期抗洪抢险任务繁重，经区委常委会研究给予加分"),
        (units[15], quarters[0], Decimal("-3.00"), "重点项目因上级政策调整暂缓，按规定酌情扣减"),
        (
            units[25],
            Period.YEAR if len(quarters) == 4 else quarters[-1],
            Decimal("2.50"),
            "承担全市疫情防控专项任务",
        ),
    ]:
        if Adjustment.objects.filter(cycle=cycle, unit=unit, period=period, reason=reason).exists():
            continue
        adjustment = Adjustment(
            cycle=cycle,
            unit=unit,
            period=period,
            reason=reason,
            points=points,
            approved_by="区委常委会",
        )
        adjustment._change_reason = SOURCE_DEMO  # its history's first row names where it came from
        adjustment.save()


def _demo_responsibilities(officials, leaves, applicable):
    by_unit = {}
    for official in officials:
        if official.role != Official.Role.STAFF:
            by_unit.setdefault(official.unit_id, []).append(official)
    rows = []
    for team in by_unit.values():
        members = [o for o in team if o.role == Official.Role.MEMBER] or team
        category = team[0].unit.category.code
        scored = [
            i
            for i in leaves
            if not i.is_outside_thousand and (not applicable[i.pk] or category in applicable[i.pk])
        ]
        for index, indicator in enumerate(scored):
            rows.append(Responsibility(official=members[index % len(members)], indicator=indicator))
    Responsibility.objects.bulk_create(rows, ignore_conflicts=True)
