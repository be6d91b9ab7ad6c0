"""XLSX as the admin's imports read it: a formula saved without its result is no blank cell."""

from io import BytesIO

from import_export.formats.base_formats import XLSX
from openpyxl import load_workbook


class ResultlessFormulaXLSX(XLSX):
    """XLSX whose cells holding a formula saved without its result (by a program that does not
    compute formulas, not Excel or WPS) are read as FORMULA_UNCOMPUTED: openpyxl reads them as
    blanks, and the import would tell the clerk a cell showing a name in Excel is empty."""

    def create_dataset(self, in_stream):
        # Imported here: settings load this module, before the apps are ready.
        from cadre.cells import FORMULA_UNCOMPUTED
        from scoring.services.excel_errors import excel_errors_read

        dataset = super().create_dataset(in_stream)
        # The sheet the library read: the active one.
        sheet = load_workbook(BytesIO(in_stream), read_only=True).active.title
        uncomputed = [
            position
            for position, error in excel_errors_read(in_stream, sheets=[sheet])
            .get(sheet, {})
            .items()
            if error == FORMULA_UNCOMPUTED
        ]
        if not uncomputed:
            return dataset
        rows = [list(row) for row in dataset]
        for row, column in uncomputed:
            # Row 0 is the header; the first data row is the dataset's row 0.
            if 1 <= row <= len(rows) and column < len(rows[row - 1]):
                rows[row - 1][column] = FORMULA_UNCOMPUTED
        headers = dataset.headers
        dataset.wipe()
        dataset.headers = headers
        dataset.extend(rows)
        return dataset
