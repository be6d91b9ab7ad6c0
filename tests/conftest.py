import gc
from decimal import Decimal

import pytest
from django.utils import translation

from cadre.models import Unit, UnitCategory
from scoring.models import Cycle, Indicator


@pytest.fixture(autouse=True)
def language_restored():
    """A request activates its language in this thread; later tests must not inherit it."""
    language = translation.get_language()
    yield
    translation.activate(language)


@pytest.fixture
def collector_on():
    """Python's cyclic garbage collector on for the test, as it is in a server."""
    was_enabled = gc.isenabled()
    gc.enable()
    yield
    if not was_enabled:
        gc.disable()


@pytest.fixture
def category(db):
    return UnitCategory.objects.create(code="ZJ", name="镇街")


@pytest.fixture
def unit(category):
    return Unit.objects.create(code="ZJ01", name="城关街道", category=category)


@pytest.fixture
def cycle(db):
    return Cycle.objects.create(year=2026)


@pytest.fixture
def make_indicator(cycle):
    def make(code, max_points, method="direct", parent=None, **params):
        return Indicator.objects.create(
            cycle=cycle,
            code=code,
            name=code,
            max_points=Decimal(max_points),
            method=method,
            parent=parent,
            **params,
        )

    return make


@pytest.fixture
def queue(settings):
    """The database task queue of production: a task waits in it for a worker (db_worker, see
    tests/background_work.py), instead of running at once as in the other tests."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
