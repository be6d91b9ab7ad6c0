"""The few SQL spellings that differ between PostgreSQL and SQLite, in one place.

The scoring queries are written once; these helpers fill in the functions whose names or types
differ. SQLite keeps decimals as floats (or integers, which divide as integers), so every figure
is cast to REAL there; PostgreSQL computes in exact numerics.
"""

from dataclasses import dataclass

from django.db import connection


@dataclass(frozen=True)
class Dialect:
    vendor: str

    @property
    def is_postgres(self) -> bool:
        return self.vendor == "postgresql"

    def num(self, expression: str) -> str:
        """A number fit for arithmetic: exact numeric, or REAL so that 92 / 100 is not 0."""
        if self.is_postgres:
            # Columns are numeric already; parameters arrive as numeric literals.
            return expression
        return f"CAST({expression} AS REAL)"

    def least(self, left: str, right: str) -> str:
        return f"{'LEAST' if self.is_postgres else 'MIN'}({left}, {right})"

    def greatest(self, left: str, right: str) -> str:
        return f"{'GREATEST' if self.is_postgres else 'MAX'}({left}, {right})"

    def greatest_of(self, expressions: list[str]) -> str:
        return f"{'GREATEST' if self.is_postgres else 'MAX'}({', '.join(expressions)})"

    def join_text(self, expression: str) -> str:
        """Concatenate the non-null texts of a group with commas, in no particular order."""
        if self.is_postgres:
            return f"string_agg({expression}, ',')"
        return f"group_concat({expression}, ',')"

    def json_quote(self, expression: str) -> str:
        if self.is_postgres:
            return f"to_json(CAST({expression} AS text))::text"
        return f"json_quote({expression})"

    def four_places(self, expression: str) -> str:
        """A figure as text with four decimals, e.g. 23.0000."""
        if self.is_postgres:
            return f"CAST(ROUND({expression}, 4) AS text)"
        # printf() turns NULL into 0.0000; NULL must stay NULL so that it is left out.
        return f"CASE WHEN {expression} IS NOT NULL THEN printf('%%.4f', {expression}) END"

    def json_value(self, text: str) -> str:
        return f"CAST({text} AS jsonb)" if self.is_postgres else text

    def json_rows(self, parameter: str, columns: dict[str, str]) -> str:
        """A table of rows passed as one JSON array of objects; columns map name → SQL type."""
        if self.is_postgres:
            typed = ", ".join(f"{name} {kind}" for name, kind in columns.items())
            return f"json_to_recordset(CAST(%({parameter})s AS json)) AS rows_in({typed})"
        picked = ", ".join(f"json_extract(value, '$.{name}') AS {name}" for name in columns)
        return f"(SELECT {picked} FROM json_each(%({parameter})s)) AS rows_in"


def dialect() -> Dialect:
    return Dialect(vendor=connection.vendor)
