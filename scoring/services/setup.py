"""The steps a new district takes from an empty database to a cycle taking input, each with
where it stands and the page where it is done: the 考核办's checklist on the home page and on
the pages that have nothing to show before a cycle exists."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, npgettext, pgettext_lazy

from cadre import roles
from cadre.models import Official, Unit, UnitCategory
from cadre.words import listed
from scoring.models import Cycle, Indicator, Method
from scoring.services.tree import indicator_tree_problems


@dataclass(frozen=True)
class SetupStep:
    label: str | Promise
    done: bool
    status: str
    url: str
    how: str | Promise


def setup_steps() -> list[SetupStep]:
    """Return the set-up steps in the order they must be taken (a unit names its category, a
    tree its cycle and categories, a scorer account its indicators), for the newest cycle.
    A fixed number of queries whatever the size of the district."""
    counts = {
        "categories": UnitCategory.objects.count(),
        "units": Unit.objects.count(),
        "units_with_liaison": Unit.objects.filter(liaisons__isnull=False).distinct().count(),
        "officials": Official.objects.count(),
    }
    steps = [
        _master_data_step(
            label=pgettext_lazy("set-up step", "单位类别"),
            count=counts["categories"],
            model="cadre_unitcategory",
            how=gettext_lazy("导入 .xlsx：代码、名称两列（如 ZJ 镇街、JJ 经济部门）。"),
        ),
        _master_data_step(
            label=pgettext_lazy("set-up step", "考核单位"),
            count=counts["units"],
            model="cadre_unit",
            how=gettext_lazy("导入 .xlsx：代码、名称、类别（填单位类别的代码）三列。"),
        ),
        _master_data_step(
            label=pgettext_lazy("set-up step", "干部"),
            count=counts["officials"],
            model="cadre_official",
            how=gettext_lazy(
                "导入 .xlsx：代码、姓名、所在单位（单位代码）、班子角色"
                "（主要负责人、班子成员或其他干部）。"
            ),
        ),
    ]
    cycle = Cycle.objects.first()  # the newest year
    steps.append(_cycle_step(cycle))
    if cycle is not None:
        steps.extend(_cycle_tree_steps(cycle))
    steps.append(_accounts_step(units=counts["units"], with_liaison=counts["units_with_liaison"]))
    if cycle is not None:
        steps.append(
            SetupStep(
                label=pgettext_lazy("set-up step", "开放填报"),
                done=cycle.state != Cycle.State.DRAFT,
                status=cycle.get_state_display(),
                url=reverse("entry:cycles"),
                how=gettext_lazy("指标体系无误后，在“周期状态”页面开放填报，评分员即可录入。"),
            )
        )
    return steps


def _master_data_step(*, label, count: int, model: str, how) -> SetupStep:
    return SetupStep(
        label=label,
        done=count > 0,
        status=npgettext("set-up step", "%(count)s 条", "%(count)s 条", count) % {"count": count},
        url=reverse(f"admin:{model}_changelist"),
        how=how,
    )


def _cycle_step(cycle: Cycle | None) -> SetupStep:
    if cycle is None:
        return SetupStep(
            label=pgettext_lazy("set-up step", "考核周期"),
            done=False,
            status=_("未建立"),
            url=reverse("admin:scoring_cycle_add"),
            how=gettext_lazy("填写年度（如 2026）即可，评分设置已有默认值。"),
        )
    return SetupStep(
        label=pgettext_lazy("set-up step", "考核周期"),
        done=True,
        status=str(cycle),
        url=reverse("admin:scoring_cycle_change", args=[cycle.pk]),
        how=gettext_lazy("下一年度在“周期状态”页面以本年度为模板新建。"),
    )


def _cycle_tree_steps(cycle: Cycle) -> list[SetupStep]:
    """The tree, the rater groups its evaluation indicators need and its scorer accounts."""
    problems = indicator_tree_problems(cycle=cycle)
    leaves = Indicator.objects.filter(cycle=cycle, children__isnull=True)
    leaf_counts = leaves.aggregate(
        evaluation=Count("pk", filter=Q(method=Method.EVALUATION), distinct=True),
        without_owner=Count("pk", filter=Q(owners__isnull=True), distinct=True),
        total=Count("pk", distinct=True),
    )
    indicators_url = reverse("admin:scoring_indicator_changelist") + f"?cycle__id__exact={cycle.pk}"
    steps = [
        SetupStep(
            label=pgettext_lazy("set-up step", "指标体系"),
            done=not problems,
            status=problems[0]
            if problems
            else npgettext(
                "set-up step", "%(count)s 项指标", "%(count)s 项指标", leaf_counts["total"]
            )
            % {"count": leaf_counts["total"]},
            url=indicators_url,
            how=gettext_lazy(
                "导入 .xlsx 或 .csv，列同 fixtures/standard_tree.csv，另加 cycle 列填年度；"
                "各一级指标合计 1000 分。"
            ),
        )
    ]
    if leaf_counts["evaluation"]:
        rater_groups = cycle.rater_groups.count()
        steps.append(
            SetupStep(
                label=pgettext_lazy("set-up step", "测评群体"),
                done=rater_groups > 0,
                status=npgettext("set-up step", "%(count)s 个", "%(count)s 个", rater_groups)
                % {"count": rater_groups},
                url=reverse("admin:scoring_cycle_change", args=[cycle.pk]),
                how=gettext_lazy(
                    "综合评价指标按测评群体录入票数：在考核周期页面底部添加代码、名称和权重。"
                ),
            )
        )
    steps.append(
        SetupStep(
            label=pgettext_lazy("set-up step", "评分账号"),
            done=leaf_counts["total"] > 0 and not leaf_counts["without_owner"],
            status=npgettext(
                "set-up step",
                "%(count)s 项指标未指定",
                "%(count)s 项指标未指定",
                leaf_counts["without_owner"],
            )
            % {"count": leaf_counts["without_owner"]},
            url=indicators_url,
            how=gettext_lazy(
                "在指标列表中勾选指标，用“指定评分账号…”动作交给牵头部门的评分员；"
                "未指定的指标只有考核办能填报。"
            ),
        )
    )
    return steps


def _accounts_step(*, units: int, with_liaison: int) -> SetupStep:
    accounts = get_user_model().objects.filter(is_active=True)
    members = dict(
        accounts.filter(groups__name__in=[roles.SCORER, roles.LEADER, roles.LIAISON])
        .values("groups__name")
        .annotate(count=Count("pk", distinct=True))
        .values_list("groups__name", "count")
    )
    status = _(
        "评分员 %(scorers)s 人，区委领导 %(leaders)s 人，单位联络员 %(liaisons)s 人"
        "（已指定联络员的单位 %(with_liaison)s / %(units)s 个）"
    ) % {
        "scorers": members.get(roles.SCORER, 0),
        "leaders": members.get(roles.LEADER, 0),
        "liaisons": members.get(roles.LIAISON, 0),
        "with_liaison": with_liaison,
        "units": units,
    }
    return SetupStep(
        label=pgettext_lazy("set-up step", "账号"),
        done=bool(members.get(roles.SCORER) and members.get(roles.LEADER) and with_liaison),
        status=status,
        url=reverse("admin:auth_user_changelist"),
        how=gettext_lazy(
            "新建用户后在“组”中选择角色；评分员还须是其指标的评分账号，"
            "单位联络员还须列入其单位的“单位联络员”。"
        ),
    )


def account_setup_notes(*, user) -> list[str]:
    """Return, for a user's page in the admin, what the account answers for (the indicators it
    scores, the units it is the liaison of) and what its roles still lack to work: a scorer
    named by no indicator sees an empty grid, a liaison named by no unit sees nothing, a 考核办
    without the staff flag cannot open the admin."""
    names = roles.user_role_names(user)
    indicators = [
        f"{year} · {code}"
        for year, code in user.owned_indicators.values_list("cycle__year", "code")[:20]
    ]
    units = list(user.liaison_units.values_list("name", flat=True)[:20])
    notes = []
    if indicators:
        notes.append(_("评分账号的指标：%(indicators)s") % {"indicators": listed(indicators)})
    elif roles.SCORER in names:
        notes.append(_("评分员还没有指标：请在考核指标中把本账号设为评分账号，否则填报页是空的。"))
    if units:
        notes.append(_("联络的单位：%(units)s") % {"units": listed(units)})
    elif roles.LIAISON in names:
        notes.append(
            _("单位联络员还没有单位：请在考核单位的“单位联络员”中加入本账号，否则看不到任何结果。")
        )
    if roles.ADMIN in names and not user.is_staff:
        notes.append(_("考核办须同时勾选“工作人员状态”才能进入后台管理。"))
    if not names:
        notes.append(_("还没有角色：请在“组”中选择评分员、区委领导、单位联络员或考核办。"))
    return notes
