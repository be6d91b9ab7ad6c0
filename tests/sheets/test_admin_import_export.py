from decimal import Decimal

import pytest
import tablib

from cadre.models import Official, Unit, UnitCategory
from cadre.resources import OfficialResource, UnitResource
from scoring.models import Indicator, IndicatorValue, Responsibility, UnitResult
from scoring.resources import IndicatorResource, ResponsibilityResource
from scoring.services.refresh import results_refresh_all


@pytest.fixture
def categories(db):
    return [UnitCategory.objects.create(code=code, name=code) for code in ("ZJ", "JJ")]


def _units(count):
    rows = [
        (f"U{number:04d}", f"单位{number}", "ZJ" if number % 2 else "JJ") for number in range(count)
    ]
    return tablib.Dataset(*rows, headers=["code", "name", "category"])


@pytest.mark.parametrize("count", [5, 200])
def test_units_import_in_bulk_with_one_query_for_all_categories(
    categories, count, django_assert_max_num_queries
):
    # existing units, categories, the bulk insert (two on SQLite, which splits it at 999
    # parameters), their history rows and the liaisons each keeps (a statement each), eight
    # savepoint statements around them, the cycles whose results to redo
    with django_assert_max_num_queries(15):
        result = UnitResource().import_data(_units(count), dry_run=False)
    assert not result.has_errors()
    assert Unit.objects.filter(category__code="ZJ").count() == count // 2


def test_a_dry_run_previews_and_writes_nothing(categories):
    result = UnitResource().import_data(_units(3), dry_run=True)
    assert result.totals["new"] == 3
    assert not Unit.objects.exists()


def test_an_unknown_category_is_reported_on_its_row(categories):
    dataset = tablib.Dataset(("U1", "甲", "ZZ"), headers=["code", "name", "category"])
    result = UnitResource().import_data(dataset, dry_run=True)
    assert result.invalid_rows[0].number == 2
    assert result.invalid_rows[0].error_dict == {"category": ["未知单位类别代码“ZZ”"]}


def test_exports_never_carry_a_runnable_formula(categories):
    Unit.objects.create(code="U1", name='=HYPERLINK("http://x")', category=categories[0])
    Unit.objects.create(code="U2", name="@SUM(A1)", category=categories[0])
    Official.objects.create(code="O1", name="+张三", unit=Unit.objects.get(code="U1"))
    names = UnitResource().export().dict
    assert [row["name"] for row in names] == ['\'=HYPERLINK("http://x")', "'@SUM(A1)"]
    assert OfficialResource().export().dict[0]["name"] == "'+张三"
    xlsx = UnitResource().export().export("xlsx")
    assert b"<f>" not in xlsx


def test_the_indicator_tree_and_responsibilities_round_trip(cycle, make_indicator, categories):
    area = make_indicator("A", 1000, method="")
    make_indicator("A1", 1000, parent=area).categories.add(categories[0])
    unit = Unit.objects.create(code="U1", name="甲", category=categories[0])
    official = Official.objects.create(code="O1", name="张三", unit=unit)
    exported = IndicatorResource().export()
    assert exported.dict[1]["parent"] == "A" and exported.dict[1]["categories"] == "ZJ"
    Indicator.objects.all().delete()
    result = IndicatorResource().import_data(exported, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    child = Indicator.objects.get(code="A1")
    assert (child.parent.code, child.max_points) == ("A", Decimal("1000.00"))
    assert list(child.categories.values_list("code", flat=True)) == ["ZJ"]
    dataset = tablib.Dataset(("O1", 2026, "A1"), headers=["official", "cycle", "indicator"])
    result = ResponsibilityResource().import_data(dataset, dry_run=False)
    assert not result.has_errors()
    assert Responsibility.objects.get().official == official


def test_the_admin_offers_xlsx_and_csv_import_and_export(admin_client, categories):
    page = admin_client.get("/admin/cadre/unit/import/").content.decode()
    assert "xlsx" in page and "csv" in page
    response = admin_client.get("/admin/scoring/indicatorvalue/export/")
    assert response.status_code == 200


@pytest.mark.parametrize("dry_run", [True, False])
def test_importing_the_tree_recomputes_results_only_for_real(
    cycle, make_indicator, categories, dry_run
):
    area = make_indicator("A", 1000, method="")
    leaf = make_indicator("A1", 100, method="completion", parent=area, target=Decimal(50))
    leaf.categories.add(categories[0])
    unit = Unit.objects.create(code="U1", name="甲", category=categories[0])
    IndicatorValue.objects.create(unit=unit, indicator=leaf, period="Q1", value=Decimal(25))
    results_refresh_all(cycle=cycle)
    assert UnitResult.objects.get(unit=unit, period="Q1").earned == Decimal("50.0000")
    exported = IndicatorResource().export()
    exported[1] = tuple(
        "200" if header == "max_points" else cell
        for header, cell in zip(exported.headers, exported[1], strict=True)
    )
    result = IndicatorResource().import_data(exported, dry_run=dry_run)
    assert not result.has_errors() and not result.has_validation_errors()
    earned = UnitResult.objects.get(unit=unit, period="Q1").earned
    assert earned == (Decimal("50.0000") if dry_run else Decimal("100.0000"))


@pytest.fixture
def ranked(cycle, make_indicator, categories):
    """U1 and U2, both towns, with results in the open cycle and in a published one."""
    from scoring.models import Cycle

    area = make_indicator("A", 1000, method="")
    leaf = make_indicator("A1", 100, parent=area)
    units = [
        Unit.objects.create(code=f"U{number}", name=f"单位{number}", category=categories[0])
        for number in (1, 2)
    ]
    for unit, figure in zip(units, (80, 60), strict=True):
        IndicatorValue.objects.create(unit=unit, indicator=leaf, period="Q1", value=figure)
    results_refresh_all(cycle=cycle)
    published = Cycle.objects.create(year=cycle.year - 1)
    area = Indicator.objects.create(cycle=published, code="B", name="B", max_points=1000)
    old = Indicator.objects.create(
        cycle=published, code="B1", name="B1", max_points=100, method="direct", parent=area
    )
    IndicatorValue.objects.create(unit=units[1], indicator=old, period="Q1", value=50)
    results_refresh_all(cycle=published)
    Cycle.objects.filter(pk=published.pk).update(state=Cycle.State.PUBLISHED)
    return units


def _categories_of_results(cycle):
    return dict(
        UnitResult.objects.filter(cycle=cycle, period="Q1").values_list(
            "unit__code", "category__code"
        )
    )


def test_moving_a_unit_by_import_reranks_the_open_cycle_only(cycle, ranked, categories):
    published_before = _categories_of_results(cycle.__class__.objects.get(year=cycle.year - 1))
    assert published_before == {"U1": "ZJ", "U2": "ZJ"}
    dataset = tablib.Dataset(("U2", "单位2", "JJ"), headers=["code", "name", "category"])
    assert not UnitResource().import_data(dataset, dry_run=True).has_errors()
    assert _categories_of_results(cycle) == {"U1": "ZJ", "U2": "ZJ"}
    UnitResource().import_data(dataset, dry_run=False)
    assert _categories_of_results(cycle) == {"U1": "ZJ", "U2": "JJ"}
    assert UnitResult.objects.get(cycle=cycle, unit__code="U2", period="Q1").rank == 1
    published = cycle.__class__.objects.get(year=cycle.year - 1)
    assert _categories_of_results(published) == published_before


def test_moving_or_retiring_a_unit_in_its_change_form_reranks(admin_client, cycle, ranked):
    unit = ranked[1]
    form = {"code": unit.code, "name": unit.name, "category": unit.category_id, "sort_order": 0}
    form["category"] = UnitCategory.objects.get(code="JJ").pk
    response = admin_client.post(
        f"/admin/cadre/unit/{unit.pk}/change/", {**form, "is_active": "on"}
    )
    assert response.status_code == 302
    assert _categories_of_results(cycle) == {"U1": "ZJ", "U2": "JJ"}
    admin_client.post(f"/admin/cadre/unit/{unit.pk}/change/", form)
    assert _categories_of_results(cycle) == {"U1": "ZJ"}
