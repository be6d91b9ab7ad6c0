"""Excel error values written into a workbook made by openpyxl, as Excel stores a failed formula.

openpyxl cannot write an error value, so the cell's XML is replaced in the saved file:
`<c r="F5" t="e"><f>G5/0</f><v>#DIV/0!</v></c>`.
"""

import io
import re
import zipfile
from collections.abc import Callable


def error_cells_write(data: bytes, cells: dict[str, str], part="xl/worksheets/sheet1.xml") -> bytes:
    """Return the .xlsx bytes with each cell named in `cells` (which must hold a value) holding
    the Excel error given for it, e.g. {"F5": "#DIV/0!"}."""

    def write(text: str) -> str:
        for reference, error in cells.items():
            error_cell = f'<c r="{reference}" t="e"><f>G5/0</f><v>{error}</v></c>'
            text, count = re.subn(
                rf'<c r="{reference}"[^>]*?(?:/>|>.*?</c>)', error_cell, text, count=1
            )
            assert count == 1, f"{reference} holds no value in {part}"
        return text

    return part_rewrite(data, part, write)


def part_rewrite(data: bytes, part: str, rewrite: Callable[[str], str]) -> bytes:
    """Return the .xlsx bytes with the XML of one part (zip entry) rewritten."""
    written = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(written, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            content = source.read(entry.filename)
            if entry.filename == part:
                content = rewrite(content.decode()).encode()
            target.writestr(entry, content)
    return written.getvalue()
