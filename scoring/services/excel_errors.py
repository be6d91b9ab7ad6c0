"""Cells of an .xlsx file that calamine reads otherwise than Excel shows them: error values
(#DIV/0!, #N/A, #VALUE!, #REF!…), which it reads as blank cells, and numbers in a percent
format, which it reads as the fraction stored (0.85 for a cell showing 85%).

A failed formula is no blank: an import that took it for one would drop a figure without a
word. Excel stores such a cell as `<c r="F5" t="e"><f>G5/0</f><v>#DIV/0!</v></c>`; these
functions find those cells in the sheets' XML and put them back into the rows calamine read, as
ExcelError values that the readers refuse.

A formula saved without its result (`<c r="B2"><f>10+6</f><v/></c>`, or no <v> at all), as
written by a program that does not compute formulas, is read by calamine as a blank although
Excel shows its result: it is put back into the rows as an ExcelError too, with its own message.

A number in a percent format is stored as `<c r="C2" s="1"><v>0.85</v></c>`, where style 1 of
xl/styles.xml's cellXfs has the number format 9 (0%), 10 (0.00%) or a custom one showing a
percent sign. The value is what the file holds, and some indicators do take fractions, so these
cells are only found, for the import to say which they are.

The same scan finds where a sheet's layout makes Excel show other than what is imported: merged
ranges (`<mergeCell ref="F10:F11"/>`: Excel shows one value across them, the top-left cell's,
and the others are read as blanks) and hidden rows and columns (`<row r="13" hidden="1">`,
`<col min="7" max="7" hidden="1"/>`), whose values are imported although nobody sees them.

All are found by scanning a sheet's XML in chunks for the markers of what is sought (an error's
type, a percent style's index, a hidden flag, a merged range), and only when it may be there: a
sheet of 200,000 rows is not parsed whole for one failed formula, nor unpacked at all in a
workbook without a percent format.
"""

import contextlib
import io
import posixpath
import re
import zipfile
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain
from xml.etree import ElementTree

from openpyxl.utils.cell import column_index_from_string, coordinate_to_tuple

from cadre.cells import FORMULA_UNCOMPUTED
from cadre.numbers import whole_number
from scoring.services.cells import ExcelError

WORKBOOK_PART = "xl/workbook.xml"
WORKBOOK_RELATIONS_PART = "xl/_rels/workbook.xml.rels"
# The styles' part, found by its relationship's type (transitional or strict, both ending so),
# else at its usual place.
STYLES_RELATION_TYPE_END = "/styles"
STYLES_PART = "xl/styles.xml"
# An error cell's type attribute, as Excel and WPS write it and as other writers may.
ERROR_TYPE_MARKERS = (b't="e"', b"t='e'")
# The first character of every error value (#DIV/0!, #N/A, #GETTING_DATA…).
ERROR_VALUE_START = b"#"
# A formula's element (<f>10+6</f>, a shared formula's <f t="shared" si="0"/>) directly followed
# by no value or an empty one (<v/>, <v></v>, <v> </v>) and its cell's end, any namespace prefix:
# saved by a program that does not compute (Excel and WPS save the result, "" as an empty t="str"
# value).
FORMULA_WITHOUT_RESULT = re.compile(
    rb"<(?:[\w.-]+:)?f\b[^>]*?(?:/>|>[^<]*</(?:[\w.-]+:)?f>)"
    rb"(?:<(?:[\w.-]+:)?v\s*/>|<(?:[\w.-]+:)?v>\s*</(?:[\w.-]+:)?v>)?</(?:[\w.-]+:)?c>"
)
# What FORMULA_WITHOUT_RESULT matches in cells without a namespace prefix leaves one of these, or
# a line break (in <v>\n</v>). A formula with its result leaves none: these are looked for first,
# each a scan of the window in C, where the pattern takes a step at every formula.
RESULT_LACKING_HINTS = (b"</f></c>", b"/></c>", b"<v></v></c>", b" </v></c>")
LINE_BREAKS = (b"\n", b"\r", b"\t")
# The start of a sheet's cells, where it has no namespace prefix.
SHEET_DATA = b"<sheetData"
# A cell element (any namespace prefix), its start tag's attributes and its content.
CELL = re.compile(
    rb"<(?:[\w.-]+:)?c\b(?P<attributes>[^>]*?)(?<!/)>(?P<content>.*?)</(?:[\w.-]+:)?c>", re.S
)
# The start tag of a row or a column's format (in <cols>), its attributes; of a merged range.
LAYOUT_TAG = re.compile(rb"<(?:[\w.-]+:)?(?P<name>row|col|mergeCell)\b(?P<attributes>[^>]*)>")
HIDDEN_MARKERS = (b'hidden="1"', b"hidden='1'", b'hidden="true"', b"hidden='true'")
MERGE_MARKER = b"mergeCell "
SHEET_COLUMNS = 16384  # XFD, the last column of Excel and WPS
# Numbers of 1–18 digits: a longer one counts no row or column of a sheet, and is left unread.
ROW_NUMBER = re.compile(rb"""\br=["'](\d{1,18})["']""")
COLUMN_SPAN = (
    re.compile(rb"""\bmin=["'](\d{1,18})["']"""),
    re.compile(rb"""\bmax=["'](\d{1,18})["']"""),
)
RANGE_REFERENCE = re.compile(rb"""\bref=["']([A-Z]+[0-9]+)(?::([A-Z]+[0-9]+))?["']""")
# A cell's start tag, its attributes and whether it closes itself (a cell without a value).
CELL_START = re.compile(rb"<(?:[\w.-]+:)?c\b(?P<attributes>[^>]*?)(?P<empty>/?)>")
CELL_REFERENCE = re.compile(rb"""\br=["']([A-Z]+)([0-9]+)["']""")
CELL_TYPE = re.compile(rb"""\bt=["']([^"']*)["']""")
# What comes before an attribute's name.
ATTRIBUTE_SPACE = b" \t\r\n"
CELL_VALUE = re.compile(rb"<(?:[\w.-]+:)?v>([^<]*)<")
CHUNK_BYTES = 1024 * 1024
# More than a cell element takes (a formula has at most 8,192 characters).
CELL_BYTES_MAX = 64 * 1024
# Excel's built-in number formats that show a percentage: 0% and 0.00%.
PERCENT_FORMATS_BUILTIN = frozenset({9, 10})
# What a number format shows as written, not as an operator: quoted text, an escaped character,
# a space as wide as a character (_x), a fill character (*x), a colour, condition or locale in
# brackets. A % left over multiplies the number by 100.
FORMAT_LITERALS = re.compile(r'"[^"]*"?|\\.|_.|\*.|\[[^\]]*\]?')

# A sheet's error cells: (row, column) counted from A1 at 0 → the error's name.
ErrorCells = dict[tuple[int, int], str]
# A sheet's number cells in a percent format: (row, column) counted from A1 at 0, in order.
PercentCells = list[tuple[int, int]]
# The cells a scan found: (row, column) counted from A1 at 0 → the cell's type (t: "e" for an
# error, "n" for a number) and an error's name.
_Found = dict[tuple[int, int], tuple[str, str]]


@dataclass
class SheetLayout:
    """A sheet's merged ranges (first row, first column, last row, last column) and hidden rows
    and columns, each counted from A1 at 0."""

    merged: set[tuple[int, int, int, int]] = field(default_factory=set)
    hidden_rows: set[int] = field(default_factory=set)
    hidden_columns: set[int] = field(default_factory=set)

    def __bool__(self):
        return bool(self.merged or self.hidden_rows or self.hidden_columns)


@dataclass
class MarkedCells:
    """A workbook's cells that calamine reads otherwise than Excel shows them, and its sheets'
    layouts, by sheet name (sheets that have none left out)."""

    errors: dict[str, ErrorCells] = field(default_factory=dict)
    percent: dict[str, PercentCells] = field(default_factory=dict)
    layout: dict[str, SheetLayout] = field(default_factory=dict)


def excel_cells_read(
    source,
    *,
    errors: Collection[str] | None = None,
    percent: Collection[str] | None = None,
    layout: Collection[str] | None = (),
) -> MarkedCells:
    """Return the error cells of the worksheets named in `errors`, the number cells in a
    percent format of those named in `percent` and the merged ranges and hidden rows and
    columns of those named in `layout` (of every worksheet when None, of none when empty).

    `source` is a path, the file's bytes or a binary file object, which is left where it was.
    Each sheet's XML is read once, and only where something sought may be: for error cells when
    it is named in `errors`, for percent cells when it is named in `percent` and the workbook's
    styles have a percent format, for its layout when it is named in `layout`.
    """
    marked = MarkedCells()
    with _archive_open(source) as archive:
        relations = _relations(archive)
        styles = _percent_styles(archive, relations) if percent is None or percent else frozenset()
        if not styles and errors is not None and not errors and layout is not None and not layout:
            return marked
        for name, part in _worksheet_parts(archive, relations).items():
            sheet_errors = errors is None or name in errors
            sheet_styles = styles if percent is None or name in percent else frozenset()
            sheet_layout = layout is None or name in layout
            if not sheet_errors and not sheet_styles and not sheet_layout:
                continue
            error_cells, percent_cells = {}, []
            found, found_layout = _cells_find(
                archive, part, errors=sheet_errors, styles=sheet_styles, layout=sheet_layout
            )
            if found_layout:
                marked.layout[name] = found_layout
            for position, (kind, value) in found.items():
                if kind == "e":
                    error_cells[position] = value
                else:
                    percent_cells.append(position)
            if error_cells:
                marked.errors[name] = error_cells
            if percent_cells:
                marked.percent[name] = sorted(percent_cells)
    return marked


def excel_errors_read(source, *, sheets: Collection[str] | None = None) -> dict[str, ErrorCells]:
    """Return the error cells of the workbook's worksheets by sheet name (of the named `sheets`
    only, when given), leaving out sheets that have none.

    `source` is a path, the file's bytes or a binary file object, which is left where it was.
    """
    return excel_cells_read(source, errors=sheets, percent=()).errors


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


@contextlib.contextmanager
def _archive_open(source) -> Iterator[zipfile.ZipFile]:
    if isinstance(source, bytes | bytearray):
        source = io.BytesIO(source)
    position = source.tell() if hasattr(source, "tell") else None
    try:
        with zipfile.ZipFile(source) as archive:
            yield archive
    finally:
        if position is not None:
            source.seek(position)


def _relations(archive: zipfile.ZipFile) -> list[tuple[str, str, str]]:
    """Return the (id, type, zip entry) of each of the workbook's relationships (none when the
    file has no relationships part)."""
    try:
        relations = ElementTree.fromstring(archive.read(WORKBOOK_RELATIONS_PART))
    except KeyError:
        return []
    return [
        (relation.get("Id"), relation.get("Type", ""), _part_path(relation.get("Target", "")))
        for relation in relations
        if _local_name(relation.tag) == "Relationship"
    ]


def worksheet_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Return the name of each sheet by its zip entry (xl/worksheets/sheet1.xml: 考核数据)."""
    return {part: name for name, part in _worksheet_parts(archive, _relations(archive)).items()}


def _worksheet_parts(
    archive: zipfile.ZipFile, relations: list[tuple[str, str, str]]
) -> dict[str, str]:
    """Return the zip entry of each sheet by its name, through the workbook's relationships."""
    targets = {relation: target for relation, _type, target in relations}
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


def _percent_styles(
    archive: zipfile.ZipFile, relations: list[tuple[str, str, str]]
) -> frozenset[int]:
    """Return the indices of the cell styles (cellXfs, a cell's s) whose number format shows a
    percentage: built-in 9 (0%) and 10 (0.00%), or a custom format with a % outside quotes."""
    entries = set(archive.namelist())
    part = next(
        (
            target
            for _id, kind, target in relations
            if kind.endswith(STYLES_RELATION_TYPE_END) and target in entries
        ),
        STYLES_PART,
    )
    if part not in entries:
        return frozenset()
    formats = set(PERCENT_FORMATS_BUILTIN)
    styles = set()
    for element in ElementTree.fromstring(archive.read(part)):
        name = _local_name(element.tag)
        if name == "numFmts":
            # Only these: the numFmt of a conditional format (dxfs) is no cell style's.
            for number_format in element:
                identifier = whole_number(number_format.get("numFmtId"))
                if _local_name(number_format.tag) != "numFmt" or identifier is None:
                    continue
                if _format_shows_percent(number_format.get("formatCode", "")):
                    formats.add(identifier)
                else:  # a custom code given to a built-in id replaces it
                    formats.discard(identifier)
        elif name == "cellXfs":
            cell_styles = (style for style in element if _local_name(style.tag) == "xf")
            for index, style in enumerate(cell_styles):
                if (whole_number(style.get("numFmtId")) or 0) in formats:
                    styles.add(index)
    return frozenset(styles)


def _format_shows_percent(code: str) -> bool:
    """Whether a number format code multiplies by 100: 0.0% does, 0.0"%" and 0.0\\% do not."""
    return "%" in FORMAT_LITERALS.sub("", code)


def _cells_find(
    archive: zipfile.ZipFile, part: str, *, errors: bool, styles: frozenset[int], layout: bool
) -> tuple[_Found, SheetLayout]:
    """Return the sheet's error cells (when `errors`: formulas saved without their result among
    them) and number cells of the `styles`, found where its XML, read in chunks, holds an error
    cell's type, a formula without a result or a style's index, and (when `layout`) its merged
    ranges and hidden rows and columns.

    A column formatted as a percentage puts a style's index on every one of its cells (200,000
    of a long sheet): for those only the start tag is read, each cell's value being calamine's.
    """
    error_markers = [(marker, "error") for marker in ERROR_TYPE_MARKERS] if errors else []
    markers = [
        (marker, "percent")
        for style in sorted(styles)
        for marker in (b's="%d"' % style, b"s='%d'" % style)
    ]
    if layout:
        markers += [(marker, "layout") for marker in (*HIDDEN_MARKERS, MERGE_MARKER)]
    cells: _Found = {}
    found_layout = SheetLayout()
    overlap = b""
    # Where the cells start in the first window, past the XML declaration's line break; -1 in a
    # sheet whose elements have a namespace prefix, which the hints do not cover.
    cells_start = None
    with archive.open(part) as stream:
        while chunk := stream.read(CHUNK_BYTES):
            window = overlap + chunk
            cells_from = 0
            if cells_start is None:
                cells_from = cells_start = window.find(SHEET_DATA)
            # Every error value starts with #: a window without one (most) holds no error cell.
            marks = _markers_find(
                window, error_markers + markers if ERROR_VALUE_START in window else markers
            )
            if errors and (cells_start < 0 or _results_may_lack(window, cells_from)):
                formulas = FORMULA_WITHOUT_RESULT.finditer(window, max(cells_from, 0))
                marks = chain(marks, ((formula.start(), "formula") for formula in formulas))
            for position, sought in marks:
                if sought == "layout":
                    if not _layout_add(found_layout, window, position):
                        return _cells_counted(
                            archive, part, errors=errors, styles=styles, layout=layout
                        )
                    continue
                # The element whose start tag holds the marker (a tag holds no <), or that a
                # formula's element follows; one whose start is in the last window was read
                # there. A row's style (s on <row>) and a marker's text inside another
                # attribute match no cell here.
                start = window.rfind(b"<", 0, position)
                tag = CELL_START.match(window, start) if start >= 0 else None
                if tag is None or not (
                    tag.end() > position and window[position - 1] in ATTRIBUTE_SPACE
                    if sought != "formula"
                    else tag.end() == position
                ):
                    continue
                attributes = tag["attributes"]
                reference = CELL_REFERENCE.search(attributes)
                if reference is None:  # r is optional: place the cells by counting
                    return _cells_counted(
                        archive, part, errors=errors, styles=styles, layout=layout
                    )
                kind = CELL_TYPE.search(attributes)
                kind = kind[1].decode() if kind else "n"
                found = None
                if sought == "error":
                    cell = CELL.match(window, start)
                    value = cell and CELL_VALUE.search(cell["content"])
                    if kind == "e" and value and value[1].strip():
                        found = (kind, value[1].strip().decode())
                elif sought == "formula":
                    # An empty value is a result as text (t="str", a formula giving "").
                    if kind != "str":
                        found = ("e", FORMULA_UNCOMPUTED)
                elif kind == "n" and not tag["empty"]:
                    found = (kind, "")
                if found:
                    cells[int(reference[2]) - 1, _column_index(reference[1]) - 1] = found
            # A cell cut by the chunk's end is read whole in the next window.
            overlap = window[-CELL_BYTES_MAX:]
    return cells, found_layout


def _markers_find(window: bytes, markers: list[tuple[bytes, str]]) -> Iterator[tuple[int, str]]:
    """Yield the position of each marker in the window, with what it marks."""
    for marker, sought in markers:
        position = window.find(marker)
        while position >= 0:
            yield position, sought
            position = window.find(marker, position + 1)


def _results_may_lack(window: bytes, start: int) -> bool:
    """Whether the window, from `start`, may hold a formula without its result: whether it holds
    a line break or one of RESULT_LACKING_HINTS."""
    return any(window.find(text, start) >= 0 for text in (*LINE_BREAKS, *RESULT_LACKING_HINTS))


def _layout_add(layout: SheetLayout, window: bytes, position: int) -> bool:
    """Add to the layout what the start tag holding the marker at `position` says: a hidden row
    or columns, a merged range. Return False when a hidden row does not say its number (r is
    optional), which only counting the rows tells."""
    start = window.rfind(b"<", 0, position)
    tag = LAYOUT_TAG.match(window, start) if start >= 0 else None
    if tag is None or tag.end() <= position:
        return True  # the marker's text in another element or attribute
    attributes = tag["attributes"]
    if tag["name"] == b"mergeCell":
        reference = RANGE_REFERENCE.search(attributes)
        if reference:
            layout.merged.add(_range(reference[1], reference[2] or reference[1]))
    elif window[position - 1] not in ATTRIBUTE_SPACE:
        return True  # another attribute whose name ends in "hidden"
    elif tag["name"] == b"row":
        number = ROW_NUMBER.search(attributes)
        if number is None:
            return False
        layout.hidden_rows.add(int(number[1]) - 1)
    else:
        first, last = (span.search(attributes) for span in COLUMN_SPAN)
        if first:
            _hidden_columns_add(layout, int(first[1]), int(last[1]) if last else None)
    return True


def _hidden_columns_add(layout: SheetLayout, first: int, last: int | None) -> None:
    """Add the hidden columns `first` to `last` (counted from 1, `last` None: `first` alone),
    at most up to a sheet's last column: a file may say max="99999999999"."""
    layout.hidden_columns.update(range(first - 1, min(last or first, SHEET_COLUMNS)))


def _range(first: bytes, last: bytes) -> tuple[int, int, int, int]:
    """(first row, first column, last row, last column) of a range such as F10:F11, from 0."""
    (top, left), (bottom, right) = (coordinate_to_tuple(cell.decode()) for cell in (first, last))
    return top - 1, left - 1, bottom - 1, right - 1


@lru_cache(maxsize=4096)
def _column_index(letters: bytes) -> int:
    return column_index_from_string(letters.decode())


def _cells_counted(
    archive: zipfile.ZipFile, part: str, *, errors: bool, styles: frozenset[int], layout: bool
) -> tuple[_Found, SheetLayout]:
    """Return what _cells_find does, parsing the sheet's XML whole to count the rows and cells
    that do not say where they are."""
    cells: _Found = {}
    found_layout = SheetLayout()
    row = column = -1
    sheet_data = None
    with archive.open(part) as stream:
        for event, element in ElementTree.iterparse(stream, events=("start", "end")):
            name = _local_name(element.tag)
            if event == "start":
                if name == "sheetData":
                    sheet_data = element
                elif name == "row":
                    row, column = (whole_number(element.get("r")) or row + 2) - 1, -1
                    if layout and element.get("hidden") in ("1", "true"):
                        found_layout.hidden_rows.add(row)
                elif layout and name == "col" and element.get("hidden") in ("1", "true"):
                    first = whole_number(element.get("min"))
                    if first is not None:
                        _hidden_columns_add(found_layout, first, whole_number(element.get("max")))
                elif layout and name == "mergeCell" and element.get("ref"):
                    first, _colon, last = element.get("ref").partition(":")
                    found_layout.merged.add(_range(first.encode(), (last or first).encode()))
                elif name == "c":
                    reference = element.get("r")
                    if reference:
                        row, column = (index - 1 for index in coordinate_to_tuple(reference))
                    else:
                        column += 1
            elif name == "c":
                kind = element.get("t", "n")
                values = [child.text for child in element if _local_name(child.tag) == "v"]
                value = (values[0] or "").strip() if values else ""
                formula = any(_local_name(child.tag) == "f" for child in element)
                if kind == "e" and errors and value:
                    cells[row, column] = (kind, value)
                elif errors and formula and not value and kind != "str":
                    cells[row, column] = ("e", FORMULA_UNCOMPUTED)
                elif kind == "n" and values and (whole_number(element.get("s")) or 0) in styles:
                    cells[row, column] = (kind, "")
                element.clear()
            elif name == "row" and sheet_data is not None:
                # Dropped as read: a sheet of a million rows is not kept in memory.
                sheet_data.remove(element)
    return cells, found_layout


def _local_name(tag: str) -> str:
    return tag.rpartition("}")[2]
