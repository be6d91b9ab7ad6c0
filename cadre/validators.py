"""Checks and normalisations every app's models share."""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# A letter or a digit of any script (a district may code its units 城关), then letters, digits,
# dots, underscores and hyphens. A code goes into URLs (/dashboard/unit/<code>/), so it holds
# no "/" and no space, and into Excel cells, so it never starts as a formula (= + - @).
CODE_PATTERN = re.compile(r"[^\W_][\w.-]*")
CODE_MESSAGE = _(
    "代码只能由字母、数字和 . _ - 组成，须以字母或数字开头（不能含空格或 /），实为“%(value)s”"
)


def text_fold(text: str) -> str:
    """Return the text as the district's files are read: full-width forms folded to their
    plain ones (NFKC: ＺＪ０１ is ZJ01, １２ is 12) and format characters dropped (Unicode
    category Cf: zero-width spaces and joiners, a byte-order mark), which come with text
    pasted from web pages and Word and which nobody sees."""
    text = unicodedata.normalize("NFKC", text)
    if text.isascii():
        return text
    return "".join(char for char in text if unicodedata.category(char) != "Cf")


def code_normalise(value):
    """Return a code as it is stored: folded (text_fold) and stripped, so that a code typed
    with a Chinese input method in full-width mode is the code a spreadsheet names."""
    return text_fold(value).strip() if isinstance(value, str) else value


def validate_code(value: str) -> None:
    """Raise ValidationError unless the value is a code as CODE_PATTERN says."""
    if not isinstance(value, str) or not CODE_PATTERN.fullmatch(value):
        raise ValidationError(CODE_MESSAGE, code="invalid_code", params={"value": value})


def code_problem(value: str) -> str | None:
    """Return what is wrong with the code in a clerk's words, None for a good one: for the
    imports that report problems by sheet, row and column instead of raising."""
    try:
        validate_code(value)
    except ValidationError as error:
        return error.messages[0]
    return None
