import contextlib
import threading
import time
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, connections, transaction
from django.db.models import F, Sum

from talent.admin import SubsidyAdmin
from talent.models import FundYear, Subsidy, Talent
from talent.services.subsidies import (
    BudgetExceeded,
    fund_year_list,
    subsidy_approve,
    subsidy_recipient_find,
    subsidy_recipient_labels,
    subsidy_reject,
    subsidy_request,
    subsidy_request_update,
    subsidy_withdraw,
)

NAMES_NONE = "没有找到已到岗人才"
NAMES_SEVERAL = "有 2 位已到岗人才名为“王芳”，请从列表中选择带编号的一项。"


@pytest.mark.django_db
def test_an_approval_commits_its_amount_against_the_budget(fund, make_subsidy, admin_user):
    subsidy = subsidy_approve(subsidy=make_subsidy("60000"), by=admin_user)
    fund.refresh_from_db()
    assert (subsidy.state, subsidy.decided_by, fund.committed) == (
        Subsidy.State.APPROVED,
        admin_user,
        Decimal("60000.00"),
    )


@pytest.mark.django_db
def test_an_approval_beyond_the_budget_is_refused_and_writes_nothing(
    fund, make_subsidy, admin_user
):
    subsidy_approve(subsidy=make_subsidy("60000"), by=admin_user)
    too_much = make_subsidy("40000.01")
    with pytest.raises(BudgetExceeded, match="剩余 40,000.00 元，本笔 40,000.01 元"):
        subsidy_approve(subsidy=too_much, by=admin_user)
    fund.refresh_from_db()
    too_much.refresh_from_db()
    assert (fund.committed, too_much.state) == (Decimal("60000.00"), Subsidy.State.PENDING)
    # What is left fits exactly.
    subsidy_approve(subsidy=make_subsidy("40000"), by=admin_user)
    fund.refresh_from_db()
    assert fund.committed == fund.budget


@pytest.mark.django_db
def test_the_funds_list_newest_first_with_what_pending_requests_ask(fund, make_subsidy, admin_user):
    make_subsidy("1000")
    make_subsidy("250.50")
    subsidy_approve(subsidy=make_subsidy("5000"), by=admin_user)
    subsidy_reject(subsidy=make_subsidy("700"), by=admin_user, note="材料不全")
    FundYear.objects.create(year=2027, budget=Decimal("1"))
    assert [(f.year, f.pending) for f in fund_year_list()] == [
        (2027, None),
        (2026, Decimal("1250.50")),
    ]


@pytest.mark.django_db
def test_a_subsidy_is_decided_once(make_subsidy, admin_user):
    subsidy = subsidy_approve(subsidy=make_subsidy("100"), by=admin_user)
    with pytest.raises(ValidationError, match="已批准"):
        subsidy_approve(subsidy=subsidy, by=admin_user)


@pytest.mark.django_db
def test_a_refusal_needs_a_reason(make_subsidy, admin_user):
    subsidy = make_subsidy("100")
    with pytest.raises(ValidationError, match="必须填写审批意见"):
        subsidy_reject(subsidy=subsidy, by=admin_user, note=" ")
    subsidy = subsidy_reject(subsidy=subsidy, by=admin_user, note="不符合急需紧缺类条件")
    assert subsidy.state == Subsidy.State.REJECTED


@pytest.mark.django_db
def test_a_subsidy_approved_in_error_is_withdrawn_and_asked_for_again_at_the_right_amount(
    fund, make_subsidy, admin_user
):
    wrong = subsidy_approve(subsidy=make_subsidy("90000"), by=admin_user)
    with pytest.raises(ValidationError, match="撤销已批准的补贴必须填写理由。"):
        subsidy_withdraw(subsidy=wrong, by=admin_user, reason="  ")
    withdrawn = subsidy_withdraw(
        subsidy=wrong, by=admin_user, reason=" 金额多录一个零， 应为 9,000 元 "
    )
    fund.refresh_from_db()
    assert (fund.committed, withdrawn.state, withdrawn.withdrawn_by) == (
        Decimal("0.00"),
        Subsidy.State.WITHDRAWN,
        admin_user,
    )
    assert withdrawn.withdrawal_reason == "金额多录一个零， 应为 9,000 元"
    # The approval stays on record beside the withdrawal.
    assert (withdrawn.decided_by, withdrawn.amount) == (admin_user, Decimal("90000.00"))
    right = subsidy_request(
        fund=fund,
        talent=withdrawn.talent,
        kind=withdrawn.kind,
        amount=Decimal("9000"),
        requested_at=date(2026, 6, 1),
    )
    subsidy_approve(subsidy=right, by=admin_user)
    fund.refresh_from_db()
    assert fund.committed == Decimal("9000.00")


@pytest.mark.django_db
def test_only_an_approved_subsidy_is_withdrawn(fund, make_subsidy, admin_user):
    pending = make_subsidy("100")
    with pytest.raises(ValidationError, match="是“待审批”，只有已批准的补贴可以撤销。"):
        subsidy_withdraw(subsidy=pending, by=admin_user, reason="录错")
    approved = subsidy_approve(subsidy=pending, by=admin_user)
    subsidy_withdraw(subsidy=approved, by=admin_user, reason="录错")
    with pytest.raises(ValidationError, match="是“已撤销”，只有已批准的补贴可以撤销。"):
        subsidy_withdraw(subsidy=approved, by=admin_user, reason="录错")
    fund.refresh_from_db()
    assert fund.committed == Decimal("0.00")
    with pytest.raises(ValidationError, match="撤销理由最多 200 个字"):
        subsidy_withdraw(subsidy=make_subsidy("100"), by=admin_user, reason="长" * 201)


@pytest.mark.django_db
def test_the_database_refuses_an_overspent_fund_on_any_path(fund):
    with pytest.raises(IntegrityError), transaction.atomic():
        FundYear.objects.filter(pk=fund.pk).update(committed=F("budget") + Decimal("0.01"))


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_approvals_never_overspend(fund, make_subsidy, admin_user):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no row locks and serialises writers; run this on PostgreSQL")
    subsidies = [make_subsidy("60000"), make_subsidy("60000")]
    start = threading.Barrier(2)
    outcomes = []

    def approve(subsidy):
        try:
            start.wait()
            subsidy_approve(subsidy=subsidy, by=admin_user)
            outcomes.append("approved")
        except BudgetExceeded:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(s,)) for s in subsidies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    fund.refresh_from_db()
    assert sorted(outcomes) == ["approved", "refused"]
    assert fund.committed == Decimal("60000.00")
    assert Subsidy.objects.filter(state=Subsidy.State.APPROVED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_withdrawal_and_an_approval_at_once_keep_the_books(fund, make_subsidy, admin_user):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no row locks and serialises writers; run this on PostgreSQL")
    wrong = subsidy_approve(subsidy=make_subsidy("60000"), by=admin_user)
    waiting = make_subsidy("60000")
    start = threading.Barrier(2)
    outcomes = []

    def run(action):
        try:
            start.wait()
            action()
            outcomes.append("done")
        except BudgetExceeded:
            outcomes.append("refused")
        finally:
            connections.close_all()

    def withdraw():
        subsidy_withdraw(subsidy=wrong, by=admin_user, reason="录错")

    def approve():
        subsidy_approve(subsidy=waiting, by=admin_user)

    threads = [threading.Thread(target=run, args=(action,)) for action in (withdraw, approve)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    fund.refresh_from_db()
    approved = Subsidy.objects.filter(state=Subsidy.State.APPROVED).aggregate(Sum("amount"))
    # Whichever came first, the fund holds exactly what stays approved, within its budget.
    assert fund.committed == (approved["amount__sum"] or Decimal("0.00"))
    assert fund.committed <= fund.budget
    assert Subsidy.objects.get(pk=wrong.pk).state == Subsidy.State.WITHDRAWN


@pytest.fixture
def recipients(make_talent):
    """Two arrived talents named 王芳, one 李娜 without an employer, one 张伟 still in talks."""
    arrived = Talent.Status.ARRIVED
    return {
        "王芳 蓝海": make_talent(name="王芳", status=arrived, employer="蓝海生物"),
        "王芳 城投": make_talent(name="王芳", status=arrived, employer="城投集团"),
        "李娜": make_talent(name="李娜", status=arrived),
        "张伟": make_talent(name="张伟", employer="蓝海生物"),
    }


@pytest.mark.django_db
def test_each_arrived_talent_is_offered_once_with_a_key_that_finds_them(recipients):
    labels = subsidy_recipient_labels()
    expected = {
        f"王芳（蓝海生物）#{recipients['王芳 蓝海'].pk}": recipients["王芳 蓝海"],
        f"王芳（城投集团）#{recipients['王芳 城投'].pk}": recipients["王芳 城投"],
        f"李娜（硕士博士）#{recipients['李娜'].pk}": recipients["李娜"],
    }
    assert sorted(labels) == sorted(expected)
    for label, talent in expected.items():
        assert subsidy_recipient_find(text=f" {label} ") == talent


@pytest.mark.django_db
def test_a_name_alone_finds_the_one_arrived_talent_who_bears_it(recipients):
    assert subsidy_recipient_find(text="李娜") == recipients["李娜"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "refusal"),
    [
        ("王芳", NAMES_SEVERAL),
        ("张伟", NAMES_NONE),  # in talks, not arrived
        ("赵六", NAMES_NONE),
        ("李娜（硕士博士）#{王芳 蓝海}", NAMES_NONE),  # a number that names someone else
        ("张伟（蓝海生物）#{张伟}", NAMES_NONE),
        ("王芳（蓝海生物）#99999999999999999999", NAMES_NONE),  # beyond any key
    ],
)
def test_a_recipient_named_by_none_or_several_talents_is_refused(recipients, text, refusal):
    text = text.format(**{key: talent.pk for key, talent in recipients.items()})
    with pytest.raises(ValidationError, match=refusal):
        subsidy_recipient_find(text=text)


@pytest.mark.django_db
def test_an_approval_checks_again_that_the_talent_may_be_paid(
    fund, make_talent, make_subsidy, admin_user
):
    # Both recorded without subsidy_request, as the admin's add form did.
    in_talks = make_subsidy("100", talent=make_talent(name="李明"))
    with pytest.raises(ValidationError, match="当前状态为“在谈”，引进到岗后才能申请补贴"):
        subsidy_approve(subsidy=in_talks, by=admin_user)
    arrived = make_talent(name="王芳", status=Talent.Status.ARRIVED)
    first, second = make_subsidy("100", talent=arrived), make_subsidy("100", talent=arrived)
    subsidy_approve(subsidy=first, by=admin_user)
    with pytest.raises(ValidationError, match="已有一笔“一次性安家补贴”（已批准）"):
        subsidy_approve(subsidy=second, by=admin_user)
    fund.refresh_from_db()
    assert fund.committed == Decimal("100.00")
    assert list(Subsidy.objects.order_by("pk").values_list("state", flat=True)) == [
        Subsidy.State.PENDING,
        Subsidy.State.APPROVED,
        Subsidy.State.PENDING,
    ]


@pytest.mark.django_db(transaction=True)
def test_a_budget_saved_in_the_admin_during_an_approval_keeps_the_books(
    client, fund, make_subsidy, admin_user, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no row locks and serialises writers; run this on PostgreSQL")
    subsidy_approve(subsidy=make_subsidy("50000"), by=admin_user)
    pending = make_subsidy("40000")
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    checked = threading.Event()
    budget_check = FundYear.clean

    def budget_check_then_wait(self):
        budget_check(self)
        checked.set()
        time.sleep(0.5)  # the approval runs now, unless the admin holds the fund's row

    monkeypatch.setattr(FundYear, "clean", budget_check_then_wait)

    def save_budget():
        try:
            form = {"year": fund.year, "budget": "60000.00"}
            client.post(f"/admin/talent/fundyear/{fund.pk}/change/", form)
        finally:
            connections.close_all()

    thread = threading.Thread(target=save_budget)
    thread.start()
    checked.wait(timeout=10)
    with contextlib.suppress(BudgetExceeded):
        subsidy_approve(subsidy=pending, by=admin_user)
    thread.join(timeout=30)
    fund.refresh_from_db()
    approved = Subsidy.objects.filter(state=Subsidy.State.APPROVED).aggregate(total=Sum("amount"))
    assert fund.committed == approved["total"] <= fund.budget


@pytest.mark.django_db(transaction=True)
def test_an_approval_committed_while_the_admin_saves_a_subsidy_is_kept_and_named(
    client, fund, make_subsidy, admin_user, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no row locks and serialises writers; run this on PostgreSQL")
    pending = make_subsidy("60000")
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    save_form = SubsidyAdmin.save_form

    def approved_meanwhile(self, request, form, change):
        # Another approver, on another connection, between the form's check and its save.
        def approve():
            try:
                subsidy_approve(subsidy=pending, by=admin_user)
            finally:
                connections.close_all()

        thread = threading.Thread(target=approve)
        thread.start()
        thread.join(timeout=30)
        return save_form(self, request, form, change)

    monkeypatch.setattr(SubsidyAdmin, "save_form", approved_meanwhile)
    url = f"/admin/talent/subsidy/{pending.pk}/change/"
    form = {
        "fund": fund.pk,
        "talent": pending.talent_id,
        "kind": pending.kind,
        "amount": "1.00",
        "requested_at": "2026-05-02",
    }
    response = client.post(url, form, follow=True)
    assert response.redirect_chain == [(url, 302)]
    assert "保存前数据已在别处变更，本次未保存：" in response.content.decode()
    pending.refresh_from_db()
    fund.refresh_from_db()
    assert (pending.state, pending.amount, pending.requested_at, fund.committed) == (
        Subsidy.State.APPROVED,
        Decimal("60000.00"),
        date(2026, 5, 1),
        Decimal("60000.00"),
    )


@pytest.mark.django_db
def test_a_subsidy_changed_from_a_copy_read_before_its_approval_stays_approved(
    fund, make_subsidy, admin_user
):
    subsidy = make_subsidy("60000")
    copy = Subsidy.objects.get(pk=subsidy.pk)  # as the admin's change form read it
    subsidy_approve(subsidy=subsidy, by=admin_user)
    copy.amount = Decimal("1")
    with pytest.raises(ValidationError, match="已是“已批准”，资金年度和金额不能再修改"):
        subsidy_request_update(subsidy=copy, fields=["amount"])
    copy.requested_at = date(2026, 5, 2)
    subsidy_request_update(subsidy=copy, fields=["requested_at"])
    subsidy.refresh_from_db()
    fund.refresh_from_db()
    assert (subsidy.state, subsidy.amount, subsidy.requested_at, fund.committed) == (
        Subsidy.State.APPROVED,
        Decimal("60000.00"),
        date(2026, 5, 2),
        Decimal("60000.00"),
    )
