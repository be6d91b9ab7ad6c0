from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from scoring.models import Cycle, Grade, IndicatorValue, ResultSnapshot, UnitResult
from scoring.services.cycles import cycle_close, cycle_open, cycle_publish, cycle_reopen

pytestmark = pytest.mark.django_db


def test_a_cycle_moves_draft_open_closed_published_and_each_move_is_recorded(
    cycle, admin_user, make_indicator
):
    make_indicator("A1", 1000)
    cycle_open(cycle=cycle, by=admin_user)
    cycle_close(cycle=cycle, by=admin_user)
    cycle_publish(cycle=cycle, by=admin_user)
    cycle.refresh_from_db()
    assert cycle.state == Cycle.State.PUBLISHED
    records = cycle.history.order_by("history_id")
    assert [(r.state, r.history_user) for r in records] == [
        ("draft", None),
        ("open", admin_user),
        ("closed", admin_user),
        ("published", admin_user),
    ]


def test_moves_out_of_order_are_refused(cycle, admin_user):
    with pytest.raises(ValidationError, match="当前为“草稿”，不能改为“已关闭”"):
        cycle_close(cycle=cycle, by=admin_user)
    with pytest.raises(ValidationError, match="不能改为“已发布”"):
        cycle_publish(cycle=cycle, by=admin_user)


def test_only_admins_move_a_cycle(cycle, scorer):
    with pytest.raises(PermissionDenied):
        cycle_open(cycle=cycle, by=scorer)
    cycle.refresh_from_db()
    assert cycle.state == Cycle.State.DRAFT


def test_reopening_needs_a_reason_which_is_recorded(open_cycle, admin_user):
    cycle_close(cycle=open_cycle, by=admin_user)
    with pytest.raises(ValidationError, match="重新开放必须说明理由"):
        cycle_reopen(cycle=open_cycle, by=admin_user, reason="  ")
    cycle_reopen(cycle=open_cycle, by=admin_user, reason="统计局更正三季度数据")
    latest = open_cycle.history.latest()
    assert latest.state == Cycle.State.OPEN
    assert latest.history_change_reason == "周期管理页面：重新开放：统计局更正三季度数据"


def test_the_published_snapshot_is_not_changed_by_a_later_recomputation(
    open_cycle, admin_user, unit, make_indicator
):
    indicator = make_indicator("A1", 1000, frequency="annual")
    IndicatorValue.objects.create(
        indicator=indicator, unit=unit, period="Y", value=Decimal("912.34")
    )
    open_cycle.bonus_cap = Decimal("40")
    open_cycle.save()
    cycle_close(cycle=open_cycle, by=admin_user)
    snapshot = cycle_publish(cycle=open_cycle, by=admin_user)
    # What a recomputation does to the live results after publication.
    UnitResult.objects.filter(cycle=open_cycle).update(total=Decimal("700"), grade=Grade.FAIR)
    Cycle.objects.filter(pk=open_cycle.pk).update(bonus_cap=Decimal("10"))
    frozen = ResultSnapshot.objects.get(pk=snapshot.pk)
    assert frozen.results == [
        {
            "unit": "ZJ01",
            "unit_name": "城关街道",
            "category": "ZJ",
            "period": "Y",
            "total": "912.34",
            "rank": 1,
            "grade": "good",
            "vetoed": False,
            "bonus": "0.00",
            "adjustment": "0.00",
        }
    ]
    assert frozen.cycle_settings["bonus_cap"] == "40.00"
    assert frozen.cycle_settings["rater_groups"] == {"LD": "0.5000"}
    assert frozen.published_by == admin_user


def test_the_cycles_page_moves_a_cycle_and_lists_the_moves(client, open_cycle, admin_user):
    client.force_login(admin_user)
    response = client.post(f"/entry/cycles/{open_cycle.pk}/move/", {"action": "close"})
    assert response.status_code == 302
    page = client.get("/entry/cycles/").content.decode()
    assert "现为“已关闭”" in page
    assert "填报中 → 已关闭" in page
    client.post(f"/entry/cycles/{open_cycle.pk}/move/", {"action": "reopen", "reason": ""})
    open_cycle.refresh_from_db()
    assert open_cycle.state == Cycle.State.CLOSED


def test_the_cycles_page_opens_before_any_cycle_exists(client, admin_user):
    client.force_login(admin_user)
    response = client.get("/entry/cycles/")
    assert response.status_code == 200
    assert "暂无" in response.content.decode()


def test_the_cycles_page_shows_the_last_publication_and_the_reason_field(
    client, open_cycle, admin_user, make_indicator
):
    make_indicator("A1", 1000)
    cycle_close(cycle=open_cycle, by=admin_user)
    cycle_publish(cycle=open_cycle, by=admin_user)
    latest = ResultSnapshot.objects.create(cycle=open_cycle, published_by=admin_user)
    ResultSnapshot.objects.filter(pk=latest.pk).update(
        published_at=datetime(2030, 1, 2, 3, 4, tzinfo=UTC)
    )
    client.force_login(admin_user)
    page = client.get("/entry/cycles/").content.decode()
    assert "2030-01-02" in page
    assert '<input type="text" name="reason" placeholder="重新开放的理由"' in page
    assert 'maxlength="80" required>' in page  # refused empty before anything is sent
    assert 'id="id_reason"' not in page


def test_the_cycles_page_names_the_source_of_a_move_in_english(client, open_cycle, admin_user):
    cycle_close(cycle=open_cycle, by=admin_user)
    cycle_reopen(cycle=open_cycle, by=admin_user, reason="统计局更正三季度数据")
    client.force_login(admin_user)
    page = client.get("/entry/cycles/", headers={"accept-language": "en"}).content.decode()
    assert "Cycles page: Reopened: 统计局更正三季度数据" in page
    assert "周期管理页面" not in page
