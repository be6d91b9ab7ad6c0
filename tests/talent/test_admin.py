import io
from datetime import date, datetime
from decimal import Decimal

import pytest
import tablib
from import_export.formats.base_formats import XLSX
from openpyxl import load_workbook

from talent.admin import TalentResource
from talent.models import StarNode, Talent
from talent.services.star import star_tree_certify

pytestmark = pytest.mark.django_db


@pytest.fixture
def site_admin(client, admin_user):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    return client


def node(code):
    return StarNode.objects.get(code=code)


def test_editing_a_star_node_in_the_admin_certifies_the_tree_again(site_admin, star_branch):
    branch = star_branch([(10, [10]), (10, [10])])
    star_tree_certify(tree=branch.tree)
    assert node("C1-B1").is_ten_star
    household = node("C1-B1-M01-H0001")
    form = {
        "tree": household.tree_id,
        "parent": household.parent_id,
        "code": household.code,
        "name": household.name,
        "level": household.level,
        "stars": "6",
    }
    response = site_admin.post(f"/admin/talent/starnode/{household.pk}/change/", form)
    assert response.status_code == 302
    assert (node("C1-B1-M01").is_ten_star, node("C1-B1").is_ten_star) == (False, False)
    assert node("C1-B1").children_ten_star == 1

    member = node("C1-B1-M01")
    site_admin.post(f"/admin/talent/starnode/{member.pk}/delete/", {"post": "yes"})
    assert node("C1-B1").is_ten_star
    assert node("C1-B1").children_total == 1


def test_bulk_deleting_star_nodes_certifies_the_tree_again(site_admin, star_branch):
    branch = star_branch([(10, [10]), (10, [4])])
    star_tree_certify(tree=branch.tree)
    assert not node("C1-B1").is_ten_star
    fallen = node("C1-B1-M02")
    site_admin.post(
        "/admin/talent/starnode/",
        {"action": "delete_selected", "_selected_action": [fallen.pk], "post": "yes"},
    )
    assert node("C1-B1").is_ten_star


def test_changing_the_threshold_in_the_admin_certifies_the_tree_again(site_admin, star_branch):
    branch = star_branch([(10, [10])] * 3 + [(10, [4])])
    tree = branch.tree
    star_tree_certify(tree=tree)
    assert not node("C1-B1").is_ten_star  # 3 of 4 is 75% < 80%
    form = {"name": tree.name, "year": tree.year, "share": "0.7"}
    assert site_admin.post(f"/admin/talent/startree/{tree.pk}/change/", form).status_code == 302
    tree.refresh_from_db()
    assert tree.share == Decimal("0.7")
    assert node("C1-B1").is_ten_star


def test_the_admin_exports_a_nominee_named_like_a_formula_as_text(site_admin, make_category):
    category = make_category(nominees=['=HYPERLINK("http://evil")'])
    fields = ["id", "category", "nominee", "employer", "summary", "nominated_by", "is_winner"]
    form = {"format": "0", "resource": "0"} | {f"nominationresource_{f}": "on" for f in fields}
    response = site_admin.post("/admin/talent/nomination/export/", form)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][2] == '\'=HYPERLINK("http://evil")'
    assert category.nominations.get().nominee.startswith("=")


def talent_rows(*rows):
    headers = ["id", "name", "programme", "year", "employer", "status", "status_date"]
    return tablib.Dataset(*rows, headers=headers)


def test_an_imported_talent_gets_its_first_status_change_recorded(admin_user, programme):
    rows = talent_rows(("", "李娜", "SSBS", 2026, "蓝海生物", "applied", "2026-03-02"))
    result = TalentResource().import_data(rows, dry_run=False, user=admin_user)
    assert not result.has_errors() and not result.has_validation_errors()
    change = Talent.objects.get(name="李娜").status_changes.get()
    assert (change.status, change.date, change.changed_by) == (
        "applied",
        date(2026, 3, 2),
        admin_user,
    )


def test_an_import_cannot_change_an_existing_talents_status(admin_user, make_talent):
    talent = make_talent(name="张伟", employer="旧单位")
    unchanged = ("talks", datetime(2026, 3, 1))  # a date typed in Excel
    # One import per row: a file naming one talent twice is refused as a duplicate.
    invalid = {}
    for changed in (("arrived", "2026-03-01"), ("talks", "2026-05-01")):
        result = TalentResource().import_data(
            talent_rows((talent.pk, "张伟", "SSBS", 2026, "蓝海生物", *changed)),
            dry_run=True,
            user=admin_user,
        )
        invalid[changed[0]] = result.invalid_rows[0].error_dict
    assert list(invalid["arrived"]) == ["status"] and list(invalid["talks"]) == ["status_date"]
    assert "请在人才页面变更" in invalid["arrived"]["status"][0]
    result = TalentResource().import_data(
        talent_rows((talent.pk, "张伟", "SSBS", 2026, "蓝海生物", *unchanged)),
        dry_run=False,
        user=admin_user,
    )
    assert not result.has_errors() and not result.has_validation_errors()
    talent.refresh_from_db()
    assert (talent.employer, talent.status, talent.status_date) == (
        "蓝海生物",
        "talks",
        date(2026, 3, 1),
    )
    assert not talent.status_changes.exists()


def test_the_admins_talent_spreadsheet_imports_back_unchanged(admin_user, make_talent):
    make_talent(name="张伟")
    xlsx = XLSX().export_data(TalentResource().export())
    result = TalentResource().import_data(
        XLSX().create_dataset(xlsx), dry_run=False, user=admin_user
    )
    assert not result.has_errors() and not result.has_validation_errors()
    assert Talent.objects.get().note == ""


def test_the_subsidy_list_runs_the_same_queries_for_3_and_40_subsidies(
    site_admin, make_talent, make_subsidy, django_assert_max_num_queries
):
    counts, made = [], 0
    for size in (3, 40):
        for number in range(made, size):
            make_subsidy("1", talent=make_talent(name=f"人才{number}", status="arrived"))
        made = size
        # Each row names its talent with the talent's programme.
        with django_assert_max_num_queries(8) as page:
            assert site_admin.get("/admin/talent/subsidy/").status_code == 200
        counts.append(len(page.captured_queries))
    assert counts[0] == counts[1]


@pytest.mark.parametrize("count", [3, 40])
def test_re_importing_talents_reads_them_in_a_fixed_number_of_queries(
    admin_user, make_talent, count
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for number in range(count):
        make_talent(name=f"人才{number}")
    exported = TalentResource().export()
    with CaptureQueriesContext(connection) as queries:
        result = TalentResource().import_data(exported, dry_run=True, user=admin_user)
    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["skip"] == count, "an unchanged talent is not written again"
    # The talents with their programmes, and the programmes: one query each, not one a row.
    reads = [query for query in queries.captured_queries if query["sql"].startswith("SELECT")]
    assert len(reads) == 2
