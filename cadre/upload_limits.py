"""Upload checks of the imports read in the request (the admin's imports, the star tree's):
those of the scorer's sheet upload (scoring.services.uploads), with the row limit applied to
every count, since no background reading follows to enforce it."""

from django.conf import settings
from django.utils.translation import gettext as _

from scoring.services.uploads import UploadRefused, upload_check


def upload_check_in_request(*, name: str, file, size: int) -> None:
    """Raise UploadRefused for an .xlsx the scorer's upload refuses, or whose rows, counted or
    estimated (upload_check counts up to the background threshold), pass the row limit."""
    info = upload_check(name=name, file=file, size=size)
    _rows_check(info.rows)


def text_upload_check(*, file, size: int) -> None:
    """Raise UploadRefused for a text file (.csv) over the size limit or the row limit (its
    lines, counted without decoding)."""
    limit = settings.SCORING_UPLOAD_MAX_BYTES
    if size > limit:
        raise UploadRefused(
            _("文件 %(size)s MB，超过上限 %(limit)s MB。")
            % {"size": _megabytes(size), "limit": _megabytes(limit)}
        )
    file.seek(0)
    lines = sum(chunk.count(b"\n") for chunk in iter(lambda: file.read(1024 * 1024), b""))
    file.seek(0)
    _rows_check(lines)


def _rows_check(rows: int) -> None:
    limit = settings.SCORING_UPLOAD_MAX_ROWS
    if rows > limit:
        raise UploadRefused(
            _("工作表有 %(rows)s 行，超过上限 %(limit)s 行，请拆分后分别导入。")
            % {"rows": rows, "limit": limit}
        )


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}"
