"""Excel error values (#DIV/0!, #N/A, #VALUE!, #REF!…) of an .xlsx file, which calamine reads
as blank cells.

A failed formula is no blank: an import that took it for one would drop a figure without a
word. Excel stores such a cell as `<c r="F5" t="e"><f>G5/0</f><v>#DIV/0!</v></c>`; these
functions find those cells in the sheets' XML and put them back into the rows calamine read, as
ExcelError values that the readers refuse.
"""

import io
import posixpath
import re
import zipfile
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator
from xml.etree import ElementTree

from openpyxl.utils.cell import coordinate_to_tuple

from scoring.services.cells import ExcelError

WORKBOOK_PART = "xl/workbook.xml"
WORKBOOK_RELATIONS_PART = "xl/_rels/workbook.xml.rels"
# An error cell's type attribute, as Excel and WPS write it and as other writers may.
ERROR_TYPE_MARKERS = (b't="e"', b"t='e'")
# A cell element (any namespace prefix), its start tag's attributes and its content.
ERROR_CELL = re.compile(
    rb"<(?:[\w.-]+:)?c\b(?P<attributes>[^>]*?)(?<!/)>(?P<content>.*?)</(?:[\w.-]+:)?c>", re.S
)
CELL_REFERENCE = re.compile(rb"""\br=["']([A-Z]+[0-9]+)["']""")
CELL_VALUE = re.compile(rb"<(?:[\w.-]+:)?v>([^<]*)<")
CHUNK_BYTES = 1024 * 1024
# More than a cell element takes (a formula has at most 8,192 characters).
CELL_BYTES_MAX = 64 * 1024

# A sheet's error cells: (row, column) counted from A1 at 0 → the error's name.
ErrorCells = dict[tuple[int, int], str]


def excel_errors_read(source, *, sheets: Collection[str] | None = None) -> dict[str, ErrorCells]:
    """Return the error cells of the workbook's worksheets by sheet name (of the named `sheets`
    only, when given), leaving out sheets that have none.

    `source` is a path, the file's bytes or a binary file object, which is left where it was.
    """
    if isinstance(source, bytes | bytearray):
        source = io.BytesIO(source)
    position = source.tell() if hasattr(source, "tell") else None
    try:
        with zipfile.ZipFile(source) as archive:
            errors = {}
            for name, part in _worksheet_parts(archive).items():
                if sheets is None or name in sheets:
                    if cells := _error_cells(archive, part):
                        errors[name] = cells
            return errors
    finally:
        if position is not None:
            source.seek(position)


def excel_errors_place(
    rows: Iterable[list], errors: ErrorCells, *, first_column: int = 0
) -> Iterator[list]:
    """Yield calamine's rows with every cell at its column counted from A and each error cell
    holding its ExcelError.

    to_python(skip_empty_area=False) starts every row at column A, iter_rows at the sheet's first
    used column (sheet.start), whose index is `first_column`; both start at row 1. calamine
    counts error cells in a sheet's range, so each one lies within the rows read.
    """
    by_row = defaultdict(list)
    for (row, column), error in errors.items():
        by_row[row].append((column, error))
    padding = [""] * first_column
    for index, row in enumerate(rows):
        if first_column:
            row = padding + row
        for column, error in by_row.get(index, ()):
            if column >= len(row):
                row.extend([""] * (column + 1 - len(row)))
            row[column] = ExcelError(error)
        yield row


def _worksheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Return the zip entry of each sheet by its name, through the workbook's relationships."""
    relations = ElementTree.fromstring(archive.read(WORKBOOK_RELATIONS_PART))
    targets = {
        relation.get("Id"): _part_path(relation.get("Target", ""))
        for relation in relations
        if _local_name(relation.tag) == "Relationship"
    }
    entries = set(archive.namelist())
    parts = {}
    for element in ElementTree.fromstring(archive.read(WORKBOOK_PART)).iter():
        if _local_name(element.tag) != "sheet":
            continue
        # r:id, whatever prefix and namespace (transitional or strict) the writer used.
        relation = next(
            (value for key, value in element.attrib.items() if _local_name(key) == "id"), None
        )
        if targets.get(relation) in entries:
            parts[element.get("name")] = targets[relation]
    return parts


def _part_path(target: str) -> str:
    # Absolute ("/xl/worksheets/sheet1.xml") or relative to xl/ ("worksheets/sheet1.xml").
    if target.startswith("/"):
        return target[1:]
    return posixpath.normpath(posixpath.join(posixpath.dirname(WORKBOOK_PART), target))


def _error_cells(archive: zipfile.ZipFile, part: str) -> ErrorCells:
    """Return the sheet's error cells, found where its XML, read in chunks, holds an error
    cell's type: a sheet of 200,000 rows is not parsed whole for one failed formula."""
    cells: ErrorCells = {}
    overlap = b""
    with archive.open(part) as stream:
        while chunk := stream.read(CHUNK_BYTES):
            window = overlap + chunk
            for marker in ERROR_TYPE_MARKERS:
                position = window.find(marker)
                while position >= 0:
                    # The element whose start tag holds the marker (a tag holds no <); one
                    # whose start is in the last window was read there.
                    start = window.rfind(b"<", 0, position)
                    cell = ERROR_CELL.match(window, start) if start >= 0 else None
                    if cell:
                        reference = CELL_REFERENCE.search(cell["attributes"])
                        if reference is None:  # r is optional: place the cells by counting
                            return _error_cells_counted(archive, part)
                        value = CELL_VALUE.search(cell["content"])
                        if value and value[1].strip():
                            row, column = coordinate_to_tuple(reference[1].decode())
                            cells[row - 1, column - 1] = value[1].strip().decode()
                    position = window.find(marker, position + 1)
            # A cell cut by the chunk's end is read whole in the next window.
            overlap = window[-CELL_BYTES_MAX:]
    return cells


def _error_cells_counted(archive: zipfile.ZipFile, part: str) -> ErrorCells:
    """Return the sheet's error cells, parsing its XML whole to count the rows and cells that do
    not say where they are."""
    cells: ErrorCells = {}
    row = column = -1
    sheet_data = None
    with archive.open(part) as stream:
        for event, element in ElementTree.iterparse(stream, events=("start", "end")):
            name = _local_name(element.tag)
            if event == "start":
                if name == "sheetData":
                    sheet_data = element
                elif name == "row":
                    row, column = int(element.get("r") or row + 2) - 1, -1
                elif name == "c":
                    reference = element.get("r")
                    if reference:
                        row, column = (index - 1 for index in coordinate_to_tuple(reference))
                    else:
                        column += 1
            elif name == "c":
                if element.get("t") == "e":
                    values = [child.text for child in element if _local_name(child.tag) == "v"]
                    if values and values[0] and values[0].strip():
                        cells[row, column] = values[0].strip()
                element.clear()
            elif name == "row" and sheet_data is not None:
                # Dropped as read: a sheet of a million rows is not kept in memory.
                sheet_data.remove(element)
    return cells


def _local_name(tag: str) -> str:
    return tag.rpartition("}")[2]
