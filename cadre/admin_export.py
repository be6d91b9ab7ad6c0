"""What every admin list with an export button shares."""

from django.utils import timezone
from import_export.admin import ExportMixin

from cadre.admin_import import UploadCheckedImportForm


class LocalDateExportMixin(ExportMixin):
    """import-export's export, its files dated with the district's day (settings.TIME_ZONE).

    import-export dates a file with the UTC day: an export made in Shanghai before 08:00 would
    carry yesterday's date. Admins that import too put this before ImportExportModelAdmin,
    and so check an imported file as the scorer's sheet upload does before reading it.
    """

    import_form_class = UploadCheckedImportForm

    def get_export_filename(self, request, queryset, file_format):
        day = timezone.localdate()
        return f"{self.model.__name__}-{day:%Y-%m-%d}.{file_format.get_extension()}"
