"""Who may open what: every URL of the app for every role, checked on the server.

Add a row to CASES for each new page: the method, the path ({cycle} and {unit} are filled in)
and the status each role gets. Anonymous users are sent to the login page (302).
"""

import pytest
from django.contrib.auth import get_user_model

from cadre import roles
from cadre.models import Unit, UnitCategory
from scoring.models import Cycle

ROLES = ["admin", "scorer", "leader", "liaison", "anonymous"]


def expect(admin, scorer, leader, liaison, anonymous=302):
    return dict(zip(ROLES, [admin, scorer, leader, liaison, anonymous], strict=True))


EVERYONE = expect(200, 200, 200, 200, 200)
LOGGED_IN = expect(200, 200, 200, 200)
ADMIN_ONLY = expect(200, 403, 403, 403)
# The admin site sends users who are not staff to its own login page.
ADMIN_SITE = expect(200, 302, 302, 302)
ENTRY = expect(200, 200, 403, 403)
READERS = expect(200, 403, 200, 403)

CASES = [
    ("GET", "/", LOGGED_IN),
    ("GET", "/accounts/login/", EVERYONE),
    ("GET", "/admin/", ADMIN_SITE),
    ("GET", "/admin/scoring/indicatorvalue/", ADMIN_SITE),
    ("GET", "/admin/scoring/cycle/{cycle}/change/", ADMIN_SITE),
    ("GET", "/admin/scoring/resultsnapshot/", ADMIN_SITE),
    ("GET", "/entry/?cycle={cycle}&period=Q1", ENTRY),
    ("POST", "/entry/?cycle={cycle}&period=Q1", expect(302, 302, 403, 403)),
    ("GET", "/entry/votes/?cycle={cycle}", ENTRY),
    ("GET", "/entry/adjustments/?cycle={cycle}", ADMIN_ONLY),
    ("GET", "/entry/cycles/", ADMIN_ONLY),
    ("POST", "/entry/cycles/{cycle}/move/", expect(302, 403, 403, 403)),
    ("GET", "/entry/verify/?cycle={cycle}", ADMIN_ONLY),
    # A liaison sees their unit's history only once the cycle is published (it is open here).
    ("GET", "/entry/units/{unit}/history/?cycle={cycle}", expect(200, 200, 200, 403)),
    ("GET", "/entry/sheets/", ENTRY),
    ("GET", "/entry/sheets/template/2026/Q1.xlsx", ENTRY),
    ("GET", "/admin/cadre/unit/import/", ADMIN_SITE),
    ("GET", "/admin/scoring/indicator/export/", ADMIN_SITE),
    ("GET", "/talent/", READERS),
    ("GET", "/talent/registry/", READERS),
    ("GET", "/talent/awards/", READERS),
    ("GET", "/talent/subsidies/", READERS),
    ("GET", "/talent/star/", READERS),
]


@pytest.fixture
def world(db):
    groups = roles.role_groups_ensure()
    category = UnitCategory.objects.create(code="ZJ", name="镇街")
    unit = Unit.objects.create(code="ZJ01", name="城关街道", category=category)
    cycle = Cycle.objects.create(year=2026, state=Cycle.State.OPEN)
    users = {}
    for name, role in [
        ("admin", roles.ADMIN),
        ("scorer", roles.SCORER),
        ("leader", roles.LEADER),
        ("liaison", roles.LIAISON),
    ]:
        user = get_user_model().objects.create_user(name, is_staff=name == "admin")
        user.groups.add(groups[role])
        users[name] = user
    unit.liaisons.add(users["liaison"])
    return {"users": users, "cycle": cycle, "unit": unit}


@pytest.mark.parametrize(
    ("method", "path", "role", "status"),
    [(method, path, role, table[role]) for method, path, table in CASES for role in ROLES],
)
def test_each_role_gets_the_expected_status(client, world, method, path, role, status):
    if role != "anonymous":
        client.force_login(world["users"][role])
    url = path.format(cycle=world["cycle"].pk, unit=world["unit"].code)
    response = client.get(url) if method == "GET" else client.post(url, {"action": "close"})
    assert response.status_code == status
    if role == "anonymous" and status == 302:
        assert "/login/" in response.url


def test_the_migration_gives_each_role_group_its_model_permissions(db):
    from django.contrib.auth.models import Group

    scorer = Group.objects.get(name=roles.SCORER)
    codenames = set(scorer.permissions.values_list("codename", flat=True))
    assert {"add_indicatorvalue", "change_indicatorvalue", "view_indicator"} <= codenames
    assert "change_cycle" not in codenames
    leader = Group.objects.get(name=roles.LEADER)
    assert not leader.permissions.exclude(codename__startswith="view_").exists()
