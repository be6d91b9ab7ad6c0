"""Guards an uploaded spreadsheet passes before anything reads it.

An .xlsx file is a zip archive: a small file can unpack to gigabytes (a zip bomb) and a sheet can
claim a million rows. These checks read the archive's directory and the sheet's declared
dimension, so a bad file is refused in milliseconds with a message saying why; only a dimension
over what is checked at once is looked behind (see _sheet_rows).
"""

import hashlib
import re
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

from django.conf import settings
from django.utils.translation import gettext as _

ZIP_MAGIC = b"PK\x03\x04"
DIMENSION = re.compile(rb'<dimension ref="[A-Z]+\d+(?::[A-Z]+(\d+))?"')
# The sheet's root element, with the namespace prefix its writer gives every element (mostly none).
SHEET_ROOT = re.compile(rb"<(\w+:)?worksheet\b")
RATIO_CHECK_FROM_BYTES = 1024 * 1024
SHEET_HEAD_BYTES = 4096
SHEET_CHUNK_BYTES = 1024 * 1024


class UploadRefused(ValueError):
    """The file cannot be imported; the message says why in words a clerk understands."""


@dataclass(frozen=True)
class UploadInfo:
    name: str
    size: int
    sha256: str
    rows: int


def upload_check(*, name: str, file: BinaryIO, size: int) -> UploadInfo:
    """Return what the upload is (size, SHA-256, declared rows) or raise UploadRefused.

    Refuses anything that is not an .xlsx archive, is over the size limit, would unpack beyond
    the limits (zip bomb) or declares more rows than allowed.
    """
    if not name.lower().endswith(".xlsx"):
        raise UploadRefused(_("只接受 Excel 工作簿（.xlsx），“%(name)s”不是。") % {"name": name})
    if size > settings.SCORING_UPLOAD_MAX_BYTES:
        raise UploadRefused(
            _("文件 %(size)s MB，超过上限 %(limit)s MB。")
            % {"size": _megabytes(size), "limit": _megabytes(settings.SCORING_UPLOAD_MAX_BYTES)}
        )
    file.seek(0)
    if file.read(4) != ZIP_MAGIC:
        raise UploadRefused(
            _("“%(name)s”不是有效的 .xlsx 文件（内容不是 Excel 格式）。") % {"name": name}
        )
    file.seek(0)
    digest = hashlib.sha256()
    for chunk in iter(lambda: file.read(1024 * 1024), b""):
        digest.update(chunk)
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            _archive_check(archive)
            rows = _worksheet_rows(archive)
    except zipfile.BadZipFile:
        raise UploadRefused(_("“%(name)s”已损坏，无法打开。") % {"name": name}) from None
    finally:
        file.seek(0)
    if rows > settings.SCORING_UPLOAD_MAX_ROWS:
        raise UploadRefused(
            _("工作表有 %(rows)s 行，超过上限 %(limit)s 行，请拆分后分别导入。")
            % {"rows": rows, "limit": settings.SCORING_UPLOAD_MAX_ROWS}
        )
    return UploadInfo(name=name, size=size, sha256=digest.hexdigest(), rows=rows)


def _archive_check(archive: zipfile.ZipFile) -> None:
    entries = archive.infolist()
    if "xl/workbook.xml" not in {entry.filename for entry in entries}:
        raise UploadRefused(_("文件不是 Excel 工作簿（缺少 workbook）。"))
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > settings.SCORING_UPLOAD_MAX_UNPACKED_BYTES:
        raise UploadRefused(
            _("文件解压后达 %(size)s MB，超过上限，疑似压缩炸弹，已拒绝。")
            % {"size": _megabytes(unpacked)}
        )
    for entry in entries:
        ratio = entry.file_size / max(entry.compress_size, 1)
        if entry.file_size > RATIO_CHECK_FROM_BYTES and ratio > settings.SCORING_UPLOAD_MAX_RATIO:
            raise UploadRefused(
                _("文件中的 %(entry)s 压缩比 %(ratio)s 倍，疑似压缩炸弹，已拒绝。")
                % {"entry": entry.filename, "ratio": int(ratio)}
            )


def _worksheet_rows(archive: zipfile.ZipFile) -> int:
    """Return the most rows a worksheet holds (see _sheet_rows)."""
    rows = 0
    for entry in archive.namelist():
        if entry.startswith("xl/worksheets/") and entry.endswith(".xml"):
            rows = max(rows, _sheet_rows(archive, entry))
    return rows


def _sheet_rows(archive: zipfile.ZipFile, entry: str) -> int:
    """Return the rows the sheet declares in its <dimension> element or, where that is more than
    are checked at once, the rows up to the last one holding a value.

    Excel extends the dimension over empty cells that are only styled: a fill down D45:D260000
    of a 40-row template is no file over the row limit, nor one for the background worker. A
    sheet within the limit that holds a value beyond the background threshold is as big as it
    says and is read no further, so that a real big file costs a chunk of its XML, not all of it.
    """
    threshold = settings.SCORING_IMPORT_BACKGROUND_ROWS
    with archive.open(entry) as sheet:
        head = sheet.read(SHEET_HEAD_BYTES)
        match = DIMENSION.search(head)
        declared = int(match.group(1) or 1) if match else 0
        if declared <= min(threshold, settings.SCORING_UPLOAD_MAX_ROWS):
            return declared
        over_limit = declared > settings.SCORING_UPLOAD_MAX_ROWS
        last = _last_row_with_value(head, sheet, stop_beyond=None if over_limit else threshold)
    if last is None or (not over_limit and last > threshold):
        return declared
    return last


def _last_row_with_value(head: bytes, sheet: BinaryIO, *, stop_beyond: int | None) -> int | None:
    """Return the number of the last row holding a value (a <v> or <is> element) in the sheet's
    XML, `head` and then the rest read from `sheet` in chunks, or the first such row beyond
    `stop_beyond`; 0 when no row holds a value, None when the rows cannot be told (no root
    element found, or rows without their optional r attribute)."""
    root = SHEET_ROOT.search(head)
    if root is None:
        return None
    tag = b"<" + (root[1] or b"")
    row_start = tag + b"row"
    values = (tag + b"v>", tag + b"v ", tag + b"is>")
    row_number = re.compile(re.escape(row_start) + rb"\b[^>]*?\sr=[\"'](\d+)")

    def last_in(rows: bytes) -> int | None:
        position = max(rows.rfind(value) for value in values)
        if position < 0:
            return 0
        match = row_number.match(rows, max(rows.rfind(row_start, 0, position), 0))
        return int(match[1]) if match else None

    last, pending, chunk = 0, b"", head
    while chunk:
        data = pending + chunk
        # Whole rows only: the last one may go on in the next chunk.
        cut = max(data.rfind(row_start), 0)
        found = last_in(data[:cut])
        if found is None:
            return None
        last, pending = found or last, data[cut:]
        if stop_beyond is not None and last > stop_beyond:
            return last
        chunk = sheet.read(SHEET_CHUNK_BYTES)
    found = last_in(pending)
    return None if found is None else found or last


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}"
