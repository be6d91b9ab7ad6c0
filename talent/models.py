from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cadre.fields import CodeField, CountField, DecimalField, SmallCountField, YearField

MONEY = {"max_digits": 14, "decimal_places": 2}
SCORE = {"max_digits": 6, "decimal_places": 2}
SHARE = {"max_digits": 6, "decimal_places": 4}
# Each rule that a check constraint keeps is also a field's validator, with the same words: a
# form says what is wrong beside the field, not "Constraint … is violated".
PRIZE_NEGATIVE = _("奖金不能为负数。")
AMOUNT_NOT_POSITIVE = _("金额应大于 0")
STARS_OVER_TEN = _("记录星级应在 0 到 10 之间。")
SHARE_NOT_A_SHARE = _("比例应在 0 到 1 之间，例如 0.80 表示 80%%。")
# The registry starts with the district's talent programmes; no talent is counted before.
FIRST_TALENT_YEAR = 2000


def money_text(amount: Decimal) -> str:
    """Return yuan as the talent pages' tables show them (floatformat:2|intcomma): two places,
    ROUND_HALF_UP, thousands grouped, so that a message names the amount the table shows."""
    return f"{amount.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,.2f}"


class Programme(models.Model):
    """A talent programme or tier (院士, 千人计划, 硕博及高技能人才…); admins extend the table."""

    code = CodeField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    level = models.CharField(_("层次"), max_length=32, blank=True)
    sort_order = SmallCountField(_("排序"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = pgettext_lazy("model name", "人才计划")
        verbose_name_plural = pgettext_lazy("model name, plural", "人才计划")

    def __str__(self):
        return self.name


class TalentStatus(models.TextChoices):
    TALKS = "talks", _("在谈")
    APPLIED = "applied", _("申报")
    ARRIVED = "arrived", _("引进")
    DROPPED = "dropped", _("放弃")


class Talent(models.Model):
    """A person in the talent registry, counted in the year they are worked on (引才年度)."""

    Status = TalentStatus

    name = models.CharField(_("姓名"), max_length=64)
    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="talents", verbose_name=_("人才计划")
    )
    year = YearField(
        _("引才年度"),
        validators=[MinValueValidator(FIRST_TALENT_YEAR, _("引才年度应不早于 %(limit_value)s 年"))],
    )
    field = models.CharField(_("专业领域"), max_length=64, blank=True)
    employer = models.CharField(_("工作单位"), max_length=128, blank=True)
    status = models.CharField(
        pgettext_lazy("talent status", "状态"),
        max_length=16,
        choices=TalentStatus,
        default=TalentStatus.TALKS,
    )
    status_date = models.DateField(_("状态日期"))
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    note = models.TextField(_("备注"), blank=True)

    class Meta:
        ordering = ["-year", "programme__sort_order", "name", "pk"]
        verbose_name = pgettext_lazy("model name", "人才")
        verbose_name_plural = pgettext_lazy("model name, plural", "人才库")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=TalentStatus.values), name="talent_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["year", "programme", "status"])]

    def __str__(self):
        return f"{self.name}（{self.programme}）"


class TalentStatusChange(models.Model):
    """A dated transition of a talent's status (在谈 → 申报 → 引进, or 放弃)."""

    talent = models.ForeignKey(
        Talent, on_delete=models.CASCADE, related_name="status_changes", verbose_name=_("人才")
    )
    status = models.CharField(
        pgettext_lazy("talent status", "状态"), max_length=16, choices=TalentStatus
    )
    date = models.DateField(_("日期"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    # Sets back an arrival recorded by mistake: the status is the one the talent had before,
    # the note why, the date and the operator when and by whom.
    undoes_arrival = models.BooleanField(_("撤销引进"), default=False)
    # When the change was entered: two changes dated the same day are listed in the order they
    # were made, whatever order their ids were handed out in. Blank for the changes made before
    # the time was kept, which come first, in their old order (date, id): a new change is
    # never dated before the talent's last one.
    recorded_at = models.DateTimeField(
        _("记录时间"), null=True, default=timezone.now, editable=False
    )

    class Meta:
        ordering = ["talent", F("recorded_at").asc(nulls_first=True), "date", "pk"]
        verbose_name = pgettext_lazy("model name", "人才状态变更")
        verbose_name_plural = pgettext_lazy("model name, plural", "人才状态变更")

    def __str__(self):
        return f"{self.talent} {self.get_status_display()} {self.date}"


class TalentTarget(models.Model):
    """How many people of a programme the district means to bring in during a year."""

    year = YearField(_("年度"))
    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="targets", verbose_name=_("人才计划")
    )
    target = CountField(_("目标人数"))

    class Meta:
        ordering = ["-year", "programme__sort_order"]
        verbose_name = pgettext_lazy("model name", "年度引才目标")
        verbose_name_plural = pgettext_lazy("model name, plural", "年度引才目标")
        constraints = [
            models.UniqueConstraint(fields=["year", "programme"], name="talent_target_unique"),
        ]

    def __str__(self):
        return f"{self.year} {self.programme} {self.target}"


def confirmed_categories_protect(collector, field, sub_objs, using):
    """Delete a round's categories with it, unless a category's winners are confirmed: its
    decision is the record of who won prize money, and no deletion takes it along."""
    _cascade_unless_confirmed(
        collector, field, sub_objs, using, sub_objs.filter(confirmed_at__isnull=False)
    )


def confirmed_nominations_protect(collector, field, sub_objs, using):
    """Delete a category's nominations with it, unless its winners are confirmed: the
    nominations say who won and who was passed over."""
    _cascade_unless_confirmed(
        collector, field, sub_objs, using, sub_objs.filter(category__confirmed_at__isnull=False)
    )


def _cascade_unless_confirmed(collector, field, sub_objs, using, confirmed) -> None:
    # PROTECT for the rows of confirmed categories, CASCADE for the others: the admin's deletion
    # pages list the protected rows and delete nothing, as for models.PROTECT.
    protected = list(confirmed)
    if protected:
        raise models.ProtectedError(
            f"Confirmed award decisions are kept: {field.model.__name__}.{field.name}", protected
        )
    models.CASCADE(collector, field, sub_objs, using)


class AwardRound(models.Model):
    """One biennial talent award (优秀人才评选): nominations, then reviews, then winners."""

    class State(models.TextChoices):
        NOMINATING = "nominating", _("提名中")
        REVIEWING = "reviewing", _("评审中")
        CLOSED = "closed", _("已结束")

    name = models.CharField(_("名称"), max_length=128)
    year = YearField(_("年度"), unique=True)
    state = models.CharField(_("状态"), max_length=16, choices=State, default=State.NOMINATING)

    class Meta:
        ordering = ["-year"]
        verbose_name = pgettext_lazy("model name", "人才奖评选")
        verbose_name_plural = pgettext_lazy("model name, plural", "人才奖评选")

    def __str__(self):
        return self.name


class AwardCategory(models.Model):
    """A category of an award round (领军人才, 优秀企业家…) with its quota, prize and reviewers."""

    round = models.ForeignKey(
        AwardRound,
        on_delete=confirmed_categories_protect,
        related_name="categories",
        verbose_name=_("评选"),
    )
    name = models.CharField(_("奖项"), max_length=64)
    sort_order = SmallCountField(_("排序"), default=0)
    quota = SmallCountField(_("名额"))
    prize = DecimalField(
        _("每人奖金（元）"), **MONEY, validators=[MinValueValidator(0, PRIZE_NEGATIVE)]
    )
    reviewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="award_categories",
        verbose_name=_("评审专家"),
    )
    confirmed_at = models.DateTimeField(_("确定获奖时间"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("确定人"),
    )
    # Why nobody won, or why a nominee scoring higher than a winner was passed over.
    decision_reason = models.CharField(_("确定理由"), max_length=200, blank=True)

    class Meta:
        ordering = ["round", "sort_order", "pk"]
        verbose_name = pgettext_lazy("model name", "奖项")
        verbose_name_plural = pgettext_lazy("model name, plural", "奖项")
        constraints = [
            models.UniqueConstraint(fields=["round", "name"], name="award_category_unique"),
            models.CheckConstraint(
                condition=Q(prize__gte=0),
                name="award_prize_non_negative",
                violation_error_message=PRIZE_NEGATIVE,
            ),
        ]

    def __str__(self):
        return f"{self.round.year} {self.name}"


class Nomination(models.Model):
    """A person nominated for a category of an award round."""

    category = models.ForeignKey(
        AwardCategory,
        on_delete=confirmed_nominations_protect,
        related_name="nominations",
        verbose_name=_("奖项"),
    )
    nominee = models.CharField(_("被提名人"), max_length=64)
    employer = models.CharField(_("工作单位"), max_length=128)
    summary = models.TextField(_("主要事迹"), blank=True)
    nominated_by = models.CharField(_("推荐单位"), max_length=128, blank=True)
    is_winner = models.BooleanField(_("获奖"), default=False)

    class Meta:
        ordering = ["category", "pk"]
        verbose_name = pgettext_lazy("model name", "提名")
        verbose_name_plural = pgettext_lazy("model name, plural", "提名")

    def __str__(self):
        return f"{self.nominee}（{self.category.name}）"


class ReviewScore(models.Model):
    """One reviewer's score (0–100) of one nomination."""

    nomination = models.ForeignKey(
        Nomination, on_delete=models.CASCADE, related_name="scores", verbose_name=_("提名")
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="award_scores",
        verbose_name=_("评审专家"),
    )
    score = DecimalField(_("评分"), **SCORE)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["nomination", "reviewer"]
        verbose_name = pgettext_lazy("model name", "评审打分")
        verbose_name_plural = pgettext_lazy("model name, plural", "评审打分")
        constraints = [
            models.UniqueConstraint(fields=["nomination", "reviewer"], name="review_score_unique"),
            models.CheckConstraint(
                condition=Q(score__gte=0, score__lte=100), name="review_score_0_to_100"
            ),
        ]

    def __str__(self):
        return f"{self.nomination} {self.reviewer} {self.score}"


class FundYear(models.Model):
    """The talent fund's budget for one year and what approvals have committed of it.

    `committed` is a running total kept by the approval service; the database refuses any
    row where it exceeds the budget, so no code path can overspend.
    """

    year = YearField(_("年度"), unique=True)
    budget = DecimalField(_("预算（元）"), **MONEY)
    committed = DecimalField(_("已批准（元）"), **MONEY, default=Decimal("0"))

    class Meta:
        ordering = ["-year"]
        verbose_name = pgettext_lazy("model name", "人才专项资金")
        verbose_name_plural = pgettext_lazy("model name, plural", "人才专项资金")
        constraints = [
            models.CheckConstraint(
                condition=Q(committed__gte=0) & Q(committed__lte=F("budget")),
                name="fund_year_never_overspent",
                violation_error_message=_("预算不能少于已批准的金额，已批准金额不能为负数。"),
            ),
        ]

    def __str__(self):
        return f"{self.year}"

    def clean(self):
        # The approvals' total is read-only on the admin's form, so the database's own check
        # would only answer with an error page.
        if self.committed is not None and self.budget is not None and self.budget < self.committed:
            raise ValidationError(
                {
                    "budget": _("预算不能少于已批准的金额 %(committed)s 元。")
                    % {"committed": money_text(self.committed)}
                }
            )

    @property
    def available(self) -> Decimal:
        return self.budget - self.committed


class Subsidy(models.Model):
    """A one-off settle-in or housing subsidy for a talent, paid from a year's fund."""

    class Kind(models.TextChoices):
        SETTLE_IN = "settle_in", _("一次性安家补贴")
        HOUSING = "housing", _("购房补贴")

    class State(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("未批准")
        # Approved in error (a wrong amount, the wrong person): the amount went back to the fund.
        WITHDRAWN = "withdrawn", _("已撤销")

    fund = models.ForeignKey(
        FundYear, on_delete=models.PROTECT, related_name="subsidies", verbose_name=_("资金年度")
    )
    talent = models.ForeignKey(
        Talent, on_delete=models.PROTECT, related_name="subsidies", verbose_name=_("领取人")
    )
    kind = models.CharField(_("补贴类型"), max_length=16, choices=Kind)
    amount = DecimalField(
        _("金额（元）"),
        **MONEY,
        validators=[MinValueValidator(Decimal("0.01"), AMOUNT_NOT_POSITIVE)],
    )
    state = models.CharField(_("状态"), max_length=16, choices=State, default=State.PENDING)
    requested_at = models.DateField(_("申请日期"))
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审批人"),
    )
    decision_note = models.CharField(_("审批意见"), max_length=200, blank=True)
    withdrawn_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("撤销人"),
    )
    withdrawal_reason = models.CharField(_("撤销理由"), max_length=200, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = pgettext_lazy("model name", "人才补贴")
        verbose_name_plural = pgettext_lazy("model name, plural", "人才补贴")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="subsidy_amount_positive",
                violation_error_message=AMOUNT_NOT_POSITIVE,
            ),
            models.CheckConstraint(
                condition=Q(state__in=["pending", "approved", "rejected", "withdrawn"]),
                name="subsidy_state_valid",
            ),
        ]

    def __str__(self):
        return _("%(name)s %(kind)s %(amount)s 元") % {
            "name": self.talent.name,
            "kind": self.get_kind_display(),
            "amount": money_text(self.amount),
        }


class StarTree(models.Model):
    """A district's star-level certification (星级管理) tree and its threshold."""

    name = models.CharField(_("名称"), max_length=128)
    year = YearField(_("年度"))
    share = DecimalField(
        _("十星下级比例"),
        **SHARE,
        default=Decimal("0.80"),
        help_text=_("十星节点的直接下级中十星所占的最低比例，例如 0.80。"),
        validators=[
            MinValueValidator(0, SHARE_NOT_A_SHARE),
            MaxValueValidator(1, SHARE_NOT_A_SHARE),
        ],
    )
    certified_at = models.DateTimeField(_("认证计算时间"), null=True, blank=True)

    class Meta:
        ordering = ["-year", "name"]
        verbose_name = pgettext_lazy("model name", "星级管理")
        verbose_name_plural = pgettext_lazy("model name, plural", "星级管理")
        constraints = [
            models.CheckConstraint(
                condition=Q(share__gte=0, share__lte=1),
                name="star_tree_share_is_share",
                violation_error_message=SHARE_NOT_A_SHARE,
            ),
        ]

    def __str__(self):
        return self.name


class StarLevel(models.TextChoices):
    COMMITTEE = "committee", _("社区党委")
    BRANCH = "branch", _("党支部")
    MEMBER = "member", _("党员")
    HOUSEHOLD = "household", _("文明户")


class StarVerdict(models.TextChoices):
    """Why a node is or is not ten-star after certification."""

    LEAF_RECORD = "leaf_record", _("按本户记录")
    CERTIFIED = "certified", _("本级十星且下级达标")
    OWN_RECORD = "own_record", _("本级记录不是十星")
    SHARE_BELOW = "share_below", _("十星下级比例不足")
    NO_CHILDREN = "no_children", _("没有下级")


class StarNode(models.Model):
    """A node of the star tree with its recorded star level and its certification result."""

    tree = models.ForeignKey(
        StarTree, on_delete=models.CASCADE, related_name="nodes", verbose_name=_("星级管理")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级"),
    )
    code = CodeField(_("代码"), max_length=32)
    name = models.CharField(_("名称"), max_length=128)
    level = models.CharField(_("层级"), max_length=16, choices=StarLevel)
    stars = SmallCountField(
        _("记录星级"), default=0, validators=[MaxValueValidator(10, STARS_OVER_TEN)]
    )
    is_ten_star = models.BooleanField(_("认证十星"), null=True, blank=True)
    verdict = models.CharField(_("认证依据"), max_length=16, choices=StarVerdict, blank=True)
    children_total = models.PositiveIntegerField(_("下级数"), default=0)
    children_ten_star = models.PositiveIntegerField(_("十星下级数"), default=0)

    class Meta:
        ordering = ["tree", "code"]
        verbose_name = pgettext_lazy("model name", "星级节点")
        verbose_name_plural = pgettext_lazy("model name, plural", "星级节点")
        constraints = [
            models.UniqueConstraint(fields=["tree", "code"], name="star_node_code_unique"),
            models.CheckConstraint(
                condition=Q(stars__lte=10),
                name="star_node_stars_0_to_10",
                violation_error_message=STARS_OVER_TEN,
            ),
            models.CheckConstraint(
                condition=Q(level="committee", parent__isnull=True)
                | (~Q(level="committee") & Q(parent__isnull=False)),
                name="star_node_only_committees_are_roots",
            ),
        ]
        indexes = [models.Index(fields=["tree", "parent"])]

    def __str__(self):
        return f"{self.code} {self.name}"

    def clean(self):
        from scoring.services.tree import PARENT_LOOP, tree_parent_loops
        from talent.services.star import star_parent_problem

        if tree_parent_loops(node=self):
            raise ValidationError({"parent": PARENT_LOOP})
        if self.level not in StarLevel.values:
            return
        parent = self.parent
        # The workbook's rule: a parent of another tree is not in this node's tree at all.
        in_tree = parent is not None and parent.tree_id == self.tree_id
        problem = star_parent_problem(
            level=self.level,
            parent=parent.code if parent else "",
            parent_level=parent.level if in_tree else None,
        )
        if problem:
            raise ValidationError({"parent": problem})

    @property
    def children_share(self) -> Decimal | None:
        if not self.children_total:
            return None
        return Decimal(self.children_ten_star) / Decimal(self.children_total)
