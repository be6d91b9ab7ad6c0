"""Reading spreadsheet cells the way clerks write them.

Excel files are messy: numbers stored as text, full-width digits (１２３), stray spaces, trailing
blank rows, Chinese or English headers. These helpers normalise what can be normalised and say
exactly where what cannot be is: sheet, row and column, all problems at once.

The readers of one cell's text and numbers are cadre.cells', shared with the form fields
(cadre.form_fields); imported here with the readers of whole sheets.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, lru_cache

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from cadre.cells import (
    CellError,
    ExcelError,
    cell_echo,
    cell_message,
    cell_text,
    decimal_plain,
    excel_error_message,
)
from cadre.cells import cell_count as cell_count
from cadre.cells import cell_decimal as cell_decimal
from scoring.models import Period

TRUE_WORDS = {"yes", "y", "true", "t", "1", "是", "对", "√"}
FALSE_WORDS = {"no", "n", "false", "f", "0", "否", "", "×"}
# How people name the periods besides their codes (Q1…Y) and labels (第一季度…全年): the
# quarters as 一季度, 第1季度, 3季 (see _period_words), the year as below.
YEAR_WORDS = ("全年", "年度", "year")
QUARTER_NUMERALS = {"1": "一", "2": "二", "3": "三", "4": "四"}
# A period that names its year: 2026-Q1, 2026Q1, 2026 Q1, 2026年一季度, 2026年度 (the 年 of
# 年度 belongs to the period word).
YEAR_AND_PERIOD = re.compile(r"(\d{4})[-/_.]?(?:年(?!度))?(.+)")


@dataclass(frozen=True)
class CellProblem:
    """One thing wrong in an uploaded file, placed where a clerk finds it in Excel."""

    sheet: str
    row: int | None
    column: str | None
    message: str

    def __str__(self):
        place = [_("工作表 %(sheet)s") % {"sheet": self.sheet}]
        if self.row is not None:
            place.append(_("第 %(row)s 行") % {"row": self.row})
        if self.column:
            place.append(_("%(column)s 列") % {"column": self.column})
        return f"{' '.join(place)}：{self.message}"


def header_key(raw) -> str:
    """Return a header cell as headers are matched: clean text in lower case, spaces and hyphens
    as underscores, so that "Unit Code", "unit-code" and unit_code are one header."""
    return cell_text(raw).lower().replace(" ", "_").replace("-", "_")


def cell_prose(raw) -> str:
    """Return free text (a name, a reason) as written, stripped of outer spaces.

    Unlike cell_text it keeps full-width punctuation (，（）), which belongs to Chinese writing.
    """
    if isinstance(raw, str):
        return raw.strip()
    return cell_text(raw)


def decimal_fit_problem(*, value: Decimal, model_field) -> str | None:
    """Return why the Decimal does not fit the model's DecimalField, or None when it does.

    Trailing zeros are no digits: 80.00000 fits four decimal places.
    """
    places = model_field.decimal_places
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -places:
        return _("最多保留 %(places)s 位小数，实为 %(value)s") % {
            "places": places,
            "value": decimal_plain(value),
        }
    if abs(value) > _largest_magnitude(model_field):
        return _("数值过大：%(value)s") % {"value": decimal_plain(value)}
    return None


@cache
def _largest_magnitude(model_field) -> Decimal:
    """The largest magnitude the field takes: what its digits hold, less where a range
    validator bounds it (a figure the scoring service can read)."""
    places = model_field.decimal_places
    largest = Decimal(10) ** (model_field.max_digits - places) - Decimal(1).scaleb(-places)
    for validator in model_field.validators:
        bounds_magnitude = (
            isinstance(validator, MaxValueValidator) and validator.limit_value > 0
        ) or (isinstance(validator, MinValueValidator) and validator.limit_value < 0)
        if bounds_magnitude:
            largest = min(largest, abs(validator.limit_value))
    return largest


def cell_period(raw, *, year: int | None = None) -> str:
    """Return the period code (Q1…Q4, Y) the cell names; raise CellError when it names none
    (blank too) or names a year other than `year`.

    Accepts the codes in any case (q1, Y), the labels in the current language (第一季度, 全年),
    the words clerks write (一季度, 第1季度, 1季度, 年度, year), each also after its year
    (2026-Q1, 2026Q1, 2026 Q1, 2026年一季度, 2026年度).
    """
    named = period_parse(raw)
    if named is None:
        message = _("期间应为 Q1、Q2、Q3、Q4 或 Y，实为“%(text)s”") % {
            "text": cell_echo(cell_text(raw))
        }
        raise CellError(cell_message(raw, message))
    named_year, period = named
    if year is not None and named_year not in (None, year):
        raise CellError(
            _("“%(text)s”是 %(named)s 年的期间，这里导入的是 %(year)s 年的考核")
            % {"text": cell_echo(cell_text(raw)), "named": named_year, "year": year}
        )
    return period


def period_parse(raw) -> tuple[int | None, str] | None:
    """Return the year the cell or sheet name says (None when it says none) and the period code
    it names, or None when it names no period; see cell_period for what is read."""
    text = cell_text(raw).lower().replace(" ", "")
    words = _period_words(get_language())
    if text in words:
        return None, words[text]
    match = YEAR_AND_PERIOD.fullmatch(text)
    if match and match[2] in words:
        return int(match[1]), words[match[2]]
    return None


@lru_cache(maxsize=8)
def _period_words(language: str | None) -> dict[str, str]:
    # Per language: the labels are translated, and reading them on every row costs.
    words = {period.lower(): str(period) for period in Period.values}
    for digit, numeral in QUARTER_NUMERALS.items():
        for number in (digit, numeral):
            for spelled in (f"{number}季度", f"第{number}季度", f"{number}季", f"第{number}季"):
                words[spelled] = f"Q{digit}"
    words |= {word: str(Period.YEAR) for word in YEAR_WORDS}
    words |= {str(label).lower().replace(" ", ""): str(period) for period, label in Period.choices}
    return words


def cell_bool(raw) -> bool:
    """Return the cell as a yes/no: yes/no, true/false, 1/0 or 是/否; blank is no."""
    word = cell_text(raw).lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    message = _("应为 是/否（yes/no、1/0），实为“%(text)s”") % {"text": cell_echo(cell_text(raw))}
    raise CellError(cell_message(raw, message))


def choice_values_by_name(choices: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Return each choice's value by the names a clerk may write for it, in lower case: the
    value itself and the label in every language of the site (direct, 直接赋分, Direct points),
    so that a file filled in Chinese imports in an English session too."""
    names = {}
    for value, label in choices:
        names[value.lower()] = value
        for language, _name in settings.LANGUAGES:
            with override(language):
                names.setdefault(cell_text(str(label)).lower(), value)
    return names


def cell_list(raw) -> list[str]:
    """Return the comma-separated items of a cell (full-width and Chinese commas too)."""
    text = cell_text(raw).replace("，", ",").replace("、", ",")
    return [item.strip() for item in text.split(",") if item.strip()]


@dataclass(frozen=True)
class Column:
    """A column a sheet may hold, known by its key and the headers people write for it, the
    most specific first (单位代码 before 单位): a header row naming several takes the first."""

    key: str
    headers: tuple[str, ...]
    required: bool = True


@dataclass
class SheetRow:
    """A non-blank data row: its 1-based row number in Excel and its cells by column key."""

    number: int
    cells: dict
    letters: dict

    def place(self, sheet: str, key: str, message: str) -> CellProblem:
        return CellProblem(sheet, self.number, self.letters.get(key), message)


def sheet_columns_find(
    *, sheet: str, header: Sequence, columns: Sequence[Column], header_row: int = 1
) -> tuple[dict[str, int], dict[str, str], list[CellProblem]]:
    """Match a header row against the columns (English or Chinese, any order, extra columns
    ignored); return each found column's position and letter, and a problem per missing one.

    A column's names are tried in order, its key first: where a row has both 单位 (which may
    hold the units' names) and 单位代码, the codes are read.
    """
    named_at: dict[str, int] = {}
    for index, cell in enumerate(header):
        named_at.setdefault(header_key(cell), index)
    positions, letters, problems = {}, {}, []
    for column in columns:
        names = (header_key(name) for name in (column.key, *column.headers))
        found = next((named_at[name] for name in names if name in named_at), None)
        if found is not None:
            positions[column.key] = found
            letters[column.key] = get_column_letter(found + 1)
        elif column.required:
            problems.append(
                CellProblem(
                    sheet,
                    header_row,
                    None,
                    _("缺少列“%(column)s”") % {"column": " / ".join((column.key, *column.headers))},
                )
            )
    return positions, letters, problems


def sheet_rows_read(
    *, sheet: str, rows: Iterable[Sequence], columns: Sequence[Column], header_row: int = 1
) -> tuple[list[SheetRow], list[CellProblem]]:
    """Match the header row against the columns (see sheet_columns_find) and return the data
    rows below it, skipping blank ones, with the problems found."""
    rows = iter(rows)
    header = []
    for _skipped in range(header_row):
        header = next(rows, [])
    positions, letters, problems = sheet_columns_find(
        sheet=sheet, header=header, columns=columns, header_row=header_row
    )
    data = []
    for number, row in enumerate(rows, start=header_row + 1):
        cells = {
            key: (row[index] if index < len(row) else None) for key, index in positions.items()
        }
        if all(cell_text(value) == "" for value in cells.values()):
            continue
        data.append(SheetRow(number=number, cells=cells, letters=letters))
    return data, problems


def sheet_rows_error_problems(*, sheet: str, rows: Iterable[SheetRow]) -> list[CellProblem]:
    """Return a problem for each read cell that holds an Excel error (see ExcelError)."""
    return [
        row.place(sheet, key, excel_error_message(value))
        for row in rows
        for key, value in row.cells.items()
        if isinstance(value, ExcelError)
    ]


# The full-width signs are what a Chinese input method types: Excel of a Chinese or Japanese
# locale takes ＝1+1 for a formula as it takes =1+1, once the cell is edited or a CSV is read.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def cell_safe(value):
    """Return the value ready for an exported cell: text that Excel would run as a formula
    (starting with =, +, -, @ or their full-width ＝, ＋, －, ＠) gets a leading apostrophe, so a
    unit name never runs.

    Text already starting with apostrophes before such a character gets one more, so that
    cell_unescape gives back exactly what was exported; a number written as text (-3.00)
    runs nothing and stays a number in Excel."""
    if isinstance(value, str) and _runs_as_formula(value.lstrip("'")):
        return "'" + value
    return value


def cell_unescape(value):
    """Return an imported cell without the apostrophe that cell_safe added, and only that one:
    a name exported and imported again is the name it was."""
    if isinstance(value, str) and value.startswith("'"):
        if _runs_as_formula(value[1:].lstrip("'")):
            return value[1:]
    return value


def _runs_as_formula(text: str) -> bool:
    # Blanks before the = do not stop every spreadsheet (" =7+8"); a leading tab or carriage
    # return is itself a start CSV injection uses.
    starts = text.startswith(FORMULA_STARTS) or text.lstrip().startswith(FORMULA_STARTS)
    return starts and not PLAIN_NUMBER.fullmatch(text.strip())
