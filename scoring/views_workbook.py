"""Pages of the interchange workbook, for the 考核办: download a cycle, upload one, read its
preview, confirm it."""

from django import forms
from django.contrib import messages
from django.contrib.humanize.templatetags.humanize import intcomma
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cadre import roles
from cadre.permissions import role_required
from scoring.models import Cycle, ImportRecord, Period
from scoring.services.background import (
    background_interruption,
    background_listed,
    background_status_annotate,
)
from scoring.services.closed_quarters import units_change_notices
from scoring.services.sheets import ImportRefused, sheet_changes_first
from scoring.services.uploads import UploadRefused
from scoring.services.workbook import workbook_export
from scoring.services.workbook_blank import workbook_blank, workbook_blank_year
from scoring.services.workbook_imports import (
    workbook_import_confirm,
    workbook_import_notices,
    workbook_import_start,
    workbook_records,
)
from scoring.services.workbook_preview import ENTRY_COLUMNS, workbook_entries_workbook
from scoring.views_sheets import (
    HISTORY_ROWS,
    PREVIEW_ROWS,
    SUMMARY_FROM,
    record_discard,
    record_progress_json,
    record_retry,
    xlsx_response,
)

# The master data rows a preview names one by one; a province's new units are counted.
NAMED_ROWS = 200


class WorkbookUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("考核数据工作簿（.xlsx）"))


def _record(pk: int, *deferred: str) -> ImportRecord:
    return get_object_or_404(workbook_records().defer(*deferred), pk=pk)


@role_required(roles.ADMIN)
def workbook_index(request):
    form = WorkbookUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            record = workbook_import_start(upload=form.cleaned_data["file"], user=request.user)
        except UploadRefused as error:
            form.add_error("file", str(error))
        else:
            return redirect("workbook:record", pk=record.pk)
    cycles = list(Cycle.objects.order_by("-year"))
    return render(
        request,
        "workbook/index.html",
        {
            "cycles": cycles,
            "nav_cycle": cycles[0] if cycles else None,
            "form": form,
            "blank_year": workbook_blank_year(years=[cycle.year for cycle in cycles]),
            "history": background_listed(
                list(
                    background_status_annotate(
                        workbook_records().defer("changes", "errors", "preview")
                    )[:HISTORY_ROWS]
                )
            ),
        },
    )


@role_required(roles.ADMIN)
def workbook_download(request, year: int):
    cycle = get_object_or_404(Cycle, year=year)
    return xlsx_response(
        workbook=workbook_export(cycle=cycle), file_name=f"kaohe-workbook-{year}.xlsx"
    )


@role_required(roles.ADMIN)
def workbook_blank_download(request):
    year = workbook_blank_year(years=Cycle.objects.values_list("year", flat=True))
    return xlsx_response(
        workbook=workbook_blank(year=year), file_name=f"kaohe-workbook-blank-{year}.xlsx"
    )


@role_required(roles.ADMIN)
def workbook_record(request, pk: int):
    if request.GET.get("as") == "xlsx":
        return _entries_download(pk)
    record = _record(pk, "changes")
    shown, total = sheet_changes_first(record=record, limit=PREVIEW_ROWS)
    entries = [dict(zip(ENTRY_COLUMNS, entry, strict=True)) for entry in shown]
    labels = dict(Period.choices)
    for entry in entries:
        entry["period"] = labels.get(entry["period"], entry["period"])
        entry["saved_at"] = entry["saved_at"][:16].replace("T", " ")
    preview = record.preview
    master = [
        {
            **part,
            "created_shown": [f"{code} {name}" for code, name in part["created"][:NAMED_ROWS]],
            "changed_shown": part["changed"][:NAMED_ROWS],
        }
        for part in preview.get("master", [])
    ]
    return render(
        request,
        "workbook/record.html",
        {
            "record": record,
            "preview": preview,
            "state": Cycle.State(preview["cycle"]["state"]).label if preview else "",
            "master": master,
            "master_changes": any(part["created"] or part["changed"] for part in master),
            "named_rows": NAMED_ROWS,
            "entries": entries,
            "entries_total": total,
            "entries_hidden": total - len(entries),
            "summary": preview.get("entry_summary", []) if total > SUMMARY_FROM else [],
            "unlisted": record.problem_count - len(record.errors),
            "outdated": any(error.get("outdated") for error in record.errors[:1]),
            "is_uploader": record.uploaded_by_id == request.user.pk,
            "progress_url": reverse("workbook:record_progress", args=[record.pk]),
            "interruption": background_interruption(work=record),
            "recomputed": workbook_import_notices(record=record)
            if record.status == ImportRecord.Status.IMPORTED
            else [],
        },
    )


def _entries_download(pk: int) -> HttpResponse:
    """Every stored entry the previewed import overwrites or removes, as an .xlsx file: the
    page lists the first PREVIEW_ROWS only."""
    record = _record(pk, "changes", "errors", "preview")
    return xlsx_response(
        workbook=workbook_entries_workbook(record=record),
        file_name=f"kaohe-workbook-import-{pk}.xlsx",
    )


@role_required(roles.ADMIN)
def workbook_record_progress(request, pk: int):
    record = _record(pk, "changes", "errors", "preview")
    return record_progress_json(record=record, url=reverse("workbook:record", args=[record.pk]))


@require_POST
@role_required(roles.ADMIN)
def workbook_record_confirm(request, pk: int):
    record = _record(pk, "changes", "errors")
    try:
        report = workbook_import_confirm(record=record, by=request.user)
    except ImportRefused as error:
        messages.error(request, str(error))
        return redirect("workbook:record", pk=record.pk)
    if report is None:
        # Left to the background worker: its page shows the progress.
        return redirect("workbook:record", pk=record.pk)
    if report.created:
        message = _("已导入“%(name)s”：新建 %(cycle)s，写入 %(count)s 行。")
    else:
        message = _("已导入“%(name)s”：整体替换 %(cycle)s，写入 %(count)s 行。")
    messages.success(
        request,
        message
        % {"name": record.file_name, "cycle": report.cycle, "count": intcomma(report.rows_changed)},
    )
    for notice in units_change_notices(recomputed=report.others_recomputed):
        messages.info(request, notice)
    return redirect("workbook:index")


@require_POST
@role_required(roles.ADMIN)
def workbook_record_retry(request, pk: int):
    record = _record(pk, "changes", "errors", "preview")
    return record_retry(request, record=record, pages="workbook")


@require_POST
@role_required(roles.ADMIN)
def workbook_record_discard(request, pk: int):
    record = _record(pk, "changes", "errors", "preview")
    return record_discard(request, record=record, pages="workbook")
