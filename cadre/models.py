from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cadre.fields import CodeField, CountField, SmallCountField
from cadre.history import MasterDataHistory


class UnitCategory(models.Model):
    """A category of leadership teams; ranking and grading always happen within one (分类考核)."""

    code = CodeField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    sort_order = SmallCountField(_("排序"), default=0)

    history = MasterDataHistory()

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = pgettext_lazy("model name", "单位类别")
        verbose_name_plural = pgettext_lazy("model name, plural", "单位类别")

    def __str__(self):
        return self.name


class Unit(models.Model):
    """A leadership team under assessment (考核单位 / 领导班子): a town, street or department."""

    code = CodeField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=128)
    category = models.ForeignKey(
        UnitCategory, on_delete=models.PROTECT, related_name="units", verbose_name=_("类别")
    )
    sort_order = CountField(_("排序"), default=0)
    is_active = models.BooleanField(_("参加考核"), default=True)
    liaisons = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="liaison_units",
        verbose_name=_("单位联络员"),
    )

    # A unit's category decides whom it is ranked with and which indicators apply to it; its
    # liaisons, who reads its results.
    history = MasterDataHistory(m2m_fields=[liaisons])

    class Meta:
        ordering = ["category__sort_order", "sort_order", "code"]
        verbose_name = pgettext_lazy("model name", "考核单位")
        verbose_name_plural = pgettext_lazy("model name, plural", "考核单位")

    def __str__(self):
        return self.name


class Official(models.Model):
    """A cadre (干部) of a unit; principals and team members carry a personal score."""

    class Role(models.TextChoices):
        PRINCIPAL = "principal", _("主要负责人")
        MEMBER = "member", _("班子成员")
        STAFF = "staff", _("其他干部")

    class Gender(models.TextChoices):
        MALE = "M", _("男")
        FEMALE = "F", _("女")

    code = CodeField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("姓名"), max_length=64)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="officials", verbose_name=_("所在单位")
    )
    role = models.CharField(_("班子角色"), max_length=16, choices=Role, default=Role.MEMBER)
    position = models.CharField(_("职务"), max_length=128, blank=True)
    rank_level = models.CharField(
        pgettext_lazy("civil-service rank", "职级"), max_length=64, blank=True
    )
    gender = models.CharField(_("性别"), max_length=1, choices=Gender, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    in_young_cadre_pool = models.BooleanField(_("优秀年轻干部"), default=False)
    young_cadre_since = models.DateField(_("入库日期"), null=True, blank=True)
    is_active = models.BooleanField(_("在职"), default=True)

    # An official's unit and role decide their personal score (its unit total and α).
    history = MasterDataHistory()

    class Meta:
        ordering = ["unit__sort_order", "unit__code", "role", "code"]
        verbose_name = pgettext_lazy("model name", "干部")
        verbose_name_plural = pgettext_lazy("model name, plural", "干部")
        constraints = [
            models.CheckConstraint(
                condition=Q(in_young_cadre_pool=True) | Q(young_cadre_since__isnull=True),
                name="official_pool_date_only_in_pool",
                violation_error_message=_("只有优秀年轻干部库中的干部才有入库日期。"),
            ),
        ]

    def __str__(self):
        return f"{self.name}（{self.unit}）"


class GrowthRecord(models.Model):
    """A dated entry of an official's growth record (干部成长纪实)."""

    class Kind(models.TextChoices):
        APPOINTMENT = "appointment", _("任职")
        TRAINING = "training", _("培训")
        AWARD = "award", _("奖励")
        ASSESSMENT = "assessment", _("考核结果")
        OTHER = "other", _("其他")

    # Protected: the record of a career is not deleted with the official (see
    # scoring.services.deletion, which says so in words).
    official = models.ForeignKey(
        Official, on_delete=models.PROTECT, related_name="growth_records", verbose_name=_("干部")
    )
    date = models.DateField(_("日期"))
    kind = models.CharField(_("类型"), max_length=16, choices=Kind)
    title = models.CharField(_("事项"), max_length=200)
    detail = models.TextField(_("详情"), blank=True)
    # Set on the entry that publishing a cycle writes (the year's assessment result): publishing
    # it again after a correction rewrites that entry instead of adding a second one. The entry
    # outlives its cycle: it is the official's record of what was published.
    cycle = models.ForeignKey(
        "scoring.Cycle",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="growth_records",
        verbose_name=_("考核周期"),
    )

    # A career record is evidence: who changed an entry, and what it said before, is kept.
    history = MasterDataHistory()

    class Meta:
        ordering = ["official", "-date", "-pk"]
        verbose_name = pgettext_lazy("model name", "成长纪实")
        verbose_name_plural = pgettext_lazy("model name, plural", "成长纪实")
        constraints = [
            models.UniqueConstraint(
                fields=["official", "cycle"],
                condition=Q(cycle__isnull=False),
                name="growth_record_one_per_cycle",
            ),
        ]

    def __str__(self):
        return f"{self.date} {self.title}"
