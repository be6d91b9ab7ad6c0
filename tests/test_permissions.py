"""Who may open what: every URL of the app for every role, checked on the server.

Add a row to CASES for each new page: the method, the path (the names in braces are filled in
from the world below), the status each role gets and, for a POST, the form sent.
`test_every_url_pattern_has_a_row` fails when a URL of the app has no row.

Anonymous users are sent to the login page (302). A reviewer is a user with no role who reviews
an award category.
"""

from datetime import date
from decimal import Decimal
from io import BytesIO
from urllib.parse import urlsplit

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from cadre import roles
from cadre.models import Official, Unit, UnitCategory
from scoring.models import (
    Cycle,
    ImportRecord,
    Indicator,
    IndicatorValue,
    RaterGroup,
    VerificationRun,
)
from scoring.services.sheets import sheet_template_build
from talent.models import (
    AwardCategory,
    AwardRound,
    FundYear,
    Nomination,
    Programme,
    ReviewScore,
    StarLevel,
    StarNode,
    StarTree,
    Subsidy,
    Talent,
)
from tests.dashboard.factories import results_store

ROLES = ["admin", "scorer", "leader", "liaison", "reviewer", "anonymous"]
# Parts of the site that are not the app's pages: Django's own admin and language switch.
NOT_APP_PAGES = ("admin/", "i18n/", "static/", "media/")


def expect(admin, scorer, leader, liaison, *, reviewer=403, anonymous=302):
    return dict(zip(ROLES, [admin, scorer, leader, liaison, reviewer, anonymous], strict=True))


EVERYONE = expect(200, 200, 200, 200, reviewer=200, anonymous=200)
# Every logged-in user, whatever their role (their own password).
LOGGED_IN = expect(200, 200, 200, 200, reviewer=200)
# A user with one section (scorer, liaison, award reviewer) is sent there from the home page.
HOME = expect(200, 302, 200, 302, reviewer=302)
ADMIN_ONLY = expect(200, 403, 403, 403)
# The admin site sends users who are not staff to its own login page.
ADMIN_SITE = expect(200, 302, 302, 302, reviewer=302)
ENTRY = expect(200, 200, 403, 403)
# Leaders and admins read the dashboards; a liaison only their own unit of a published cycle.
DASHBOARD = expect(200, 403, 200, 403)
# Dashboards only read: a POST is refused once the user may see the page.
DASHBOARD_POST = expect(405, 403, 405, 403)
READERS = expect(200, 403, 200, 403)
TALENT_WRITE = expect(302, 403, 403, 403)

VOTES = {f"g{{group}}-{name}": "1" for name in ("excellent", "competent", "basic", "incompetent")}

CASES = [
    ("GET", "/", HOME),
    ("GET", "/accounts/login/", EVERYONE),
    # The app's icon, for the browser of anyone, logged in or not.
    (
        "GET",
        "/favicon.ico",
        expect(302, 302, 302, 302, reviewer=302, anonymous="302 to /static/favicon.svg"),
    ),
    ("POST", "/accounts/logout/", EVERYONE),
    ("GET", "/accounts/password_change/", LOGGED_IN),
    ("GET", "/accounts/password_change/done/", LOGGED_IN),
    ("GET", "/admin/", ADMIN_SITE),
    ("GET", "/admin/scoring/indicatorvalue/", ADMIN_SITE),
    ("GET", "/admin/scoring/cycle/{cycle}/change/", ADMIN_SITE),
    ("GET", "/admin/scoring/resultsnapshot/", ADMIN_SITE),
    ("GET", "/admin/cadre/unit/import/", ADMIN_SITE),
    ("GET", "/admin/cadre/unit/import/template.xlsx", ADMIN_SITE),
    ("GET", "/admin/scoring/indicator/export/", ADMIN_SITE),
    # Entry.
    ("GET", "/entry/?cycle=2026&period=Q1", ENTRY),
    ("POST", "/entry/?cycle=2026&period=Q1", expect(302, 302, 403, 403)),
    # Only the indicators a scorer owns: another one is refused, to read and to write.
    ("GET", "/entry/?cycle=2026&period=Q1&indicator={own}", ENTRY),
    ("GET", "/entry/?cycle=2026&period=Q1&indicator={other}", expect(200, 403, 403, 403)),
    (
        "POST",
        "/entry/?cycle=2026&period=Q1",
        expect(302, 302, 403, 403),
        {"c-{unit2_id}-{own}-0": "5"},
    ),
    (
        "POST",
        "/entry/?cycle=2026&period=Q1",
        expect(302, 403, 403, 403),
        {"c-{unit_id}-{other}-0": "5"},
    ),
    ("GET", "/entry/votes/?cycle=2026", ENTRY),
    ("GET", "/entry/votes/?cycle=2026&indicator={own_vote}&unit={unit_id}", ENTRY),
    (
        "GET",
        "/entry/votes/?cycle=2026&indicator={other_vote}&unit={unit_id}",
        expect(200, 403, 403, 403),
    ),
    (
        "POST",
        "/entry/votes/?cycle=2026&period=Q1&indicator={own_vote}&unit={unit_id}",
        expect(302, 302, 403, 403),
        VOTES,
    ),
    (
        "POST",
        "/entry/votes/?cycle=2026&period=Q1&indicator={other_vote}&unit={unit_id}",
        expect(302, 403, 403, 403),
        VOTES,
    ),
    ("GET", "/entry/adjustments/?cycle=2026", ADMIN_ONLY),
    (
        "POST",
        "/entry/adjustments/?cycle=2026",
        expect(302, 403, 403, 403),
        {
            "unit": "{unit_id}",
            "period": "Q1",
            "points": "2",
            "reason": "抗洪",
            "approved_by": "区委",
        },
    ),
    ("GET", "/entry/cycles/", ADMIN_ONLY),
    ("POST", "/entry/cycles/{cycle}/move/", expect(302, 403, 403, 403), {"action": "close"}),
    (
        "POST",
        "/entry/cycles/{cycle}/quarters/Q1/move/",
        expect(302, 403, 403, 403),
        {"action": "close"},
    ),
    ("GET", "/entry/verify/?cycle=2026", ADMIN_ONLY),
    ("POST", "/entry/verify/?cycle=2026", expect(302, 403, 403, 403), {"indicator": "{own}"}),
    ("GET", "/entry/verify/verified/?cycle=2026&indicator={own}", ADMIN_ONLY),
    (
        "POST",
        "/entry/verify/verified/?cycle=2026&indicator={own}",
        expect(302, 403, 403, 403),
        {"value": "1", "reason": "误审"},
    ),
    ("POST", "/entry/verify/runs/{run}/resume/", expect(302, 403, 403, 403)),
    ("POST", "/entry/verify/runs/{run}/discard/", expect(302, 403, 403, 403)),
    # A liaison sees their unit's history only once the cycle is published (it is open here).
    ("GET", "/entry/units/{unit}/history/?cycle=2026", expect(200, 200, 200, 403)),
    ("GET", "/entry/units/{unit}/history/?cycle=2025", expect(200, 200, 200, 200)),
    ("GET", "/entry/units/{unit2}/history/?cycle=2025", expect(200, 200, 200, 403)),
    ("GET", "/entry/units/{unit2}/history/?cycle=2026", expect(200, 200, 200, 403)),
    # Spreadsheets: a scorer sees and confirms their own imports only.
    ("GET", "/entry/sheets/", ENTRY),
    ("POST", "/entry/sheets/", ENTRY, {"period": "Q1"}),
    ("GET", "/entry/sheets/template/2026/Q1.xlsx", ENTRY),
    ("GET", "/entry/sheets/votes-template/2026/Y.xlsx", ENTRY),
    ("GET", "/entry/sheets/imports/{record}/", ENTRY),
    ("GET", "/entry/sheets/imports/{admin_record}/", expect(200, 404, 403, 403)),
    ("GET", "/entry/sheets/imports/{admin_record}/?as=xlsx", expect(200, 404, 403, 403)),
    ("GET", "/entry/sheets/imports/{record}/progress/", ENTRY),
    ("GET", "/entry/sheets/imports/{admin_record}/progress/", expect(200, 404, 403, 403)),
    ("POST", "/entry/sheets/imports/{record}/confirm/", expect(302, 302, 403, 403)),
    ("POST", "/entry/sheets/imports/{admin_record}/confirm/", expect(302, 404, 403, 403)),
    ("POST", "/entry/sheets/imports/{record}/discard/", expect(302, 302, 403, 403)),
    ("POST", "/entry/sheets/imports/{admin_record}/discard/", expect(302, 404, 403, 403)),
    ("POST", "/entry/sheets/imports/{record}/retry/", expect(302, 302, 403, 403)),
    ("POST", "/entry/sheets/imports/{admin_record}/retry/", expect(302, 404, 403, 403)),
    (
        "GET",
        "/entry/sheets/imports/{record}/confirm/",
        expect(405, 405, 405, 405, reviewer=405, anonymous=405),
    ),
    # The interchange workbook: the 考核办's alone.
    ("GET", "/entry/workbook/", ADMIN_ONLY),
    ("POST", "/entry/workbook/", ADMIN_ONLY),
    ("GET", "/entry/workbook/2026.xlsx", ADMIN_ONLY),
    ("GET", "/entry/workbook/blank.xlsx", ADMIN_ONLY),
    ("GET", "/entry/workbook/imports/{workbook_record}/", ADMIN_ONLY),
    ("GET", "/entry/workbook/imports/{record}/", expect(404, 403, 403, 403)),
    ("GET", "/entry/workbook/imports/{workbook_record}/progress/", ADMIN_ONLY),
    ("POST", "/entry/workbook/imports/{workbook_record}/confirm/", expect(302, 403, 403, 403)),
    ("POST", "/entry/workbook/imports/{workbook_record}/discard/", expect(302, 403, 403, 403)),
    ("POST", "/entry/workbook/imports/{workbook_record}/retry/", expect(302, 403, 403, 403)),
    # Dashboards.
    ("GET", "/dashboard/?cycle=2025", expect(200, 403, 200, 302)),
    ("GET", "/dashboard/unit/{unit}/?cycle=2025", expect(200, 403, 200, 200)),
    ("GET", "/dashboard/unit/{unit2}/?cycle=2025", DASHBOARD),
    ("POST", "/dashboard/unit/{unit}/?cycle=2025", expect(405, 403, 405, 405)),
    ("GET", "/dashboard/distance/?cycle=2025", DASHBOARD),
    ("GET", "/dashboard/compare/?cycle=2025&units={unit}&units={unit2}", DASHBOARD),
    ("GET", "/dashboard/whatif/?cycle=2025", DASHBOARD),
    ("GET", "/dashboard/whatif/?cycle=2025&run=1&weight_q1=0.25", DASHBOARD),
    ("POST", "/dashboard/whatif/?cycle=2025", DASHBOARD_POST, {"run": "1"}),
    ("GET", "/dashboard/officials/?cycle=2025", DASHBOARD),
    ("GET", "/dashboard/officials/export/?cycle=2025", DASHBOARD),
    # An official's page, growth record included, is the cadre section's: not a liaison's,
    # even for an official of their own unit (whose scores their unit's page shows).
    ("GET", "/dashboard/official/{official}/?cycle=2025", DASHBOARD),
    ("POST", "/dashboard/official/{official}/?cycle=2025", DASHBOARD_POST),
    ("GET", "/dashboard/export/?cycle=2025", DASHBOARD),
    # The open cycle has no results yet.
    ("GET", "/dashboard/export/?cycle=2026", expect(404, 403, 404, 403)),
    ("POST", "/dashboard/export/?cycle=2025", DASHBOARD_POST),
    # Talent work: admins write, leaders read, reviewers score their award category.
    ("GET", "/talent/", READERS),
    ("POST", "/talent/", expect(200, 403, 403, 403)),
    ("GET", "/talent/registry/", READERS),
    ("GET", "/talent/registry/export.xlsx", READERS),
    ("GET", "/talent/registry/new/", ADMIN_ONLY),
    (
        "POST",
        "/talent/registry/new/",
        expect(302, 403, 403, 403),
        {
            "name": "李娜",
            "programme": "{programme}",
            "year": "2026",
            "status": "talks",
            "status_date": "2026-03-01",
        },
    ),
    ("GET", "/talent/registry/{talent}/", READERS),
    (
        "POST",
        "/talent/registry/{talent}/",
        TALENT_WRITE,
        {"status": "applied", "on": "2026-04-01"},
    ),
    # The talent is in talks: the admin is told only an arrival may be undone.
    (
        "POST",
        "/talent/registry/{talent}/",
        ADMIN_ONLY,
        {"undo_arrival": "1", "reason": "误标"},
    ),
    ("GET", "/talent/awards/", expect(200, 403, 200, 403, reviewer=200)),
    ("GET", "/talent/awards/{round}/", READERS),
    ("GET", "/talent/awards/{round}/export.xlsx", READERS),
    # The round is already in review: the admin is told so on the page.
    ("POST", "/talent/awards/{round}/", expect(200, 403, 403, 403), {"start_review": "1"}),
    ("GET", "/talent/awards/category/{category}/", READERS),
    ("POST", "/talent/awards/category/{category}/", TALENT_WRITE, {"winner": "{nomination}"}),
    ("GET", "/talent/awards/category/{category}/score/", expect(403, 403, 403, 403, reviewer=200)),
    ("POST", "/talent/awards/nomination/{nomination}/withdraw/", TALENT_WRITE),
    (
        "POST",
        "/talent/awards/category/{category}/score/",
        expect(403, 403, 403, 403, reviewer=302),
        {"score-{nomination}": "88"},
    ),
    # Another panel's category: its reviewer scores it, this one neither reads nor scores it.
    ("GET", "/talent/awards/category/{category2}/score/", expect(403, 403, 403, 403)),
    (
        "POST",
        "/talent/awards/category/{category2}/score/",
        expect(403, 403, 403, 403),
        {"score-{nomination2}": "88"},
    ),
    ("GET", "/talent/subsidies/", READERS),
    ("GET", "/talent/subsidies/export.xlsx", READERS),
    ("GET", "/talent/subsidies/new/", ADMIN_ONLY),
    (
        "POST",
        "/talent/subsidies/new/",
        expect(302, 403, 403, 403),
        {
            "fund": "{fund}",
            "talent": "{arrived_name}",
            "kind": "settle_in",
            "amount": "5000",
            "requested_at": "2026-05-01",
        },
    ),
    ("GET", "/talent/subsidies/{subsidy}/decide/", TALENT_WRITE),
    ("POST", "/talent/subsidies/{subsidy}/decide/", TALENT_WRITE, {"decision": "approve"}),
    ("POST", "/talent/subsidies/{subsidy}/decide/", TALENT_WRITE, {"decision": "reject"}),
    ("POST", "/talent/subsidies/{subsidy}/decide/", TALENT_WRITE, {"decision": "withdraw"}),
    ("GET", "/talent/star/", expect(302, 403, 302, 403)),
    ("GET", "/talent/star/{tree}/", READERS),
    ("GET", "/talent/star/{tree}/?node={node}", READERS),
    ("POST", "/talent/star/{tree}/certify/", TALENT_WRITE),
    ("GET", "/talent/star/{tree}/export.xlsx", READERS),
    ("POST", "/talent/star/{tree}/import/", TALENT_WRITE),
]


@pytest.fixture
def world(db):
    """One of everything a URL can point at, and a user of each role."""
    groups = roles.role_groups_ensure()
    users = {}
    for name, role in [
        ("admin", roles.ADMIN),
        ("scorer", roles.SCORER),
        ("leader", roles.LEADER),
        ("liaison", roles.LIAISON),
        ("reviewer", None),
    ]:
        user = get_user_model().objects.create_user(name, is_staff=name == "admin")
        if role:
            user.groups.add(groups[role])
        users[name] = user
    towns = UnitCategory.objects.create(code="ZJ", name="镇街")
    unit = Unit.objects.create(code="ZJ01", name="城关街道", category=towns)
    unit2 = Unit.objects.create(code="ZJ02", name="东城街道", category=towns)
    unit.liaisons.add(users["liaison"])
    official = Official.objects.create(code="ZJ01-01", name="赵帆", unit=unit, role="principal")
    cycle = Cycle.objects.create(year=2026, state=Cycle.State.OPEN)
    published = Cycle.objects.create(year=2025, state=Cycle.State.PUBLISHED)
    results_store(cycle=published, period="Y", totals={unit: Decimal(900), unit2: Decimal(850)})
    own, other, own_vote, other_vote = (
        Indicator.objects.create(
            cycle=cycle, code=code, name=code, max_points=Decimal(10), method=method
        )
        for code, method in [
            ("OWN", Indicator.Method.DIRECT),
            ("OTHER", Indicator.Method.DIRECT),
            ("VOTE", Indicator.Method.EVALUATION),
            ("VOTE2", Indicator.Method.EVALUATION),
        ]
    )
    for indicator in (own, own_vote):
        indicator.owners.add(users["scorer"])
    IndicatorValue.objects.create(indicator=own, unit=unit, period="Q1", value=Decimal(3))
    group = RaterGroup.objects.create(cycle=cycle, code="QZ", name="群众", weight=Decimal(1))
    record, admin_record = (
        ImportRecord.objects.create(
            kind=ImportRecord.Kind.SCORER_SHEET,
            cycle=cycle,
            file_name="sheet.xlsx",
            size=1,
            sha256="0" * 64,
            uploaded_by=users[name],
            period="Q1",
        )
        for name in ("scorer", "admin")
    )
    workbook_record = ImportRecord.objects.create(
        kind=ImportRecord.Kind.WORKBOOK,
        status=ImportRecord.Status.FAILED,
        file_name="cycle.xlsx",
        size=1,
        sha256="0" * 64,
        uploaded_by=users["admin"],
    )
    run = VerificationRun.objects.create(
        cycle=cycle,
        period="Q1",
        requested_by=users["admin"],
        status=VerificationRun.Status.INTERRUPTED,
        total=30_000,
    )
    programme = Programme.objects.create(code="SSBS", name="硕士博士")
    talent = Talent.objects.create(
        name="张伟", programme=programme, year=2026, status_date=date(2026, 3, 1)
    )
    arrived = Talent.objects.create(
        name="王芳",
        programme=programme,
        year=2026,
        status=Talent.Status.ARRIVED,
        status_date=date(2026, 4, 1),
    )
    award_round = AwardRound.objects.create(
        name="年度评选", year=2026, state=AwardRound.State.REVIEWING
    )
    category = AwardCategory.objects.create(
        round=award_round, name="领军人才", quota=1, prize=Decimal(1000)
    )
    category.reviewers.add(users["reviewer"])
    nomination = Nomination.objects.create(category=category, nominee="甲", employer="某公司")
    category2 = AwardCategory.objects.create(
        round=award_round, name="青年人才", quota=1, prize=Decimal(500)
    )
    category2.reviewers.add(get_user_model().objects.create_user("reviewer2"))
    nomination2 = Nomination.objects.create(category=category2, nominee="乙", employer="某大学")
    ReviewScore.objects.create(nomination=nomination, reviewer=users["reviewer"], score=90)
    fund = FundYear.objects.create(year=2026, budget=Decimal(100000))
    subsidy = Subsidy.objects.create(
        fund=fund,
        talent=talent,
        kind=Subsidy.Kind.SETTLE_IN,
        amount=Decimal(5000),
        requested_at=date(2026, 5, 1),
    )
    tree = StarTree.objects.create(name="星级管理", year=2026)
    node = StarNode.objects.create(
        tree=tree, code="C1", name="城关社区党委", level=StarLevel.COMMITTEE, stars=10
    )
    return {
        "users": users,
        "names": {
            "cycle": cycle.pk,
            "published": published.pk,
            "unit": unit.code,
            "unit2": unit2.code,
            "unit_id": unit.pk,
            "unit2_id": unit2.pk,
            "official": official.code,
            "own": own.pk,
            "other": other.pk,
            "own_vote": own_vote.pk,
            "other_vote": other_vote.pk,
            "group": group.pk,
            "record": record.pk,
            "admin_record": admin_record.pk,
            "workbook_record": workbook_record.pk,
            "run": run.pk,
            "programme": programme.pk,
            "talent": talent.pk,
            "arrived": arrived.pk,
            "arrived_name": arrived.name,
            "round": award_round.pk,
            "category": category.pk,
            "nomination": nomination.pk,
            "category2": category2.pk,
            "nomination2": nomination2.pk,
            "fund": fund.pk,
            "subsidy": subsidy.pk,
            "tree": tree.pk,
            "node": node.pk,
        },
    }


def _status(client, world, role, method, url, form) -> int | str:
    """Send the request as the role and undo whatever it wrote, so that every role meets the
    same world; a redirect of an anonymous user anywhere but to the login page is shown."""
    with transaction.atomic():
        client.logout()
        if role != "anonymous":
            client.force_login(world["users"][role])
        response = client.get(url) if method == "GET" else client.post(url, form)
        transaction.set_rollback(True)
    if role == "anonymous" and response.status_code == 302 and "/login/" not in response.url:
        return f"302 to {response.url}"
    return response.status_code


@pytest.mark.parametrize(
    ("method", "path", "form", "table"),
    [
        pytest.param(method, path, form[0] if form else {}, table, id=f"{method} {path}")
        for method, path, table, *form in CASES
    ],
)
def test_each_role_gets_the_expected_status(client, world, method, path, form, table):
    names = world["names"]
    url = path.format(**names)
    data = {key.format(**names): value.format(**names) for key, value in form.items()}
    statuses = {role: _status(client, world, role, method, url, data) for role in ROLES}
    assert statuses == table


def test_a_scorer_never_sees_nor_imports_an_indicator_they_do_not_own(client, world):
    """The sheet and history pages take no indicator in their URL: they leave the others'
    indicators out, and an uploaded file that holds one is refused cell by cell (the preview
    names the sheet, row and column) with nothing written."""
    names = world["names"]
    admin, scorer = world["users"]["admin"], world["users"]["scorer"]
    other = Indicator.objects.get(pk=names["other"])
    IndicatorValue.objects.create(indicator=other, unit_id=names["unit_id"], period="Q1", value=7)
    client.force_login(scorer)
    template = openpyxl.load_workbook(
        BytesIO(client.get("/entry/sheets/template/2026/Q1.xlsx").content)
    ).active
    assert [cell.value for cell in template[1]] == ["单位代码", "单位名称", "类别", "OWN"]
    history = client.get(f"/entry/units/{names['unit']}/history/?cycle={names['cycle']}")
    assert "OWN" in history.content.decode() and "OTHER" not in history.content.decode()
    asked = client.get(
        f"/entry/units/{names['unit']}/history/?cycle={names['cycle']}&indicator={other.pk}"
    )
    assert "OTHER" not in asked.content.decode()

    # The admin's template has both columns; the scorer fills it in and uploads it.
    workbook = sheet_template_build(cycle=other.cycle, period="Q1", user=admin)
    sheet = workbook.active
    assert [cell.value for cell in sheet[1]][3:] == ["OTHER", "OWN"]
    sheet["D6"] = 9
    buffer = BytesIO()
    workbook.save(buffer)
    upload = SimpleUploadedFile("mixed.xlsx", buffer.getvalue())
    response = client.post("/entry/sheets/", {"period": "Q1", "file": upload}, follow=True)
    assert "您不是指标 OTHER 的评分账号，不能导入它的数据" in response.content.decode()
    record = ImportRecord.objects.get(file_name="mixed.xlsx")
    assert record.status == ImportRecord.Status.FAILED
    assert IndicatorValue.objects.get(indicator=other).value == Decimal(7)


def url_patterns(resolver=None, prefix=""):
    """Yield the route of every URL pattern of the site, joined the way `resolve` joins them."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern).removeprefix("^") if prefix else str(pattern.pattern)
        if route.startswith(NOT_APP_PAGES):
            continue
        if isinstance(pattern, URLResolver):
            yield from url_patterns(pattern, route)
        elif isinstance(pattern, URLPattern):
            yield route


def test_every_url_pattern_has_a_row(world):
    names = world["names"]
    covered = {resolve(urlsplit(path.format(**names)).path).route for _m, path, *_r in CASES}
    missing = sorted(set(url_patterns()) - covered)
    assert not missing, f"URL patterns without a row in CASES: {missing}"


def test_the_resolver_walk_finds_the_nested_pages():
    routes = set(url_patterns())
    assert "entry/sheets/imports/<int:pk>/confirm/" in routes
    assert "dashboard/unit/<code:code>/" in routes
    assert not any(route.startswith("admin/") for route in routes)


@pytest.mark.parametrize("role", ["scorer", "leader", "liaison"])
def test_a_user_of_another_role_made_staff_is_kept_out_of_the_admin_site(client, world, role):
    """The admin site lists every row a model permission allows, whatever its unit or
    indicator: made staff, a liaison would read every unit's results there, published or not,
    and a scorer the values of indicators they do not own, or change them."""
    user = world["users"][role]
    user.is_staff = True
    user.set_password("Kaohe@2026")
    user.save()
    names = world["names"]
    value = IndicatorValue.objects.create(
        indicator_id=names["other"], unit_id=names["unit_id"], period="Q2", value=Decimal(5)
    )
    client.force_login(user)
    for url in (
        "/admin/",
        "/admin/scoring/unitresult/",
        "/admin/scoring/indicatorvalue/",
        f"/admin/scoring/indicatorvalue/{value.pk}/change/",
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert urlsplit(response["Location"]).path == "/admin/login/", url
    response = client.post(f"/admin/scoring/indicatorvalue/{value.pk}/change/", {"value": "9"})
    assert response.status_code == 302
    value.refresh_from_db()
    assert value.value == Decimal(5)

    # Nor does the admin's login let them in.
    client.logout()
    response = client.post(
        "/admin/login/?next=/admin/", {"username": user.username, "password": "Kaohe@2026"}
    )
    [refusal] = response.context["form"].errors.as_data()["__all__"]
    assert refusal.code == "invalid_login"
    assert "_auth_user_id" not in client.session


def test_a_staff_account_with_no_role_keeps_the_admin_site_its_permissions_open(client, world):
    names = world["names"]
    staff = get_user_model().objects.create_user("viewer", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_indicatorvalue"))
    IndicatorValue.objects.create(
        indicator_id=names["other"], unit_id=names["unit_id"], period="Q2", value=Decimal(5)
    )
    client.force_login(staff)
    assert client.get("/admin/scoring/indicatorvalue/").status_code == 200
    assert client.get("/admin/scoring/unitresult/").status_code == 403


def test_the_migration_gives_each_role_group_its_model_permissions(db):
    from django.contrib.auth.models import Group

    scorer = Group.objects.get(name=roles.SCORER)
    codenames = set(scorer.permissions.values_list("codename", flat=True))
    assert {"view_indicatorvalue", "view_vote", "view_indicator"} <= codenames
    # The admin site cannot tell whose indicator a value is: scorers write on the entry pages.
    assert (
        not {"add_indicatorvalue", "change_indicatorvalue", "add_vote", "change_vote"} & codenames
    )
    assert "change_cycle" not in codenames
    leader = Group.objects.get(name=roles.LEADER)
    assert not leader.permissions.exclude(codename__startswith="view_").exists()
