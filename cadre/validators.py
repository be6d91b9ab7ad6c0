"""Checks every app's models share."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# A letter or a digit of any script (a district may code its units 城关), then letters, digits,
# dots, underscores and hyphens. A code goes into URLs (/dashboard/unit/<code>/), so it holds
# no "/" and no space, and into Excel cells, so it never starts as a formula (= + - @).
CODE_PATTERN = re.compile(r"[^\W_][\w.-]*")
CODE_MESSAGE = _(
    "代码只能由字母、数字和 . _ - 组成，须以字母或数字开头（不能含空格或 /），实为“%(value)s”"
)


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
