"""Who changed the master data, and when: every path that writes an indicator, a rater group, a
responsibility, a category, a unit or an official leaves a history row saying who, when, why
and what it was before, and the admin shows each change field by field."""

import importlib
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from cadre.history import history_deferred
from cadre.models import GrowthRecord, Official, Unit, UnitCategory
from cadre.roles import SCORER, role_groups_ensure
from scoring.models import Indicator, RaterGroup, Responsibility
from scoring.services.history import master_data_history_record
from tests.admin_forms import change_form_data
from tests.test_admin_imports import confirm, preview, xlsx
from tests.test_admin_indicators import form_of

pytestmark = pytest.mark.django_db


def changes(model, pk) -> list[tuple]:
    """The history of one row, oldest first: kind, reason and who."""
    records = model.history.filter(id=pk).order_by("history_id")
    return [
        (
            record.history_type,
            record.history_change_reason,
            getattr(record.history_user, "username", None),
        )
        for record in records
    ]


def _data_migration_run(name: str, function: str) -> None:
    """Run a data step of one of scoring's migrations on the models as that migration sees them."""
    migration = importlib.import_module(f"scoring.migrations.{name}")
    state = MigrationExecutor(connection).loader.project_state(("scoring", name))
    editor = SimpleNamespace(quote_name=connection.ops.quote_name, connection=connection)
    getattr(migration, function)(state.apps, editor)


@pytest.fixture
def district(category, cycle, make_indicator):
    area = make_indicator("A1", 1000, method="")
    leaf = make_indicator("A1.1", 1000, parent=area)
    unit = Unit.objects.create(code="ZJ01", name="城关街道", category=category)
    official = Official.objects.create(code="ZJ01-01", name="王伟", unit=unit)
    return {"area": area, "leaf": leaf, "unit": unit, "official": official}


def test_an_indicator_changed_in_the_admin_shows_who_changed_what_on_its_history_page(
    admin_client, district
):
    leaf = district["leaf"]
    url = f"/admin/scoring/indicator/{leaf.pk}/change/"
    form = form_of(admin_client, url)
    response = admin_client.post(url, {**form, "max_points": "990", "method": "bonus"})
    assert response.status_code == 302
    assert changes(Indicator, leaf.pk)[-1] == ("~", "后台", "admin")
    page = admin_client.get(f"/admin/scoring/indicator/{leaf.pk}/history/").content.decode()
    assert "分值:</strong>\n                    1000.00\n" in page
    assert "990.00" in page
    # The method by its label, as the change form shows it.
    assert "直接赋分" in page and "加分" in page


def test_a_unit_moved_and_an_official_made_principal_are_recorded(admin_client, district):
    unit, official = district["unit"], district["official"]
    elsewhere = UnitCategory.objects.create(code="JJ", name="经济部门")
    url = f"/admin/cadre/unit/{unit.pk}/change/"
    form = form_of(admin_client, url)
    assert admin_client.post(url, {**form, "category": elsewhere.pk}).status_code == 302
    url = f"/admin/cadre/official/{official.pk}/change/"
    form = form_of(admin_client, url)
    form.update({"growth_records-TOTAL_FORMS": "0", "growth_records-INITIAL_FORMS": "0"})
    assert admin_client.post(url, {**form, "role": "principal"}).status_code == 302

    moved = Unit.history.filter(id=unit.pk).order_by("history_id")
    assert [record.category_id for record in moved] == [unit.category_id, elsewhere.pk]
    assert changes(Official, official.pk)[-1] == ("~", "后台", "admin")
    page = admin_client.get(f"/admin/cadre/unit/{unit.pk}/history/").content.decode()
    assert "镇街" in page and "经济部门" in page
    page = admin_client.get(f"/admin/cadre/official/{official.pk}/history/").content.decode()
    assert "班子成员" in page and "主要负责人" in page


def test_scorer_accounts_given_by_the_list_action_are_recorded(admin_client, district):
    scorer = get_user_model().objects.create_user("fgj", password="pw-long-enough")
    scorer.groups.add(role_groups_ensure()[SCORER])
    leaf = district["leaf"]
    action = {"action": "owners_assign", "_selected_action": [leaf.pk, district["area"].pk]}
    admin_client.post("/admin/scoring/indicator/", {**action, "apply": "1", "owners": [scorer.pk]})
    latest = Indicator.history.filter(id=leaf.pk).latest()
    assert (latest.history_type, latest.history_change_reason) == ("~", "后台")
    assert latest.history_user.username == "admin"
    assert [row.user_id for row in latest.owners.all()] == [scorer.pk]
    # Giving the same account again changes nothing, and records nothing.
    admin_client.post("/admin/scoring/indicator/", {**action, "apply": "1", "owners": [scorer.pk]})
    assert Indicator.history.filter(id=leaf.pk).latest() == latest
    # A summary node takes no scorer.
    assert Indicator.history.filter(id=district["area"].pk).count() == 1


def test_a_rater_groups_weight_changed_on_the_cycles_page_is_recorded(admin_client, cycle):
    group = RaterGroup.objects.create(cycle=cycle, code="LD", name="区领导", weight=Decimal("1"))
    url = f"/admin/scoring/cycle/{cycle.pk}/change/"
    form = form_of(admin_client, url)
    form.update(
        {
            "rater_groups-TOTAL_FORMS": "1",
            "rater_groups-INITIAL_FORMS": "1",
            "rater_groups-0-id": group.pk,
            "rater_groups-0-cycle": cycle.pk,
            "rater_groups-0-code": "LD",
            "rater_groups-0-name": "区领导",
            "rater_groups-0-weight": "0.6",
        }
    )
    assert admin_client.post(url, form).status_code == 302
    records = RaterGroup.history.filter(id=group.pk).order_by("history_id")
    assert [(r.weight, r.history_change_reason) for r in records] == [
        (Decimal("1"), None),
        (Decimal("0.6"), "后台"),
    ]
    assert records.last().history_user.username == "admin"
    page = admin_client.get(f"/admin/scoring/ratergroup/{group.pk}/history/").content.decode()
    assert "权重" in page


def test_a_deletion_in_the_admin_records_every_row_it_takes_with_it(admin_client, district):
    leaf, official = district["leaf"], district["official"]
    responsibility = Responsibility.objects.create(official=official, indicator=leaf)
    action = {"action": "delete_selected", "_selected_action": [district["area"].pk]}
    response = admin_client.post("/admin/scoring/indicator/", {**action, "post": "yes"})
    assert response.status_code == 302
    assert not Indicator.objects.exists()
    for model, pk in (
        (Indicator, district["area"].pk),
        (Indicator, leaf.pk),
        (Responsibility, responsibility.pk),
    ):
        assert changes(model, pk)[-1] == ("-", "后台", "admin"), model


def test_a_past_version_cannot_be_restored(admin_client, district):
    leaf = district["leaf"]
    url = f"/admin/scoring/indicator/{leaf.pk}/change/"
    form = form_of(admin_client, url)
    admin_client.post(url, {**form, "max_points": "990"})
    first = Indicator.history.filter(id=leaf.pk).earliest()
    history_url = f"/admin/scoring/indicator/{leaf.pk}/history/{first.history_id}/"
    response = admin_client.post(history_url, {**form, "max_points": "1000"}, follow=True)
    assert "变更记录只能查看，不能恢复为历史版本" in response.content.decode()
    leaf.refresh_from_db()
    assert leaf.max_points == Decimal("990")


def test_an_admin_import_records_new_and_changed_rows_only(admin_client, category):
    Unit.objects.create(code="ZJ01", name="城关街道", category=category)
    Unit.objects.create(code="ZJ02", name="东城街道", category=category)
    rows = [("ZJ01", "城关街道", "ZJ"), ("ZJ02", "东城镇", "ZJ"), ("ZJ03", "西城街道", "ZJ")]
    _page, context = preview(
        admin_client, "cadre/unit", xlsx(["code", "name", "category"], *rows), name="单位.xlsx"
    )
    confirm(admin_client, "cadre/unit", context)
    by_code = {unit.code: unit.pk for unit in Unit.objects.all()}
    assert changes(Unit, by_code["ZJ01"]) == [("+", None, None)]
    assert changes(Unit, by_code["ZJ02"])[-1] == ("~", "导入 单位.xlsx", "admin")
    assert changes(Unit, by_code["ZJ03"]) == [("+", "导入 单位.xlsx", "admin")]


def test_an_indicator_import_records_its_rows_with_the_file(admin_client, cycle, category):
    headers = ["cycle", "code", "name", "parent", "max_points", "method", "categories"]
    rows = [
        ("2026", "A1", "经济发展", "", "1000", "", ""),
        ("2026", "A1.1", "增速", "A1", 1000, "direct", "ZJ"),
    ]
    _page, context = preview(
        admin_client, "scoring/indicator", xlsx(headers, *rows), name="树.xlsx"
    )
    confirm(admin_client, "scoring/indicator", context)
    leaf = Indicator.objects.get(code="A1.1")
    latest = Indicator.history.filter(id=leaf.pk).latest()
    assert latest.history_change_reason == "导入 树.xlsx"
    assert latest.history_user.username == "admin"
    assert [row.unitcategory_id for row in latest.categories.all()] == [category.pk]


def test_load_demo_gives_every_row_of_master_data_its_first_history_row(db):
    call_command("load_demo")
    without = GrowthRecord.objects.exclude(pk__in=GrowthRecord.history.values("id"))
    assert not without.exists()
    # The published year's results are entries of their own, written by publishing it.
    assert set(GrowthRecord.history.values_list("history_change_reason", flat=True)) == {
        "演示数据",
        "发布考核结果",
    }
    for model in (UnitCategory, Unit, Official, Indicator, RaterGroup, Responsibility):
        without = model.objects.exclude(pk__in=model.history.values("id"))
        assert not without.exists(), model
        assert set(model.history.values_list("history_change_reason", flat=True)) == {"演示数据"}
    leaf = Indicator.objects.filter(owners__isnull=False).first()
    first = Indicator.history.get(id=leaf.pk)
    assert first.owners.exists() and first.categories.count() == leaf.categories.count()


def test_the_migration_gives_existing_rows_a_first_history_row(district):
    with history_deferred():
        UnitCategory.objects.create(code="JJ", name="经济部门")
    district["leaf"].categories.add(UnitCategory.objects.get(code="ZJ"))
    for model in (UnitCategory, Unit, Official, Indicator, RaterGroup, Responsibility):
        model.history.all().delete()
    Indicator.history.model.categories.model.objects.all().delete()
    _data_migration_run("0026_master_data_history", "history_start")
    assert changes(UnitCategory, UnitCategory.objects.get(code="JJ").pk) == [
        ("+", "启用变更记录时已有", None)
    ]
    first = Indicator.history.get(id=district["leaf"].pk)
    assert [row.unitcategory.code for row in first.categories.all()] == ["ZJ"]


def test_the_history_page_gives_the_reason_in_the_readers_language(admin_client, district):
    unit = district["unit"]
    url = f"/admin/cadre/unit/{unit.pk}/change/"
    admin_client.post(url, {**form_of(admin_client, url), "name": "城关镇"})
    admin_client.cookies["django_language"] = "en"
    page = admin_client.get(f"/admin/cadre/unit/{unit.pk}/history/").content.decode()
    assert "Admin site" in page and "后台" not in page


def test_a_liaison_given_a_unit_is_recorded_on_the_units_history(admin_client, district):
    unit = district["unit"]
    liaison = get_user_model().objects.create_user("cgjd", password="pw-long-enough")
    url = f"/admin/cadre/unit/{unit.pk}/change/"
    assert (
        admin_client.post(url, {**form_of(admin_client, url), "liaisons": [liaison.pk]}).status_code
        == 302
    )
    latest = Unit.history.filter(id=unit.pk).latest()
    assert (latest.history_type, latest.history_change_reason) == ("~", "后台")
    assert [row.user_id for row in latest.liaisons.all()] == [liaison.pk]
    page = admin_client.get(f"/admin/cadre/unit/{unit.pk}/history/").content.decode()
    assert "单位联络员" in page


def test_a_growth_record_corrected_in_the_admin_keeps_what_it_said(admin_client, district):
    official = district["official"]
    entry = GrowthRecord.objects.create(
        official=official, date=date(2024, 6, 1), kind="award", title="年度考核优秀等次"
    )
    url = f"/admin/cadre/growthrecord/{entry.pk}/change/"
    form = form_of(admin_client, url)
    assert admin_client.post(url, {**form, "title": "2023年度考核优秀等次"}).status_code == 302
    assert changes(GrowthRecord, entry.pk) == [("+", None, None), ("~", "后台", "admin")]
    page = admin_client.get(f"{url.removesuffix('change/')}history/").content.decode()
    assert "年度考核优秀等次" in page and "2023年度考核优秀等次" in page
    # As other master data's history: for reading, not restoring.
    first = GrowthRecord.history.filter(id=entry.pk).earliest()
    history_url = f"/admin/cadre/growthrecord/{entry.pk}/history/{first.history_id}/"
    response = admin_client.post(history_url, form, follow=True)
    assert "变更记录只能查看，不能恢复为历史版本" in response.content.decode()


def test_the_growth_record_migration_starts_their_history_and_the_liaisons(district):
    unit = district["unit"]
    liaison = get_user_model().objects.create_user("cgjd", password="pw-long-enough")
    with history_deferred():
        entry = GrowthRecord.objects.create(
            official=district["official"], date=date(2024, 6, 1), kind="award", title="优秀"
        )
        unit.liaisons.add(liaison)
    GrowthRecord.history.all().delete()
    migration = importlib.import_module("cadre.migrations.0010_growth_record_history")
    state = MigrationExecutor(connection).loader.project_state(
        ("cadre", "0010_growth_record_history")
    )
    editor = SimpleNamespace(quote_name=connection.ops.quote_name, connection=connection)
    migration.history_start(state.apps, editor)
    assert changes(GrowthRecord, entry.pk) == [("+", "启用变更记录时已有", None)]
    latest = Unit.history.filter(id=unit.pk).latest()
    assert [row.user_id for row in latest.liaisons.all()] == [liaison.pk]


def test_units_given_to_a_liaison_from_the_users_side_are_recorded_on_each_unit(district):
    unit, category = district["unit"], district["unit"].category
    other = Unit.objects.create(code="ZJ02", name="东城街道", category=category)
    liaison = get_user_model().objects.create_user("cgjd", password="pw-long-enough")
    liaison.liaison_units.add(unit, other)
    for each in (unit, other):
        latest = Unit.history.filter(id=each.pk).latest()
        assert [row.user_id for row in latest.liaisons.all()] == [liaison.pk]
    liaison.liaison_units.remove(other)
    assert not Unit.history.filter(id=other.pk).latest().liaisons.exists()
    liaison.liaison_units.clear()
    assert not Unit.history.filter(id=unit.pk).latest().liaisons.exists()
    assert Unit.history.filter(id=unit.pk).count() == 3


def test_what_a_rater_group_rates_changed_on_the_cycles_page_is_recorded(
    admin_client, cycle, category, make_indicator
):
    """Two-way assessment (双向考核): the categories and indicators a group rates decide
    which votes count, so their history says who changed them and from what."""
    evaluation = make_indicator("MZ", 50, method="evaluation")
    offices = UnitCategory.objects.create(code="JJ", name="经济部门")
    group = RaterGroup.objects.create(cycle=cycle, code="BM", name="部门评议", weight=1)
    group.categories.set([category])
    url = f"/admin/scoring/cycle/{cycle.pk}/change/"
    form = change_form_data(admin_client, url)
    rated = {
        "rater_groups-0-categories": [offices.pk],
        "rater_groups-0-indicators": [evaluation.pk],
    }
    assert admin_client.post(url, {**form, **rated}).status_code == 302
    latest = RaterGroup.history.filter(id=group.pk).latest("history_id")
    assert (latest.history_change_reason, latest.history_user.username) == ("后台", "admin")
    assert [row.unitcategory.code for row in latest.categories.all()] == ["JJ"]
    assert [row.indicator.code for row in latest.indicators.all()] == ["MZ"]
    page = admin_client.get(f"/admin/scoring/ratergroup/{group.pk}/history/").content.decode()
    # Old → new on the page: from 镇街 to 经济部门, and from every indicator to MZ alone.
    assert all(
        shown in page for shown in ("评议类别", "[镇街]", "[经济部门]", "评议指标", "[MZ MZ]")
    )


def test_the_migration_starts_what_each_rater_group_rates_with_a_history_row(cycle, category):
    group = RaterGroup.objects.create(cycle=cycle, code="BM", name="部门评议", weight=1)
    group.categories.set([category])
    RaterGroup.history.all().delete()
    RaterGroup.history.model.categories.model.objects.all().delete()
    _data_migration_run("0040_rater_group_rated_history", "rated_history_start")
    first = RaterGroup.history.get(id=group.pk)
    assert first.history_change_reason == "启用变更记录时已有"
    assert [row.unitcategory.code for row in first.categories.all()] == [category.code]
    assert not first.indicators.exists()


def test_what_a_rater_group_rates_changed_by_a_bulk_path_alone_is_recorded(
    cycle, category, make_indicator
):
    """A bulk path writes the links without signals; master_data_history_record then finds
    the groups whose rated categories or indicators differ from their latest history row."""
    evaluation = make_indicator("MZ", 50, method="evaluation")
    group = RaterGroup.objects.create(cycle=cycle, code="BM", name="部门评议", weight=1)
    group.categories.set([category])
    untouched = RaterGroup.objects.create(cycle=cycle, code="LD", name="区领导", weight=1)
    before = RaterGroup.history.count()

    def rated_as_recorded():
        latest = RaterGroup.history.filter(id=group.pk).latest("history_id")
        return (
            latest.history_type,
            latest.history_change_reason,
            [row.unitcategory.code for row in latest.categories.all()],
            [row.indicator.code for row in latest.indicators.all()],
        )

    # A link added: the group now rates MZ only.
    RaterGroup.indicators.through.objects.bulk_create(
        [RaterGroup.indicators.through(ratergroup_id=group.pk, indicator_id=evaluation.pk)]
    )
    master_data_history_record(reason="导入 2027.xlsx", by=None, cycle=cycle)
    assert rated_as_recorded() == ("~", "导入 2027.xlsx", [category.code], ["MZ"])
    # A link taken away: the group now rates every category.
    RaterGroup.categories.through.objects.filter(ratergroup_id=group.pk).delete()
    master_data_history_record(reason="导入 2027 更正.xlsx", by=None, cycle=cycle)
    assert rated_as_recorded() == ("~", "导入 2027 更正.xlsx", [], ["MZ"])
    # Nothing changed since: no row, for it or for the group left as it was.
    master_data_history_record(reason="导入 2027 再次.xlsx", by=None, cycle=cycle)
    assert RaterGroup.history.count() == before + 2
    assert RaterGroup.history.filter(id=untouched.pk).count() == 1
