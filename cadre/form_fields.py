"""Form fields every app's forms share: numbers a clerk types, read as text."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cadre.cells import CellError, cell_count, cell_decimal
from cadre.validators import decimal_digits_worded

# The years a clerk may type: a district's records start this century, and a year past 2100
# is a typo (the column would hold up to 32767).
YEAR_FIRST = 2000
YEAR_LAST = 2100


class CellTextMixin:
    """A form field reading what was typed as the grid reads its cells (`cell_read`), its
    message saying what is wrong with the text."""

    cell_read = None

    def to_python(self, value):
        try:
            return self.cell_read(value)
        except CellError as error:
            raise ValidationError(str(error), code="invalid") from None


class CountTextField(CellTextMixin, forms.IntegerField):
    """A count read as the grid reads its cells (cell_count: full-width digits, stray spaces,
    1,234), then checked as an IntegerField.

    Text, not a number input: Chromium's number input takes "1,234" for nothing without a
    word, and refuses full-width digits (１２) that a Chinese input method types; the server
    reads what was typed and says what is wrong with it."""

    widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})
    cell_read = staticmethod(cell_count)


class YearTextField(CountTextField):
    """A calendar year read as a count (２０２７ is 2027; 二〇二七 is refused in words), from
    YEAR_FIRST to YEAR_LAST unless told otherwise."""

    default_error_messages = {
        "min_value": _("应不早于 %(limit_value)s 年"),
        "max_value": _("应不晚于 %(limit_value)s 年"),
    }

    def __init__(self, *, min_value=YEAR_FIRST, max_value=YEAR_LAST, **kwargs):
        super().__init__(min_value=min_value, max_value=max_value, **kwargs)


class DecimalTextField(CellTextMixin, forms.DecimalField):
    """A decimal read as the grid reads its cells (cell_decimal: full-width digits ０．３, the
    ideographic 。 as a decimal point, stray spaces, 1,234), then checked as a DecimalField.

    Text, not a number input, for the reason CountTextField gives: Chromium's number input
    drops the full-width digits a Chinese input method types before the form is sent. Every
    decimal of the models is given this field (cadre.fields.DecimalField)."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
    cell_read = staticmethod(cell_decimal)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators = decimal_digits_worded(self.validators)
