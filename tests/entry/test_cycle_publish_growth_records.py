"""Publishing a cycle writes each scored official's annual result into their growth record
(干部成长纪实), once per cycle: publishing again after a correction rewrites the entry, with the
change in its history."""

from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.utils.translation import override

from cadre.models import GrowthRecord, Official
from scoring.models import Cycle, Indicator, IndicatorValue, OfficialScore
from scoring.services.cycles import cycle_close, cycle_publish, cycle_reopen
from scoring.services.explain import own_part_shown
from scoring.services.growth import growth_records_assessment_write
from tests.locked_years import district_make, year_scored

pytestmark = pytest.mark.django_db


@pytest.fixture
def units():
    return district_make()


@pytest.fixture
def closed_year(units, admin_user):
    cycle = year_scored(year=2026, state=Cycle.State.OPEN, units=units)
    # A tree that adds up, as publishing demands: A1 (130) and an annual area of 870.
    Indicator.objects.filter(cycle=cycle, code="A1").update(max_points=130)
    Indicator.objects.create(
        cycle=cycle, code="A2", name="综合评价", max_points=870, method="direct", frequency="annual"
    )
    cycle.refresh_from_db()
    return cycle_close(cycle=cycle, by=admin_user)


def assessment(code: str) -> GrowthRecord:
    return GrowthRecord.objects.get(official__code=code, kind=GrowthRecord.Kind.ASSESSMENT)


def test_publishing_writes_the_result_into_each_officials_growth_record(closed_year, admin_user):
    cycle_publish(cycle=closed_year, by=admin_user)
    score = OfficialScore.objects.get(official__code="ZJ01-01", cycle=closed_year, period="Y")
    entry = assessment("ZJ01-01")
    assert entry.cycle == closed_year
    assert entry.title == (
        f"2026年度考核：单位ZJ01领导班子较差（镇街第1名/共4个），个人得分{score.score}"
    )
    own = own_part_shown(score=score)
    assert entry.detail == (
        f"个人得分 = 班子总分 {score.unit_total} × 0.7 + 个人指标得分 {own} × 0.3 = {score.score}"
    )
    # As a reader checks it with a calculator.
    worked = score.unit_total * Decimal("0.7") + Decimal(own) * Decimal("0.3")
    assert worked.quantize(Decimal("0.01"), ROUND_HALF_UP) == score.score
    assert GrowthRecord.objects.filter(kind=GrowthRecord.Kind.ASSESSMENT).count() == 7
    assert assessment("JJ03-01").title.startswith(
        "2026年度考核：单位JJ03领导班子较差（经济部门第3名/共3个）"
    )


def test_publishing_again_after_a_correction_rewrites_the_entry(closed_year, admin_user):
    cycle_publish(cycle=closed_year, by=admin_user)
    first = assessment("ZJ04-01").title
    cycle_reopen(cycle=closed_year, by=admin_user, reason="更正第一季度数据")
    IndicatorValue.objects.filter(unit__code="ZJ04", indicator__code="A1.3").update(
        value=Decimal("30")
    )
    cycle_close(cycle=closed_year, by=admin_user)
    cycle_publish(cycle=closed_year, by=admin_user)
    entry = assessment("ZJ04-01")
    assert entry.title != first
    assert GrowthRecord.objects.filter(official__code="ZJ04-01").count() == 1
    versions = list(entry.history.order_by("history_id"))
    assert [(v.history_type, v.title) for v in versions] == [("+", first), ("~", entry.title)]
    assert {(v.history_change_reason, v.history_user) for v in versions} == {
        ("发布考核结果", admin_user)
    }


def test_an_unchanged_result_published_again_writes_no_history(closed_year, admin_user):
    cycle_publish(cycle=closed_year, by=admin_user)
    cycle_reopen(cycle=closed_year, by=admin_user, reason="复核")
    cycle_close(cycle=closed_year, by=admin_user)
    cycle_publish(cycle=closed_year, by=admin_user)
    assert assessment("ZJ01-01").history.count() == 1


def test_the_entry_is_written_in_chinese_whatever_the_publishers_language(closed_year, admin_user):
    with override("en"):
        cycle_publish(cycle=closed_year, by=admin_user)
    assert "领导班子较差" in assessment("ZJ02-01").title


# Three reads, an insert and an update of entries, a history statement, and a savepoint's two.
WRITE_QUERIES = 8


def test_the_entries_cost_the_same_queries_for_more_officials(
    closed_year, admin_user, units, django_assert_max_num_queries
):
    with django_assert_max_num_queries(WRITE_QUERIES):
        assert growth_records_assessment_write(cycle=closed_year, by=admin_user) == 7
    for code, unit in units.items():
        for number in range(2, 6):
            Official.objects.create(
                code=f"{code}-0{number}", name=f"委员{code}{number}", unit=unit, role="member"
            )
    cycle_reopen(cycle=closed_year, by=admin_user, reason="班子成员补录")
    cycle_close(cycle=closed_year, by=admin_user)
    with django_assert_max_num_queries(WRITE_QUERIES):
        assert growth_records_assessment_write(cycle=closed_year, by=admin_user) == 28
