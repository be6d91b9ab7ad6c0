"""Pages of quarterly entry: the grid, votes, adjustments, cycle states, history, verification.

Views stay thin: they check the role, read the request, call a service or selector and render.
"""

import re

from django.contrib import messages
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import get_format
from django.utils.html import conditional_escape
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from django.views.decorators.http import require_POST

from cadre.models import Unit
from cadre.numbers import DIGITS_MAX, whole_number, whole_numbers
from cadre.permissions import role_required
from cadre.roles import ADMIN, LEADER, LIAISON, SCORER, user_has_role
from scoring.dashboard.access import audience_for
from scoring.forms import (
    AdjustmentForm,
    AdjustmentWithdrawForm,
    CycleCreateFromForm,
    ReopenForm,
    VoteCountsForm,
)
from scoring.models import (
    QUARTERS,
    Cycle,
    Indicator,
    IndicatorValue,
    Period,
    QuarterState,
    VerificationRun,
)
from scoring.no_cycle import CycleMissing, cycle_from_query
from scoring.selectors import (
    GRID_ALL_CELLS_MAX,
    GRID_ONE_VIEW_CELLS,
    GRID_PAGE_UNITS,
    PERIODS,
    VALUE_METHODS,
    cycle_picked,
    cycle_state_moves,
    cycle_taking_input,
    cycles_last_published,
    cycles_visible,
    cycles_with_gaps,
    entry_grid,
    entry_grid_missing,
    entry_grid_scope,
    entry_grid_units,
    history_events,
    history_of_unit,
    indicators_counting_values,
    indicators_entered_by,
    indicators_marking_applicable,
    indicators_writable,
    latest_publication,
    period_needing_entry,
    periods_open,
    units_active,
    units_applicable,
    units_by_ids,
    value_text,
    verification_run_latest,
)
from scoring.services import cycles as cycle_services
from scoring.services.background import background_interruption
from scoring.services.evaluations import (
    VoteCounts,
    adjustment_create,
    adjustment_withdraw,
    adjustments_withdrawn,
    rater_groups_of_cycle,
    vote_counts_text,
    votes_of_unit,
    votes_progress,
    votes_save,
)
from scoring.services.tree import cycles_tree_problems
from scoring.services.values import (
    REASON_MAX,
    SOURCE_ENTRY,
    CellInput,
    CycleLockedError,
    values_save,
    values_unverified_count,
    values_unverify,
)
from scoring.services.verification import (
    VerificationRefused,
    values_verify_request,
    verification_run_discard,
    verification_run_resume,
)

# c-<unit>-<indicator>-<version>, ids as whole_number reads them: a longer one is no cell's.
CELL_ID = f"([0-9]{{1,{DIGITS_MAX}}})"
CELL_NAME = re.compile(f"^c-{CELL_ID}-{CELL_ID}-{CELL_ID}$")
# A unit's history runs to hundreds of changes a year: shown a page at a time.
HISTORY_PAGE_SIZE = 50
# A district's indicator has a value per unit: a province's thousands, a page at a time.
VERIFIED_PAGE_SIZE = 100


def _cycle_and_period(request, cycles=None, *, fallback=None):
    """Return the cycle and period picked in the query string (defaults: the newest open
    cycle, and `fallback(cycle)`'s period, else the first period still open, else the first
    quarter) and the cycles for the picker (by default those the user may pick)."""
    visible = cycles_visible(user=request.user)
    cycles = list(visible if cycles is None else cycles)
    cycle = cycle_from_query(request, cycles=cycles, visible=visible, default=cycle_taking_input)
    if cycle is None:
        raise CycleMissing(
            _("还没有考核周期。考核办建立第一个年度的考核周期并开放填报后，即可在此填报。")
        )
    period = _period_picked(request)
    if period is None:
        period = fallback(cycle) if fallback else next(iter(periods_open(cycle=cycle)), Period.Q1)
    return cycle, period, cycles


def _period_picked(request) -> str | None:
    period = request.GET.get("period") or request.POST.get("period")
    return period if period in Period.values else None


def _period_needing_entry(request, units=None, methods=VALUE_METHODS):
    """The fallback of an entry page's period: the first one where the user's cells are still
    to fill (see period_needing_entry), not a quarter done long ago. Without `units`, the
    active units, read only when the period has to be found."""
    return lambda cycle: period_needing_entry(
        cycle=cycle,
        user=request.user,
        units=units_active() if units is None else units,
        methods=methods,
    )


def _picker_context(request, cycle, period, cycles):
    """The cycle and period pickers, and whether the period takes input (`period_locked`,
    with `period_state_label` saying how it stands); a quarter closed on its own says so in
    the period picker."""
    return {
        "is_admin": user_has_role(request.user, ADMIN),
        "cycle": cycle,
        "period": period,
        "period_label": Period(period).label,
        "period_locked": cycle.period_is_locked(period),
        "period_state_label": QuarterState(cycle.period_state(period)).label,
        "cycles": cycles,
        "periods": [(p, _period_label(cycle, p)) for p in PERIODS],
    }


def _period_label(cycle, period) -> str:
    """The period's name, with its state when it is a quarter closed in an open cycle."""
    if cycle.is_locked or not cycle.period_is_locked(period):
        return Period(period).label
    return _("%(period)s（%(state)s）") % {
        "period": Period(period).label,
        "state": QuarterState(cycle.period_state(period)).label,
    }


def _here(name, cycle, period, **extra):
    return f"{reverse(name)}?{urlencode({'cycle': cycle.year, 'period': period, **extra})}"


def _posted_cells(request, *, period, indicators):
    """Read the grid's cells (c-<unit>-<indicator>-<version>) from the POST; a cell of an
    indicator the user does not own is refused as a whole request. The units are read by the
    ids posted (one query): a page of the grid posts its own units only."""
    cells, posted = [], {}
    ids = {int(m.group(1)) for m in map(CELL_NAME.match, request.POST) if m}
    units = Unit.objects.filter(is_active=True, pk__in=ids).select_related("category").in_bulk()
    for name, raw in request.POST.items():
        match = CELL_NAME.match(name)
        if not match:
            continue
        unit_id, indicator_id, version = (int(part) for part in match.groups())
        indicator, unit = indicators.get(indicator_id), units.get(unit_id)
        if indicator is None:
            raise PermissionDenied(_("您不负责该指标，不能填报"))
        if unit is None:
            raise Http404(_("单位不存在"))
        cells.append(
            CellInput(unit=unit, indicator=indicator, period=period, raw=raw, version=version)
        )
        posted[(unit_id, indicator_id, period)] = raw
    return cells, posted


@role_required(ADMIN, SCORER)
def grid(request):
    """The entry grid: units as rows, the user's indicators as columns, for one period (by
    default the first with cells still to fill) and one category (see entry_grid_scope), a
    page of units at a time."""
    cycle, period, cycles = _cycle_and_period(request, fallback=_period_needing_entry(request))
    indicators = list(indicators_writable(cycle=cycle, user=request.user, period=period))
    only = request.GET.get("indicator")
    if only:
        only_id = whole_number(only)
        if only_id not in {i.pk for i in indicators}:
            raise PermissionDenied(_("您不负责该指标，不能查看或填报"))
        indicators = [i for i in indicators if i.pk == only_id]
    report = posted = unsaved = None
    if request.method == "POST":
        cells, posted = _posted_cells(
            request, period=period, indicators={i.pk: i for i in indicators}
        )
        try:
            # Emptying a cell in the grid removes its value (an import's blank never does).
            report = values_save(
                cycle=cycle, cells=cells, by=request.user, source=SOURCE_ENTRY, blank_clears=True
            )
        except CycleLockedError as error:
            messages.error(request, str(error))
            # Locked while they typed: the grid is read-only now and shows what they typed,
            # for them to pass on to 考核办.
            cycle.refresh_from_db()
            unsaved = cells
        else:
            _grid_save_reported(request, report)
            if not report.refused:
                # Back to the same category and page the clerk saved from.
                return redirect(_here("entry:grid", cycle, period, **_grid_place(request)))
    scope = entry_grid_scope(indicators=indicators, picked=request.GET.get("category"))
    if scope.all_refused:
        messages.info(
            request,
            _("全部类别超过 %(cells)s 个单元格，请选择一个类别填报。")
            % {"cells": intcomma(GRID_ALL_CELLS_MAX)},
        )
    shown = entry_grid_units(scope=scope)
    page = Paginator(shown, GRID_PAGE_UNITS).get_page(request.GET.get("page"))
    context = _picker_context(request, cycle, period, cycles)
    context["grid"] = table = entry_grid(
        cycle=cycle,
        period=period,
        indicators=indicators,
        units=units_by_ids([pk for pk, _name, _code in page.object_list]),
        report=report,
        posted=posted,
        unsaved=unsaved,
    )
    if table.unsaved:
        _grid_unsaved_reported(request, table.unsaved)
    context.update(_grid_pages_context(request, cycle, period, indicators, scope, page))
    context["digit_grouping"] = _digit_grouping()
    # The unit's history link keeps the period, for the way back (see unit_history).
    context["grid_query"] = urlencode({"cycle": cycle.year, "period": period})
    return render(request, "entry/grid.html", context)


def _grid_place(request):
    """The grid's category, page and indicator in the query string, for links and redirects
    that come back to the same place."""
    return {
        key: request.GET[key] for key in ("category", "page", "indicator") if request.GET.get(key)
    }


def _grid_pages_context(request, cycle, period, indicators, scope, page):
    """The category picker, the pager (its links keep cycle, period, category and indicator),
    the units of the other pages for the paste to name, and the cells the category still
    misses when it spans more than this page."""
    category = scope.category.code if scope.category else "all"
    kept = {"cycle": cycle.year, "period": period, "category": category}
    if request.GET.get("indicator"):
        kept["indicator"] = request.GET["indicator"]
    on_page = {pk for pk, _name, _code in page.object_list}
    paged = page.paginator.num_pages > 1
    return {
        "scope": scope,
        "category_code": category,
        "page": page,
        "page_query": urlencode(kept),
        "grid_page_units": GRID_PAGE_UNITS,
        "grid_one_view_cells": GRID_ONE_VIEW_CELLS,
        "grid_all_cells_max": GRID_ALL_CELLS_MAX,
        "other_page_units": [
            [name, code] for pk, name, code in page.paginator.object_list if pk not in on_page
        ],
        "category_missing": (
            entry_grid_missing(indicators=indicators, period=period, scope=scope) if paged else None
        ),
    }


def _digit_grouping():
    """How intcomma groups digits in the active language (separator, group sizes), for the
    grid's script, which rewrites its counts as one types: "," every 3 in English, nothing in
    Chinese (zh_Hans has no thousands separator)."""
    sizes = get_format("NUMBER_GROUPING")
    # An int repeats for every group; a sequence such as (3, 2, 0) is read as Django reads it.
    sizes = [sizes, 0] if isinstance(sizes, int) else list(sizes)
    return {
        "separator": get_format("THOUSAND_SEPARATOR"),
        "sizes": " ".join(str(size) for size in sizes),
    }


def _grid_unsaved_reported(request, count):
    """Say how many typed values a save refused as a whole (the cycle was locked) left out."""
    messages.warning(
        request,
        ngettext(
            "您填的 %(count)s 个数值未保存，已在表中标出：请抄下交给考核办。",
            "您填的 %(count)s 个数值未保存，已在表中标出：请抄下交给考核办。",
            count,
        )
        % {"count": intcomma(count)},
    )


def _save_reported(request, report, *, saved: str, refused: str):
    """Say what a save did: what was stored, that nothing changed, what was refused (the
    grid's cells and the votes page's rows, each said in its own words)."""
    if report.saved:
        messages.success(request, saved)
    elif not report.refused:
        messages.info(request, _("没有改动，未保存任何数据。"))
    if report.refused:
        messages.error(request, refused)


def _grid_save_reported(request, report):
    """Say what a grid save did, counting new, changed and cleared values."""
    counts = {
        "saved": intcomma(report.saved),
        "created": intcomma(report.created),
        "updated": intcomma(report.updated),
        "deleted": intcomma(report.deleted),
    }
    if report.deleted:
        saved = ngettext(
            "已保存 %(saved)s 项（新增 %(created)s，修改 %(updated)s，清除 %(deleted)s）。",
            "已保存 %(saved)s 项（新增 %(created)s，修改 %(updated)s，清除 %(deleted)s）。",
            report.saved,
        )
    else:
        saved = ngettext(
            "已保存 %(saved)s 项（新增 %(created)s，修改 %(updated)s）。",
            "已保存 %(saved)s 项（新增 %(created)s，修改 %(updated)s）。",
            report.saved,
        )
    refused = ngettext(
        "%(count)s 项未保存，请查看标红的单元格。",
        "%(count)s 项未保存，请查看标红的单元格。",
        report.refused,
    )
    _save_reported(
        request,
        report,
        saved=saved % counts,
        refused=refused % {"count": intcomma(report.refused)},
    )


@role_required(ADMIN, SCORER)
def votes(request):
    """Vote counts of the comprehensive evaluation for one unit, one row per rater group."""
    active = units_active()
    cycle, period, cycles = _cycle_and_period(
        request,
        fallback=_period_needing_entry(request, active, [Indicator.Method.EVALUATION]),
    )
    indicators = list(
        indicators_writable(
            cycle=cycle,
            user=request.user,
            period=period,
            methods=[Indicator.Method.EVALUATION],
        )
    )
    indicator = next((i for i in indicators if str(i.pk) == request.GET.get("indicator")), None)
    if request.GET.get("indicator") and indicator is None:
        raise PermissionDenied(_("您不负责该指标，不能查看或填报"))
    indicator = indicator or (indicators[0] if indicators else None)
    units = units_applicable(indicator=indicator, units=active) if indicator else []
    unit = next((u for u in units if str(u.pk) == request.GET.get("unit")), None)
    if request.method == "POST" and request.GET.get("unit") and unit is None:
        raise Http404(_("该指标不适用于所选单位"))
    # Another indicator picked in the form may not apply to the unit shown: show its first unit.
    unit = unit or (units[0] if units else None)
    raters = rater_groups_of_cycle(cycle=cycle) if indicator else None
    data = request.POST if request.method == "POST" else None
    forms = _vote_forms(
        data, cycle=cycle, period=period, indicator=indicator, unit=unit, raters=raters
    )
    if data is not None and indicator and unit and _vote_forms_checked(request, forms, unit=unit):
        counts = [VoteCounts(rater_group=group, **form.cleaned_data) for group, form in forms]
        try:
            report = votes_save(
                cycle=cycle,
                indicator=indicator,
                unit=unit,
                period=period,
                counts=counts,
                by=request.user,
                source=SOURCE_ENTRY,
            )
        except (CycleLockedError, ValidationError) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        else:
            _votes_save_reported(request, report)
            if not report.refused:
                return redirect(_votes_after_save(request, cycle, period, indicator, unit, units))
            # Refused rows show the votes stored now, with what was typed and why beside them.
            forms = _vote_forms(
                None, cycle=cycle, period=period, indicator=indicator, unit=unit, raters=raters
            )
            _vote_refusals_show(forms, report=report, counts=counts)
    context = _picker_context(request, cycle, period, cycles)
    context.update({"indicators": indicators, "indicator": indicator, "units": units, "unit": unit})
    context["forms"] = forms
    # No form: say whether the cycle has no rater group at all, or none rating this unit.
    context["cycle_has_rater_groups"] = bool(raters and raters.groups)
    context.update(_votes_progress(request, cycle, period, indicator, units, raters))
    return render(request, "entry/votes.html", context)


def _vote_forms(data, *, cycle, period, indicator, unit, raters):
    """One form per rater group of the cycle that rates the unit on the indicator, filled with
    its stored votes."""
    if not (indicator and unit):
        return []
    groups = raters.rating(category_id=unit.category_id, indicator_id=indicator.pk)
    stored = votes_of_unit(indicator=indicator, unit=unit, period=period)
    return [
        (
            group,
            VoteCountsForm(
                data,
                prefix=f"g{group.pk}",
                group_name=group.name,
                vote=stored.get(group.pk),
                locked=cycle.period_is_locked(period),
            ),
        )
        for group in groups
    ]


def _vote_forms_checked(request, forms, *, unit) -> bool:
    """Return whether every rater group's counts read as counts; otherwise say, above the
    table, what is wrong with each count that does not, naming its unit, rater group and
    column (nothing is saved: the rows show what was typed)."""
    problems = [
        _("%(unit)s · %(group)s · %(field)s：%(problem)s")
        % {
            "unit": unit.name,
            "group": group.name,
            "field": form.fields[name].label or name,
            "problem": problem,
        }
        for group, form in forms
        if not form.is_valid()
        for name, field_problems in form.errors.items()
        for problem in field_problems
    ]
    if problems:
        said = {"problems": pgettext("between clauses", "；").join(problems)}
        messages.error(request, _("票数有误，未保存：%(problems)s") % said)
    return not problems


def _votes_save_reported(request, report):
    """Say what a votes save did, counting rater groups' rows."""
    saved = ngettext(
        "已保存 %(count)s 个测评群体的票数。",
        "已保存 %(count)s 个测评群体的票数。",
        report.saved,
    )
    refused = ngettext(
        "%(count)s 个测评群体的票数未保存，原因见该行。",
        "%(count)s 个测评群体的票数未保存，原因见该行。",
        report.refused,
    )
    _save_reported(
        request,
        report,
        saved=saved % {"count": intcomma(report.saved)},
        refused=refused % {"count": intcomma(report.refused)},
    )


def _vote_refusals_show(forms, *, report, counts):
    """Put on each refused row why: the refusal, or for a conflict what was typed, who
    changed the row since and to what (as the grid says it of a cell)."""
    typed = {count.rater_group.pk: count for count in counts}
    for group, form in forms:
        if group.pk in report.errors:
            form.refusal = report.errors[group.pk]
        elif group.pk in report.conflicts:
            form.refusal = _("您填的 %(mine)s 未保存：%(who)s 已改为 %(theirs)s") % {
                "mine": vote_counts_text(typed[group.pk]),
                "who": report.conflicts[group.pk].by or "?",
                "theirs": vote_counts_text(form.vote) if form.vote else "—",
            }


def _votes_after_save(request, cycle, period, indicator, unit, units):
    """Return where a save of votes goes: the same unit, or after 保存并下一单位 the next unit
    the indicator applies to (the last one stays, and says so)."""
    if "next" in request.POST:
        following = units[units.index(unit) + 1 :]
        if following:
            unit = following[0]
        else:
            messages.info(request, _("这是本指标的最后一个单位。"))
    return _here("entry:votes", cycle, period, indicator=indicator.pk, unit=unit.pk)


def _votes_progress(request, cycle, period, indicator, units, raters):
    """Return how far the units of the indicator are (`progress`, see `votes_progress`);
    without an indicator, whether the user enters no evaluation indicator of the cycle at all
    (`enters_none`), or, when the period has none for the user but the year has, the year's
    page (`year_url`)."""
    if indicator:
        return {
            "progress": votes_progress(
                raters=raters, indicator=indicator, period=period, units=units
            )
        }
    evaluations = [Indicator.Method.EVALUATION]
    if not indicators_entered_by(cycle=cycle, user=request.user, methods=evaluations).exists():
        return {"enters_none": True}
    if period == Period.YEAR:
        return {}
    # The evaluation indicators are annual: a quarter has none to enter.
    in_year = indicators_writable(
        cycle=cycle, user=request.user, period=Period.YEAR, methods=[Indicator.Method.EVALUATION]
    )
    return {"year_url": _here("entry:votes", cycle, Period.YEAR)} if in_year.exists() else {}


@role_required(ADMIN)
def adjustments(request):
    """Flexible adjustments of the cycle: the list, a form to record a new one, and beside
    each one a reason to withdraw it; the withdrawn ones are listed struck through."""
    cycle, period, cycles = _cycle_and_period(request)
    if request.method == "POST" and "withdraw" in request.POST:
        return _adjustment_withdrawn(request, cycle, period)
    form = AdjustmentForm(request.POST or None, initial={"period": period})
    if request.method == "POST" and form.is_valid():
        try:
            adjustment_create(
                cycle=cycle, by=request.user, source=SOURCE_ENTRY, **form.cleaned_data
            )
        except (CycleLockedError, ValidationError) as error:
            # On the form, which then shows what was typed marked as not saved.
            form.add_error(None, " ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(request, _("已记录柔性考核调整。"))
            return redirect(_here("entry:adjustments", cycle, period))
    context = _picker_context(request, cycle, period, cycles)
    context["form"] = form
    context["adjustments"] = listed = list(cycle.adjustments.select_related("unit", "created_by"))
    for adjustment in listed:
        adjustment.period_locked = cycle.period_is_locked(adjustment.period)
    context["closed_quarters"] = [
        Period(q).label for q in QUARTERS if not cycle.is_locked and cycle.period_is_locked(q)
    ]
    context["withdrawn"] = adjustments_withdrawn(cycle=cycle)
    context["withdraw_form"] = AdjustmentWithdrawForm()
    return render(request, "entry/adjustments.html", context)


def _adjustment_withdrawn(request, cycle, period):
    """Withdraw the adjustment whose id is posted as `withdraw`, for the reason typed beside it."""
    picked = whole_number(request.POST["withdraw"])
    if picked is None:
        raise Http404(_("调整不存在"))
    try:
        adjustment_withdraw(
            cycle=cycle,
            adjustment_id=picked,
            reason=request.POST.get("reason", ""),
            by=request.user,
            source=SOURCE_ENTRY,
        )
    except (CycleLockedError, ValidationError) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(request, _("已撤销该调整，不再计入得分。"))
    return redirect(_here("entry:adjustments", cycle, period))


def _publication_shown(published: dict) -> tuple[str, object] | None:
    """The cycle's latest publication as its row names it: which (整个周期 or the quarter)
    and when."""
    latest = latest_publication(published)
    if latest is None:
        return None
    period, when = latest
    return (Period(period).label if period else _("整个周期"), when)


@role_required(ADMIN)
def cycles(request):
    """Every cycle with its state, the moves allowed from it, and the record of past moves;
    posted to, a new cycle made as a copy of an existing one."""
    create_form = CycleCreateFromForm(request.POST if request.method == "POST" else None)
    if create_form.is_valid():
        try:
            created = cycle_services.cycle_create_from(
                previous=create_form.cleaned_data["previous"],
                year=create_form.cleaned_data["year"],
                by=request.user,
            )
        except ValidationError as error:
            create_form.add_error("year", error)
        else:
            # The tree to check is a link away: the new cycle's indicators, where they are edited.
            tree_url = reverse("admin:scoring_indicator_changelist")
            said = _(
                "已以 %(previous)s 年度为模板新建 %(cycle)s（草稿），"
                '请<a href="%(url)s">核对指标体系</a>后再开放填报。'
            ) % {
                "previous": create_form.cleaned_data["previous"].year,
                "cycle": conditional_escape(created),
                "url": conditional_escape(f"{tree_url}?cycle__id__exact={created.pk}"),
            }
            messages.success(request, mark_safe(said))
            return redirect("entry:cycles")
    published = cycles_last_published()
    listed = cycles_with_gaps(published=published)
    # Shown beside each cycle, as opening and publishing are refused while they last.
    problems = cycles_tree_problems(cycles=listed)
    for cycle in listed:
        cycle.tree_problems = problems.get(cycle.pk, [])
    return render(
        request,
        "entry/cycles.html",
        {
            "cycles": [
                (cycle, _publication_shown(published.get(cycle.pk, {}))) for cycle in listed
            ],
            "moves": cycle_state_moves(),
            "reopen_form": ReopenForm(),
            "create_form": create_form,
        },
    )


# The moves of the cycles page, by the action posted: of a whole cycle, and of one quarter.
CYCLE_MOVES = {
    "open": cycle_services.cycle_open,
    "close": cycle_services.cycle_close,
    "publish": cycle_services.cycle_publish,
    "reopen": cycle_services.cycle_reopen,
}
QUARTER_MOVES = {
    "close": cycle_services.cycle_quarter_close,
    "publish": cycle_services.cycle_quarter_publish,
    "reopen": cycle_services.cycle_quarter_reopen,
}


@require_POST
@role_required(ADMIN)
def cycle_move(request, pk, quarter=None):
    """Move a cycle, or one of its quarters, as the action posted says (reopening with the
    reason posted)."""
    cycle = get_object_or_404(Cycle, pk=pk)
    if quarter is not None and quarter not in QUARTERS:
        raise Http404(_("未知期间"))
    action = request.POST.get("action")
    move = (CYCLE_MOVES if quarter is None else QUARTER_MOVES).get(action)
    where = {"cycle": cycle} if quarter is None else {"cycle": cycle, "quarter": quarter}
    if action == "reopen":
        where["reason"] = request.POST.get("reason", "")
    try:
        if move is None:
            raise ValidationError(_("未知的操作"))
        move(**where, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        cycle.refresh_from_db()
        if quarter is None:
            message = _("%(cycle)s 现为“%(state)s”。") % {
                "cycle": cycle,
                "state": cycle.get_state_display(),
            }
        else:
            message = _("%(cycle)s %(quarter)s现为“%(state)s”。") % {
                "cycle": cycle,
                "quarter": Period(quarter).label,
                "state": QuarterState(cycle.period_state(quarter)).label,
            }
        messages.success(request, message)
    return redirect("entry:cycles")


@role_required(ADMIN, SCORER, LEADER, LIAISON)
def unit_history(request, code):
    """Every change of a unit's values, votes and adjustments in a cycle.

    Admins and leaders see all of it; a scorer the indicators they own; a liaison their own
    unit once the cycle is published.
    """
    unit = get_object_or_404(Unit.objects.select_related("category"), code=code)
    user = request.user
    audience = audience_for(user)
    readable = None
    if not audience.sees_all and not user_has_role(user, SCORER):
        # A liaison is offered the cycles they may read, the latest by default.
        readable = list(audience.readable_cycles(cycles_visible(user=user)))
        picked = request.GET.get("cycle")
        if not readable or (picked and cycle_picked(cycles=readable, picked=picked) is None):
            raise PermissionDenied(_("只能在结果发布后查看本单位的记录"))
    cycle, period, cycles = _cycle_and_period(request, readable)
    indicators = indicators_marking_applicable(
        Indicator.objects.filter(cycle=cycle), category_id=unit.category_id
    )
    # Whoever may read the unit's results reads all of its history in the periods whose
    # results they read (a liaison: the published ones), adjustments included.
    sees_results = audience.may_see_unit(unit_id=unit.pk, cycle=cycle)
    periods = PERIODS
    if sees_results:
        periods = audience.readable_periods(cycle=cycle, periods=PERIODS)
    else:
        if not user_has_role(user, SCORER):
            raise PermissionDenied(_("只能在结果发布后查看本单位的记录"))
        indicators = indicators.filter(owners=user)
    shown, picked = _history_indicator_picked(request, indicators)
    changes = history_of_unit(
        cycle=cycle,
        unit=unit,
        indicators=shown,
        # An adjustment belongs to no indicator: a list of one indicator's changes leaves it out.
        with_adjustments=sees_results and picked is None,
        periods=periods,
    )
    page = Paginator(changes, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = _picker_context(request, cycle, period, cycles)
    context.update(
        {
            # Read once: the history reads the same rows unless one indicator is picked. The
            # list still holds a change of an indicator that no longer applies (the unit moved),
            # but the filter offers only what the unit is scored on.
            "indicator_choices": [
                indicator for indicator in indicators if indicator.method and indicator.applies
            ],
            "indicator_picked": picked,
            "page": page,
            "page_query": query.urlencode(),
            "unit": unit,
            "may_enter": user_has_role(user, ADMIN) or user_has_role(user, SCORER),
            # Back to the period the grid showed; without one, the grid picks its own.
            "grid_url": (
                _here("entry:grid", cycle, period)
                if _period_picked(request)
                else f"{reverse('entry:grid')}?{urlencode({'cycle': cycle.year})}"
            ),
            "sees_results": sees_results,
            "events": history_events(page.object_list, indicators=shown),
        }
    )
    return render(request, "entry/history.html", context)


def _history_indicator_picked(request, indicators):
    """Return the indicators whose changes the history lists and the id picked in the query
    string (None: all of them); a pick that is none of `indicators` lists nothing."""
    picked = request.GET.get("indicator", "")
    if not picked:
        return indicators, None
    picked = whole_number(picked) or 0
    return indicators.filter(pk=picked), picked


@role_required(ADMIN)
def verify(request):
    """Admins mark reported values verified, an indicator at a time or all at once (many
    values in the background, the page showing how far it has come)."""
    cycle, period, cycles = _cycle_and_period(request)
    if request.method == "POST":
        # Ids that are no number, or of another cycle's indicators, select nothing.
        picked = whole_numbers(request.POST.getlist("indicator"))
        if not picked:
            messages.warning(request, _("请至少勾选一项指标。"))
            return redirect(_here("entry:verify", cycle, period))
        try:
            outcome = values_verify_request(
                cycle=cycle, period=period, indicator_ids=picked, by=request.user
            )
        except (CycleLockedError, VerificationRefused) as error:
            messages.error(request, str(error))
        else:
            if outcome.run:
                messages.info(
                    request,
                    _("%(count)s 项数据较多，正在后台审核，进度见下方。")
                    % {"count": intcomma(outcome.run.total)},
                )
            elif outcome.verified:
                messages.success(
                    request,
                    ngettext(
                        "已审核 %(count)s 项数据。", "已审核 %(count)s 项数据。", outcome.verified
                    )
                    % {"count": intcomma(outcome.verified)},
                )
            else:
                messages.info(request, _("所选指标没有待审核的数据。"))
            return redirect(_here("entry:verify", cycle, period))
    context = _picker_context(request, cycle, period, cycles)
    context["indicators"] = list(
        indicators_counting_values(cycle=cycle, period=period, verified=False)
    )
    # What ticking them all would verify, said before it is done.
    context["unverified_listed"] = sum(i.counted for i in context["indicators"])
    context["unverified"] = values_unverified_count(cycle=cycle)
    run = context["run"] = verification_run_latest(cycle=cycle, period=period)
    context["run_interruption"] = run and background_interruption(work=run)
    context["verified_indicators"] = indicators_counting_values(
        cycle=cycle, period=period, verified=True
    )
    return render(request, "entry/verify.html", context)


@require_POST
@role_required(ADMIN)
def verify_run_resume(request, pk: int):
    """Give an interrupted background verification to the worker again, back to its page."""
    run = get_object_or_404(VerificationRun.objects.select_related("cycle"), pk=pk)
    try:
        run = verification_run_resume(run=run, by=request.user)
    except (CycleLockedError, VerificationRefused) as error:
        messages.error(request, str(error))
    else:
        messages.info(
            request,
            _("后台审核已继续，还有 %(count)s 项待审核，进度见下方。")
            % {"count": intcomma(max(run.total - run.verified, 0))},
        )
    return redirect(_here("entry:verify", run.cycle, run.period))


@require_POST
@role_required(ADMIN)
def verify_run_discard(request, pk: int):
    """End an interrupted background verification for good, back to its page."""
    run = get_object_or_404(VerificationRun.objects.select_related("cycle"), pk=pk)
    try:
        verification_run_discard(run=run, by=request.user)
    except VerificationRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("已放弃这次后台审核；已审核的 %(count)s 项保持已审核。")
            % {"count": intcomma(run.verified)},
        )
    return redirect(_here("entry:verify", run.cycle, run.period))


@role_required(ADMIN)
def verified(request):
    """One indicator's verified values in the period, a page at a time: the admin takes back
    the verification of those ticked, for a reason each value's history keeps."""
    cycle, period, cycles = _cycle_and_period(request)
    picked = request.GET.get("indicator") or request.POST.get("indicator") or ""
    indicator = get_object_or_404(Indicator, cycle=cycle, pk=whole_number(picked) or 0)
    here = _here("entry:verified", cycle, period, indicator=indicator.pk)
    if request.method == "POST":
        ids = whole_numbers(request.POST.getlist("value"))
        if not ids:
            messages.warning(request, _("请至少勾选一项数据。"))
            return redirect(here)
        values = IndicatorValue.objects.filter(pk__in=ids, indicator=indicator, period=period)
        try:
            count = values_unverify(
                cycle=cycle,
                values=values,
                by=request.user,
                reason=request.POST.get("reason", ""),
                source=SOURCE_ENTRY,
            )
        except (CycleLockedError, ValidationError) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(
                request,
                ngettext(
                    "已撤销 %(count)s 项数据的审核。", "已撤销 %(count)s 项数据的审核。", count
                )
                % {"count": intcomma(count)},
            )
        return redirect(here)
    rows = (
        IndicatorValue.objects.filter(indicator=indicator, period=period, verified_at__isnull=False)
        .select_related("unit", "verified_by")
        .order_by("unit__category__sort_order", "unit__sort_order", "unit__code")
    )
    page = Paginator(rows, VERIFIED_PAGE_SIZE).get_page(request.GET.get("page"))
    for row in page.object_list:
        row.shown = value_text(row.value)
    context = _picker_context(request, cycle, period, cycles)
    context.update(
        {
            "indicator": indicator,
            "page": page,
            "page_query": urlencode(
                {"cycle": cycle.year, "period": period, "indicator": indicator.pk}
            ),
            "reason_max": REASON_MAX,
        }
    )
    return render(request, "entry/verified.html", context)
