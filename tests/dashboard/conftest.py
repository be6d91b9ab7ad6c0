import pytest

from cadre import roles
from scoring.models import Cycle
from tests.dashboard.factories import tree_make, units_make, user_with_role, year_store


@pytest.fixture
def cycle(db):
    """The year taking input: a draft, still being set up, is no leader's to read."""
    return Cycle.objects.create(year=2026, state=Cycle.State.OPEN)


@pytest.fixture
def published_cycle(db):
    cycle = Cycle.objects.create(year=2025, state=Cycle.State.PUBLISHED)
    tree_make(cycle=cycle)
    return cycle


@pytest.fixture
def town_units(category):
    return units_make(category=category, count=6)


@pytest.fixture
def stored_year(published_cycle, town_units):
    year_store(cycle=published_cycle, units=town_units)
    return published_cycle


@pytest.fixture
def leader_client(client, db):
    client.force_login(user_with_role("leader", roles.LEADER))
    return client
