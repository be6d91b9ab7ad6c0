"""The workbook import's changes to the master data are in its history, as the admin's are:
who imported which file, and what each category, unit, official, node, rater group and
responsibility was before."""

import re

import pytest
from django.utils import timezone

from cadre.models import Official, Unit, UnitCategory
from scoring.models import Indicator, IndicatorValue, RaterGroup, Responsibility
from tests.entry.conftest import user_with_role
from tests.workbook.conftest import import_bytes, xlsx

pytestmark = pytest.mark.django_db

ROW = re.compile(r"<tr>\s*<td>[\d: -]+</td>\s*(.*?)</tr>", re.S)
CELL = re.compile(r"<td[^>]*>(.*?)</td>", re.S)


def test_an_import_records_what_it_created_changed_and_replaced(small_sheets):
    clerk = user_with_role("kaoheban")
    import_bytes(xlsx(small_sheets), file_name="2027.xlsx", by=clerk)
    first_tree = set(Indicator.objects.values_list("pk", flat=True))
    for model in (UnitCategory, Unit, Official, Indicator, RaterGroup, Responsibility):
        records = model.history.all()
        assert records.count() == model.objects.count(), model
        assert set(records.values_list("history_type", "history_change_reason")) == {
            ("+", "导入 2027.xlsx")
        }
        assert {record.history_user for record in records} == {clerk}
    leaf = Indicator.objects.get(code="A1.1")
    assert [
        row.unitcategory.code for row in Indicator.history.get(id=leaf.pk).categories.all()
    ] == ["ZJ"]

    # The same file again, but one unit renamed and one official moved.
    small_sheets["units"][1][1] = "东城镇"
    small_sheets["officials"][1][2] = "ZJ02"
    import_bytes(xlsx(small_sheets), file_name="2027 更正.xlsx", by=clerk)
    renamed = Unit.objects.get(code="ZJ02")
    assert [(r.history_type, r.name) for r in renamed.history.order_by("history_id")] == [
        ("+", "东城街道"),
        ("~", "东城镇"),
    ]
    assert Unit.history.filter(history_change_reason="导入 2027 更正.xlsx").count() == 1
    moved = Official.objects.get(code="ZJ01-02")
    assert moved.history.latest().unit_id == renamed.pk
    assert Official.history.filter(history_change_reason="导入 2027 更正.xlsx").count() == 1
    # The tree was replaced: the old nodes are recorded as deleted, the new ones as created.
    deleted = Indicator.history.filter(history_type="-").values_list("id", flat=True)
    assert set(deleted) == first_tree
    assert Responsibility.history.filter(history_type="-").count() == 2
    assert RaterGroup.history.filter(history_type="-").count() == 2
    for model in (Indicator, RaterGroup, Responsibility):
        created = model.history.filter(
            history_type="+", history_change_reason="导入 2027 更正.xlsx"
        )
        assert set(created.values_list("id", flat=True)) == set(
            model.objects.values_list("pk", flat=True)
        )


def test_a_value_whose_review_a_reimport_gave_back_says_so_in_its_history(
    small_sheets, admin_client, admin_user
):
    import_bytes(xlsx(small_sheets), file_name="2027.xlsx")
    IndicatorValue.objects.update(verified_by=admin_user, verified_at=timezone.now())
    import_bytes(xlsx(small_sheets), file_name="2027 再次.xlsx", by=admin_user)
    value = IndicatorValue.objects.get(unit__code="ZJ01", indicator__code="A1.1", period="Q1")

    query = f"cycle={value.indicator.cycle.year}&indicator={value.indicator_id}"
    page = admin_client.get(f"/entry/units/ZJ01/history/?{query}").content.decode()

    rows = [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in CELL.findall(row)]
        for row in ROW.findall(page)
    ]
    # Newest first, each operation with who and from where (the re-import replaced the tree:
    # the indicator's history starts with it).
    assert [row[3:] for row in rows] == [
        ["审核", "admin", "导入 2027 再次.xlsx：审核"],
        ["已创建", "admin", "导入 2027 再次.xlsx"],
    ]
