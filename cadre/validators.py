"""Checks and normalisations every app's models share."""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import DecimalValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

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


class DecimalDigitsValidator(DecimalValidator):
    """Django's check of a decimal's digits, its messages in the project's words with the
    number typed (Django's Chinese ends "确认小数不超过 2 位." with an ASCII full stop)."""

    messages = {
        **DecimalValidator.messages,
        "max_digits": ngettext_lazy(
            "最多 %(max)s 位数字，实为 %(value)s。", "最多 %(max)s 位数字，实为 %(value)s。", "max"
        ),
        "max_decimal_places": ngettext_lazy(
            "最多保留 %(max)s 位小数，实为 %(value)s。",
            "最多保留 %(max)s 位小数，实为 %(value)s。",
            "max",
        ),
        "max_whole_digits": ngettext_lazy(
            "小数点前最多 %(max)s 位数字，实为 %(value)s。",
            "小数点前最多 %(max)s 位数字，实为 %(value)s。",
            "max",
        ),
    }


def decimal_digits_worded(validators: list) -> list:
    """Return the validators with Django's DecimalValidator in the project's words."""
    return [
        DecimalDigitsValidator(validator.max_digits, validator.decimal_places)
        if type(validator) is DecimalValidator
        else validator
        for validator in validators
    ]
