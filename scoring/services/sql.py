"""Writing many rows at once, the fast way each database offers."""

import io
from collections.abc import Iterable
from contextlib import nullcontext
from datetime import datetime
from decimal import Decimal
from itertools import repeat

import numpy as np
from django.db import connection
from django.db.models import CharField, DateTimeField, IntegerField, QuerySet, Value
from django.utils import timezone

# A binary COPY's signature, flags and header extension length; its trailer.
COPY_HEADER, COPY_TRAILER = 19, 2
# Values whose text needs no escaping in COPY's text format.
PLAIN_TYPES = frozenset({int, bool, Decimal, datetime})
# COPY's text format: these characters of a text field are written as escapes.
COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value) -> str:
    if isinstance(value, str):
        return value.translate(COPY_ESCAPES)
    if value is None:
        return "\\N"
    if isinstance(value, bytes):
        return "\\\\x" + value.hex()
    return str(value)


def table_name(model) -> str:
    """The model's table, quoted for raw SQL."""
    return connection.ops.quote_name(model._meta.db_table)


def _column_text(column: tuple) -> Iterable[str]:
    """A column's values as COPY text, column by column: a column of one repeated value (the
    cycle, the time) is converted once, and one of numbers, Decimals or dates needs no
    escaping, so str() runs over it in C instead of a Python call per field."""
    if column.count(column[0]) == len(column):
        return repeat(_copy_text(column[0]), len(column))
    if PLAIN_TYPES.issuperset(map(type, column)):
        return map(str, column)
    return map(_copy_text, column)


def rows_insert(cursor, model, columns: list[str], rows: list[tuple]) -> None:
    """Insert rows (tuples in the order of `columns`) into the model's table in one go:
    one COPY on PostgreSQL, one executemany elsewhere."""
    if not rows:
        return
    table = table_name(model)
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    if connection.vendor == "postgresql":
        columns_text = [_column_text(column) for column in zip(*rows, strict=True)]
        text = "\n".join(map("\t".join, zip(*columns_text, strict=True))) + "\n"
        # Bytes: a StringIO holds four bytes per character, and a points matrix's hex is large.
        buffer = io.BytesIO(text.encode())
        del text
        _copy(cursor, f"COPY {table} ({names}) FROM STDIN", buffer)
        return
    placeholders = ", ".join(["%s"] * len(columns))
    cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", rows)


def integer_columns(cursor, select: str, count: int) -> list[np.ndarray]:
    """The `count` columns of a query (64-bit integers, never null) as NumPy arrays: on
    PostgreSQL through one binary COPY, several times faster than fetching rows."""
    if connection.vendor != "postgresql":
        cursor.execute(select)
        rows = cursor.fetchall()
        return [np.array(column, dtype=np.int64) for column in zip(*rows, strict=True)] or [
            np.zeros(0, dtype=np.int64) for _ in range(count)
        ]
    buffer = io.BytesIO()
    _copy(cursor, f"COPY ({select}) TO STDOUT (FORMAT binary)", buffer)
    data = buffer.getbuffer()
    # Each row: a field count, then each field's length and value, big-endian.
    row = np.dtype(
        [("fields", ">i2")]
        + [
            field
            for index in range(count)
            for field in ((f"length{index}", ">i4"), (f"value{index}", ">i8"))
        ]
    )
    table = np.frombuffer(data[COPY_HEADER : len(data) - COPY_TRAILER], dtype=row)
    return [table[f"value{index}"].astype(np.int64) for index in range(count)]


def _copy(cursor, statement: str, buffer) -> None:
    """Run a COPY, logged like any query when queries are logged (tests, benchmarks), so that
    query counts include it."""
    logged = getattr(cursor, "debug_sql", None)
    with logged(statement) if logged else nullcontext():
        cursor.cursor.copy_expert(statement, buffer)


def history_copy(*, queryset: QuerySet, history_type: str, reason: str, by) -> int:
    """Write one django-simple-history row per row of the queryset, in one INSERT … SELECT.

    What simple_history's bulk helpers do row by row in Python, the database does at once:
    at a million values that is minutes saved. Returns the number of history rows written.
    """
    history = queryset.model.history.model
    tracked = [column.attname for column in history.tracked_fields]
    select = (
        queryset.order_by()
        .annotate(
            history_date_=Value(timezone.now(), output_field=DateTimeField()),
            history_change_reason_=Value(reason, output_field=CharField()),
            history_type_=Value(history_type, output_field=CharField()),
            history_user_id_=Value(getattr(by, "pk", None), output_field=IntegerField()),
        )
        .values_list(
            *tracked, "history_date_", "history_change_reason_", "history_type_", "history_user_id_"
        )
    )
    sql, params = select.query.sql_with_params()
    quote = connection.ops.quote_name
    columns = [history._meta.get_field(name).column for name in tracked]
    columns += ["history_date", "history_change_reason", "history_type", "history_user_id"]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(history._meta.db_table)} ({', '.join(map(quote, columns))}) {sql}",
            params,
        )
        return cursor.rowcount
