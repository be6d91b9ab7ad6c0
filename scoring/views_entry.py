"""Pages of quarterly entry: the grid, votes, adjustments, cycle states, history, verification.

Views stay thin: they check the role, read the request, call a service or selector and render.
"""

import re

from django.contrib import messages
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import model_to_dict
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import get_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from cadre.models import Unit
from cadre.permissions import role_required
from cadre.roles import ADMIN, LEADER, LIAISON, SCORER, user_has_role
from scoring.dashboard.access import audience_for
from scoring.forms import AdjustmentForm, ReopenForm, VoteCountsForm
from scoring.models import (
    QUARTERS,
    Cycle,
    Indicator,
    IndicatorValue,
    Period,
    RaterGroup,
)
from scoring.selectors import (
    cycle_picked,
    cycle_state_moves,
    cycles_last_published,
    cycles_with_gaps,
    entry_grid,
    history_of_unit,
    indicators_writable,
    units_active,
    units_applicable,
    unverified_by_indicator,
)
from scoring.services import cycles as cycle_services
from scoring.services.evaluations import VoteCounts, adjustment_create, votes_save
from scoring.services.values import (
    SOURCE_ENTRY,
    CellInput,
    CycleLockedError,
    values_save,
    values_unverified_count,
    values_verify,
)

CELL_NAME = re.compile(r"^c-(\d+)-(\d+)-(\d+)$")
PERIODS = [*QUARTERS, Period.YEAR]


def _cycle_and_period(request, cycles=None):
    """Return the cycle and period picked in the query string (defaults: the newest open
    cycle, the first quarter) and the cycles for the picker (by default every cycle)."""
    cycles = list(Cycle.objects.all() if cycles is None else cycles)
    cycle = cycle_picked(
        cycles=cycles, picked=request.GET.get("cycle") or request.POST.get("cycle")
    )
    if cycle is None:
        raise Http404(_("还没有考核周期"))
    period = request.GET.get("period") or request.POST.get("period") or Period.Q1
    if period not in Period.values:
        period = Period.Q1
    return cycle, period, cycles


def _picker_context(request, cycle, period, cycles):
    return {
        "is_admin": user_has_role(request.user, ADMIN),
        "cycle": cycle,
        "period": period,
        "period_label": Period(period).label,
        "cycles": cycles,
        "periods": [(p, Period(p).label) for p in PERIODS],
    }


def _here(name, cycle, period, **extra):
    return f"{reverse(name)}?{urlencode({'cycle': cycle.pk, 'period': period, **extra})}"


def _posted_cells(request, *, period, indicators, units):
    """Read the grid's cells (c-<unit>-<indicator>-<version>) from the POST; a cell of an
    indicator the user does not own is refused as a whole request."""
    cells, posted = [], {}
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
    """The entry grid: units as rows, the user's indicators as columns, for one period."""
    cycle, period, cycles = _cycle_and_period(request)
    indicators = list(indicators_writable(cycle=cycle, user=request.user, period=period))
    only = request.GET.get("indicator")
    if only:
        if not only.isdigit() or int(only) not in {i.pk for i in indicators}:
            raise PermissionDenied(_("您不负责该指标，不能查看或填报"))
        indicators = [i for i in indicators if i.pk == int(only)]
    units = units_active()
    report = posted = None
    if request.method == "POST":
        cells, posted = _posted_cells(
            request,
            period=period,
            indicators={i.pk: i for i in indicators},
            units={u.pk: u for u in units},
        )
        try:
            report = values_save(cycle=cycle, cells=cells, by=request.user, source=SOURCE_ENTRY)
        except CycleLockedError as error:
            messages.error(request, str(error))
        else:
            _grid_save_reported(request, report)
            if not report.refused:
                return redirect(_here("entry:grid", cycle, period))
    context = _picker_context(request, cycle, period, cycles)
    context["grid"] = entry_grid(
        cycle=cycle,
        period=period,
        indicators=indicators,
        units=units,
        report=report,
        posted=posted,
    )
    context["digit_grouping"] = _digit_grouping()
    return render(request, "entry/grid.html", context)


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


def _grid_save_reported(request, report):
    """Say what a grid save did: what was stored, that nothing changed, what was refused."""
    if report.saved:
        messages.success(
            request,
            ngettext(
                "已保存 %(saved)s 项（新增 %(created)s，修改 %(updated)s）。",
                "已保存 %(saved)s 项（新增 %(created)s，修改 %(updated)s）。",
                report.saved,
            )
            % {
                "saved": intcomma(report.saved),
                "created": intcomma(report.created),
                "updated": intcomma(report.updated),
            },
        )
    elif not report.refused:
        messages.info(request, _("没有改动，未保存任何数据。"))
    if report.refused:
        messages.error(
            request,
            ngettext(
                "%(count)s 项未保存，请查看标红的单元格。",
                "%(count)s 项未保存，请查看标红的单元格。",
                report.refused,
            )
            % {"count": intcomma(report.refused)},
        )


@role_required(ADMIN, SCORER)
def votes(request):
    """Vote counts of the comprehensive evaluation for one unit, one row per rater group."""
    cycle, period, cycles = _cycle_and_period(request)
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
    units = units_applicable(indicator=indicator, units=units_active()) if indicator else []
    unit = next((u for u in units if str(u.pk) == request.GET.get("unit")), None)
    if request.method == "POST" and request.GET.get("unit") and unit is None:
        raise Http404(_("该指标不适用于所选单位"))
    # Another indicator picked in the form may not apply to the unit shown: show its first unit.
    unit = unit or (units[0] if units else None)
    groups = list(RaterGroup.objects.filter(cycle=cycle))
    stored = {}
    if indicator and unit:
        stored = {
            vote.rater_group_id: vote for vote in indicator.votes.filter(unit=unit, period=period)
        }
    data = request.POST if request.method == "POST" else None
    forms = [
        (
            group,
            VoteCountsForm(
                data,
                prefix=f"g{group.pk}",
                initial=_vote_initial(stored.get(group.pk)),
                locked=cycle.is_locked,
            ),
        )
        for group in groups
    ]
    if data is not None and indicator and unit and all(form.is_valid() for _g, form in forms):
        counts = [VoteCounts(rater_group=group, **form.cleaned_data) for group, form in forms]
        try:
            changed = votes_save(
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
            if changed:
                messages.success(
                    request,
                    ngettext(
                        "已保存 %(count)s 个测评群体的票数。",
                        "已保存 %(count)s 个测评群体的票数。",
                        changed,
                    )
                    % {"count": intcomma(changed)},
                )
            else:
                messages.info(request, _("没有改动，未保存任何数据。"))
            return redirect(
                _here("entry:votes", cycle, period, indicator=indicator.pk, unit=unit.pk)
            )
    context = _picker_context(request, cycle, period, cycles)
    context.update({"indicators": indicators, "indicator": indicator, "units": units, "unit": unit})
    context["forms"] = forms
    return render(request, "entry/votes.html", context)


def _vote_initial(vote):
    return model_to_dict(vote, fields=list(VoteCountsForm.base_fields)) if vote else {}


@role_required(ADMIN)
def adjustments(request):
    """Flexible adjustments of the cycle: the list and a form to record a new one."""
    cycle, period, cycles = _cycle_and_period(request)
    form = AdjustmentForm(request.POST or None, initial={"period": period})
    if request.method == "POST" and form.is_valid():
        try:
            adjustment_create(
                cycle=cycle, by=request.user, source=SOURCE_ENTRY, **form.cleaned_data
            )
        except (CycleLockedError, ValidationError) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(request, _("已记录柔性考核调整。"))
            return redirect(_here("entry:adjustments", cycle, period))
    context = _picker_context(request, cycle, period, cycles)
    context["form"] = form
    context["adjustments"] = cycle.adjustments.select_related("unit", "created_by")
    return render(request, "entry/adjustments.html", context)


@role_required(ADMIN)
def cycles(request):
    """Every cycle with its state, the moves allowed from it, and the record of past moves."""
    published = cycles_last_published()
    return render(
        request,
        "entry/cycles.html",
        {
            "cycles": [(cycle, published.get(cycle.pk)) for cycle in cycles_with_gaps()],
            "moves": cycle_state_moves(),
            "reopen_form": ReopenForm(),
        },
    )


@require_POST
@role_required(ADMIN)
def cycle_move(request, pk):
    cycle = get_object_or_404(Cycle, pk=pk)
    action = request.POST.get("action")
    try:
        if action == "open":
            cycle_services.cycle_open(cycle=cycle, by=request.user)
        elif action == "close":
            cycle_services.cycle_close(cycle=cycle, by=request.user)
        elif action == "publish":
            cycle_services.cycle_publish(cycle=cycle, by=request.user)
        elif action == "reopen":
            cycle_services.cycle_reopen(
                cycle=cycle, by=request.user, reason=request.POST.get("reason", "")
            )
        else:
            raise ValidationError(_("未知的操作"))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        cycle.refresh_from_db()
        messages.success(
            request,
            _("%(cycle)s 现为“%(state)s”。") % {"cycle": cycle, "state": cycle.get_state_display()},
        )
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
        readable = list(audience.readable_cycles(Cycle.objects.all()))
        picked = request.GET.get("cycle")
        if not readable or (picked and picked not in {str(c.pk) for c in readable}):
            raise PermissionDenied(_("只能在结果发布后查看本单位的记录"))
    cycle, period, cycles = _cycle_and_period(request, readable)
    indicators = Indicator.objects.filter(cycle=cycle)
    # Whoever may read the unit's results reads all of its history, adjustments included.
    sees_results = audience.may_see_unit(unit_id=unit.pk, cycle=cycle)
    if not sees_results:
        if not user_has_role(user, SCORER):
            raise PermissionDenied(_("只能在结果发布后查看本单位的记录"))
        indicators = indicators.filter(owners=user)
    context = _picker_context(request, cycle, period, cycles)
    context.update(
        {
            "unit": unit,
            "may_enter": user_has_role(user, ADMIN) or user_has_role(user, SCORER),
            "sees_results": sees_results,
            "events": history_of_unit(
                cycle=cycle, unit=unit, indicators=indicators, with_adjustments=sees_results
            ),
        }
    )
    return render(request, "entry/history.html", context)


@role_required(ADMIN)
def verify(request):
    """Admins mark reported values verified, an indicator at a time or all at once."""
    cycle, period, cycles = _cycle_and_period(request)
    if request.method == "POST":
        # Ids that are no number, or of another cycle's indicators, select nothing.
        picked = [
            int(pk) for pk in request.POST.getlist("indicator") if pk.isascii() and pk.isdigit()
        ]
        if not picked:
            messages.warning(request, _("请至少勾选一项指标。"))
            return redirect(_here("entry:verify", cycle, period))
        values = IndicatorValue.objects.filter(
            period=period, indicator__cycle=cycle, indicator_id__in=picked
        )
        try:
            count = values_verify(cycle=cycle, values=values, by=request.user)
        except CycleLockedError as error:
            messages.error(request, str(error))
        else:
            if count:
                messages.success(
                    request,
                    ngettext("已审核 %(count)s 项数据。", "已审核 %(count)s 项数据。", count)
                    % {"count": intcomma(count)},
                )
            else:
                messages.info(request, _("所选指标没有待审核的数据。"))
            return redirect(_here("entry:verify", cycle, period))
    context = _picker_context(request, cycle, period, cycles)
    context["indicators"] = unverified_by_indicator(cycle=cycle, period=period)
    context["unverified"] = values_unverified_count(cycle=cycle)
    return render(request, "entry/verify.html", context)
