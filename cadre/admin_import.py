"""The admin's import page checks a file as the scorer's sheet upload does, before reading it."""

from import_export.forms import ImportForm

from cadre.upload_limits import text_upload_check, upload_check_in_request
from scoring.services.uploads import UploadRefused


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
                text_upload_check(file=upload, size=upload.size)
        except UploadRefused as refusal:
            self.add_error("import_file", str(refusal))
        return cleaned
