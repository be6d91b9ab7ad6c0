"""A scorer's sheet that would change a closed quarter is refused, naming the quarter and the
first such cell; the closed quarter's unchanged rows pass; a pending import of a quarter closed
since its preview cannot be confirmed."""

from decimal import Decimal

import pytest

from cadre import roles
from scoring.models import ImportRecord, IndicatorValue
from scoring.services.sheets import ImportRefused, sheet_import_commit, sheet_import_start
from tests.entry.conftest import user_with_role
from tests.sheets.conftest import quarter_closed
from tests.sheets.records import record_changes, record_problems

pytestmark = pytest.mark.django_db

LONG = ["unit", "indicator", "period", "value"]


@pytest.fixture
def kaoheban(db):
    return user_with_role("kaoheban", roles.ADMIN)


def _close_q1(district, kaoheban):
    district["cycle"] = quarter_closed(district["cycle"], "Q1", kaoheban)


def _start(district, scorer, upload, period=""):
    return sheet_import_start(cycle=district["cycle"], user=scorer, period=period, upload=upload)


def test_a_wide_sheet_changing_a_closed_quarter_is_refused_at_its_first_cell(
    district, scorer, kaoheban, xlsx
):
    _close_q1(district, kaoheban)
    upload = xlsx([["unit", "GDP", "SAFE"], ["ZJ01", 15, 1], ["JJ01", 12, 0]], title="Q1")
    record = _start(district, scorer, upload)
    assert record.status == ImportRecord.Status.FAILED
    assert record_problems(record, with_sheet=True) == [
        (
            "Q1",
            2,
            "C",
            "第一季度已关闭，不能再修改该季度的数据：文件中有 3 个该季度的数值与已保存的不同，"
            "此处为第一个；如需更正，请考核办重新开放该季度。",
        )
    ]
    assert IndicatorValue.objects.count() == 1


def test_a_long_sheet_may_repeat_a_closed_quarter_as_stored_and_bring_the_next(
    district, scorer, kaoheban, xlsx
):
    _close_q1(district, kaoheban)
    upload = xlsx([LONG, ["ZJ01", "GDP", "Q1", 15], ["ZJ01", "GDP", "Q2", 16]])
    record = _start(district, scorer, upload)
    assert record.status == ImportRecord.Status.PENDING
    assert record_changes(record, district) == {("ZJ01", "GDP", "Q2"): (None, "16")}
    sheet_import_commit(record=record, by=scorer)
    assert IndicatorValue.objects.get(period="Q2").value == Decimal(16)


def test_a_long_sheet_changing_a_closed_quarter_names_it_once(district, scorer, kaoheban, xlsx):
    _close_q1(district, kaoheban)
    upload = xlsx(
        [
            LONG,
            ["ZJ01", "GDP", "Q2", 16],
            ["ZJ01", "GDP", "Q1", 17],
            ["JJ01", "GDP", "Q1", 12],
        ]
    )
    record = _start(district, scorer, upload)
    assert record_problems(record) == [
        (
            3,
            "D",
            "第一季度已关闭，不能再修改该季度的数据：文件中有 2 个该季度的数值与已保存的不同，"
            "此处为第一个；如需更正，请考核办重新开放该季度。",
        )
    ]
    assert not record.changes


def test_an_import_previewed_before_its_quarter_closed_is_not_confirmed(
    client, district, scorer, kaoheban, xlsx
):
    upload = xlsx([["unit", "GDP"], ["ZJ01", 18]])
    record = _start(district, scorer, upload, period="Q1")
    assert record.status == ImportRecord.Status.PENDING
    _close_q1(district, kaoheban)
    with pytest.raises(ImportRefused, match="2026年度考核 第一季度已关闭，不能再修改该季度的数据"):
        sheet_import_commit(record=record, by=scorer)
    assert IndicatorValue.objects.get().value == Decimal(15)
    record.refresh_from_db()
    assert record.status == ImportRecord.Status.PENDING
    client.force_login(scorer)
    page = client.get(f"/entry/sheets/imports/{record.pk}/").content.decode()
    assert "2026年度考核 第一季度已关闭，这次导入不能再确认，可以放弃。" in page
    assert "确认导入" not in page
    index = client.get(f"/entry/sheets/?cycle={district['cycle'].year}").content.decode()
    assert "第一季度已关闭：文件中这些季度的数值与已保存的不同时，整个文件不能导入。" in index
