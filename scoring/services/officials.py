"""Officials' personal scores as the cadre section (干部科) reads them: one official's annual
score explained indicator by indicator, and the officials' scores ranked for Excel.

The scores are the stored ones (`OfficialScore`), never recomputed here: a score links to the
year total of the unit it was computed at, which after a transfer is not the official's present
unit until the year is computed again (and never, once the cycle is closed).
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook

from cadre.models import Official
from scoring.models import Cycle, Grade, OfficialScore, Period, Responsibility, UnitResult
from scoring.services.cells import cell_safe
from scoring.services.compute import normalised, points_round
from scoring.services.explain import (
    IndicatorLine,
    own_part_shown,
    places_kept_true,
    points_shown,
    unit_indicator_lines,
)
from scoring.services.reports import PointsPlaces, ranking_sheet_write

# Principal, then team members, then other officials: the order a team is listed in.
ROLE_ORDER = Case(
    When(role=Official.Role.PRINCIPAL, then=Value(0)),
    When(role=Official.Role.MEMBER, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def personal_grade(*, cycle: Cycle, score: Decimal | None) -> Grade | None:
    """Return the grade the score's thresholds give (no quota applies to persons), or None
    while the cycle is still open: its annual score counts the quarters not yet filled as 0."""
    if score is None or not cycle.is_locked:
        return None
    for grade, threshold in cycle.grade_thresholds.items():
        if score >= threshold:
            return grade
    return Grade.POOR


@dataclass(frozen=True)
class Duty:
    """An indicator the official answers for: its line of the unit's year, or why it does not
    count towards the official's own part (`line` None)."""

    indicator_code: str
    indicator_name: str
    max_points: Decimal
    line: IndicatorLine | None
    not_counted: str = ""


@dataclass(frozen=True)
class OfficialScoreExplained:
    """An official's annual score of a cycle with every part of it in words."""

    score: OfficialScore | None
    team: UnitResult | None
    duties: list[Duty]
    own_part: str
    own_part_text: str
    formula: str
    grade: Grade | None
    grade_text: str
    notes: list[str]


def official_score_explain(*, cycle: Cycle, official: Official) -> OfficialScoreExplained:
    """Explain the official's stored annual score of the cycle: the unit total it links to,
    α, the own part from the indicators they answer for (each with its points and its
    reason, or why it does not count), and what the page should say about a transfer, a veto
    or a score not computed. A fixed number of queries."""
    score = (
        OfficialScore.objects.filter(cycle=cycle, official=official, period=Period.YEAR)
        .select_related("unit")
        .first()
    )
    responsibilities = list(
        Responsibility.objects.filter(official=official, indicator__cycle=cycle)
        .select_related("indicator")
        .order_by("indicator__sort_order", "indicator__code")
    )
    if score is None:
        return OfficialScoreExplained(
            score=None,
            team=None,
            duties=[_duty(duty.indicator, None, "") for duty in responsibilities],
            own_part="",
            own_part_text="",
            formula="",
            grade=None,
            grade_text="",
            notes=[_score_missing_note(cycle=cycle, official=official)],
        )
    team = (
        UnitResult.objects.filter(cycle=cycle, unit=score.unit_id, period=Period.YEAR)
        .select_related("cycle", "category", "unit")
        .first()
    )
    lines = {line.indicator.pk: line for line in unit_indicator_lines(result=team)} if team else {}
    duties = [
        _duty_at(responsibility.indicator, lines=lines, team=team)
        for responsibility in responsibilities
    ]
    own_part = own_part_shown(score=score)
    grade = personal_grade(cycle=cycle, score=score.score)
    return OfficialScoreExplained(
        score=score,
        team=team,
        duties=duties,
        own_part=own_part,
        own_part_text=_own_part_text(score=score, duties=duties, own_part=own_part),
        formula=_(
            "个人得分 = %(alpha)s × 单位总分 %(total)s + (1 − %(alpha)s) × "
            "个人指标得分 %(own)s = %(score)s"
        )
        % {
            "alpha": score.alpha.normalize(),
            "total": score.unit_total,
            "own": own_part,
            "score": score.score,
        },
        grade=grade,
        grade_text=_personal_grade_text(cycle=cycle, score=score.score, grade=grade),
        notes=_score_notes(cycle=cycle, official=official, score=score, team=team),
    )


def _personal_grade_text(*, cycle: Cycle, score: Decimal, grade: Grade | None) -> str:
    """Say which threshold gave the personal grade: a person's grade has no quota, unlike the
    unit's, so a page showing both must say why they may differ."""
    if grade is None:
        return ""
    thresholds = cycle.grade_thresholds
    if grade in thresholds:
        return _(
            "个人等次只看分数线，不设比例：%(score)s ≥ %(grade)s分数线 %(threshold)s，"
            "评为%(grade)s。"
        ) % {
            "score": score,
            "grade": grade.label,
            "threshold": thresholds[grade],
        }
    return _(
        "个人等次只看分数线，不设比例：%(score)s 低于%(fair)s分数线 %(threshold)s，评为%(grade)s。"
    ) % {
        "score": score,
        "fair": Grade.FAIR.label,
        "threshold": thresholds[Grade.FAIR],
        "grade": grade.label,
    }


def _duty(indicator, line: IndicatorLine | None, not_counted: str) -> Duty:
    return Duty(
        indicator_code=indicator.code,
        indicator_name=indicator.name,
        max_points=indicator.max_points,
        line=line,
        not_counted=not_counted,
    )


def _duty_at(indicator, *, lines: dict[int, IndicatorLine], team: UnitResult | None) -> Duty:
    """The indicator's line at the unit the score links to, or why it is left out."""
    if indicator.is_outside_thousand:
        return _duty(indicator, None, _("加分和一票否决项不计入个人指标得分"))
    line = lines.get(indicator.pk)
    if line is None:
        category = team.category.name if team else ""
        return _duty(
            indicator,
            None,
            _("不适用于该单位的类别（%(category)s），不计入个人指标得分") % {"category": category},
        )
    return _duty(indicator, line, "")


def _own_part_text(*, score: OfficialScore, duties: list[Duty], own_part: str) -> str:
    counted = [duty for duty in duties if duty.line is not None]
    if not counted:
        return _("没有负责适用于本单位的考核指标，个人指标得分取单位总分 %(total)s") % {
            "total": score.unit_total
        }
    earned = sum((duty.line.points for duty in counted), Decimal(0))
    maximum = sum((duty.max_points for duty in counted), Decimal(0))
    # The points or the responsibilities changed after the score was computed.
    changed = points_round(normalised(earned=earned, applicable_max=maximum)) != points_round(
        score.own_part
    )
    shown = Decimal(own_part)
    # The earned points with the places a calculator needs to find the own part shown
    # (240.681 / 490 × 1000 = 491.186), not the ten the stored line points add up to.
    (earned_shown,) = places_kept_true(
        [earned],
        holds=lambda earned: (
            changed
            or normalised(earned=earned, applicable_max=maximum).quantize(
                shown, rounding=ROUND_HALF_UP
            )
            == shown
        ),
    )
    text = _("个人指标得分 = 得分 %(earned)s / 满分 %(max)s × 1000 = %(own)s") % {
        "earned": points_shown(earned_shown),
        "max": points_shown(maximum),
        "own": own_part,
    }
    if changed:
        text += _("（计算后指标责任或得分有变动，重新计算后一致）")
    return text


def _score_notes(
    *, cycle: Cycle, official: Official, score: OfficialScore, team: UnitResult | None
) -> list[str]:
    notes = []
    if score.unit_id != official.unit_id:
        notes.append(
            _("个人得分关联的是计算时所在单位“%(unit)s”的年度总分；该干部现任职于“%(current)s”。")
            % {"unit": score.unit.name, "current": official.unit.name}
            + (
                _("本年度结果已定，不随调动改变。")
                if cycle.is_locked
                else _("周期关闭前再次计算时，改按现所在单位计算。")
            )
        )
    if team is not None and team.vetoed:
        notes.append(
            _("“%(unit)s”本年度被一票否决，领导班子等次最高为一般。") % {"unit": team.unit.name}
        )
    if not official.is_active:
        notes.append(_("该干部已不在职，保留其计算时的个人得分。"))
    return notes


def _score_missing_note(*, cycle: Cycle, official: Official) -> str:
    if not official.is_active:
        return _("该干部不在职，%(cycle)s没有个人得分。") % {"cycle": cycle}
    return _("%(cycle)s尚未计算该干部的个人得分：其所在单位还没有年度考核结果。") % {"cycle": cycle}


def officials_ranked(*, cycle: Cycle, officials: QuerySet[Official]) -> list[OfficialScore]:
    """Return the annual scores of the cycle held by `officials`, highest first (ties by
    official code), each with `place` (competition ranking: 1, 2, 2, 4) and `team`, the year
    result of the unit the score links to (None without one). Two queries."""
    scores = list(
        OfficialScore.objects.filter(cycle=cycle, period=Period.YEAR, official__in=officials)
        .select_related("official__unit", "unit")
        .order_by("-score", "official__code")
    )
    teams = {
        team.unit_id: team
        for team in UnitResult.objects.filter(
            cycle=cycle, period=Period.YEAR, unit_id__in={score.unit_id for score in scores}
        ).select_related("category")
    }
    for index, score in enumerate(scores):
        ahead = scores[index - 1] if index else None
        score.place = ahead.place if ahead and ahead.score == score.score else index + 1
        score.team = teams.get(score.unit_id)
    return scores


def officials_workbook_build(*, cycle: Cycle, officials: QuerySet[Official]) -> Workbook:
    """Build the workbook of the officials' annual scores, ranked: unit, position, role, the
    unit total, α, own part, personal score and, once the cycle is closed, the grade, styled
    as the results report is."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("干部个人得分")
    title = _("%(cycle)s 干部个人得分") % {"cycle": cycle}
    if not cycle.is_locked:
        title += _("（临时结果：仍在填报中，关闭后才是正式结果）")
    headers = [
        _("名次"),
        _("干部代码"),
        _("姓名"),
        _("单位代码"),
        _("单位"),
        _("单位类别"),
        _("职务"),
        pgettext("civil-service rank", "职级"),
        _("班子角色"),
        _("优秀年轻干部"),
        _("单位总分"),
        _("关联系数"),
        _("个人指标得分"),
        _("个人得分"),
        _("等次"),
        _("单位一票否决"),
        _("现所在单位"),
    ]
    ranking_sheet_write(
        sheet,
        title=title,
        headers=headers,
        rows=(
            _official_cells(cycle=cycle, score=score)
            for score in officials_ranked(cycle=cycle, officials=officials)
        ),
        widths=[6, 10, 10, 10, 18, 10, 14, 10, 12, 8, 10, 8, 10, 10, 6, 8, 18],
        grade_column=headers.index(_("等次")) + 1,
    )
    return workbook


def _official_cells(*, cycle: Cycle, score: OfficialScore) -> tuple[list, Grade | None]:
    official, team = score.official, score.team
    grade = personal_grade(cycle=cycle, score=score.score)
    own_part = own_part_shown(score=score)
    cells = [
        score.place,
        cell_safe(official.code),
        cell_safe(official.name),
        cell_safe(score.unit.code),
        cell_safe(score.unit.name),
        cell_safe(team.category.name) if team else "",
        cell_safe(official.position),
        cell_safe(official.rank_level),
        str(official.get_role_display()),
        _("是") if official.in_young_cadre_pool else "",
        score.unit_total,
        score.alpha,
        # Unrounded, shown with the places the official's page gives it: the score was
        # rounded once from it, and two places may not add up to the score.
        PointsPlaces.as_shown(score.own_part, own_part),
        score.score,
        str(grade.label) if grade else "",
        _("是") if team and team.vetoed else "",
        cell_safe(official.unit.name) if official.unit_id != score.unit_id else "",
    ]
    return cells, grade
