"""Whole numbers read from text that a user or a file sent: an id in an address or a form, a
year, a count in a cell, an attribute of a workbook's XML."""

# A bigint holds any number of 18 digits: a longer one names no row, and one of thousands of
# digits Python refuses even to read.
DIGITS_MAX = 18


def whole_number(text: str | None) -> int | None:
    """Return the number that `text` writes in ASCII digits (spaces around it allowed), or None
    for no text, a sign, any other character (² and ٣ are digits to Python, not to int()) or
    more than DIGITS_MAX digits."""
    digits = (text or "").strip()
    if digits and len(digits) <= DIGITS_MAX and digits.isascii() and digits.isdigit():
        return int(digits)
    return None


def whole_numbers(texts: list[str]) -> list[int]:
    """Return the numbers of `texts` (a form's ticked ids) that whole_number reads, in order;
    the others name nothing and are left out."""
    return [number for number in map(whole_number, texts) if number is not None]
