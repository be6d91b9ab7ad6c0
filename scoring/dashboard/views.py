"""The leaders' dashboards: thin views over `scoring.dashboard.selectors`."""

from dataclasses import dataclass, replace

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from cadre.models import Official, Unit, UnitCategory
from cadre.numbers import whole_number
from scoring.dashboard import selectors
from scoring.dashboard.access import dashboard_view
from scoring.dashboard.forms import CompareForm, WhatIfForm
from scoring.models import QUARTERS, Cycle, Period
from scoring.no_cycle import CycleMissing, cycle_from_query
from scoring.selectors import cycles_visible, indicators_scored
from scoring.services.explain import (
    indicator_lines_by_area,
    master_data_change_notes,
    unit_area_maxima,
    unit_indicator_lines,
    unit_points_lost,
    unit_points_moved,
    unit_total_explanation,
    unit_without_result_note,
    units_not_assessed,
    units_not_assessed_note,
)
from scoring.services.officials import (
    official_score_explain,
    officials_workbook_build,
    personal_grade,
)
from scoring.services.reports import results_workbook_build
from scoring.services.values import values_unverified_count
from scoring.services.whatif import (
    UnitValueChange,
    WhatIfChanges,
    whatif_changes_problems,
    whatif_run,
    whatif_units,
)

TABS = [
    ("dashboard:ranking", gettext_lazy("排名")),
    ("dashboard:distance", gettext_lazy("晋位差距")),
    ("dashboard:compare", gettext_lazy("单位对比")),
    ("dashboard:whatif", gettext_lazy("模拟测算")),
    ("dashboard:officials", pgettext_lazy("list of officials", "干部")),
]


@dataclass
class Selection:
    """The cycle, period and category a page shows, with the choices offered."""

    cycles: list[Cycle]
    cycle: Cycle
    periods: list[str]
    period: str | None
    categories: list[UnitCategory]
    category: UnitCategory | None

    def period_choices(self):
        return [(period, Period(period).label) for period in self.periods]

    @property
    def period_label(self) -> str:
        return Period(self.period).label if self.period else ""

    @property
    def quarter_still_open(self) -> bool:
        """Whether the period is a quarter still taking input, its results not final."""
        return self.period in QUARTERS and not self.cycle.period_is_locked(self.period)

    def query(self) -> str:
        parts = [f"cycle={self.cycle.year}"]
        if self.period:
            parts.append(f"period={self.period}")
        if self.category:
            parts.append(f"category={self.category.code}")
        return "&".join(parts)


def _selection(request) -> Selection:
    """Read the cycle, period and category from the query string; fall back to the latest.
    Only what the audience may read is offered: a liaison's cycles and periods are the
    published ones, and a period asked for that is not published yet is said so."""
    audience = request.audience
    visible = cycles_visible(user=request.user)
    cycles = list(audience.readable_cycles(visible))
    if not cycles:
        raise CycleMissing(
            _(
                "还没有考核周期。考核办建立第一个年度的考核周期并开放填报后，"
                "即可在此查看排名和得分。"
            )
            if audience.sees_all
            else _("本单位还没有已发布的考核结果，考核办发布后即可在此查看。")
        )
    # A year just opened has no results yet: by default the latest that has some.
    cycle = cycle_from_query(
        request, cycles=cycles, visible=visible, default=selectors.latest_with_results
    )
    periods = audience.readable_periods(cycle=cycle, periods=selectors.result_periods(cycle=cycle))
    period = request.GET.get("period")
    if period not in periods:
        if period in Period.values and not audience.readable_periods(cycle=cycle, periods=[period]):
            messages.info(
                request,
                _("%(cycle)s %(period)s的考核结果尚未发布。")
                % {"cycle": cycle, "period": Period(period).label},
            )
        period = selectors.default_period(cycle=cycle, periods=periods)
    categories = list(UnitCategory.objects.all())
    code = request.GET.get("category", "")
    category = next((c for c in categories if c.code == code), next(iter(categories), None))
    return Selection(cycles, cycle, periods, period, categories, category)


def _page(request, template, selection, **context):
    current = request.resolver_match.view_name
    tabs = [(reverse(name), label, name == current) for name, label in TABS]
    return render(request, template, {"selection": selection, "tabs": tabs, **context})


def _radar(areas, series):
    # An area none of the series scores in (the annual evaluation in a quarter) is left out:
    # drawn at 0 it read as a unit scoring nothing there.
    areas = [area for area in areas if any(area.code in points for _name, points in series)]
    return {
        "indicators": [{"name": area.name, "max": str(area.max_points)} for area in areas],
        "series": [
            {"name": name, "values": [str(points.get(area.code) or 0) for area in areas]}
            for name, points in series
        ],
    }


@dashboard_view(liaisons=True)
def ranking(request):
    if not request.audience.sees_all:
        # The cycle and period asked for go along to the unit's page.
        query = request.GET.urlencode()
        unit_url = reverse("dashboard:unit", args=[_own_unit_code(request)])
        return redirect(f"{unit_url}?{query}" if query else unit_url)
    selection = _selection(request)
    areas = selectors.result_areas(cycle=selection.cycle)
    rows = []
    if selection.period and selection.category:
        rows = selectors.unit_ranking_list(
            cycle=selection.cycle,
            period=selection.period,
            category=selection.category,
            areas=areas,
        )
    # The category's units a closed period did not assess: they have no row to say so.
    not_assessed = []
    if selection.period and selection.category:
        not_assessed = units_not_assessed(
            cycle=selection.cycle, period=selection.period, category_ids=[selection.category.pk]
        ).get(selection.category.pk, [])
    distribution = selectors.grade_distribution(rows)
    charts = {
        "units": [row.result.unit.name for row in rows],
        "totals": [str(row.result.total) for row in rows],
        "grades": [row.result.grade for row in rows],
        "distribution": [
            {"grade": grade, "name": str(label), "value": count}
            for grade, label, count in distribution
        ],
        "trend": selectors.category_trend(cycle=selection.cycle, category=selection.category)
        if selection.category
        else {"periods": [], "series": []},
    }
    return _page(
        request,
        "dashboard/ranking.html",
        selection,
        areas=areas,
        rows=rows,
        distribution=distribution,
        not_assessed_note=units_not_assessed_note(period=selection.period, units=not_assessed),
        charts=charts,
        unverified=values_unverified_count(cycle=selection.cycle),
        previous_year_pending=selection.period == Period.YEAR
        and selectors.previous_year_pending(cycle=selection.cycle),
        # The district's flagged teams, whichever category is shown: few, and what a leader asks.
        flagged=selectors.units_flagged(cycle=selection.cycle)
        if selection.period == Period.YEAR
        else [],
    )


def _own_unit_code(request) -> str:
    unit = Unit.objects.filter(pk__in=request.audience.own_unit_ids).order_by("code").first()
    return unit.code


def _other_own_units(request, unit: Unit) -> list[Unit]:
    """A liaison's other units, which their page links to: the ranking that leads a leader
    to any unit is not theirs."""
    own = request.audience.own_unit_ids - {unit.pk}
    return list(Unit.objects.filter(pk__in=own).order_by("code")) if own else []


@dashboard_view()
def distance(request):
    selection = _selection(request)
    rows = []
    if selection.period and selection.category:
        rows = selectors.unit_ranking_list(
            cycle=selection.cycle, period=selection.period, category=selection.category, areas=[]
        )
    rows.sort(key=lambda row: (row.closest_gap is None, row.closest_gap, row.result.rank))
    return _page(request, "dashboard/distance.html", selection, rows=rows)


@dashboard_view(liaisons=True)
def unit_detail(request, code):
    unit = get_object_or_404(Unit.objects.select_related("category"), code=code)
    selection = _selection(request)
    audience = request.audience
    if not audience.may_see_unit(unit_id=unit.pk, cycle=selection.cycle):
        raise PermissionDenied
    areas = selectors.result_areas(cycle=selection.cycle)
    # No period when none the audience may read has results: then no result either.
    overview = selectors.unit_overview(cycle=selection.cycle, unit=unit, period=selection.period)
    # The personal scores are the year's.
    year_shown = audience.may_see_unit(unit_id=unit.pk, cycle=selection.cycle, period=Period.YEAR)
    result = overview.result
    notes = master_data_change_notes(result=result) if result else None
    # How the unit moved since the quarter before, where the audience reads that one too.
    compared = selectors.compared_quarter(period=selection.period, periods=selection.periods)
    result_before = next((r for r in overview.results if r.period == compared), None)
    compared = compared if result_before else None
    indicator_rows = (
        unit_indicator_lines(
            result=result, change_notes=notes.by_indicator, compared_period=compared
        )
        if result
        else []
    )
    if result:
        # What the unit could earn in each area this period, as its total counts it.
        maxima = unit_area_maxima(lines=indicator_rows)
        areas = [replace(area, max_points=maxima.get(area.code)) for area in areas]
    radar = _radar(
        areas,
        [
            (unit.name, result.area_points if result else {}),
            (_("类别平均"), overview.area_averages),
        ],
    )
    return _page(
        request,
        "dashboard/unit.html",
        selection,
        unit=unit,
        category=overview.category,
        previous_year_pending=selectors.previous_year_pending(cycle=selection.cycle),
        overview=[
            (r, overview.category_sizes.get(r.period), r.period == selection.period)
            for r in overview.results
            if r.period in selection.periods
        ],
        result=result,
        areas=[
            (
                area,
                selectors.points_round(result.area_points.get(area.code)) if result else None,
                overview.area_averages.get(area.code),
                selectors.points_moved(
                    before=result_before.area_points.get(area.code) if result_before else None,
                    after=result.area_points.get(area.code) if result else None,
                ),
            )
            for area in areas
        ],
        compared_label=Period(compared).label if compared else "",
        indicator_rows=indicator_rows,
        indicator_areas=(
            indicator_lines_by_area(indicator_rows, area_points=result.area_points)
            if result
            else []
        ),
        points_lost=unit_points_lost(result=result, lines=indicator_rows) if result else [],
        points_moved=unit_points_moved(lines=indicator_rows),
        next_grade=selectors.unit_next_grade(cycle=selection.cycle, result=result)
        if result
        else None,
        total_explanation=unit_total_explanation(result=result) if result else "",
        without_result_note=unit_without_result_note(cycle=selection.cycle, period=selection.period)
        if selection.period and not result
        else "",
        category_change_note=notes.category if notes else "",
        year_shown=year_shown,
        other_own_units=_other_own_units(request, unit),
        official_scores=(
            selectors.unit_official_scores(cycle=selection.cycle, unit=unit) if year_shown else []
        ),
        charts={"radar": radar},
    )


@dashboard_view()
def compare(request):
    selection = _selection(request)
    units = (
        selectors.units_ranked(cycle=selection.cycle, period=selection.period)
        if selection.period
        else []
    )
    form = CompareForm(
        request.GET if "units" in request.GET else None,
        unit_choices=[(code, f"{category} · {name}") for code, name, category in units],
    )
    areas = selectors.result_areas(cycle=selection.cycle)
    results = []
    if form.is_valid() and selection.period:
        results = selectors.units_compare(
            cycle=selection.cycle, period=selection.period, unit_codes=form.cleaned_data["units"]
        )
    area_rows = selectors.units_area_compared(
        cycle=selection.cycle, period=selection.period, results=results, areas=areas
    )
    return _page(
        request,
        "dashboard/compare.html",
        selection,
        form=form,
        results=results,
        area_rows=area_rows,
        charts={
            # Each area drawn as the share of what each unit could earn there, out of 100.
            "radar": _radar(
                [replace(area, max_points=100) for area in areas],
                selectors.units_area_shares(results=results, area_rows=area_rows),
            )
        },
    )


@dashboard_view()
def whatif(request):
    selection = _selection(request)
    cycle = selection.cycle
    leaves = list(indicators_scored(cycle=cycle))
    units = []
    if selection.period:
        units = whatif_units(cycle=cycle, period=selection.period, category=selection.category)
    form = WhatIfForm(
        request.GET if "run" in request.GET else None, cycle=cycle, indicators=leaves, units=units
    )
    rows = None
    if form.is_valid() and selection.period:
        changes = _whatif_changes(form, leaves, units)
        for problem in whatif_changes_problems(changes=changes):
            form.add_error("value", problem)
        if not form.errors:
            rows = whatif_run(
                cycle=cycle, period=selection.period, category=selection.category, changes=changes
            )
    if form.errors:
        messages.error(request, _("请更正下面标出的问题后再测算。"))
    return _page(request, "dashboard/whatif.html", selection, form=form, rows=rows)


def _whatif_changes(form, leaves, units) -> WhatIfChanges:
    data = form.cleaned_data
    by_code = {indicator.code: indicator for indicator in leaves}
    unit_values = []
    if data["unit"]:
        unit_values.append(
            UnitValueChange(
                unit=next(unit for unit in units if unit.code == data["unit"]),
                indicator=by_code[data["value_indicator"]],
                period=data["value_period"],
                value=data["value"],
            )
        )
    return WhatIfChanges(
        indicator_max={by_code[data["indicator"]]: data["max_points"]} if data["indicator"] else {},
        quarter_weights=form.quarter_weights(),
        unit_values=unit_values,
    )


@dataclass(frozen=True)
class OfficialsFilter:
    """What the officials' list is narrowed and ordered by, as its query string says."""

    search: str
    young_only: bool
    by_score: bool

    @classmethod
    def read(cls, request) -> "OfficialsFilter":
        return cls(
            search=request.GET.get("q", "").strip(),
            young_only=request.GET.get("young") == "1",
            by_score=request.GET.get("order") == "score",
        )

    def officials(self, cycle: Cycle) -> QuerySet:
        return selectors.official_list(
            cycle=cycle, search=self.search, young_only=self.young_only, by_score=self.by_score
        )

    def query(self) -> str:
        return urlencode(
            {"q": self.search}
            | ({"young": "1"} if self.young_only else {})
            | ({"order": "score"} if self.by_score else {})
        )


@dashboard_view()
def officials(request):
    selection = _selection(request)
    chosen = OfficialsFilter.read(request)
    page = Paginator(chosen.officials(selection.cycle), 50).get_page(request.GET.get("page"))
    for official in page:
        official.score_unit = selectors.official_score_unit(official)
        official.personal_grade = personal_grade(
            cycle=selection.cycle, score=official.personal_score
        )
    return _page(
        request,
        "dashboard/officials.html",
        selection,
        page=page,
        search=chosen.search,
        young_only=chosen.young_only,
        by_score=chosen.by_score,
        filter_query=chosen.query(),
    )


@dashboard_view()
def officials_export(request):
    """The officials the list shows (its search and pool filter), ranked by personal score."""
    selection = _selection(request)
    officials = OfficialsFilter.read(request).officials(selection.cycle)
    return _xlsx_response(
        officials_workbook_build(cycle=selection.cycle, officials=officials),
        filename=f"officials-{selection.cycle.year}.xlsx",
    )


def _xlsx_response(workbook, *, filename: str) -> HttpResponse:
    response = HttpResponse(
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    workbook.save(response)
    return response


def _officials_list_url(request, selection: Selection) -> str:
    """The officials' list an official's page was opened from: its cycle, search, filter,
    order and page, which the list passes on in the official's link."""
    query = f"cycle={selection.cycle.year}&{OfficialsFilter.read(request).query()}"
    page = request.GET.get("page", "")
    if whole_number(page) is not None:
        query += f"&page={page}"
    return f"{reverse('dashboard:officials')}?{query}"


@dashboard_view()
def official_detail(request, code):
    official = get_object_or_404(Official.objects.select_related("unit"), code=code)
    selection = _selection(request)
    return _page(
        request,
        "dashboard/official.html",
        selection,
        officials_list_url=_officials_list_url(request, selection),
        official=official,
        explained=official_score_explain(cycle=selection.cycle, official=official),
        growth_records=official.growth_records.order_by("-date", "-pk"),
    )


@dashboard_view()
def export(request):
    selection = _selection(request)
    if not selection.period:
        raise Http404(_("该周期还没有考核结果。"))
    asked = request.GET.get("period")
    if asked and asked != selection.period:
        # Never hand over another period's workbook under the one asked for.
        label = Period(asked).label if asked in Period.values else asked
        messages.error(
            request,
            _("%(cycle)s %(period)s 还没有考核结果，不能导出。")
            % {"cycle": selection.cycle, "period": label},
        )
        return redirect(f"{reverse('dashboard:ranking')}?{selection.query()}")
    return _xlsx_response(
        results_workbook_build(cycle=selection.cycle, period=selection.period),
        filename=f"results-{selection.cycle.year}-{selection.period}.xlsx",
    )
