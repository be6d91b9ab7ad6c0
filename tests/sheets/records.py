"""Reading an import's record as the tests compare it: changes by codes, problems by place."""

from scoring.services.sheets import sheet_import_start


def import_start(district, scorer, upload, period="Q1"):
    return sheet_import_start(cycle=district["cycle"], user=scorer, period=period, upload=upload)


def record_changes(record, district) -> dict:
    """(unit code, indicator code, period) → (old, new) of each previewed change."""
    units = {unit.pk: code for code, unit in district["units"].items()}
    indicators = {indicator.pk: code for code, indicator in district["indicators"].items()}
    return {
        (units[unit], indicators[indicator], period): (old, new)
        for unit, indicator, period, old, new in record.changes
    }


def record_problems(record, *, with_sheet=False) -> list[tuple]:
    """(row, column, message) of each problem, the sheet first when asked."""
    return [
        ((error["sheet"],) if with_sheet else ())
        + (error["row"], error["column"], error["message"])
        for error in record.errors
    ]
