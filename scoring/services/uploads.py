"""Guards an uploaded spreadsheet passes before anything reads it.

An .xlsx file is a zip archive: a small file can unpack to gigabytes (a zip bomb) and a sheet can
hold a million rows. These checks read the archive's directory and count the rows that hold
values, so a bad file is refused in milliseconds with a message saying why. A sheet's declared
<dimension> is no count: a file may understate it or leave it out, and Excel stretches it over
cells that are only styled (see _sheet_rows).
"""

import hashlib
import os
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO
from xml.etree import ElementTree

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl.utils.cell import column_index_from_string, get_column_letter

ZIP_MAGIC = b"PK\x03\x04"
ZIP_ENCRYPTED = 0x1  # an entry's general purpose flag bit 0
# Row numbers of 1–18 digits (a longer one is no row's, and Python refuses to read thousands).
DIMENSION = re.compile(rb'<dimension ref="[A-Z]+\d{1,18}(?::[A-Z]+(\d{1,18}))?"')
# The sheet's root element, with the namespace prefix its writer gives every element (mostly none).
SHEET_ROOT = re.compile(rb"<(\w+:)?worksheet\b")
# A row's start tag and its number, if it says it; a value of a cell, whatever the prefix.
# (r = "5" as well: calamine and openpyxl read it, and openpyxl then yields the rows before.)
ROW = re.compile(rb"<(?:[\w.-]+:)?row\b(?:[^>]*?\sr\s*=\s*[\"'](?P<number>\d{1,18})[\"'])?[^>]*>")
VALUE = re.compile(rb"<(?:[\w.-]+:)?(?:v|is)[\s>]")
# Where a cell with a value may be, as its r attribute says (r="XFD1048576"): beyond Excel's
# last row or column (more letters or digits than it has) no program that saves .xlsx puts one.
EXCEL_ROWS, EXCEL_COLUMNS = 1_048_576, 16_384
COLUMNS_OF_LETTERS = {1: 26, 2: 26 + 26**2, 3: EXCEL_COLUMNS}
# calamine reads a position's letters in either case (r="xfd2000" is XFD2000).
CELL_POSITION = re.compile(rb"""r=["'](?P<column>[A-Za-z]+)(?P<row>[0-9]*)""")
BEYOND_EXCEL = rb"((?:[A-Za-z]{4,}[0-9]*|[A-Za-z]{1,3}[0-9]{8,}))"
# What those searches cannot place: a cell whose start tag does not begin with its position
# (<c>, <c s="1" r="A1">, <c r = "A1">) or has a namespace prefix (<x:c>, or text reading so).
# calamine puts a cell without r after the one before it, in the row its <row r> says (or the
# one after the row before), so such a sheet is walked tag by tag (_sheet_span_walked).
# (A start tag cut at a chunk's end is not taken: the next chunk holds it whole.)
CELL_NOT_PLACED_FIRST = re.compile(rb"<c(?:[>/]|\s(?!r=)[^>]*>)")
PREFIXED_CELL = re.compile(rb":c[\s>/]")
# A row's or cell's start or end tag, and the position its r says, as calamine reads them.
SHEET_TAG = re.compile(rb"<(?P<end>/)?(?:[\w.-]+:)?(?P<name>row|c)(?=[\s/>])(?P<attributes>[^>]*)>")
POSITION_ATTRIBUTE = re.compile(
    rb"""(?:^|\s)r\s*=\s*["'](?P<column>[A-Za-z]*)(?P<row>[0-9]*)["']"""
)
# A cell holding something (not an empty <c .../> that carries a style only), by its position.
VALUE_CELL = rb"""<(?:[\w.-]+:)?c\b[^>]*?\br=["']%s["'][^>]*(?<!/)>"""
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
    # The worksheets' rows together: counted up to the background threshold, an estimate beyond.
    rows: int


def upload_rows_check(*, rows: int, sheets: int = 1) -> None:
    """Raise UploadRefused when the `sheets` worksheets hold more than SCORING_UPLOAD_MAX_ROWS
    rows together."""
    limit = settings.SCORING_UPLOAD_MAX_ROWS
    if rows <= limit:
        return
    if sheets > 1:
        message = _("各工作表共有 %(rows)s 行，超过上限 %(limit)s 行，请拆分后分别导入。")
    else:
        message = _("工作表有 %(rows)s 行，超过上限 %(limit)s 行，请拆分后分别导入。")
    raise UploadRefused(message % {"rows": rows, "limit": limit})


def unreadable_workbook_message() -> str:
    """What the clerk reads when the reader fails on a file the upload's checks let through:
    calamine's own words ("Cell string index not found in shared strings table") tell them
    nothing they can act on."""
    return _(
        "无法读取文件：它已损坏，或不是 Excel / WPS 保存的工作簿。请在 Excel 中打开后"
        "另存为 .xlsx 再上传。"
    )


def upload_check(*, name: str, file: BinaryIO, size: int) -> UploadInfo:
    """Return what the upload is (size, SHA-256, rows) or raise UploadRefused.

    Refuses anything that is not an .xlsx archive, is over the size limit, would unpack beyond
    the limits (zip bomb) or holds more rows than allowed. The rows decide whether the file is
    checked in the request or in the background (SCORING_IMPORT_BACKGROUND_ROWS); beyond that
    threshold they are an estimate, and the reading enforces the limit (upload_rows_check).
    """
    if not name.lower().endswith(".xlsx"):
        raise UploadRefused(
            _(
                "只接受 Excel 工作簿（.xlsx），“%(name)s”不是：请在 Excel 或 WPS 中打开它，"
                "点“文件 → 另存为”，保存类型选“Excel 工作簿（*.xlsx）”，再上传另存的文件。"
            )
            % {"name": name}
        )
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
            rows, counted, sheets = _worksheet_rows(archive)
            _worksheet_cells_check(archive)
    # A part's XML cut short, or packed by a method Python (and calamine) cannot unpack.
    except (zipfile.BadZipFile, ElementTree.ParseError, NotImplementedError):
        raise UploadRefused(_("“%(name)s”已损坏，无法打开。") % {"name": name}) from None
    finally:
        file.seek(0)
    upload_rows_check(rows=counted, sheets=sheets)
    return UploadInfo(name=name, size=size, sha256=digest.hexdigest(), rows=rows)


def upload_stored_path(record) -> str:
    """Return where the import record's kept upload is on this server.

    Raises FileNotFoundError, naming the folder, when it is not there: the uploader's file is
    not at fault but the server, most likely a worker started without the web servers'
    DJANGO_MEDIA_ROOT. The task fails with that in the worker's log, and the upload's page
    offers to check it again once the worker is set right."""
    path = record.upload.path
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"Upload #{record.pk} is not at {path}: does this process have the web servers' "
            f"DJANGO_MEDIA_ROOT? (here {settings.MEDIA_ROOT})"
        )
    return path


def _archive_check(archive: zipfile.ZipFile) -> None:
    entries = archive.infolist()
    if "xl/workbook.xml" not in {entry.filename for entry in entries}:
        raise UploadRefused(_("文件不是 Excel 工作簿（缺少 workbook）。"))
    # A zip's own password (Excel's makes no zip): unreadable without it, to calamine too.
    if any(entry.flag_bits & ZIP_ENCRYPTED for entry in entries):
        raise UploadRefused(
            _("文件设置了密码，无法读取：请在 Excel 中打开，取消密码后另存为 .xlsx 再上传。")
        )
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


def _worksheet_rows(archive: zipfile.ZipFile) -> tuple[int, int, int]:
    """Return the rows the worksheets hold together (see _sheet_rows), how many of them were
    counted to the end of their sheet, and how many sheets hold any.

    Together: a file of many sheets, each below the background threshold, is as much work as
    one sheet of them all.
    """
    rows = counted = sheets = 0
    for entry in archive.namelist():
        if entry.startswith("xl/worksheets/") and entry.endswith(".xml"):
            threshold = max(settings.SCORING_IMPORT_BACKGROUND_ROWS - rows, 0)
            sheet_rows, whole = _sheet_rows(archive, entry, threshold=threshold)
            rows += sheet_rows
            counted += sheet_rows if whole else 0
            sheets += 1 if sheet_rows else 0
    return rows, counted, sheets


def _worksheet_cells_check(archive: zipfile.ZipFile) -> None:
    """Raise UploadRefused for a worksheet whose cells lie beyond Excel's last row or column,
    or span more than SCORING_UPLOAD_MAX_CELLS from A1 to the farthest one.

    calamine, which reads the sheets, holds them as a full grid of that span: a value typed in
    XFD2000 above a label in A1 costs it 33 million cells (1.5 GB), and a cell that says it is
    in row 4,000,000,000 makes it ask for 512 GB and abort the whole process. The rows' own
    numbers (<row r=...>, which _sheet_rows counts) need not agree with their cells'.
    """
    # Imported here: this module is loaded with the admin, before the models it reaches.
    from scoring.services.excel_errors import worksheet_names

    names = worksheet_names(archive)
    for entry in archive.namelist():
        if entry.startswith("xl/worksheets/") and entry.endswith(".xml"):
            _sheet_cells_check(archive, entry, sheet=names.get(entry, entry))


def _sheet_cells_check(archive: zipfile.ZipFile, entry: str, *, sheet: str) -> None:
    """Refuse the sheet as _worksheet_cells_check says. One search of its XML finds the most
    letters and digits a position has (XFD1048576: 3 and 7), which bound the span; only a
    span past the limit so bounded is measured, from the cells holding something. The search
    takes any attribute named like r (faster than telling a cell's apart), which at worst
    makes the span measured."""
    letters = digits = 0
    for chunk in _sheet_chunks(archive, entry):
        if CELL_NOT_PLACED_FIRST.search(chunk) or PREFIXED_CELL.search(chunk):
            rows, columns, beyond = _sheet_span_walked(archive, entry)
            if beyond:
                raise _beyond_excel(sheet, beyond)
            _span_check(sheet, rows=rows, columns=columns)
            return
        wider = _position_wider(letters, digits).search(chunk)
        while wider and letters <= 3 and digits <= 7:
            position = CELL_POSITION.match(chunk, wider.start())
            letters = max(letters, len(position["column"]))
            digits = max(digits, len(position["row"]))
            wider = _position_wider(letters, digits).search(chunk, wider.end())
    if letters > 3 or digits > 7:
        beyond = _value_cell_found(archive, entry, BEYOND_EXCEL)
        if beyond:
            raise _beyond_excel(sheet, beyond)
        letters, digits = min(letters, 3), min(digits, 7)
    if min(10**digits - 1, EXCEL_ROWS) * COLUMNS_OF_LETTERS.get(letters, 0) <= (
        settings.SCORING_UPLOAD_MAX_CELLS
    ):
        return
    last_row = _farthest(archive, entry, most=digits, position=rb"[A-Za-z]{1,3}([0-9]{%d})")
    last_column = _farthest(archive, entry, most=letters, position=rb"([A-Za-z]{%d})[0-9]{1,7}")
    rows = int(last_row or 0)
    columns = column_index_from_string(last_column.decode()) if last_column else 0
    if rows > EXCEL_ROWS or columns > EXCEL_COLUMNS:
        raise _beyond_excel(sheet, last_column + last_row)
    _span_check(sheet, rows=rows, columns=columns)


def _span_check(sheet: str, *, rows: int, columns: int) -> None:
    if rows * columns > settings.SCORING_UPLOAD_MAX_CELLS:
        raise UploadRefused(
            _(
                "工作表“%(sheet)s”的内容从 A1 一直延伸到 %(corner)s（%(rows)s 行 × %(columns)s "
                "列），超过 %(limit)s 个单元格的上限：多半是远处的行或列里有误填的内容，请删除"
                "后再上传。"
            )
            % {
                "sheet": sheet,
                "corner": f"{get_column_letter(columns)}{rows}",
                "rows": f"{rows:,}",
                "columns": f"{columns:,}",
                "limit": f"{settings.SCORING_UPLOAD_MAX_CELLS:,}",
            }
        )


def _sheet_span_walked(archive: zipfile.ZipFile, entry: str) -> tuple[int, int, bytes | None]:
    """Return the rows and columns from A1 to the farthest cell holding something, each cell
    placed as calamine places it, and a position beyond Excel's last row or column where
    there is one (None when there is none).

    Tag by tag, slower than the searches of _sheet_cells_check: only for a sheet they cannot
    place. A cell holding something is one not closed in its start tag (<c r="A1" s="1"/>
    carries a style only). A cell's r moves the count of columns, not of rows; of a tag's r
    said twice, calamine takes a row's first and a cell's last."""
    row = column = rows = columns = 0
    pending = b""
    with archive.open(entry) as xml:
        while True:
            chunk = xml.read(SHEET_CHUNK_BYTES)
            data = pending + chunk
            for tag in SHEET_TAG.finditer(data):
                closed = tag["attributes"].endswith(b"/")
                positions = [] if tag["end"] else POSITION_ATTRIBUTE.findall(tag["attributes"])
                for letters, digits in positions:
                    if len(letters) > 3 or len(digits) > 7:
                        return rows, columns, letters + digits
                if tag["name"] == b"row":
                    row = int(positions[0][1]) - 1 if positions and positions[0][1] else row
                    if tag["end"] or closed:
                        row, column = row + 1, 0
                    continue
                if tag["end"]:
                    continue
                letters, digits = positions[-1] if positions else (b"", b"")
                cell_row = row
                if letters and digits:
                    cell_row = int(digits) - 1
                    column = column_index_from_string(letters.upper().decode()) - 1
                if not closed:
                    rows, columns = max(rows, cell_row + 1), max(columns, column + 1)
                column += 1
            if not chunk:
                break
            # A tag cut by the chunk's end starts at its last "<" (none is inside a tag).
            pending = data[data.rfind(b"<") :]
    if rows > EXCEL_ROWS or columns > EXCEL_COLUMNS:
        return rows, columns, f"{get_column_letter(min(columns, 18_278))}{rows}".encode()
    return rows, columns, None


def _value_cell_found(archive: zipfile.ZipFile, entry: str, position: bytes) -> bytes | None:
    """Return the first position `position` captures among the sheet's cells holding
    something, None when there is none."""
    cells = re.compile(VALUE_CELL % position)
    for chunk in _sheet_chunks(archive, entry):
        found = cells.search(chunk)
        if found:
            return found[1]
    return None


def _farthest(archive: zipfile.ZipFile, entry: str, *, most: int, position: bytes) -> bytes:
    """Return the greatest part of a position that `position` % n captures (its row, or its
    column), among the sheet's cells holding something, n counting down from `most` until some
    cell has n digits (letters): positions of as many compare as their rows (columns) do."""
    for size in range(most, 0, -1):
        cells = re.compile(VALUE_CELL % (position % size))
        farthest = max(
            (
                max((part.upper() for part in cells.findall(chunk)), default=b"")
                for chunk in _sheet_chunks(archive, entry)
            ),
            default=b"",
        )
        if farthest:
            return farthest
    return b""


def _position_wider(letters: int, digits: int) -> re.Pattern:
    """A cell's position with more than `letters` letters or more than `digits` digits."""
    return re.compile(
        rb"""r=["'](?:[A-Za-z]{%d}|[A-Za-z]{1,3}[0-9]{%d})""" % (letters + 1, digits + 1)
    )


def _beyond_excel(sheet: str, position: bytes) -> UploadRefused:
    shown = position.decode() if len(position) <= 12 else f"{position[:12].decode()}…"
    return UploadRefused(
        _(
            "工作表“%(sheet)s”中有单元格的位置“%(cell)s”超出了 Excel 的范围（最多 1,048,576 "
            "行、16,384 列），文件已损坏：请在 Excel 中打开后另存为 .xlsx 再上传。"
        )
        % {"sheet": sheet, "cell": shown}
    )


def _sheet_chunks(archive: zipfile.ZipFile, entry: str) -> Iterator[bytes]:
    """Yield the sheet's XML a chunk at a time, each chunk starting with the last bytes of the
    one before, so that a cell's start tag cut by a chunk's end is whole in the next."""
    tail = b""
    with archive.open(entry) as sheet:
        while chunk := sheet.read(SHEET_CHUNK_BYTES):
            yield tail + chunk
            tail = chunk[-SHEET_HEAD_BYTES:]


def _sheet_rows(archive: zipfile.ZipFile, entry: str, *, threshold: int) -> tuple[int, bool]:
    """Return the rows of the sheet up to the last one holding a value, and whether they were
    counted to the end: they are, up to `threshold` rows, and where the sheet declares more
    than SCORING_UPLOAD_MAX_ROWS.

    The <dimension> a sheet declares is no count: a file may understate it or leave it out, and
    read in the request a file of 600,000 rows that says it has 2 took a worker 8 s and 435 MB.
    Nor is it too big a count to trust: Excel extends it over empty cells that are only styled,
    so a fill down D45:D260000 of a 40-row template is no file over the row limit, nor one for
    the background worker. Beyond the threshold the count stops, a real big file costing a
    chunk of its XML, not all of it: the rows are then the size declared or, where that is
    less, estimated from the share of the XML read (for the progress bar), and the background
    reading refuses the file once calamine has counted its rows (upload_rows_check).
    """
    size = archive.getinfo(entry).file_size
    with archive.open(entry) as sheet:
        head = sheet.read(SHEET_HEAD_BYTES)
        match = DIMENSION.search(head)
        declared = int(match.group(1) or 1) if match else 0
        whole = declared > settings.SCORING_UPLOAD_MAX_ROWS
        stop_beyond = None if whole else threshold
        last = _last_row_with_value(head, sheet, stop_beyond=stop_beyond)
        read = sheet.tell()
    if last is None:
        with archive.open(entry) as sheet:
            last, read = _rows_counted(sheet, stop_beyond=stop_beyond)
    if whole or last <= threshold:
        return last, True
    return max(declared, last, last * size // max(read, 1)), False


def _last_row_with_value(head: bytes, sheet: BinaryIO, *, stop_beyond: int | None) -> int | None:
    """Return the number of the last row holding a value (a <v> or <is> element) in the sheet's
    XML, `head` and then the rest read from `sheet` in chunks, or the first such row beyond
    `stop_beyond`; 0 when no row holds a value, None when the rows cannot be told (no root
    element found, or rows without their optional r attribute: see _rows_counted)."""
    root = SHEET_ROOT.search(head)
    if root is None:
        return None
    tag = b"<" + (root[1] or b"")
    row_start = tag + b"row"
    values = (tag + b"v>", tag + b"v ", tag + b"is>")
    row_number = re.compile(re.escape(row_start) + rb"\b[^>]*?\sr\s*=\s*[\"'](\d{1,18})[\"']")

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
            # The row read in part counts where its start tag and a value were read.
            return max(last, last_in(pending) or 0)
        chunk = sheet.read(SHEET_CHUNK_BYTES)
    found = last_in(pending)
    return None if found is None else found or last


def _rows_counted(sheet: BinaryIO, *, stop_beyond: int | None) -> tuple[int, int]:
    """Return the number of the last row holding a value, each row being the one its r says
    or the one after the row before (r is optional), and how many bytes were read; reading
    stops at the first such row beyond `stop_beyond`. Row by row, so only where the rows'
    numbers cannot be found faster (_last_row_with_value)."""
    number = last = read = 0
    pending = b""
    while chunk := sheet.read(SHEET_CHUNK_BYTES):
        read += len(chunk)
        data = pending + chunk
        starts = list(ROW.finditer(data))
        # The last row may go on in the next chunk, unless this was the last chunk.
        for match, following in zip(starts, [*starts[1:], None], strict=True):
            if following is None:
                pending = data[match.start() :]
                break
            number = int(match["number"]) if match["number"] else number + 1
            if VALUE.search(data, match.end(), following.start()):
                last = number
        else:
            pending = data[-SHEET_HEAD_BYTES:]
        if stop_beyond is not None and last > stop_beyond:
            return last, read
    for match in ROW.finditer(pending):
        number = int(match["number"]) if match["number"] else number + 1
        if VALUE.search(pending, match.end()):
            last = number
    return last, read


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}"
