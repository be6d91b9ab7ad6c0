"""Why a unit, an official, a category, a rater group or a cycle cannot be deleted.

The models refuse it (on_delete PROTECT, and `protect_in_locked_cycles` for results): a unit
deleted would take its values, votes, adjustments and its results of past years with it. These
functions say in words which data holds each one, so that the admin can answer a deletion with
a sentence instead of a list of rows; a record with no such data (created by mistake) may go.
Each reads the holdings of all the given rows in one query per kind of data.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Count, F, Model, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from cadre.models import GrowthRecord, Official, Unit, UnitCategory
from cadre.words import listed
from scoring.models import (
    LOCKED_STATES,
    Adjustment,
    Cycle,
    Indicator,
    IndicatorValue,
    OfficialScore,
    RaterGroup,
    Responsibility,
    ResultSnapshot,
    UnitResult,
    Vote,
)


@dataclass(frozen=True)
class Holding:
    """One kind of data that keeps the rows it points to: the rows of `model` whose `key`
    names them (and that match `only`), with the years of `year` (None: not kept per year),
    told by `told(count)`."""

    model: type[Model]
    key: str
    year: str | None
    told: Callable[[int], str]
    only: dict | None = None


def _values(count):
    return ngettext("%(count)s 条指标数据", "%(count)s 条指标数据", count)


def _votes(count):
    return ngettext("%(count)s 条测评票数", "%(count)s 条测评票数", count)


def _adjustments(count):
    return ngettext("%(count)s 条柔性考核调整", "%(count)s 条柔性考核调整", count)


def _results(count):
    return ngettext("%(count)s 条考核结果", "%(count)s 条考核结果", count)


def _scores(count):
    return ngettext("%(count)s 条干部个人得分", "%(count)s 条干部个人得分", count)


LOCKED = {"cycle__state__in": LOCKED_STATES}
UNIT_HOLDINGS = [
    Holding(
        Official,
        "unit",
        None,
        lambda count: ngettext("%(count)s 名干部", "%(count)s 名干部", count),
    ),
    Holding(IndicatorValue, "unit", "indicator__cycle__year", _values),
    Holding(Vote, "unit", "indicator__cycle__year", _votes),
    Holding(Adjustment, "unit", "cycle__year", _adjustments),
    # Results of cycles still taking input are recomputed without the unit: they hold nothing.
    Holding(UnitResult, "unit", "cycle__year", _results, only=LOCKED),
    Holding(OfficialScore, "unit", "cycle__year", _scores, only=LOCKED),
]
OFFICIAL_HOLDINGS = [
    Holding(
        GrowthRecord,
        "official",
        None,
        lambda count: ngettext("%(count)s 条成长纪实", "%(count)s 条成长纪实", count),
    ),
    Holding(
        Responsibility,
        "official",
        "indicator__cycle__year",
        lambda count: ngettext("%(count)s 项指标责任", "%(count)s 项指标责任", count),
    ),
    Holding(OfficialScore, "official", "cycle__year", _scores, only=LOCKED),
]
CATEGORY_HOLDINGS = [
    Holding(
        Unit,
        "category",
        None,
        lambda count: ngettext("%(count)s 个考核单位", "%(count)s 个考核单位", count),
    ),
    Holding(UnitResult, "category", "cycle__year", _results),
    Holding(
        Indicator.categories.through,
        "unitcategory",
        "indicator__cycle__year",
        lambda count: ngettext(
            "%(count)s 个指标以其为适用类别", "%(count)s 个指标以其为适用类别", count
        ),
    ),
]
RATER_GROUP_HOLDINGS = [Holding(Vote, "rater_group", None, _votes)]
CYCLE_HOLDINGS = [
    Holding(IndicatorValue, "indicator__cycle", None, _values),
    Holding(Vote, "indicator__cycle", None, _votes),
    Holding(Adjustment, "cycle", None, _adjustments),
    Holding(
        ResultSnapshot,
        "cycle",
        None,
        lambda count: ngettext("%(count)s 次结果发布记录", "%(count)s 次结果发布记录", count),
    ),
]


def unit_deletion_refusals(*, units: Iterable[Unit]) -> list[str]:
    """Return, for each unit that holds assessment data, why it cannot be deleted."""
    advice = _("不再参加考核的单位请取消“参加考核”。")
    return _refusals(rows=units, holdings=UNIT_HOLDINGS, kind=_("单位"), advice=advice)


def official_deletion_refusals(*, officials: Iterable[Official]) -> list[str]:
    """Return, for each official with a record (growth record, responsibilities, scores), why
    they cannot be deleted."""
    advice = _("不再在职的干部请取消“在职”。")
    return _refusals(rows=officials, holdings=OFFICIAL_HOLDINGS, kind=_("干部"), advice=advice)


def category_deletion_refusals(*, categories: Iterable[UnitCategory]) -> list[str]:
    """Return, for each category that has units, results or indicators applying to it, why
    it cannot be deleted (removed from an indicator, it would apply to every category)."""
    advice = _("不再使用的类别可以保留：没有单位的类别不参加排名。")
    return _refusals(rows=categories, holdings=CATEGORY_HOLDINGS, kind=_("单位类别"), advice=advice)


def rater_group_deletion_refusals(*, rater_groups: Iterable[RaterGroup]) -> list[str]:
    """Return, for each rater group with votes, why it cannot be deleted."""
    advice = _("如确属误建，请先在“测评票数”中删除这些票数（删除会记入历史）。")
    return _refusals(
        rows=rater_groups, holdings=RATER_GROUP_HOLDINGS, kind=_("测评群体"), advice=advice
    )


def cycle_deletion_refusals(*, cycles: Iterable[Cycle]) -> list[str]:
    """Return, for each cycle with entered data or a publication, why it cannot be deleted."""
    advice = _("考核周期的数据是当年考核的记录，须保留。")
    return _refusals(rows=cycles, holdings=CYCLE_HOLDINGS, kind=None, advice=advice)


def _refusals(*, rows, holdings: list[Holding], kind: str | None, advice: str) -> list[str]:
    """One refusal per row that a holding names; a row is named by its kind, code and name
    ("单位 ZJ01 城关街道"), or as itself without a kind (a cycle)."""
    rows = list(rows)
    held: dict[int, list[tuple[Holding, int, list[int]]]] = {}
    for holding in holdings:
        for pk, count, years in _counted(holding=holding, ids=[row.pk for row in rows]):
            held.setdefault(pk, []).append((holding, count, years))
    refusals = []
    for row in rows:
        if row.pk not in held:
            continue
        named = (
            _("%(kind)s %(code)s %(name)s") % {"kind": kind, "code": row.code, "name": row.name}
            if kind
            else str(row)
        )
        refusals.append(
            _("%(named)s 有 %(data)s，不能删除；%(advice)s")
            % {"named": named, "data": _holdings_told(held[row.pk]), "advice": advice}
        )
    return refusals


def _counted(*, holding: Holding, ids: list[int]):
    """Yield (id, count, years) for each of the ids that the holding's rows name."""
    rows: QuerySet = holding.model.objects.filter(
        **{f"{holding.key}__in": ids}, **(holding.only or {})
    )
    by_year = {"held_year": F(holding.year)} if holding.year else {}
    counts = (
        rows.order_by()
        .values(held_id=F(holding.key), **by_year)
        .annotate(count=Count("pk"))
        .values_list("held_id", "count", *by_year)
    )
    totals: dict[int, tuple[int, set[int]]] = {}
    for pk, count, *year in counts:
        total, years = totals.get(pk, (0, set()))
        totals[pk] = (total + count, years | set(year))
    for pk, (count, years) in totals.items():
        yield pk, count, sorted(years)


def _holdings_told(held: list[tuple[Holding, int, list[int]]]) -> str:
    """Say what is held, the data of the same years together: "5 名干部，2025、2026 年度的
    1,234 条指标数据、40 条考核结果"."""
    groups: dict[tuple[int, ...], list[str]] = {}
    for holding, count, years in held:
        told = holding.told(count) % {"count": f"{count:,}"}
        groups.setdefault(tuple(years), []).append(told)
    told_groups = [
        _("%(years)s 年度的 %(data)s") % {"years": listed(years), "data": listed(data)}
        if years
        else listed(data)
        for years, data in groups.items()
    ]
    return pgettext("between groups of a list", "，").join(told_groups)
