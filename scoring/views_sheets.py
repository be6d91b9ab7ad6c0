"""Pages of the scorer's spreadsheet: template download, upload, preview, confirm, history."""

from io import BytesIO

from django import forms
from django.contrib import messages
from django.contrib.humanize.templatetags.humanize import intcomma
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST
from openpyxl import Workbook

from cadre import roles
from cadre.permissions import role_required
from scoring.models import QUARTERS, ImportRecord, Period
from scoring.no_cycle import cycle_from_query
from scoring.selectors import (
    cycle_taking_input,
    cycles_visible,
    period_needing_entry,
    periods_open,
    units_active,
)
from scoring.services.background import (
    background_interruption,
    background_listed,
    background_status_annotate,
)
from scoring.services.import_records import import_record_retry
from scoring.services.sheets import (
    ImportRefused,
    sheet_changes_first,
    sheet_changes_shown,
    sheet_changes_summary,
    sheet_changes_workbook,
    sheet_import_commit,
    sheet_import_discard,
    sheet_import_outdated,
    sheet_import_start,
    sheet_records_visible,
    sheet_template_build,
)
from scoring.services.uploads import UploadRefused
from scoring.services.vote_sheets import (
    vote_sheet_import_commit,
    vote_template_build,
    vote_template_periods,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PREVIEW_ROWS = 1000
# Fewer changes than this are read at a glance: no summary above them.
SUMMARY_FROM = 20
HISTORY_ROWS = 50


class UploadForm(forms.Form):
    period = forms.ChoiceField(
        label=gettext_lazy("期间（每行一个单位的表）"),
        choices=[("", gettext_lazy("按文件（模板自带期间）")), *Period.choices],
        required=False,
        help_text=gettext_lazy(
            "本系统下载的模板自带期间，不必选择；自制的表每行一个单位时请选择期间，"
            "每行一个数值时期间写在每行中。"
        ),
    )
    file = forms.FileField(label=gettext_lazy("Excel 文件（.xlsx）"))


def _record_visible(request, pk: int, *deferred: str) -> ImportRecord:
    return get_object_or_404(sheet_records_visible(user=request.user).defer(*deferred), pk=pk)


@role_required(roles.SCORER, roles.ADMIN)
def sheet_index(request):
    # The cycle picked in the entry navigation, else the one taking input.
    visible = cycles_visible(user=request.user)
    cycle = cycle_from_query(
        request, cycles=list(visible), visible=visible, default=cycle_taking_input
    )
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid() and cycle is not None:
        try:
            record = sheet_import_start(
                cycle=cycle,
                user=request.user,
                period=form.cleaned_data["period"],
                upload=form.cleaned_data["file"],
            )
        except UploadRefused as error:
            form.add_error("file", str(error))
        else:
            return redirect("sheets:record", pk=record.pk)
    history = sheet_records_visible(user=request.user)
    period = request.GET.get("period")
    if period not in Period.values and cycle is not None:
        # The quarter the grid opens on, whose template 下载本期模板 is: not Q1, long done.
        period = period_needing_entry(cycle=cycle, user=request.user, units=units_active())
    open_periods = periods_open(cycle=cycle) if cycle else []
    return render(
        request,
        "sheets/index.html",
        {
            "cycle": cycle,
            "is_admin": roles.user_has_role(request.user, roles.ADMIN),
            "form": form,
            "periods": Period.choices,
            "vote_periods": vote_template_periods(cycle=cycle, user=request.user) if cycle else [],
            "period": period or Period.Q1,
            # A cycle still taking input may have quarters closed on their own.
            "closed_quarters": [
                Period(q).label for q in QUARTERS if not cycle.is_locked and q not in open_periods
            ]
            if cycle
            else [],
            "history": background_listed(
                list(background_status_annotate(history.defer("changes", "errors"))[:HISTORY_ROWS])
            ),
        },
    )


@role_required(roles.SCORER, roles.ADMIN)
def sheet_template(request, year: int, period: str, votes: bool = False):
    """The values template of a period, or with `votes` its vote counts' template."""
    cycle = get_object_or_404(cycles_visible(user=request.user), year=year)
    if period not in Period.values:
        raise Http404(_("未知期间"))
    build, name = (vote_template_build, "kaohe-votes") if votes else (sheet_template_build, "kaohe")
    workbook = build(cycle=cycle, period=period, user=request.user)
    return xlsx_response(workbook=workbook, file_name=f"{name}-{year}-{period}.xlsx")


def xlsx_response(*, workbook: Workbook, file_name: str) -> HttpResponse:
    """The workbook as an .xlsx download."""
    buffer = BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response


@role_required(roles.SCORER, roles.ADMIN)
def sheet_record(request, pk: int):
    if request.GET.get("as") == "xlsx":
        return _record_changes_download(request, pk)
    record = _record_visible(request, pk, "changes")
    shown, total = sheet_changes_first(record=record, limit=PREVIEW_ROWS)
    rows = sheet_changes_shown(record=record, changes=shown)
    hidden = total - len(shown)
    # A long list needs its sums first: how many values are new, how many overwritten.
    summary = sheet_changes_summary(record=record) if total > SUMMARY_FROM else []
    return render(
        request,
        "sheets/record.html",
        {
            "record": record,
            "rows": rows,
            "hidden": hidden,
            "summary": summary,
            "summary_new": sum(line.new for line in summary),
            "summary_overwritten": sum(line.overwritten for line in summary),
            "unlisted": record.problem_count - len(record.errors),
            "outdated": sheet_import_outdated(record=record),
            # An import of one period that a quarter's closing since shuts out.
            "period_closed": bool(record.period) and record.cycle.period_is_locked(record.period),
            "is_uploader": record.uploaded_by_id == request.user.pk,
            "votes": record.kind == ImportRecord.Kind.VOTE_SHEET,
            "interruption": background_interruption(work=record),
        },
    )


def _record_changes_download(request, pk: int) -> HttpResponse:
    """Every previewed change of the record as an .xlsx file: the page lists the first
    PREVIEW_ROWS only."""
    record = _record_visible(request, pk, "changes", "errors")
    return xlsx_response(
        workbook=sheet_changes_workbook(record=record), file_name=f"kaohe-import-{record.pk}.xlsx"
    )


@role_required(roles.SCORER, roles.ADMIN)
def sheet_record_progress(request, pk: int):
    record = _record_visible(request, pk, "changes", "errors")
    return record_progress_json(record=record, url=reverse("sheets:record", args=[record.pk]))


def record_progress_json(*, record: ImportRecord, url: str) -> JsonResponse:
    """How far the background check of an upload got, for the progress bar of its page
    (static/js/import_progress.js), and the page to reload once it is done."""
    return JsonResponse(
        {
            "status": record.status,
            "total_rows": record.total_rows,
            "processed_rows": record.processed_rows,
            # As the page shows it, grouped the reader's way.
            "processed_text": intcomma(record.processed_rows),
            # Checked, written (a big workbook's confirmation) or found interrupted: the page
            # reloads, to say which.
            "done": record.status
            not in (ImportRecord.Status.PROCESSING, ImportRecord.Status.IMPORTING)
            or background_interruption(work=record) is not None,
            "url": url,
        }
    )


@require_POST
@role_required(roles.SCORER, roles.ADMIN)
def sheet_record_confirm(request, pk: int):
    # The commit reads the changes itself, under lock: loading them here too cost a big
    # import a quarter of a second.
    record = _record_visible(request, pk, "changes", "errors")
    votes = record.kind == ImportRecord.Kind.VOTE_SHEET
    commit = vote_sheet_import_commit if votes else sheet_import_commit
    try:
        count = commit(record=record, by=request.user)
    except ImportRefused as error:
        messages.error(request, str(error))
        return redirect("sheets:record", pk=record.pk)
    if votes:
        said = ngettext(
            "已导入“%(name)s”：%(count)s 行票数已更新。",
            "已导入“%(name)s”：%(count)s 行票数已更新。",
            count,
        )
    else:
        said = ngettext(
            "已导入“%(name)s”：%(count)s 个数值已更新。",
            "已导入“%(name)s”：%(count)s 个数值已更新。",
            count,
        )
    messages.success(request, said % {"name": record.file_name, "count": intcomma(count)})
    return redirect("sheets:index")


@require_POST
@role_required(roles.SCORER, roles.ADMIN)
def sheet_record_retry(request, pk: int):
    record = _record_visible(request, pk, "changes", "errors")
    return record_retry(request, record=record, pages="sheets")


def record_retry(request, *, record: ImportRecord, pages: str) -> HttpResponse:
    """Start the interrupted background check or write of the import again for its uploader,
    back to its page (of its `pages`, a URL namespace) to follow it, or to say why not."""
    try:
        import_record_retry(record=record, by=request.user)
    except ImportRefused as error:
        messages.error(request, str(error))
    return redirect(f"{pages}:record", pk=record.pk)


@require_POST
@role_required(roles.SCORER, roles.ADMIN)
def sheet_record_discard(request, pk: int):
    record = _record_visible(request, pk, "changes", "errors")
    return record_discard(request, record=record, pages="sheets")


def record_discard(request, *, record: ImportRecord, pages: str) -> HttpResponse:
    """Discard the pending import for its uploader, back to the index of its `pages` (a URL
    namespace), or to its own page to say why not."""
    try:
        sheet_import_discard(record=record, by=request.user)
    except ImportRefused as error:
        messages.error(request, str(error))
        return redirect(f"{pages}:record", pk=record.pk)
    messages.success(
        request, _("已放弃“%(name)s”，没有写入任何数据。") % {"name": record.file_name}
    )
    return redirect(f"{pages}:index")
