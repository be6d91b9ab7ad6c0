"""Guards an uploaded spreadsheet passes before anything reads it.

An .xlsx file is a zip archive: a small file can unpack to gigabytes (a zip bomb) and a sheet can
claim a million rows. These checks read only the archive's directory and the sheet's declared
dimension, so a bad file is refused in milliseconds with a message saying why.
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
RATIO_CHECK_FROM_BYTES = 1024 * 1024


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
            rows = _declared_rows(archive)
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


def _declared_rows(archive: zipfile.ZipFile) -> int:
    """Return the largest row count the worksheets declare in their <dimension> element."""
    rows = 0
    for entry in archive.namelist():
        if entry.startswith("xl/worksheets/") and entry.endswith(".xml"):
            with archive.open(entry) as sheet:
                match = DIMENSION.search(sheet.read(4096))
            if match:
                rows = max(rows, int(match.group(1) or 1))
    return rows


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}"
