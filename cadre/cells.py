"""Reading what a clerk typed, in a spreadsheet's cell or a form's field, the way clerks type
it: full-width digits (１２３) and punctuation, stray spaces, numbers stored as text. What cannot
be read is refused with a message saying what is wrong with it.

Here rather than in scoring: the model fields every app shares (cadre.fields) read typed
numbers with these; scoring.services.cells reads whole sheets with them.
"""

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from django.utils.translation import gettext as _

from cadre.validators import text_fold

# Text echoed in a message is cut to this many characters: a cell may hold a whole essay.
ECHO_LENGTH = 50
# Two digits with a space between them, in a cell's clean text (cell_text makes every run of
# white space, full-width and non-breaking ones too, one plain space).
DIGITS_SPLIT = re.compile(r"[0-9] [0-9]")
# A number whose commas separate thousands: 1,234, 1, 234 and -12,345.5, never 1,5 (a decimal
# comma, or a typo) nor 12,34.
THOUSANDS_GROUPED = re.compile(r"[+-]?[0-9]{1,3}(, ?[0-9]{3})+([.。][0-9]*)?")


class CellError(ValueError):
    """A cell whose content cannot be read as what its column holds."""


class ExcelError(str):
    """An Excel error value (#DIV/0!, #N/A, #VALUE!…): a cell whose formula failed.

    calamine reads such a cell as blank; scoring.services.excel_errors puts it back into the rows
    as this type, so that the cell is refused instead of skipped. As text it is the error's name.
    """


# The ExcelError of a formula saved without its result (by a program, not Excel or WPS): Excel
# computes it on opening, calamine reads a blank. No error of Excel's has this name.
FORMULA_UNCOMPUTED = "#公式未计算"


def excel_error_message(error: str) -> str:
    """Return what a clerk is told about a cell holding an Excel error value."""
    if error == FORMULA_UNCOMPUTED:
        return _(
            "单元格的公式没有保存计算结果（文件不是 Excel 或 WPS 保存的）：请在 Excel 或 WPS 中"
            "打开文件、保存后再上传，或把公式换成数值"
        )
    return _("单元格是 Excel 错误值 %(error)s（公式没有算出结果）") % {"error": error}


def cell_message(raw, message: str) -> str:
    """Return the message about the cell, or, when it holds an Excel error, that its formula
    failed: that is what is wrong with it, not the error's name read as a code or a number."""
    return excel_error_message(raw) if isinstance(raw, ExcelError) else message


def cell_echo(text: str) -> str:
    """Return the text as a message quotes it: cut to ECHO_LENGTH characters with an ellipsis,
    so that a long text typed into a cell does not become a problem as long."""
    return text if len(text) <= ECHO_LENGTH else text[:ECHO_LENGTH] + "…"


def cell_text(raw) -> str:
    """Return the cell as clean text: full-width forms folded, outer and inner runs of spaces
    collapsed, whole floats without their `.0` (codes typed as numbers)."""
    if raw is None:
        return ""
    if isinstance(raw, str):
        return _text_clean(raw)
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, datetime | date):
        return raw.isoformat()
    return _text_clean(str(raw))


@lru_cache(maxsize=65536)
def _text_clean(text: str) -> str:
    # Cached: a sheet repeats the same codes on every row, and NFKC dominates reading time.
    # Folded as codes are stored (cadre.validators.code_normalise): ＺＪ０１ in a sheet names
    # the unit saved as ＺＪ０１ in a form.
    return " ".join(text_fold(text).split())


def cell_decimal(raw) -> Decimal | None:
    """Return the cell as a Decimal, None when blank; raise CellError for text that is no number.

    Accepts numbers stored as text, full-width digits, thousands separators and the ideographic
    full stop as a decimal point (7。5). Refuses digits split by a space (1 0) and a trailing
    percent sign (85%), each with what to type instead. A float read from Excel is taken to
    Excel's 15 significant digits, so 0.1 stays 0.1.

    The entry grid's script (static/js/entry.js) checks typed cells with the same rules and
    messages: change both together.
    """
    if isinstance(raw, bool):
        # Spelled as Excel shows it.
        raise CellError(_("应为数字，实为“%(text)s”") % {"text": str(raw).upper()})
    if isinstance(raw, float):
        # Excel keeps 15 significant digits: a computed 4.970000000000001 is the 4.97 shown,
        # and readers such as calamine give every number, 25 too, as a float.
        return Decimal(format(raw, ".15g"))
    if isinstance(raw, int):
        return Decimal(raw)
    text = cell_text(raw)
    if not text:
        return None
    if text.endswith("%"):
        # A clerk copying from a report types 85% where the figure is 85: reading it as 0.85
        # or 85 would be a guess either way.
        # %% as the grid's template writes it (Django escapes % in a template's msgid), so
        # that the script and this share one msgid.
        raise CellError(cell_message(raw, _("不要带 %%：如 85%% 请填 85") % {}))
    if DIGITS_SPLIT.search(text):
        # "1 0" is a typo (a digit lost or one too many), not ten.
        raise CellError(cell_message(raw, _("数字中间不能有空格")))
    if "," in text and not THOUSANDS_GROUPED.fullmatch(text):
        # 1,5 is one and a half where a decimal comma is usual, and fifteen read as a thousands
        # separator: either reading would be a guess.
        raise CellError(
            cell_message(raw, _("逗号只能用来分隔千位，如 1,234；小数请用小数点，如 1.5"))
        )
    # NFKC folds the full-width ． but not the ideographic 。 that a Chinese input method types.
    text = text.replace("。", ".").replace(",", "").replace(" ", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        message = _("应为数字，实为“%(text)s”") % {"text": cell_echo(cell_text(raw))}
        raise CellError(cell_message(raw, message))
    return number


def cell_count(raw) -> int | None:
    """Return the cell as a count (votes, people), None when blank; raise CellError for
    anything that is not a whole number from 0 up: 12.5, -1, and 1,5 (as cell_decimal).

    Read as cell_decimal reads numbers otherwise: full-width digits, stray spaces, 1,234.
    """
    number = cell_decimal(raw)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise CellError(_("应为整数，实为 %(value)s") % {"value": decimal_plain(number)})
    if number < 0:
        raise CellError(_("不能小于 %(min)s，实为 %(value)s") % {"min": 0, "value": number})
    return int(number)


def decimal_plain(value: Decimal) -> str:
    """Return the Decimal as plain digits without trailing zeros: 80.5000 → 80.5, 10, never
    1E+1."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
