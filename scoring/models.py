from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Cast, Round
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from cadre.cells import decimal_plain
from cadre.fields import CodeField, CountField, DecimalField, YearField
from cadre.history import MasterDataHistory
from cadre.models import Official, Unit, UnitCategory

POINTS = {"max_digits": 10, "decimal_places": 2}
# The scoring service reads a figure as a 64-bit integer of ten-thousandths, which holds a
# little over 9 × 10^14: figures stay below 10^14, which no district's statistic reaches.
FIGURE_LIMIT = Decimal(10) ** 14 - Decimal("0.0001")
FIGURE = {
    "max_digits": 20,
    "decimal_places": 4,
    "validators": [MinValueValidator(-FIGURE_LIMIT), MaxValueValidator(FIGURE_LIMIT)],
}
SHARE = {"max_digits": 6, "decimal_places": 4}


class Period(models.TextChoices):
    Q1 = "Q1", _("第一季度")
    Q2 = "Q2", _("第二季度")
    Q3 = "Q3", _("第三季度")
    Q4 = "Q4", _("第四季度")
    YEAR = "Y", _("全年")


QUARTERS = [Period.Q1, Period.Q2, Period.Q3, Period.Q4]
VALID_PERIOD = Q(period__in=Period.values)
PERIOD_INVALID = _("期间应为 Q1–Q4 或 Y。")
# Figures, parameters and points have at most four decimals: the scoring service computes in
# integers of ten-thousandths.
FIGURE_SCALE = 10_000
# A value's scoring key packs its unit, indicator and period row (Q1…Q4, Y: 0…4) in 64 bits.
KEY_UNIT_SHIFT, KEY_INDICATOR_BITS = 32, 29
PERIOD_ROW = {period: row for row, period in enumerate(Period.values)}
# Keys of the rows the scoring service derives and rewrites wholesale, in the transaction that
# reads the rows they point to: the database does not check them (a province's compute writes
# 115,000 such keys, 0.4 s of checks at COMMIT); Django's on_delete still cascades and protects.
DERIVED_KEY = {"db_constraint": False}


# The settings a cycle's checks (Meta.constraints) and clean() read together.
CYCLE_WEIGHTS = ["weight_q1", "weight_q2", "weight_q3", "weight_q4"]
CYCLE_SHARES = ["excellent_share", "star_share", "alpha_principal", "alpha_member"]
# The field of a cycle holding each quarter's own state (see Cycle.period_state).
QUARTER_STATE_FIELDS = {quarter: f"state_{quarter.lower()}" for quarter in QUARTERS}


class QuarterState(models.TextChoices):
    """Where a quarter of an open cycle stands: taking input, closed, or closed and published."""

    OPEN = "open", _("填报中")
    CLOSED = "closed", _("已关闭")
    PUBLISHED = "published", _("已发布")


# A quarter's own states that freeze it: its rows take no input and its results stay as closed.
FROZEN_QUARTER_STATES = [QuarterState.CLOSED, QuarterState.PUBLISHED]


class Cycle(models.Model):
    """One assessment year with its settings and its state (draft → open → closed → published).

    Each quarter of an open cycle has a state of its own (open → closed → published, see
    scoring.services.cycles): a closed quarter takes no input, a published one is shown to
    the units' liaisons. The cycle's own state covers its quarters: closing the cycle closes
    them all, publishing it publishes them all. The quarters' states are fields of the cycle
    rather than rows of their own: they are read with the cycle wherever it is, the cycle's
    row lock that every save takes already orders a save and a close, and the cycle's history
    records each move with who, when and why.
    """

    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        OPEN = "open", _("填报中")
        CLOSED = "closed", _("已关闭")
        PUBLISHED = "published", _("已发布")

    year = YearField(_("年度"), unique=True)
    name = models.CharField(_("名称"), max_length=128, blank=True)
    state = models.CharField(_("状态"), max_length=16, choices=State, default=State.DRAFT)
    state_q1 = models.CharField(
        _("一季度状态"), max_length=16, choices=QuarterState, default=QuarterState.OPEN
    )
    state_q2 = models.CharField(
        _("二季度状态"), max_length=16, choices=QuarterState, default=QuarterState.OPEN
    )
    state_q3 = models.CharField(
        _("三季度状态"), max_length=16, choices=QuarterState, default=QuarterState.OPEN
    )
    state_q4 = models.CharField(
        _("四季度状态"), max_length=16, choices=QuarterState, default=QuarterState.OPEN
    )

    weight_q1 = DecimalField(_("一季度权重"), **SHARE, default=Decimal("0.25"))
    weight_q2 = DecimalField(_("二季度权重"), **SHARE, default=Decimal("0.25"))
    weight_q3 = DecimalField(_("三季度权重"), **SHARE, default=Decimal("0.25"))
    weight_q4 = DecimalField(_("四季度权重"), **SHARE, default=Decimal("0.25"))
    bonus_cap = DecimalField(_("加分上限"), **POINTS, default=Decimal("50"))
    excellent_share = DecimalField(_("优秀比例"), **SHARE, default=Decimal("0.30"))
    excellent_min = DecimalField(_("优秀分数线"), **POINTS, default=Decimal("900"))
    good_min = DecimalField(_("良好分数线"), **POINTS, default=Decimal("800"))
    fair_min = DecimalField(_("一般分数线"), **POINTS, default=Decimal("600"))
    alpha_principal = DecimalField(_("主要负责人关联系数"), **SHARE, default=Decimal("0.7"))
    alpha_member = DecimalField(_("其他干部关联系数"), **SHARE, default=Decimal("0.5"))
    vote_excellent = DecimalField(_("优秀票分值"), **SHARE, default=Decimal("1"))
    vote_competent = DecimalField(_("称职票分值"), **SHARE, default=Decimal("0.8"))
    vote_basic = DecimalField(_("基本称职票分值"), **SHARE, default=Decimal("0.6"))
    vote_incompetent = DecimalField(_("不称职票分值"), **SHARE, default=Decimal("0"))
    star_share = DecimalField(_("十星级子节点比例"), **SHARE, default=Decimal("0.80"))

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    # Counted when the cycle closes, as nothing changes its values or their verification
    # until it is opened again: pages showing the count of a locked year then read it here
    # instead of counting a province's 2 million values on every view. None while open.
    unverified_at_close = models.PositiveIntegerField(
        _("关闭时未审核的数据条数"), null=True, blank=True, editable=False
    )

    # The count is derived from the values, not a setting anyone changed.
    history = HistoricalRecords(excluded_fields=["unverified_at_close"])

    class Meta:
        ordering = ["-year"]
        verbose_name = pgettext_lazy("model name", "考核周期")
        verbose_name_plural = pgettext_lazy("model name, plural", "考核周期")
        constraints = [
            models.CheckConstraint(
                condition=Q(weight_q1__gte=0, weight_q2__gte=0, weight_q3__gte=0, weight_q4__gte=0)
                # A tolerance below the fields' precision, because SQLite sums in floats.
                & Q(
                    weight_q1__gte=Decimal("0.99995")
                    - F("weight_q2")
                    - F("weight_q3")
                    - F("weight_q4")
                )
                & Q(
                    weight_q1__lte=Decimal("1.00005")
                    - F("weight_q2")
                    - F("weight_q3")
                    - F("weight_q4")
                ),
                name="cycle_quarter_weights_sum_to_one",
                violation_error_message=_("季度权重不能为负数，且合计应为 1。"),
            ),
            models.CheckConstraint(
                condition=Q(excellent_share__gte=0, excellent_share__lte=1)
                & Q(star_share__gte=0, star_share__lte=1)
                & Q(alpha_principal__gte=0, alpha_principal__lte=1)
                & Q(alpha_member__gte=0, alpha_member__lte=1),
                name="cycle_shares_between_zero_and_one",
                violation_error_message=_("优秀比例、十星级子节点比例和关联系数应在 0 到 1 之间。"),
            ),
            models.CheckConstraint(
                condition=Q(bonus_cap__gte=0)
                & Q(excellent_min__gte=F("good_min"))
                & Q(good_min__gte=F("fair_min"))
                & Q(fair_min__gte=0),
                name="cycle_grade_thresholds_ordered",
                violation_error_message=_(
                    "加分上限和分数线不能为负数，且分数线应满足 优秀 ≥ 良好 ≥ 一般。"
                ),
            ),
            models.CheckConstraint(
                condition=Q(state__in=["draft", "open", "closed", "published"]),
                name="cycle_state_valid",
                violation_error_message=_("考核周期状态无效。"),
            ),
            models.CheckConstraint(
                condition=Q(
                    **{f"{name}__in": QuarterState.values for name in QUARTER_STATE_FIELDS.values()}
                ),
                name="cycle_quarter_states_valid",
                violation_error_message=_("季度状态无效。"),
            ),
        ]

    def __str__(self):
        return self.name or f"{self.year}年度考核"

    def clean(self):
        """Name the setting that breaks a rule of the checks in Meta, with its value, which a
        check's own message cannot show. Each problem is on a field, so that the form leaves
        out the check's message, which would say the same again without the values."""
        errors = {}

        def refuse(name, message, **values):
            label = self._meta.get_field(name).verbose_name
            plain = {key: decimal_plain(value) for key, value in values.items()}
            errors.setdefault(name, []).append(message % {"field": label, **plain})

        for name in CYCLE_SHARES:
            value = getattr(self, name)
            if value is not None and not 0 <= value <= 1:
                refuse(name, _("%(field)s应在 0 到 1 之间，实为 %(value)s"), value=value)
        for name in [*CYCLE_WEIGHTS, "bonus_cap", "fair_min"]:
            value = getattr(self, name)
            if value is not None and value < 0:
                refuse(name, _("%(field)s不能为负数，实为 %(value)s"), value=value)
        weights = [getattr(self, name) for name in CYCLE_WEIGHTS]
        if None not in weights and sum(weights) != 1:
            # On the first weight, at the top of the weights' fieldset.
            refuse(CYCLE_WEIGHTS[0], _("季度权重合计应为 1，实为 %(sum)s"), sum=sum(weights))
        thresholds = [self.excellent_min, self.good_min, self.fair_min]
        if None not in thresholds and not self.excellent_min >= self.good_min >= self.fair_min:
            refuse(
                "good_min",
                _("分数线应满足 优秀 ≥ 良好 ≥ 一般，实为 %(excellent)s、%(good)s、%(fair)s"),
                excellent=self.excellent_min,
                good=self.good_min,
                fair=self.fair_min,
            )
        if errors:
            raise ValidationError(errors)

    @property
    def quarter_weights(self) -> dict[str, Decimal]:
        return {
            Period.Q1: self.weight_q1,
            Period.Q2: self.weight_q2,
            Period.Q3: self.weight_q3,
            Period.Q4: self.weight_q4,
        }

    @property
    def vote_values(self) -> tuple[Decimal, Decimal, Decimal, Decimal]:
        """What one vote of each kind (Vote.KINDS) is worth."""
        return (self.vote_excellent, self.vote_competent, self.vote_basic, self.vote_incompetent)

    @property
    def is_locked(self) -> bool:
        """Closed and published cycles accept no change to any input."""
        return self.state in (self.State.CLOSED, self.State.PUBLISHED)

    def quarter_state(self, quarter: str) -> str:
        """Return the quarter's own state, as moved on its own (QuarterState)."""
        return getattr(self, QUARTER_STATE_FIELDS[quarter])

    def period_state(self, period: str) -> str:
        """Return where a period stands (QuarterState), the cycle's state covering its
        quarters: a published cycle publishes every period, a closed one closes every period
        not published on its own; otherwise a quarter stands as moved on its own and the year
        is open (a draft's periods too: nothing of a draft is closed)."""
        if self.state == self.State.PUBLISHED:
            return QuarterState.PUBLISHED
        own = self.quarter_state(period) if period in QUARTER_STATE_FIELDS else QuarterState.OPEN
        if self.state == self.State.CLOSED and own == QuarterState.OPEN:
            return QuarterState.CLOSED
        return own

    def period_is_locked(self, period: str) -> bool:
        """Whether the period takes no input: the cycle is locked, or the quarter is closed."""
        return period in Period.values and self.period_state(period) != QuarterState.OPEN

    @property
    def published_periods(self) -> list[str]:
        """The periods whose results the units' liaisons may read, in order (Q1…Q4, Y)."""
        return [p for p in Period.values if self.period_state(p) == QuarterState.PUBLISHED]

    @property
    def frozen_quarters(self) -> list[str]:
        """The quarters closed on their own, whose results the scoring service keeps as they
        were closed with (see results_compute)."""
        return [q for q in QUARTERS if self.quarter_state(q) != QuarterState.OPEN]

    @property
    def grade_thresholds(self) -> dict["Grade", Decimal]:
        """Return the lowest total of each grade above 较差, best grade first."""
        return {
            Grade.EXCELLENT: self.excellent_min,
            Grade.GOOD: self.good_min,
            Grade.FAIR: self.fair_min,
        }


class Method(models.TextChoices):
    DIRECT = "direct", _("直接赋分")
    COMPLETION = "completion", _("目标完成率")
    RANK = "rank", _("排名赋分")
    BEST_RATIO = "best_ratio", _("对标最优")
    DEDUCTION = "deduction", _("扣分")
    BONUS = "bonus", _("加分")
    VETO = "veto", _("一票否决")
    EVALUATION = "evaluation", _("综合评价")


THOUSAND = Decimal("1000")
# Bonus and veto indicators stand outside the 1000 points: they count neither in the earned
# points nor in the applicable maximum.
OUTSIDE_THOUSAND = (Method.BONUS, Method.VETO)


class Indicator(models.Model):
    """A node of the thousand-point tree: an area (一级), a work item (二级) or an indicator (三级).

    Nodes with children only carry max_points, which their children add up to; leaves carry a
    scoring method and its parameters.
    """

    Method = Method

    class Frequency(models.TextChoices):
        QUARTERLY = "quarterly", _("按季度")
        ANNUAL = "annual", _("按年度")

    cycle = models.ForeignKey(
        Cycle, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("考核周期")
    )
    code = CodeField(_("代码"), max_length=32)
    name = models.CharField(_("名称"), max_length=200)
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级"),
    )
    sort_order = CountField(_("排序"), default=0)
    max_points = DecimalField(_("分值"), **POINTS)
    method = models.CharField(_("计分方法"), max_length=16, choices=Method, blank=True)
    frequency = models.CharField(
        _("频次"), max_length=16, choices=Frequency, default=Frequency.QUARTERLY
    )
    categories = models.ManyToManyField(
        UnitCategory,
        blank=True,
        related_name="indicators",
        verbose_name=_("适用类别"),
        help_text=_("留空表示适用于所有类别。"),
    )
    target = DecimalField(_("目标值"), **FIGURE, null=True, blank=True)
    floor = DecimalField(_("完成率下限"), **SHARE, default=Decimal("0"))
    cap = DecimalField(_("完成率上限"), **SHARE, default=Decimal("1"))
    lower_is_better = models.BooleanField(_("越低越好"), default=False)
    step = DecimalField(_("每名次扣分"), **POINTS, null=True, blank=True)
    min_share = DecimalField(_("末位得分比例"), **SHARE, default=Decimal("0"))
    per_incident = DecimalField(_("每次扣分"), **POINTS, null=True, blank=True)
    lead_department = models.CharField(_("牵头部门"), max_length=128, blank=True)
    owners = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="owned_indicators",
        verbose_name=_("评分账号"),
    )

    # With the categories it applies to, which change units' totals, and the scorer accounts,
    # which decide who may enter its values.
    history = MasterDataHistory(m2m_fields=[categories, owners])

    class Meta:
        ordering = ["cycle", "sort_order", "code"]
        verbose_name = pgettext_lazy("model name", "考核指标")
        verbose_name_plural = pgettext_lazy("model name, plural", "考核指标")
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "code"], name="indicator_code_unique_in_cycle"
            ),
            models.CheckConstraint(
                condition=Q(max_points__gte=0),
                name="indicator_max_non_negative",
                violation_error_message=_("分值不能为负数。"),
            ),
            models.CheckConstraint(
                condition=Q(floor__gte=0) & Q(cap__gte=F("floor")),
                name="indicator_floor_below_cap",
                violation_error_message=_("完成率下限不能为负数，且不能高于完成率上限。"),
            ),
            models.CheckConstraint(
                condition=Q(min_share__gte=0, min_share__lte=1),
                name="indicator_min_share_is_share",
                violation_error_message=_("末位得分比例应在 0 到 1 之间。"),
            ),
            models.CheckConstraint(
                condition=Q(step__isnull=True) | Q(step__gte=0),
                name="indicator_step_non_negative",
                violation_error_message=_("每名次扣分不能为负数。"),
            ),
            models.CheckConstraint(
                condition=Q(per_incident__isnull=True) | Q(per_incident__gte=0),
                name="indicator_per_incident_non_negative",
                violation_error_message=_("每次扣分不能为负数。"),
            ),
            models.CheckConstraint(
                condition=~Q(method="completion") | Q(target__isnull=False, target__gt=0),
                name="indicator_completion_has_target",
                violation_error_message=_("目标完成率指标须填写大于 0 的目标值。"),
            ),
            models.CheckConstraint(
                condition=~Q(method="deduction") | Q(per_incident__isnull=False),
                name="indicator_deduction_has_per_incident",
                violation_error_message=_("扣分指标须填写每次扣分。"),
            ),
            models.CheckConstraint(
                condition=Q(method="") | Q(method__in=Method.values),
                name="indicator_method_valid",
                violation_error_message=_("计分方法无效。"),
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def clean(self):
        from scoring.services.tree import PARENT_LOOP, tree_parent_loops

        if self.parent_id is not None and self.cycle_id is not None:
            # A node under another year's tree would be scored in neither.
            if self.parent.cycle_id != self.cycle_id:
                raise ValidationError(
                    {
                        "parent": _("上级指标须属于同一考核周期：%(parent)s 属于%(cycle)s。")
                        % {"parent": self.parent, "cycle": self.parent.cycle}
                    }
                )
        if tree_parent_loops(node=self):
            raise ValidationError({"parent": PARENT_LOOP})

    @property
    def is_outside_thousand(self) -> bool:
        return self.method in OUTSIDE_THOUSAND


class Responsibility(models.Model):
    """An official answers for an indicator at their unit (人事对应 / 量化到人)."""

    official = models.ForeignKey(
        Official, on_delete=models.PROTECT, related_name="responsibilities", verbose_name=_("干部")
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="responsibilities", verbose_name=_("指标")
    )

    history = MasterDataHistory()

    class Meta:
        verbose_name = pgettext_lazy("model name", "指标责任人")
        verbose_name_plural = pgettext_lazy("model name, plural", "指标责任人")
        constraints = [
            models.UniqueConstraint(fields=["official", "indicator"], name="responsibility_unique"),
        ]

    def __str__(self):
        return f"{self.official} → {self.indicator}"

    def clean(self):
        """Refuse what the official's own part would silently leave out: a summary node (no
        method, no points of its own) or an indicator that does not apply to their unit's
        category. Not keyed on a field: the admin shows the indicator read-only once saved."""
        if self.indicator_id is None or self.official_id is None:
            return
        indicator, unit = self.indicator, self.official.unit
        if not indicator.method:
            raise ValidationError(
                _("%(indicator)s 是汇总项，没有计分方法：责任人只能对应末级指标。")
                % {"indicator": indicator}
            )
        # Read through all(), which an import prefetched for the whole file.
        applies_to = {category.pk for category in indicator.categories.all()}
        if applies_to and unit.category_id not in applies_to:
            raise ValidationError(
                _("指标 %(code)s 不适用于%(official)s所在单位的类别（%(category)s）。")
                % {"code": indicator.code, "official": self.official, "category": unit.category}
            )


class RaterGroup(models.Model):
    """A group of raters in the comprehensive evaluation (民主测评), with its weight."""

    cycle = models.ForeignKey(
        Cycle, on_delete=models.CASCADE, related_name="rater_groups", verbose_name=_("考核周期")
    )
    code = CodeField(_("代码"), max_length=32)
    name = models.CharField(_("名称"), max_length=64)
    weight = DecimalField(_("权重"), **SHARE)
    # Two-way assessment (双向考核): towns rate departments and departments rate towns, so a
    # group's votes exist for the units of some categories only.
    categories = models.ManyToManyField(
        UnitCategory,
        blank=True,
        related_name="rater_groups",
        verbose_name=_("评议类别"),
        help_text=_("该群体评议哪些类别的单位；留空表示评议所有单位。"),
    )
    # And some evaluation indicators only: the towns and departments vote on 双向互评, the
    # district leaders and service users on the others.
    indicators = models.ManyToManyField(
        Indicator,
        blank=True,
        limit_choices_to={"method": Method.EVALUATION},
        related_name="rater_groups",
        verbose_name=_("评议指标"),
        help_text=_("该群体评议本周期的哪些综合评价指标；留空表示评议所有综合评价指标。"),
    )

    history = MasterDataHistory(m2m_fields=[categories, indicators])

    class Meta:
        ordering = ["cycle", "code"]
        verbose_name = pgettext_lazy("model name", "测评群体")
        verbose_name_plural = pgettext_lazy("model name, plural", "测评群体")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "code"], name="rater_group_code_unique"),
            models.CheckConstraint(
                condition=Q(weight__gte=0),
                name="rater_group_weight_positive",
                violation_error_message=_("测评群体权重不能为负数。"),
            ),
        ]

    def __str__(self):
        return self.name


class IndicatorValue(models.Model):
    """The figure a scorer reports for one unit, indicator and period.

    What the figure means depends on the indicator's method: points given, an actual figure,
    a count of incidents, 0/1 for a veto.
    """

    # No index of its own: value_unique_per_period starts with the indicator and serves its
    # lookups, while a second index would cost every imported row a write. Protected: values
    # are the record of what scorers entered, so an indicator that has some is not deleted
    # with them (a path replacing a whole cycle deletes its values first, with history).
    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.PROTECT,
        related_name="values",
        verbose_name=_("指标"),
        db_index=False,
    )
    # Protected, as every input of a unit (votes, adjustments): a unit that was assessed is
    # kept, and one no longer assessed is marked so (Unit.is_active). Indexed by
    # value_unit_period (see Meta.indexes), which serves its lookups.
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="indicator_values",
        verbose_name=_("单位"),
        db_index=False,
    )
    period = models.CharField(_("期间"), max_length=2, choices=Period)
    value = DecimalField(_("数值"), **FIGURE)
    version = models.PositiveIntegerField(_("版本"), default=1)
    # Who entered a value is audit data, like the history's user: the database does not check
    # the key, as checking it for 200,000 imported values took 0.55 s at COMMIT. Deleting a
    # user still clears it (SET_NULL, through Django).
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("填报人"),
        db_constraint=False,
    )
    updated_at = models.DateTimeField(_("填报时间"), auto_now=True)
    # Indexed only where set (see Meta.indexes): a value enters unverified, so an import's
    # rows skip the index, and deleting a user still finds the values they verified.
    # Not checked by the database either: verifying a province's quarter checked 500,000 keys
    # at COMMIT (3–5 s).
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审核人"),
        db_index=False,
        db_constraint=False,
    )
    verified_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    # Kept by the database beside each value so that the scoring service reads two plain
    # integers per value (one COPY of millions of rows) instead of computing them: that took
    # PostgreSQL 0.4 s of a province's 2 million values. SQLite keeps decimals as floats, so
    # the figure is rounded to recover the four places entered.
    score_key = models.GeneratedField(
        expression=F("unit_id") * 2**KEY_UNIT_SHIFT
        + F("indicator_id") * 8
        + Case(*(When(period=period, then=Value(row)) for period, row in PERIOD_ROW.items())),
        output_field=models.BigIntegerField(),
        db_persist=True,
    )
    ten_thousandths = models.GeneratedField(
        expression=Cast(Round(F("value") * FIGURE_SCALE), models.BigIntegerField()),
        output_field=models.BigIntegerField(),
        db_persist=True,
    )

    # History is read by value (id), by unit (history_of_unit) and by user (SET NULL when a
    # user is deleted); its copies of these foreign keys have no constraint, so nothing looks
    # them up, and an index on each would cost every imported value three more writes.
    history = HistoricalRecords(
        no_db_index=["indicator", "entered_by", "verified_by"],
        excluded_fields=["score_key", "ten_thousandths"],
        # The audit trail keeps who changed a value without the database checking the key:
        # an import writes a history row per value, and checking 200,000 of them took 0.9 s at
        # COMMIT. Deleting a user still clears it (SET_NULL, through Django).
        user_db_constraint=False,
    )

    class Meta:
        verbose_name = pgettext_lazy("model name", "指标数据")
        verbose_name_plural = pgettext_lazy("model name, plural", "指标数据")
        indexes = [
            models.Index(
                fields=["verified_by"],
                condition=Q(verified_by__isnull=False),
                name="value_verified_by",
            ),
            # The unit's index, holding what a unit's standing among the units ranked with it
            # reads (category_standings): PostgreSQL reads a category's values of a period
            # from the index alone, where it scanned the table (2 million values: 0.4–0.7 s).
            models.Index(
                fields=["unit", "period", "indicator"],
                include=["value"],
                name="value_unit_period",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "unit", "period"], name="value_unique_per_period"
            ),
            models.CheckConstraint(
                condition=VALID_PERIOD,
                name="value_period_valid",
                violation_error_message=PERIOD_INVALID,
            ),
        ]

    def __str__(self):
        return f"{self.unit} {self.indicator.code} {self.period} = {self.value}"


class Vote(models.Model):
    """Vote counts of one rater group for one unit in a comprehensive evaluation indicator."""

    # Protected, as IndicatorValue.indicator: votes are an evaluation indicator's values.
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="votes", verbose_name=_("指标")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="votes", verbose_name=_("单位")
    )
    period = models.CharField(_("期间"), max_length=2, choices=Period)
    rater_group = models.ForeignKey(
        RaterGroup, on_delete=models.PROTECT, related_name="votes", verbose_name=_("测评群体")
    )
    # The four kinds of vote, best first: the count fields here and the cycle's vote_<kind>.
    KINDS = ("excellent", "competent", "basic", "incompetent")

    excellent = CountField(_("优秀"), default=0)
    competent = CountField(_("称职"), default=0)
    basic = CountField(_("基本称职"), default=0)
    incompetent = CountField(_("不称职"), default=0)
    # As IndicatorValue.version: the votes page posts the version it showed, so that a row
    # changed by someone else since is refused instead of overwritten. Not a form field: only
    # votes_save moves it.
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = pgettext_lazy("model name", "测评票数")
        verbose_name_plural = pgettext_lazy("model name, plural", "测评票数")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "unit", "period", "rater_group"], name="vote_unique"
            ),
            models.CheckConstraint(
                condition=VALID_PERIOD,
                name="vote_period_valid",
                violation_error_message=PERIOD_INVALID,
            ),
        ]

    def __str__(self):
        return f"{self.unit} {self.indicator.code} {self.period} {self.rater_group}"


class Adjustment(models.Model):
    """A documented flexible adjustment (柔性考核) of a unit's total for one period."""

    cycle = models.ForeignKey(
        Cycle, on_delete=models.PROTECT, related_name="adjustments", verbose_name=_("考核周期")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="adjustments", verbose_name=_("单位")
    )
    period = models.CharField(_("期间"), max_length=2, choices=Period)
    points = DecimalField(_("调整分值"), **POINTS)
    reason = models.TextField(_("调整事由"))
    approved_by = models.CharField(_("批准人"), max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("录入人"),
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["cycle", "unit", "period", "pk"]
        verbose_name = pgettext_lazy("model name", "柔性考核调整")
        verbose_name_plural = pgettext_lazy("model name, plural", "柔性考核调整")
        constraints = [
            models.CheckConstraint(
                condition=VALID_PERIOD,
                name="adjustment_period_valid",
                violation_error_message=PERIOD_INVALID,
            ),
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="adjustment_has_reason",
                violation_error_message=_("请填写调整事由。"),
            ),
            models.CheckConstraint(
                condition=~Q(approved_by=""),
                name="adjustment_has_approver",
                violation_error_message=_("请填写批准人。"),
            ),
        ]

    def __str__(self):
        return f"{self.unit} {self.period} {self.points:+}"


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    GOOD = "good", _("良好")
    FAIR = "fair", _("一般")
    POOR = "poor", _("较差")


LOCKED_STATES = [Cycle.State.CLOSED, Cycle.State.PUBLISHED]


def protect_in_locked_cycles(collector, field, sub_objs, using):
    """Delete a unit's or an official's results with it while their cycles still take input
    (they are recomputed from the inputs, and a unit created by mistake has some at once),
    but never those of a closed or published cycle: they are what that year decided."""
    locked = list(sub_objs.filter(cycle__state__in=LOCKED_STATES))
    if locked:
        raise models.ProtectedError(
            f"Results of locked cycles are kept: {field.model.__name__}.{field.name}", locked
        )
    models.CASCADE(collector, field, sub_objs, using)


def derived_cycle_key(*, related_name: str) -> models.ForeignKey:
    """The cycle of a derived result row. Not indexed on its own: the table's unique
    constraint starts with the cycle and serves its lookups, while a second index would cost
    each of a province's tens of thousands of rows a write per compute."""
    return models.ForeignKey(
        Cycle,
        on_delete=models.CASCADE,
        related_name=related_name,
        verbose_name=_("考核周期"),
        db_index=False,
        **DERIVED_KEY,
    )


class UnitResult(models.Model):
    """The stored result of one unit for one period, written by the scoring service.

    `area_points` holds the subtotal of each area; `missing` lists the codes of applicable
    indicators without a value. Each indicator's points are in `CategoryPoints`.
    """

    cycle = derived_cycle_key(related_name="unit_results")
    unit = models.ForeignKey(
        Unit,
        on_delete=protect_in_locked_cycles,
        related_name="results",
        verbose_name=_("单位"),
        **DERIVED_KEY,
    )
    period = models.CharField(_("期间"), max_length=2, choices=Period)
    category = models.ForeignKey(
        UnitCategory,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("类别"),
        **DERIVED_KEY,
    )
    # Ten places, as the scoring service keeps points (see scoring.services.points): the
    # total is rounded once from these, and its explanation adds up only with them.
    earned = DecimalField(_("得分"), max_digits=20, decimal_places=10)
    applicable_max = DecimalField(_("适用满分"), max_digits=14, decimal_places=4)
    bonus = DecimalField(_("加分"), max_digits=20, decimal_places=10, default=Decimal("0"))
    adjustment = DecimalField(_("柔性调整"), **POINTS, default=Decimal("0"))
    total = DecimalField(_("总分"), **POINTS)
    rank = models.PositiveIntegerField(_("名次"))
    grade = models.CharField(_("等次"), max_length=16, choices=Grade)
    vetoed = models.BooleanField(_("一票否决"), default=False)
    needs_adjustment = models.BooleanField(_("重点调整"), default=False)
    area_points = models.JSONField(_("领域得分"), default=dict)
    missing = models.JSONField(_("缺报指标"), default=list)
    computed_at = models.DateTimeField(_("计算时间"), auto_now=True)

    class Meta:
        ordering = ["cycle", "period", "category", "rank", "unit__code"]
        # The ranked dashboard reads one category's period in rank order.
        indexes = [
            models.Index(
                fields=["cycle", "period", "category", "rank"], name="unit_result_ranking"
            ),
        ]
        verbose_name = pgettext_lazy("model name", "单位考核结果")
        verbose_name_plural = pgettext_lazy("model name, plural", "单位考核结果")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "unit", "period"], name="unit_result_unique"),
            models.CheckConstraint(
                condition=VALID_PERIOD,
                name="unit_result_period_valid",
                violation_error_message=PERIOD_INVALID,
            ),
            models.CheckConstraint(
                condition=Q(earned__gte=0) & Q(applicable_max__gte=0) & Q(bonus__gte=0),
                name="unit_result_points_non_negative",
                violation_error_message=_("得分、适用满分和加分不能为负数。"),
            ),
        ]

    def __str__(self):
        return f"{self.unit} {self.period} {self.total}"


class CategoryPoints(models.Model):
    """Every indicator's points for every unit of one category in one period, as the scoring
    service computed them, so that a unit's page explains each point without recomputing.

    `points` is a matrix of points in units of 10⁻¹⁰, little-endian integers (32-bit when
    every cell fits, else 64-bit), with a row per unit of `unit_ids` and a column per indicator
    of `indicator_codes` (the indicators that apply to the category in the period, vetoes
    aside). One binary matrix per category rather than a JSON map per unit result: PostgreSQL
    took 1.7 s to store a province's 25,000 maps of 120 points, and 0.2 s to store these.
    """

    cycle = derived_cycle_key(related_name="category_points")
    category = models.ForeignKey(
        UnitCategory,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("类别"),
        **DERIVED_KEY,
    )
    period = models.CharField(_("期间"), max_length=2, choices=Period)
    unit_ids = models.JSONField(_("单位"), default=list)
    indicator_codes = models.JSONField(_("指标"), default=list)
    points = models.BinaryField(_("指标得分"))
    computed_at = models.DateTimeField(_("计算时间"), auto_now=True)

    class Meta:
        verbose_name = pgettext_lazy("model name", "指标得分")
        verbose_name_plural = pgettext_lazy("model name, plural", "指标得分")
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "category", "period"], name="category_points_unique"
            ),
            models.CheckConstraint(
                condition=VALID_PERIOD,
                name="category_points_period_valid",
                violation_error_message=PERIOD_INVALID,
            ),
        ]

    def __str__(self):
        return f"{self.cycle} {self.category} {self.period}"


class OfficialScore(models.Model):
    """An official's personal score (linked assessment): α × unit total + (1 − α) × own part."""

    cycle = derived_cycle_key(related_name="official_scores")
    official = models.ForeignKey(
        Official,
        on_delete=protect_in_locked_cycles,
        related_name="scores",
        verbose_name=_("干部"),
        **DERIVED_KEY,
    )
    # The unit whose total the score links to: an official transferred later keeps this
    # score at the unit it was computed for, where that unit's liaison reads it.
    unit = models.ForeignKey(
        Unit,
        on_delete=protect_in_locked_cycles,
        related_name="official_scores",
        verbose_name=_("单位"),
        db_index=False,
        **DERIVED_KEY,
    )
    period = models.CharField(_("期间"), max_length=2, choices=Period, default=Period.YEAR)
    unit_total = DecimalField(_("单位总分"), **POINTS)
    # Ten places, as computed: the score was rounded once from it, and its formula adds up
    # only with them.
    own_part = DecimalField(_("个人指标得分"), max_digits=20, decimal_places=10)
    alpha = DecimalField(_("关联系数"), **SHARE)
    score = DecimalField(_("个人得分"), **POINTS)
    computed_at = models.DateTimeField(_("计算时间"), auto_now=True)

    class Meta:
        ordering = ["cycle", "unit__code", "-score"]
        verbose_name = pgettext_lazy("model name", "干部个人得分")
        verbose_name_plural = pgettext_lazy("model name, plural", "干部个人得分")
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "official", "period"], name="official_score_unique"
            ),
            models.CheckConstraint(
                condition=VALID_PERIOD,
                name="official_score_period_valid",
                violation_error_message=PERIOD_INVALID,
            ),
        ]

    def __str__(self):
        return f"{self.official} {self.score}"


class BackgroundWork(models.Model):
    """What a record done by the background worker keeps of that work, so that work a killed
    worker left half-way is told from work under way (scoring.services.background)."""

    # The attempt allowed to write to the record: raised whenever the work is taken from the
    # worker (found interrupted, started again, discarded), so that a worker that was only
    # slow finds its attempt gone at its next write and stops, writing nothing.
    attempt = models.PositiveIntegerField(_("后台处理轮次"), default=0)
    # The work's last sign of life: its start and every progress it writes.
    progress_at = models.DateTimeField(_("最近进展时间"), default=timezone.now)
    # The attempt's row in the database task queue, which tells a task waiting for a worker
    # and one that ended with an error; empty for work done in the request.
    task_id = models.UUIDField(_("后台任务"), null=True, blank=True)

    class Meta:
        abstract = True

    def get_shown_status_display(self) -> str:
        """The label of the status a list shows: `shown_status`, annotated by
        scoring.services.background.background_status_annotate."""
        return self.Status(self.shown_status).label


class ImportRecord(BackgroundWork):
    """An uploaded file that was imported: what it was, who brought it and what it changed."""

    class Kind(models.TextChoices):
        SCORER_SHEET = "scorer_sheet", _("评分表")
        VOTE_SHEET = "vote_sheet", _("测评票数表")
        WORKBOOK = "workbook", _("整套考核数据")
        MASTER_DATA = "master_data", _("基础数据")

    class Status(models.TextChoices):
        PENDING = "pending", _("待确认")
        PROCESSING = "processing", _("处理中")
        # Confirmed, and being written by the background worker (a big interchange workbook).
        IMPORTING = "importing", _("导入中")
        # The background worker stopped (killed, restarted) during the check or the write.
        CHECK_INTERRUPTED = "check_interrupted", _("检查中断")
        WRITE_INTERRUPTED = "write_interrupted", _("写入中断")
        FAILED = "failed", _("有错误")
        IMPORTED = "imported", _("已导入")
        UNCHANGED = "unchanged", _("无变更")
        DISCARDED = "discarded", _("已放弃")

    cycle = models.ForeignKey(
        Cycle,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="imports",
        verbose_name=_("考核周期"),
    )
    kind = models.CharField(_("类型"), max_length=16, choices=Kind)
    status = models.CharField(_("状态"), max_length=24, choices=Status, default=Status.PENDING)
    file_name = models.CharField(_("文件名"), max_length=255)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("导入人"),
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    imported_at = models.DateTimeField(_("导入时间"), null=True, blank=True)
    rows_changed = models.PositiveIntegerField(_("变更条数"), default=0)
    errors = models.JSONField(_("错误"), default=list, blank=True)
    problem_count = models.PositiveIntegerField(_("问题数"), default=0)
    # When the template the file was filled in was made: later imports of the same template by
    # the same scorer are theirs, not changes by others since the download.
    template_made_at = models.DateTimeField(_("模板生成时间"), null=True, blank=True)
    notices = models.JSONField(
        _("提示"),
        default=list,
        blank=True,
        help_text=_("预览时值得导入人知道、但不妨碍导入的情况，如跳过的工作表、保留的新值。"),
    )
    upload = models.FileField(_("上传文件"), upload_to="imports/%Y/%m/", blank=True)
    # When purge_uploads deleted the file, past its retention: the record stays whole.
    upload_removed_at = models.DateTimeField(_("原文件删除时间"), null=True, blank=True)
    period = models.CharField(_("期间"), max_length=2, choices=Period, blank=True)
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    processed_rows = models.PositiveIntegerField(_("已处理行数"), default=0)
    # Compressed with lz4 on PostgreSQL (migration 0034): a big sheet's preview is 7 MB of JSON.
    changes = models.JSONField(
        _("预览变更"),
        default=list,
        blank=True,
        help_text=_(
            "评分表：预览时确定的变更 [单位ID, 指标ID, 期间, 原值, 新值]，确认时原样写入；"
            "测评票数表：[单位ID, 指标ID, 期间, 测评群体ID, 原票数, 新票数, 预览时的版本]；"
            "整套考核数据：将被覆盖或删除的已有数据。"
        ),
    )
    preview = models.JSONField(
        _("预览摘要"),
        default=dict,
        blank=True,
        help_text=_("整套考核数据导入的预览：周期、设置、基础数据与各工作表的增删改。"),
    )
    # A workbook adding a unit, or moving one to another category, recomputes the other cycles
    # still taking input: its page names them, however it was confirmed.
    recomputed_cycles = models.ManyToManyField(
        Cycle, blank=True, related_name="+", verbose_name=_("同时重新计算的周期")
    )

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        verbose_name = pgettext_lazy("model name", "导入记录")
        verbose_name_plural = pgettext_lazy("model name, plural", "导入记录")

    def __str__(self):
        return f"{self.file_name} ({self.get_status_display()})"


class VerificationRun(BackgroundWork):
    """A 审核 of many values done in the background: which indicators of a period, who asked,
    and how far it has come (the verify page shows it as a progress bar)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("审核中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("未完成")
        # The background worker stopped (killed, restarted) before it was done.
        INTERRUPTED = "interrupted", _("已中断")

    cycle = models.ForeignKey(
        Cycle,
        on_delete=models.CASCADE,
        related_name="verification_runs",
        verbose_name=_("考核周期"),
    )
    period = models.CharField(_("期间"), max_length=2, choices=Period)
    indicator_ids = models.JSONField(_("指标"), default=list)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("审核人"),
    )
    # Values changed after this are left for another look: the admin asked before seeing them.
    requested_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    # Who last resumed the run once interrupted: the values verified from then on are theirs.
    resumed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("继续审核人"),
    )
    resumed_at = models.DateTimeField(_("继续审核时间"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status, default=Status.QUEUED)
    total = models.PositiveIntegerField(_("待审核条数"), default=0)
    verified = models.PositiveIntegerField(_("已审核条数"), default=0)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    message = models.CharField(_("说明"), max_length=255, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = pgettext_lazy("model name", "后台审核")
        verbose_name_plural = pgettext_lazy("model name, plural", "后台审核")

    def __str__(self):
        return f"{self.cycle} {self.period} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


class ResultSnapshot(models.Model):
    """The results of a cycle as published, frozen: later recomputation never changes them.

    `results` holds one entry per unit and period (unit code and name, category, total, rank,
    grade, veto, bonus, adjustment); `cycle_settings` the settings and rater group weights the
    results were computed with. A snapshot of a quarter published on its own names it in
    `period` and holds that quarter's results only; a blank period is the whole cycle's.
    """

    # Protected: a publication is the record of what units were told.
    cycle = models.ForeignKey(
        Cycle, on_delete=models.PROTECT, related_name="snapshots", verbose_name=_("考核周期")
    )
    published_at = models.DateTimeField(_("发布时间"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("发布人"),
    )
    period = models.CharField(
        _("期间"), max_length=2, choices=Period, blank=True, help_text=_("留空表示整个周期。")
    )
    cycle_settings = models.JSONField(_("计分设置"), default=dict)
    results = models.JSONField(_("考核结果"), default=list)

    class Meta:
        ordering = ["cycle", "-published_at", "-pk"]
        get_latest_by = ["published_at", "pk"]
        verbose_name = pgettext_lazy("model name", "发布结果快照")
        verbose_name_plural = pgettext_lazy("model name, plural", "发布结果快照")

    def __str__(self):
        # In the district's time, as the admin shows 发布时间 beside it (stored in UTC).
        quarter = f" {self.get_period_display()}" if self.period else ""
        return f"{self.cycle}{quarter} @ {timezone.localtime(self.published_at):%Y-%m-%d %H:%M}"
