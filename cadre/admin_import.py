"""The admin's import page: it names the columns in the clerk's words, offers a template, and
checks a file as the scorer's sheet upload does, before reading it."""

import logging

from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from import_export.forms import ImportForm
from openpyxl import Workbook

from cadre.upload_limits import text_upload_check, upload_check_in_request
from scoring.services.uploads import UploadRefused
from scoring.views_sheets import xlsx_response

logger = logging.getLogger(__name__)


class UploadCheckedImportForm(ImportForm):
    """django-import-export's import form refusing, before any row is read, an .xlsx that the
    scorer's sheet upload refuses (size, zip bomb, rows) and a .csv over the same size and row
    limits."""

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.formats = formats

    def clean(self):
        cleaned = super().clean()
        upload, chosen = cleaned.get("import_file"), cleaned.get("format")
        if upload is None or chosen in (None, ""):
            return cleaned
        try:
            if self.formats[int(chosen)]().get_extension() == "xlsx":
                # The admin picked the format, so the name need not end in .xlsx, the check's
                # first test (the scorer's page picks none).
                name = (
                    upload.name if upload.name.lower().endswith(".xlsx") else f"{upload.name}.xlsx"
                )
                upload_check_in_request(name=name, file=upload, size=upload.size)
            else:
                text_upload_check(name=upload.name, file=upload, size=upload.size)
        except UploadRefused as refusal:
            self.add_error("import_file", str(refusal))
        return cleaned


class ClerkImportMixin:
    """The admin's import page in the clerk's words: the columns the file may hold, by the
    names the forms give them in the page's language (代码（code）, not code), and a template
    to fill in, a header row only. Put before ImportExportModelAdmin; its file is checked as
    the scorer's sheet upload checks one (UploadCheckedImportForm)."""

    import_form_class = UploadCheckedImportForm

    def has_import_permission(self, request):
        # import-export lets every staff account import unless a setting says otherwise; an
        # import adds and changes rows, so it takes the permissions to do both.
        return self.has_add_permission(request) and self.has_change_permission(request)

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_import_template"
        view = self.admin_site.admin_view(self.import_template_view)
        return [path("import/template.xlsx", view, name=name), *super().get_urls()]

    def _import_resources(self, request) -> list:
        kwargs = self.get_import_resource_kwargs(request)
        return [resource(**kwargs) for resource in self.get_import_resource_classes(request)]

    def import_template_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        book = Workbook()
        book.active.title = str(self.opts.verbose_name_plural)
        book.active.append(self._import_resources(request)[0].import_template_heads())
        return xlsx_response(workbook=book, file_name=f"{self.model.__name__}-template.xlsx")

    def add_data_read_fail_error_to_form(self, form, e):
        # import-export names only the exception's class ("'TypeError' encountered while trying
        # to read file"), in English: the clerk is told which file and what to do instead, and
        # the log keeps the error (a file that passed the upload checks and still fails to read).
        logger.warning("Import file unreadable: %s", form.cleaned_data["import_file"], exc_info=e)
        form.add_error(
            "import_file",
            _(
                "无法读取“%(name)s”：它已损坏，或不是所选格式的文件。请在 Excel 或 WPS 中打开它，"
                "另存为 Excel 工作簿（.xlsx）或“CSV UTF-8（逗号分隔）”，再导入另存的文件。"
            )
            % {"name": form.cleaned_data["import_file"].name},
        )

    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        if isinstance(response, TemplateResponse) and "fields_list" in response.context_data:
            response.context_data["fields_list"] = [
                (resource.get_display_name(), resource.import_column_labels())
                for resource in self._import_resources(request)
            ]
            response.context_data["import_template_url"] = reverse(
                f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}"
                "_import_template"
            )
        return response
