"""Words every app's pages, messages and spreadsheets share."""

from collections.abc import Iterable

from django.utils.translation import pgettext


def listed(items: Iterable) -> str:
    """Return the items as a list a user reads: "一季度、二季度" in Chinese, "Q1, Q2" in
    English (the 、 a bare join would leave on an English page)."""
    return pgettext("between items of a list", "、").join(str(item) for item in items)
