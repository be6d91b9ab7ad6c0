"""A closed quarter refuses every change of its values, votes, adjustments and verifications,
by every path that writes them, naming the quarter; the other quarters go on taking input."""

import io
from decimal import Decimal

import pytest
from django.test import Client

from scoring.models import (
    Adjustment,
    Cycle,
    ImportRecord,
    Indicator,
    IndicatorValue,
    UnitResult,
    Vote,
)
from scoring.services.cycles import cycle_quarter_close
from scoring.services.evaluations import (
    VoteCounts,
    adjustment_create,
    adjustment_withdraw,
    votes_save,
)
from scoring.services.values import CellInput, CycleLockedError, values_save
from scoring.services.workbook import WorkbookInvalid, workbook_export
from scoring.services.workbook_imports import workbook_import
from tests.quarters import quarter_district

pytestmark = pytest.mark.django_db

CLOSED = "2026年度考核 第一季度已关闭，不能再修改该季度的数据；如需更正，请考核办重新开放该季度。"


@pytest.fixture
def district():
    made = quarter_district()
    made["cycle"] = cycle_quarter_close(cycle=made["cycle"], quarter="Q1", by=made["admin"])
    return made


@pytest.fixture
def admin_client(district):
    client = Client()
    district["admin"].is_superuser = True
    district["admin"].save()
    client.force_login(district["admin"])
    return client


def _value(district, code="ZJ01", period="Q1") -> IndicatorValue:
    return IndicatorValue.objects.get(
        unit=district["units"][code], indicator=district["leaves"][0], period=period
    )


def _cell(district, period, raw="10"):
    return CellInput(
        unit=district["units"]["ZJ01"], indicator=district["leaves"][0], period=period, raw=raw
    )


def test_the_service_refuses_a_closed_quarters_values_and_takes_the_next(district):
    cycle, admin = district["cycle"], district["admin"]
    with pytest.raises(CycleLockedError, match=CLOSED):
        values_save(cycle=cycle, cells=[_cell(district, "Q1")], by=admin, source="填报页面")
    # One closed quarter among the cells refuses them all: nothing half-saved.
    with pytest.raises(CycleLockedError, match="第一季度已关闭"):
        values_save(
            cycle=cycle,
            cells=[_cell(district, "Q2"), _cell(district, "Q1")],
            by=admin,
            source="填报页面",
        )
    assert _value(district, period="Q2").value == Decimal("150")
    report = values_save(cycle=cycle, cells=[_cell(district, "Q2")], by=admin, source="填报页面")
    assert report.updated == 1


def test_the_grid_shows_a_closed_quarter_read_only_and_refuses_its_save(district, admin_client):
    cycle, value = district["cycle"], _value(district)
    url = f"/entry/?cycle={cycle.year}&period=Q1"
    page = admin_client.get(url).content.decode()
    assert "第一季度已关闭，数据只能查看，不能修改；如需更正，请考核办重新开放该季度。" in page
    assert 'id="save"' not in page
    assert "第一季度（已关闭）" in page
    cell = f"c-{value.unit_id}-{value.indicator_id}-{value.version}"
    page = admin_client.post(url, {cell: "10"}, follow=True).content.decode()
    assert CLOSED in page
    assert _value(district).value == Decimal("200")
    open_page = admin_client.get(f"/entry/?cycle={cycle.year}&period=Q2").content.decode()
    assert 'id="save"' in open_page and "数据只能查看" not in open_page


def test_the_entry_pages_open_on_a_quarter_still_open(district, admin_client):
    cycle = district["cycle"]
    for url in ["/entry/verify/", "/entry/adjustments/"]:
        page = admin_client.get(f"{url}?cycle={cycle.year}")
        assert page.context["period"] == "Q2", url
    # The grid and the sheet import, which offers the grid's template, pass over the quarters
    # done too: Q2 is filled, Q3 is not.
    for url in ["/entry/", "/entry/sheets/"]:
        assert admin_client.get(f"{url}?cycle={cycle.year}").context["period"] == "Q3", url
    IndicatorValue.objects.filter(period="Q1").delete()
    assert admin_client.get(f"/entry/?cycle={cycle.year}").context["period"] == "Q3"


def test_votes_of_a_closed_quarter_are_read_only_and_refused(district, admin_client):
    cycle, admin, unit = district["cycle"], district["admin"], district["units"]["ZJ01"]
    evaluation = Indicator.objects.create(
        cycle=cycle, code="E1", name="季度测评", max_points=50, method=Indicator.Method.EVALUATION
    )
    group = cycle.rater_groups.get()
    counts = [VoteCounts(rater_group=group, excellent=9, competent=1, basic=0, incompetent=0)]
    with pytest.raises(CycleLockedError, match=CLOSED):
        votes_save(
            cycle=cycle,
            indicator=evaluation,
            unit=unit,
            period="Q1",
            counts=counts,
            by=admin,
            source="填报页面",
        )
    url = f"/entry/votes/?cycle={cycle.year}&period=Q1&indicator={evaluation.pk}&unit={unit.pk}"
    page = admin_client.get(url).content.decode()
    assert page.count(" disabled") == 4
    assert "保存并下一单位" not in page
    form = {f"g{group.pk}-{kind}": 1 for kind in Vote.KINDS}
    assert CLOSED in admin_client.post(url, form, follow=True).content.decode()
    assert not Vote.objects.exists()
    votes_save(
        cycle=cycle,
        indicator=evaluation,
        unit=unit,
        period="Q2",
        counts=counts,
        by=admin,
        source="填报页面",
    )
    assert Vote.objects.get().period == "Q2"


def test_adjustments_of_a_closed_quarter_are_neither_recorded_nor_withdrawn(district, admin_client):
    cycle, admin, unit = district["cycle"], district["admin"], district["units"]["ZJ01"]
    recorded = {"unit": unit, "points": Decimal(5), "reason": "抗洪", "approved_by": "区委"}
    Cycle.objects.filter(pk=cycle.pk).update(state_q1="open")
    earlier = adjustment_create(cycle=cycle, period="Q1", by=admin, source="填报页面", **recorded)
    Cycle.objects.filter(pk=cycle.pk).update(state_q1="closed")
    with pytest.raises(CycleLockedError, match=CLOSED):
        adjustment_create(cycle=cycle, period="Q1", by=admin, source="填报页面", **recorded)
    with pytest.raises(CycleLockedError, match=CLOSED):
        adjustment_withdraw(
            cycle=cycle, adjustment_id=earlier.pk, reason="录错", by=admin, source="填报页面"
        )
    later = adjustment_create(cycle=cycle, period="Q2", by=admin, source="填报页面", **recorded)
    page = admin_client.get(f"/entry/adjustments/?cycle={cycle.year}").content.decode()
    assert "第一季度已关闭，不能再记录或撤销这些季度的调整。" in page
    assert f'name="withdraw" value="{later.pk}"' in page
    assert f'name="withdraw" value="{earlier.pk}"' not in page
    assert Adjustment.objects.count() == 2


@pytest.mark.parametrize(
    ("language", "named"), [("zh-hans", "第一季度、第二季度已关闭"), ("en", "Q1, Q2 closed")]
)
def test_the_closed_quarters_are_named_as_a_list_of_the_pages_language(
    district, admin_client, language, named
):
    cycle = district["cycle"]
    Cycle.objects.filter(pk=cycle.pk).update(state_q1="closed", state_q2="closed")
    admin_client.cookies["django_language"] = language
    for url in (f"/entry/adjustments/?cycle={cycle.year}", f"/entry/sheets/?cycle={cycle.year}"):
        assert named in admin_client.get(url).content.decode()


def test_a_closed_quarters_values_are_not_verified(district, admin_client):
    cycle, leaf = district["cycle"], district["leaves"][0]
    url = f"/entry/verify/?cycle={cycle.year}&period=Q1"
    page = admin_client.get(url).content.decode()
    assert ">标记为已审核</button>" not in page
    page = admin_client.post(url, {"indicator": [leaf.pk]}, follow=True).content.decode()
    assert CLOSED in page
    assert not IndicatorValue.objects.filter(period="Q1", verified_at__isnull=False).exists()
    admin_client.post(f"/entry/verify/?cycle={cycle.year}&period=Q2", {"indicator": [leaf.pk]})
    assert IndicatorValue.objects.filter(period="Q2", verified_at__isnull=False).count() == 2


def test_the_admin_refuses_a_closed_quarters_rows_and_takes_the_others(district, admin_client):
    cycle, value = district["cycle"], _value(district)
    form = {"indicator": value.indicator_id, "unit": value.unit_id, "period": "Q1", "value": "7"}
    assert (
        admin_client.post(f"/admin/scoring/indicatorvalue/{value.pk}/change/", form).status_code
        == 403
    )
    delete = f"/admin/scoring/indicatorvalue/{value.pk}/delete/"
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    other = IndicatorValue.objects.get(
        unit=value.unit, indicator=district["leaves"][1], period="Q1"
    )
    other.delete()
    page = admin_client.post(
        "/admin/scoring/indicatorvalue/add/", {**form, "indicator": other.indicator_id}
    )
    assert CLOSED in page.content.decode()
    adjustment = {
        "cycle": cycle.pk,
        "unit": value.unit_id,
        "period": "Q1",
        "points": "3",
        "reason": "抗洪",
        "approved_by": "区委常委会",
    }
    page = admin_client.post("/admin/scoring/adjustment/add/", adjustment)
    assert CLOSED in page.content.decode()
    assert not Adjustment.objects.exists()
    # The bulk delete of values that include a closed quarter's deletes none of them.
    q2 = _value(district, period="Q2")
    page = admin_client.post(
        "/admin/scoring/indicatorvalue/",
        {"action": "delete_selected", "_selected_action": [value.pk, q2.pk], "post": "yes"},
        follow=True,
    )
    assert CLOSED in page.content.decode()
    assert IndicatorValue.objects.filter(pk__in=[value.pk, q2.pk]).count() == 2
    # A closed quarter's results are not deleted either: nothing would compute them again.
    result = UnitResult.objects.get(cycle=cycle, unit=value.unit, period="Q1")
    assert (
        admin_client.post(
            f"/admin/scoring/unitresult/{result.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    change = f"/admin/scoring/indicatorvalue/{q2.pk}/change/"
    q2_form = {**form, "period": "Q2", "value": "7"}
    assert admin_client.post(change, q2_form).status_code == 302
    assert _value(district).value == Decimal("200")
    assert _value(district, period="Q2").value == Decimal("7")


def test_the_workbook_import_refuses_to_replace_a_cycle_with_a_closed_quarter(district):
    buffer = io.BytesIO()
    workbook_export(cycle=district["cycle"]).save(buffer)
    with pytest.raises(WorkbookInvalid) as raised:
        workbook_import(file=io.BytesIO(buffer.getvalue()), file_name="2026.xlsx")
    [problem] = raised.value.problems
    assert problem.message == f"整套导入会替换整个周期的数据和指标体系：{CLOSED}"
    assert not ImportRecord.objects.exists()
    Cycle.objects.filter(pk=district["cycle"].pk).update(state_q1="open")
    workbook_import(file=io.BytesIO(buffer.getvalue()), file_name="2026.xlsx")
    assert ImportRecord.objects.get().rows_changed
