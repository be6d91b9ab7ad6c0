import threading
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from talent.models import (
    FundYear,
    Programme,
    Subsidy,
    Talent,
    TalentStatusChange,
    TalentTarget,
)
from talent.services.registry import (
    talent_arrival_undo,
    talent_progress,
    talent_progress_by_level,
    talent_progress_total,
    talent_register,
    talent_status_change,
    talent_year_shown,
)
from talent.services.subsidies import (
    subsidy_approve,
    subsidy_reject,
    subsidy_request,
    subsidy_withdraw,
)

pytestmark = pytest.mark.django_db


def test_a_talent_moves_from_talks_to_applied_to_arrived_with_dated_steps(programme, admin_user):
    talent = talent_register(
        talent=Talent(name="李强", programme=programme, year=2026, status_date=date(2026, 1, 10)),
        by=admin_user,
    )
    talent_status_change(talent=talent, status="applied", on=date(2026, 3, 1), by=admin_user)
    talent_status_change(talent=talent, status="arrived", on=date(2026, 6, 1), by=admin_user)
    assert list(talent.status_changes.values_list("status", "date")) == [
        ("talks", date(2026, 1, 10)),
        ("applied", date(2026, 3, 1)),
        ("arrived", date(2026, 6, 1)),
    ]


def test_a_talent_cannot_go_back_or_leave_a_final_status(make_talent):
    talent = make_talent(status=Talent.Status.APPLIED)
    with pytest.raises(ValidationError, match="当前状态为“申报”，不能改为“在谈”"):
        talent_status_change(talent=talent, status="talks", on=date(2026, 4, 1))
    with pytest.raises(ValidationError, match="早于上一次状态日期 2026-03-01"):
        talent_status_change(talent=talent, status="arrived", on=date(2026, 2, 1))
    talent_status_change(talent=talent, status="dropped", on=date(2026, 4, 1))
    with pytest.raises(ValidationError):
        talent_status_change(talent=talent, status="arrived", on=date(2026, 5, 1))


def test_progress_counts_each_programme_of_the_year_by_status(programme, make_talent):
    academician = Programme.objects.create(code="ACAD", name="院士", sort_order=1)
    TalentTarget.objects.create(year=2026, programme=programme, target=4)
    for status in ["talks", "applied", "arrived", "arrived", "dropped"]:
        make_talent(status=status)
    make_talent(status="arrived", year=2025)
    make_talent(programme=academician)
    progress = talent_progress(year=2026)
    assert [row.programme.code for row in progress] == ["ACAD", "SSBS"]
    rows = {row.programme.code: row for row in progress}
    masters = rows["SSBS"]
    assert (masters.target, masters.talks, masters.applied, masters.arrived, masters.dropped) == (
        4,
        1,
        1,
        2,
        1,
    )
    assert masters.share_arrived == 50
    assert (rows["ACAD"].target, rows["ACAD"].talks, rows["ACAD"].share_arrived) == (None, 1, None)


def test_a_talent_is_counted_from_2000_on_whichever_way_it_is_registered(programme):
    talent = Talent(name="李娜", programme=programme, year=1999, status_date=date(1999, 3, 1))
    with pytest.raises(ValidationError) as error:
        talent_register(talent=talent)
    assert error.value.message_dict == {"year": ["引才年度应不早于 2000 年"]}
    assert not Talent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_status_changes_sent_at_once_are_made_one_after_the_other(make_talent):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no row locks and serialises writers; run this on PostgreSQL")
    talent = make_talent()
    start = threading.Barrier(2)
    outcomes = []

    def change(status):
        try:
            # Each request reads the talent, still in talks, before either changes it.
            read = Talent.objects.get(pk=talent.pk)
            start.wait()
            talent_status_change(talent=read, status=status, on=date(2026, 4, 1))
            outcomes.append(status)
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    # Both final: whichever comes second finds the talent gone from talks.
    threads = [threading.Thread(target=change, args=(s,)) for s in ("arrived", "dropped")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    talent.refresh_from_db()
    assert sorted(outcomes) == sorted([talent.status, "refused"])
    assert list(talent.status_changes.values_list("status", flat=True)) == [talent.status]


def test_the_registry_filters_offer_all_and_call_a_talents_status_one_word_in_english(
    client, admin_user, make_talent
):
    talent = make_talent()
    client.force_login(admin_user)
    english = {"accept-language": "en"}
    page = client.get(reverse("talent:registry"), headers=english).content.decode()
    filters = page.split('<form method="get" class="filters">')[1].split("</form>")[0]
    programme = filters.split('name="programme"')[1].split("</select>")[0]
    assert '<option value="" selected>All</option>' in programme
    assert "---------" not in filters
    assert "Status <select" in filters and "State" not in filters
    assert "<th>Status</th>" in page and "<th>State</th>" not in page
    form = client.get(reverse("talent:talent_create"), headers=english).content.decode()
    assert '<label for="id_status">Status *</label>' in form and "State" not in form
    detail = client.get(reverse("talent:talent", args=[talent.pk]), headers=english)
    assert "<th>Status</th>" in detail.content.decode()
    # The Chinese pages keep 状态.
    page = client.get(reverse("talent:registry")).content.decode()
    assert "<th>状态</th>" in page and '<option value="" selected>全部</option>' in page


def test_the_years_total_adds_up_the_programmes_and_their_targets(programme, make_talent):
    academician = Programme.objects.create(code="ACAD", name="院士", sort_order=1)
    TalentTarget.objects.create(year=2026, programme=programme, target=4)
    TalentTarget.objects.create(year=2026, programme=academician, target=1)
    for status in ["talks", "applied", "arrived", "arrived", "dropped"]:
        make_talent(status=status)
    make_talent(programme=academician, status="arrived")
    total = talent_progress_total(rows=talent_progress(year=2026))
    assert (total.target, total.talks, total.applied, total.arrived, total.dropped) == (
        5,
        1,
        1,
        3,
        1,
    )
    assert total.share_arrived == 60


def test_progress_is_subtotalled_by_programme_level_in_the_programmes_order(programme, make_talent):
    """As the 组织部's report groups the programmes: 国家级 (院士 + 万人计划, though 泰山 is sorted
    between them), then 省级, then the programmes without a level (硕士博士 here)."""
    programmes = {
        code: Programme.objects.create(code=code, name=code, level=level, sort_order=order)
        for order, (code, level) in enumerate(
            [("ACAD", "国家级"), ("TSCY", " 省级"), ("WRJH", "国家级 ")], start=1
        )
    } | {"SSBS": programme}
    for code, target in [("ACAD", 2), ("WRJH", 8), ("TSCY", 5)]:
        TalentTarget.objects.create(year=2026, programme=programmes[code], target=target)
    for code, statuses in {
        "ACAD": ["talks", "arrived"],
        "WRJH": ["applied", "arrived", "arrived", "dropped"],
        "TSCY": ["applied"],
        "SSBS": ["arrived", "arrived"],
    }.items():
        for status in statuses:
            make_talent(programme=programmes[code], status=status)
    levels = talent_progress_by_level(rows=talent_progress(year=2026))
    assert [(level.level, [row.programme.code for row in level.rows]) for level in levels] == [
        ("国家级", ["ACAD", "WRJH"]),
        ("省级", ["TSCY"]),
        ("", ["SSBS"]),
    ]
    national, provincial, unlevelled = (level.subtotal for level in levels)
    # 国家级: target 2 + 8; 3 of 10 arrived.
    assert (national.target, national.talks, national.applied, national.arrived) == (10, 1, 1, 3)
    assert (national.dropped, national.share_arrived) == (1, 30)
    assert (provincial.target, provincial.applied, provincial.share_arrived) == (5, 1, 0)
    assert (unlevelled.target, unlevelled.arrived, unlevelled.share_arrived) == (None, 2, None)


@pytest.mark.parametrize(
    ("years", "shown"),
    [((1, 0, -1), 0), ((-1, -2), -1), ((), 0), ((1,), 1)],
)
def test_the_progress_page_opens_on_this_year_even_with_next_years_targets_set(years, shown):
    """Years are given relative to this year: (1, 0, -1) is next year, this year, last year."""
    this_year = timezone.localdate().year
    assert talent_year_shown(years=[this_year + y for y in years]) == this_year + shown


def _arrived(programme, admin_user, *, name="李强", steps=("applied", "arrived")):
    talent = talent_register(
        talent=Talent(name=name, programme=programme, year=2026, status_date=date(2026, 1, 10)),
        by=admin_user,
    )
    for month, status in enumerate(steps, start=3):
        talent_status_change(talent=talent, status=status, on=date(2026, month, 1), by=admin_user)
    return talent


def test_an_arrival_recorded_by_mistake_is_set_back_with_its_reason_kept(programme, admin_user):
    talent = _arrived(programme, admin_user)
    before = talent_progress(year=2026)[0]
    talent_arrival_undo(talent=talent, by=admin_user, reason="  尚未签约，误标为引进 ")
    talent.refresh_from_db()
    today = timezone.localdate()
    assert (talent.status, talent.status_date) == ("applied", today)
    assert list(
        talent.status_changes.values_list("status", "date", "note", "changed_by", "undoes_arrival")
    ) == [
        ("talks", date(2026, 1, 10), "", admin_user.pk, False),
        ("applied", date(2026, 3, 1), "", admin_user.pk, False),
        ("arrived", date(2026, 4, 1), "", admin_user.pk, False),
        ("applied", today, "尚未签约，误标为引进", admin_user.pk, True),
    ]
    after = talent_progress(year=2026)[0]
    assert (before.applied, before.arrived, after.applied, after.arrived) == (0, 1, 1, 0)
    # The real arrival comes later, from where the correction left the talent.
    talent_status_change(talent=talent, status="arrived", on=today, by=admin_user)
    talent.refresh_from_db()
    assert talent.status == "arrived"


def test_a_talent_registered_as_arrived_goes_back_to_talks(programme, admin_user):
    talent = talent_register(
        talent=Talent(
            name="王芳",
            programme=programme,
            year=2026,
            status="arrived",
            status_date=date(2026, 2, 1),
        ),
        by=admin_user,
    )
    talent_arrival_undo(talent=talent, by=admin_user, reason="登记错人")
    talent.refresh_from_db()
    assert talent.status == "talks"


@pytest.fixture
def arrived_with_subsidies(programme, admin_user):
    """An arrived talent with a housing subsidy approved, then a settle-in one requested."""
    fund = FundYear.objects.create(year=2026, budget=Decimal("500000"))
    talent = _arrived(programme, admin_user)

    def request(kind, amount, day):
        return subsidy_request(
            fund=fund, talent=talent, kind=kind, amount=Decimal(amount), requested_at=day
        )

    housing = request("housing", "200000", date(2026, 5, 1))
    subsidy_approve(subsidy=housing, by=admin_user)
    settle_in = request("settle_in", "50000", date(2026, 5, 2))
    return talent, housing, settle_in


def test_an_arrival_is_kept_while_a_subsidy_depends_on_it(arrived_with_subsidies, admin_user):
    talent, housing, settle_in = arrived_with_subsidies
    with pytest.raises(ValidationError) as refused:
        talent_arrival_undo(talent=talent, by=admin_user, reason="误标")
    assert refused.value.messages == [
        "李强 有补贴依赖引进状态，不能撤销引进：李强 购房补贴 200,000.00 元（已批准）；"
        "李强 一次性安家补贴 50,000.00 元（待审批）。请先撤销已批准的补贴、对待审批的申请作出决定。"
    ]
    talent.refresh_from_db()
    assert (talent.status, talent.status_changes.count()) == ("arrived", 3)
    # Withdrawn and refused, the subsidies stay on the books and no longer hold the arrival.
    subsidy_withdraw(subsidy=housing, by=admin_user, reason="发错人")
    subsidy_reject(subsidy=settle_in, by=admin_user, note="尚未到岗")
    talent_arrival_undo(talent=talent, by=admin_user, reason="误标")
    talent.refresh_from_db()
    assert talent.status == "applied"
    assert set(Subsidy.objects.values_list("state", flat=True)) == {"withdrawn", "rejected"}


@pytest.mark.parametrize(
    ("status", "reason", "refusal"),
    [
        ("arrived", "   ", "撤销引进必须填写理由。"),
        ("arrived", "误" * 201, "撤销引进的理由最多 200 个字，请精简。"),
        ("applied", "误标", "张伟 当前状态为“申报”，只有已引进的人才可以撤销引进。"),
    ],
)
def test_an_arrival_undo_needs_an_arrived_talent_and_a_reason(
    make_talent, admin_user, status, reason, refusal
):
    talent = make_talent(status=status)
    with pytest.raises(ValidationError) as refused:
        talent_arrival_undo(talent=talent, by=admin_user, reason=reason)
    assert refused.value.messages == [refusal]
    assert not talent.status_changes.exists()


def test_the_talents_page_sets_an_arrival_back_for_the_admin_only(
    client, admin_user, leader, arrived_with_subsidies
):
    talent, housing, settle_in = arrived_with_subsidies
    url = reverse("talent:talent", args=[talent.pk])
    client.force_login(leader)
    assert "撤销引进" not in client.get(url).content.decode()
    assert client.post(url, {"undo_arrival": "1", "reason": "误标"}).status_code == 403
    client.force_login(admin_user)
    assert 'id="undo-arrival"' in client.get(url).content.decode()
    # Refused: the reason typed stays in the open form, beside the message saying why.
    page = client.post(url, {"undo_arrival": "1", "reason": "尚未签约"}).content.decode()
    assert "有补贴依赖引进状态，不能撤销引进" in page
    assert '<details class="card no-print" id="undo-arrival" open>' in page
    assert 'value="尚未签约"' in page
    subsidy_withdraw(subsidy=housing, by=admin_user, reason="发错人")
    subsidy_reject(subsidy=settle_in, by=admin_user, note="尚未到岗")
    response = client.post(url, {"undo_arrival": "1", "reason": "尚未签约"}, follow=True)
    page = response.content.decode()
    assert "已撤销引进：李强 恢复为“申报”。" in page
    assert '申报 <span class="status status-undone">引进已撤销</span>' in page
    assert "<td>尚未签约</td>" in page
    # Back at 申报, the page offers the status changes again and no undo.
    assert 'id="undo-arrival"' not in page and "变更状态" in page


def test_the_status_history_lists_changes_in_the_order_they_were_recorded(
    client, admin_user, make_talent
):
    """Two changes of the same day are listed as they were made, even when their ids were
    handed out the other way round; those kept before the time was recorded come first."""
    talent = make_talent(name="李强", status=Talent.Status.APPLIED)
    on = date(2026, 3, 1)
    made = timezone.make_aware(datetime(2026, 3, 1, 9, 30))
    TalentStatusChange.objects.create(talent=talent, status="talks", date=on, recorded_at=None)
    applied = TalentStatusChange.objects.create(
        talent=talent, status="applied", date=on, recorded_at=made + timedelta(hours=1)
    )
    TalentStatusChange.objects.create(
        talent=talent, status="talks", date=on, recorded_at=made, note="初次洽谈"
    )
    assert list(talent.status_changes.values_list("status", "note")) == [
        ("talks", ""),
        ("talks", "初次洽谈"),
        ("applied", ""),
    ]
    client.force_login(admin_user)
    page = client.get(reverse("talent:talent", args=[talent.pk])).content.decode()
    history = page[page.index('id="status-history"') :]
    assert history.index("初次洽谈") < history.index("申报") < history.index("2026-03-01 10:30")
    assert '<td class="muted">—</td>' in history
    # Set back from 引进, the talent returns to the status recorded last, not the last id's.
    talent_status_change(talent=talent, status="arrived", on=on, by=admin_user)
    assert talent_arrival_undo(talent=talent, by=admin_user, reason="误标").status == "applied"
    assert applied.pk < talent.status_changes.filter(note="初次洽谈").get().pk
