"""Path converters for the codes in the app's addresses."""


class CodeConverter:
    """A unit's or an official's code in a path: any text but a slash and NUL. No code holds a
    NUL, and PostgreSQL refuses one in a query, so such an address is simply not found."""

    regex = "[^/\x00]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
