from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from cadre import roles
from cadre.models import Unit, UnitCategory
from scoring.models import Cycle, Indicator, IndicatorValue, RaterGroup


def user_with_role(username, role=None, **extra):
    user = get_user_model().objects.create_user(username, password="pw-Kaohe-2026", **extra)
    if role:
        user.groups.add(roles.role_groups_ensure()[role])
    return user


@pytest.fixture
def admin_user(db):
    return user_with_role("kaoheban", roles.ADMIN, is_staff=True)


@pytest.fixture
def scorer(db):
    return user_with_role("fgj", roles.SCORER)


@pytest.fixture
def other_scorer(db):
    return user_with_role("tjj", roles.SCORER)


@pytest.fixture
def open_cycle(cycle):
    Cycle.objects.filter(pk=cycle.pk).update(state=Cycle.State.OPEN)
    cycle.refresh_from_db()
    RaterGroup.objects.create(cycle=cycle, code="LD", name="区领导", weight=Decimal("0.5"))
    return cycle


@pytest.fixture
def district(db):
    """Make `units` towns and `indicators` direct-points indicators owned by the scorer."""

    def make(*, cycle, owner, units=3, indicators=2, method="direct", max_points="10"):
        category, _ = UnitCategory.objects.get_or_create(code="ZJ", defaults={"name": "镇街"})
        made_units = Unit.objects.bulk_create(
            Unit(code=f"ZJ{n:03d}", name=f"第{n}镇", category=category, sort_order=n)
            for n in range(1, units + 1)
        )
        made = []
        for n in range(1, indicators + 1):
            indicator = Indicator.objects.create(
                cycle=cycle,
                code=f"X{n:02d}",
                name=f"指标{n}",
                max_points=Decimal(max_points),
                method=method,
                sort_order=n,
            )
            indicator.owners.add(owner)
            made.append(indicator)
        return made_units, made

    return make


def values_made(units, indicators, *, period="Q1", value=Decimal(5)) -> None:
    """Store a value of every unit for every indicator in the period, unverified."""
    IndicatorValue.objects.bulk_create(
        IndicatorValue(indicator=i, unit=u, period=period, value=value)
        for u in units
        for i in indicators
    )


def grid_url(cycle, period="Q1", **extra):
    """The grid's address for a cycle and period, with more of its query (category, page…)."""
    query = "&".join(f"{key}={value}" for key, value in {"period": period, **extra}.items())
    return f"/entry/?cycle={cycle.year}&{query}"


@pytest.fixture
def scorer_client(client, scorer):
    """The test client, logged in as the scorer."""
    client.force_login(scorer)
    return client


def grid_post(cycle, period, cells):
    """The form the grid posts: {(unit, indicator, version): text}."""
    data = {"cycle": cycle.year, "period": period}
    for (unit, indicator, version), text in cells.items():
        data[f"c-{unit.pk}-{indicator.pk}-{version}"] = text
    return data


@pytest.fixture
def english(client):
    """The client reads the pages in English, as the language switch makes it."""
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def votes_url(client, open_cycle, scorer, unit, make_indicator):
    """The votes page of an evaluation indicator E1 and `unit`, the scorer logged in."""
    evaluation = make_indicator("E1", 50, method="evaluation")
    evaluation.owners.add(scorer)
    client.force_login(scorer)
    return (
        f"/entry/votes/?cycle={open_cycle.year}&period=Q1&indicator={evaluation.pk}&unit={unit.pk}"
    )
