"""Subsidies paid from the talent fund, which must never be overspent."""

import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from talent.models import FundYear, Subsidy, Talent, TalentStatus, money_text

# What an approval commits: which year's fund pays, and how much.
SUBSIDY_MONEY_FIELDS = ["fund", "amount"]


class BudgetExceeded(ValidationError):
    """Approving the subsidy would take the year's fund over its budget."""


def _budget_exceeded(fund: FundYear, amount: Decimal) -> BudgetExceeded:
    return BudgetExceeded(
        _(
            "预算不足，未批准：%(year)s年度人才专项资金预算 %(budget)s 元，"
            "已批准 %(committed)s 元，剩余 %(available)s 元，本笔 %(amount)s 元。"
        )
        % {
            "year": fund.year,
            "budget": money_text(fund.budget),
            "committed": money_text(fund.committed),
            "available": money_text(fund.available),
            "amount": money_text(amount),
        }
    )


def fund_year_locked(*, fund_id: int) -> FundYear:
    """Return the fund's row locked to the end of the transaction: approvals of its year and
    changes of its budget queue up behind each other instead of reading the same total.

    The lock leaves the row's key alone (FOR NO KEY UPDATE), so that a subsidy requested from
    the fund meanwhile, which only checks that the row exists, does not wait for it.
    """
    return FundYear.objects.select_for_update(no_key=True).get(pk=fund_id)


@transaction.atomic
def fund_year_budget_set(*, fund: FundYear, budget: Decimal) -> FundYear:
    """Set a year's budget, never below what approvals have committed of it.

    Only the budget is written: the committed total belongs to the approvals, and a copy read
    before one of them would take its amount off the books.
    """
    fund = fund_year_locked(fund_id=fund.pk)
    fund.budget = budget
    fund.clean()
    fund.save(update_fields=["budget"])
    return fund


def _locked_in_state(subsidy: Subsidy, state: str, refusal: str) -> tuple[Subsidy, FundYear]:
    """Return the subsidy and its fund locked, or raise the refusal (formatted with the
    subsidy and its state) unless the subsidy is in the state."""
    # The fund row is locked first, always in that order, so that concurrent approvals and
    # withdrawals of the same year queue up behind each other instead of both reading the
    # same committed total.
    fund = fund_year_locked(fund_id=subsidy.fund_id)
    subsidy = Subsidy.objects.select_for_update().select_related("talent").get(pk=subsidy.pk)
    if subsidy.state != state:
        raise ValidationError(refusal % {"subsidy": subsidy, "state": subsidy.get_state_display()})
    return subsidy, fund


def _pending_locked(subsidy: Subsidy) -> tuple[Subsidy, FundYear]:
    return _locked_in_state(
        subsidy, Subsidy.State.PENDING, _("%(subsidy)s 已是“%(state)s”，不能再审批。")
    )


# A recipient is picked as "name（employer）#id": the number tells two arrived talents of the
# same name apart; a name typed alone is enough when one arrived talent bears it.
RECIPIENT_NUMBER = re.compile(r"#(\d+)$")


def _recipient_label(*, pk: int, name: str, employer: str, programme: str) -> str:
    return f"{name}（{employer or programme}）#{pk}"


def subsidy_recipient_labels() -> list[str]:
    """Return the arrived talents, who may receive a subsidy, as `subsidy_recipient_find`
    reads them back, by name."""
    rows = (
        Talent.objects.filter(status=TalentStatus.ARRIVED)
        .order_by("name", "pk")
        .values_list("pk", "name", "employer", "programme__name")
    )
    return [
        _recipient_label(pk=pk, name=name, employer=employer, programme=programme)
        for pk, name, employer, programme in rows
    ]


def subsidy_recipient_find(*, text: str) -> Talent:
    """Return the arrived talent the text names: one of `subsidy_recipient_labels`, or a name
    only one arrived talent bears. Raise ValidationError when it names none or several."""
    text = text.strip()
    arrived = Talent.objects.filter(status=TalentStatus.ARRIVED)
    number = RECIPIENT_NUMBER.search(text)
    if number is not None:
        talent = arrived.filter(pk=number[1]).first()
        # The name guards against a mistyped number; the employer may have changed since.
        if talent is not None and text.startswith(f"{talent.name}（"):
            return talent
    named = list(arrived.filter(name=text))
    if len(named) == 1:
        return named[0]
    if named:
        raise ValidationError(
            _("有 %(count)s 位已到岗人才名为“%(name)s”，请从列表中选择带编号的一项。")
            % {"count": len(named), "name": text}
        )
    raise ValidationError(
        _("没有找到已到岗人才“%(text)s”，请输入姓名并从列表中选择。") % {"text": text}
    )


def _payable_check(talent: Talent, kind: str, taken_states: list[str]) -> None:
    if talent.status != TalentStatus.ARRIVED:
        raise ValidationError(
            _("%(name)s 当前状态为“%(status)s”，引进到岗后才能申请补贴。")
            % {"name": talent.name, "status": talent.get_status_display()}
        )
    taken = talent.subsidies.filter(kind=kind, state__in=taken_states).first()
    if taken is not None:
        raise ValidationError(
            _("%(name)s 已有一笔“%(kind)s”（%(state)s），一次性补贴不能重复申请。")
            % {
                "name": talent.name,
                "kind": taken.get_kind_display(),
                "state": taken.get_state_display(),
            }
        )


def subsidy_request_check(*, talent: Talent, kind: str) -> None:
    """Raise ValidationError unless the talent may ask for a subsidy of the kind: they have
    arrived, and each subsidy is paid once, so none of the kind may be pending or approved
    (a refused or withdrawn one may be asked for again)."""
    _payable_check(talent, kind, [Subsidy.State.PENDING, Subsidy.State.APPROVED])


@transaction.atomic
def subsidy_request(
    *, fund: FundYear, talent: Talent, kind: str, amount: Decimal, requested_at
) -> Subsidy:
    """Record a pending subsidy request of a talent who may ask for it (`subsidy_request_check`)."""
    talent = Talent.objects.select_for_update().get(pk=talent.pk)
    subsidy_request_check(talent=talent, kind=kind)
    subsidy = Subsidy(fund=fund, talent=talent, kind=kind, amount=amount, requested_at=requested_at)
    subsidy.full_clean()
    subsidy.save()
    return subsidy


@transaction.atomic
def subsidy_approve(*, subsidy: Subsidy, by, note: str = "") -> Subsidy:
    """Approve a pending subsidy and commit its amount against its year's budget.

    The talent is checked again: they must have arrived and have no subsidy of the kind
    approved, whichever way the request was recorded. Raise BudgetExceeded, writing nothing,
    when the budget would be overspent.
    """
    _length_check(note, limit=DECISION_NOTE_MAX, refusal=DECISION_NOTE_TOO_LONG)
    subsidy, fund = _pending_locked(subsidy)
    # The talent is locked too: two requests of one kind paid from two years' funds hold
    # different fund locks, and would otherwise both be approved.
    talent = Talent.objects.select_for_update().get(pk=subsidy.talent_id)
    _payable_check(talent, subsidy.kind, [Subsidy.State.APPROVED])
    if fund.committed + subsidy.amount > fund.budget:
        raise _budget_exceeded(fund, subsidy.amount)
    try:
        with transaction.atomic():
            FundYear.objects.filter(pk=fund.pk).update(committed=F("committed") + subsidy.amount)
    except IntegrityError as error:
        # The database's own guarantee (fund_year_never_overspent), for any path that did not
        # take the lock above.
        raise _budget_exceeded(fund, subsidy.amount) from error
    return _decide(subsidy, Subsidy.State.APPROVED, by, note)


@transaction.atomic
def subsidy_reject(*, subsidy: Subsidy, by, note: str) -> Subsidy:
    """Refuse a pending subsidy with a stated reason."""
    if not note.strip():
        raise ValidationError(_("不予批准时必须填写审批意见。"))
    _length_check(note, limit=DECISION_NOTE_MAX, refusal=DECISION_NOTE_TOO_LONG)
    subsidy, _fund = _pending_locked(subsidy)
    return _decide(subsidy, Subsidy.State.REJECTED, by, note)


WITHDRAWAL_REASON_MAX = Subsidy._meta.get_field("withdrawal_reason").max_length
WITHDRAWAL_REASON_TOO_LONG = gettext_lazy("撤销理由最多 %(max)s 个字，请精简。")
DECISION_NOTE_MAX = Subsidy._meta.get_field("decision_note").max_length
DECISION_NOTE_TOO_LONG = gettext_lazy("审批意见最多 %(max)s 个字，请精简。")


def _length_check(text: str, *, limit: int, refusal) -> None:
    """Refuse a typed text longer than its column holds, with what to do, before anything is
    locked: PostgreSQL would refuse the save itself, past any message."""
    if len(text.strip()) > limit:
        raise ValidationError(refusal % {"max": limit})


@transaction.atomic
def subsidy_withdraw(*, subsidy: Subsidy, by, reason: str) -> Subsidy:
    """Withdraw an approved subsidy, approved in error (a wrong amount, the wrong person): its
    amount goes back to its year's fund, and who withdrew it, when and why is recorded beside
    the approval. The talent may then ask again, for the right amount.
    """
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError(_("撤销已批准的补贴必须填写理由。"))
    _length_check(reason, limit=WITHDRAWAL_REASON_MAX, refusal=WITHDRAWAL_REASON_TOO_LONG)
    subsidy, fund = _locked_in_state(
        subsidy,
        Subsidy.State.APPROVED,
        _("%(subsidy)s 是“%(state)s”，只有已批准的补贴可以撤销。"),
    )
    FundYear.objects.filter(pk=fund.pk).update(committed=F("committed") - subsidy.amount)
    subsidy.state = Subsidy.State.WITHDRAWN
    subsidy.withdrawn_by = by
    subsidy.withdrawn_at = timezone.now()
    subsidy.withdrawal_reason = reason
    subsidy.save(update_fields=["state", "withdrawn_by", "withdrawn_at", "withdrawal_reason"])
    return subsidy


@transaction.atomic
def subsidy_request_update(*, subsidy: Subsidy, fields: list[str]) -> Subsidy:
    """Save the named fields of a subsidy as changed in the admin: its fund and amount only
    while it is pending, since approving commits that amount against that fund.

    Only these fields are written, under the row's lock: a copy read before an approval never
    puts back the state it had.
    """
    stored = Subsidy.objects.select_for_update().select_related("talent").get(pk=subsidy.pk)
    if stored.state != Subsidy.State.PENDING and set(SUBSIDY_MONEY_FIELDS) & set(fields):
        raise ValidationError(
            _("%(subsidy)s 已是“%(state)s”，资金年度和金额不能再修改。")
            % {"subsidy": stored, "state": stored.get_state_display()}
        )
    subsidy.save(update_fields=fields)
    return subsidy


def fund_year_list() -> QuerySet[FundYear]:
    """Return the fund's years, newest first, each with `pending`: what the subsidies still
    awaiting a decision ask of it (None when none do)."""
    return FundYear.objects.annotate(
        pending=Sum("subsidies__amount", filter=Q(subsidies__state=Subsidy.State.PENDING))
    ).order_by("-year")


def subsidy_list(*, state: str = ""):
    """Return the subsidies the subsidies page lists, newest request first: those in the
    state, or all of them for a state that is blank or unknown."""
    shown = Subsidy.objects.select_related("talent__programme", "fund", "decided_by")
    if state in Subsidy.State.values:
        shown = shown.filter(state=state)
    return shown


# An approved subsidy is money committed from the fund; a withdrawn one is the record of money
# approved and handed back. Both stay on the fund's books.
SUBSIDY_KEPT_STATES = [Subsidy.State.APPROVED, Subsidy.State.WITHDRAWN]


def _deletion_refusal(subsidy: Subsidy) -> str:
    return _("%(subsidy)s 已是“%(state)s”，是人才专项资金的审批记录，不能删除。") % {
        "subsidy": subsidy,
        "state": subsidy.get_state_display(),
    }


def subsidy_deletion_refusals(*, subsidies: QuerySet[Subsidy]) -> list[str]:
    """Return why each approved or withdrawn subsidy among `subsidies` may not be deleted,
    none when all of them may (one query)."""
    kept = subsidies.filter(state__in=SUBSIDY_KEPT_STATES).select_related("talent")
    return [_deletion_refusal(subsidy) for subsidy in kept.order_by("pk")]


@transaction.atomic
def subsidy_delete(*, subsidy: Subsidy) -> None:
    """Delete a subsidy that is neither approved nor withdrawn.

    The row is locked first, so that an approval running meanwhile either finishes before and
    the subsidy is refused here, or finds it gone.
    """
    subsidy = Subsidy.objects.select_for_update().select_related("talent").get(pk=subsidy.pk)
    if subsidy.state in SUBSIDY_KEPT_STATES:
        raise ValidationError(_deletion_refusal(subsidy))
    subsidy.delete()


def _decide(subsidy: Subsidy, state: str, by, note: str) -> Subsidy:
    subsidy.state = state
    subsidy.decided_by = by
    subsidy.decided_at = timezone.now()
    subsidy.decision_note = note.strip()
    subsidy.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    return subsidy
