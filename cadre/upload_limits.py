"""Upload checks of the imports read in the request (the admin's imports, the star tree's):
those of the scorer's sheet upload (scoring.services.uploads), with the row limit applied to
every count, since no background reading follows to enforce it."""

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from scoring.csv_format import csv_text
from scoring.services.uploads import ZIP_MAGIC, UploadRefused, upload_check

# What the clerk does with a file the import cannot read as CSV.
SAVE_AS_CSV = gettext_lazy(
    "请在 Excel 或 WPS 中打开它，点“文件 → 另存为”，保存类型选“CSV UTF-8（逗号分隔）”，"
    "再导入另存的文件。"
)


def upload_check_in_request(*, name: str, file, size: int) -> None:
    """Raise UploadRefused for an .xlsx the scorer's upload refuses, or whose rows, counted or
    estimated (upload_check counts up to the background threshold), pass the row limit."""
    info = upload_check(name=name, file=file, size=size)
    _rows_check(info.rows)


def text_upload_check(*, name: str, file, size: int) -> None:
    """Raise UploadRefused for a text file (.csv) over the size limit or the row limit (its
    lines), or one the import cannot read as CSV: an .xlsx workbook, bytes in no encoding
    csv_text knows, or a NUL character (no program saving CSV writes one, and PostgreSQL
    refuses it in text)."""
    limit = settings.SCORING_UPLOAD_MAX_BYTES
    if size > limit:
        raise UploadRefused(
            _("文件 %(size)s MB，超过上限 %(limit)s MB。")
            % {"size": _megabytes(size), "limit": _megabytes(limit)}
        )
    file.seek(0)
    data = file.read()
    file.seek(0)
    if data.startswith(ZIP_MAGIC):
        raise UploadRefused(
            _("“%(name)s”是 Excel 工作簿，不是 CSV：请把“格式”选为 xlsx 后再导入。")
            % {"name": name}
        )
    try:
        text = csv_text(data)
    except UnicodeDecodeError as error:
        raise UploadRefused(
            _("“%(name)s”第 %(line)s 行的文字既不是 UTF-8 也不是 GBK 编码，无法读取：%(save_as)s")
            % {
                "name": name,
                "line": data.count(b"\n", 0, error.start) + 1,
                "save_as": SAVE_AS_CSV,
            }
        ) from None
    nul = text.find("\x00")
    if nul >= 0:
        raise UploadRefused(
            _("“%(name)s”第 %(line)s 行含有空字符（NUL），不是 CSV 文本：%(save_as)s")
            % {"name": name, "line": text.count("\n", 0, nul) + 1, "save_as": SAVE_AS_CSV}
        )
    _rows_check(text.count("\n"))


def _rows_check(rows: int) -> None:
    limit = settings.SCORING_UPLOAD_MAX_ROWS
    if rows > limit:
        raise UploadRefused(
            _("工作表有 %(rows)s 行，超过上限 %(limit)s 行，请拆分后分别导入。")
            % {"rows": rows, "limit": limit}
        )


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}"
