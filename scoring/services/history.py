"""Writing the master data's history set-based, for the paths that write it in bulk.

The rows written are django-simple-history's own, as a save would write them (who, when, the
reason, every tracked field and the many-to-many fields' rows at that moment), so the admin's
history pages and `diff_against` read them alike. One INSERT … SELECT per model and per
many-to-many field, however many rows: a copied tree or an imported workbook costs a fixed
number of queries.
"""

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from cadre.models import Official, Unit, UnitCategory
from scoring.models import Cycle, Indicator, RaterGroup, Responsibility
from scoring.services.sql import table_name


def history_record(*, queryset: QuerySet, reason: str, by, history_type: str | None = None) -> int:
    """Write a history row for each row of the queryset, in one statement; return how many.

    With `history_type` ("+", "~" or "-"), one for every row. Without, only for the rows that
    differ from their latest history row: "+" for a row that has none (or whose latest says
    deleted), "~" for a row whose tracked fields or kept many-to-many links changed since; an
    unchanged row gets none.
    The many-to-many fields the history keeps are copied as they are now for every row written.
    """
    model = queryset.model
    history = model.history.model
    # As the database stores a datetime (SQLite: naive UTC text), so that the rows sort and
    # compare with those django-simple-history writes.
    stamp = connection.ops.adapt_datetimefield_value(timezone.now())
    fields = history.tracked_fields
    quote = connection.ops.quote_name
    try:
        scope, scope_params = queryset.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:  # filtered on an empty list of ids
        return 0
    pk = quote(model._meta.pk.column)
    target = [quote(history._meta.get_field(field.name).column) for field in fields]
    target += ["history_date", "history_change_reason", "history_type", "history_user_id"]
    selected = ", ".join(f"m.{quote(field.column)}" for field in fields)
    params = [stamp, reason]
    joined_params = []
    if history_type is not None:
        kind, joined, changed = "%s", "", ""
        params += [history_type]
    else:
        kind = "CASE WHEN h.history_id IS NULL OR h.history_type = '-' THEN '+' ELSE '~' END"
        # Each row's latest history row, found for all of them at once: a subquery per row
        # (MAX … WHERE id = m.id) walked the history index backwards past every row this
        # INSERT had written already, and publishing 20,000 officials' growth records took
        # 25 s in it.
        latest = (
            f"SELECT l.{pk}, MAX(l.history_id) AS history_id FROM {table_name(history)} l "
            f"WHERE l.{pk} IN ({scope}) GROUP BY l.{pk}"
        )
        joined = (
            f"LEFT JOIN ({latest}) latest ON latest.{pk} = m.{pk} "
            f"LEFT JOIN {table_name(history)} h ON h.history_id = latest.history_id"
        )
        joined_params = scope_params
        same = " AND ".join(_same(quote(field.column), field.null) for field in fields)
        # A change to the many-to-many fields alone (what a rater group rates) is a change too.
        relinked = "".join(f" OR {_links_differ(field, history, pk)}" for field in _kept(model))
        changed = f"AND (h.history_id IS NULL OR h.history_type = '-' OR NOT ({same}){relinked})"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table_name(history)} ({', '.join(target)}) "
            f"SELECT {selected}, %s, %s, {kind}, %s FROM {table_name(model)} m {joined} "
            f"WHERE m.{pk} IN ({scope}) {changed}",
            [*params, getattr(by, "pk", None), *joined_params, *scope_params],
        )
        written = cursor.rowcount
        if written:
            for field in _kept(model):
                _links_record(cursor, field, history, stamp, scope, scope_params)
    return written


def _kept(model) -> list:
    """Return the many-to-many fields of the model that its history keeps."""
    history = model.history.model
    return [field for field in model._meta.many_to_many if hasattr(history, field.name)]


def _links_differ(field, history, pk: str) -> str:
    """SQL: the row `m`'s links of the many-to-many field differ from those kept with its
    latest history row `h` (one linked now and not then, or then and not now)."""
    quote = connection.ops.quote_name
    through = table_name(field.remote_field.through)
    kept = table_name(getattr(history, field.name).model)
    own, other = quote(field.m2m_column_name()), quote(field.m2m_reverse_name())
    now = f"SELECT 1 FROM {through} t WHERE t.{own} = m.{pk}"
    then = f"SELECT 1 FROM {kept} k WHERE k.history_id = h.history_id"
    return (
        f"EXISTS ({now} AND NOT EXISTS ({then} AND k.{other} = t.{other})) "
        f"OR EXISTS ({then} AND NOT EXISTS ({now} AND t.{other} = k.{other}))"
    )


def _same(column: str, nullable: bool) -> str:
    """SQL: the row's column equals its latest history row's, NULL equalling NULL."""
    equal = f"m.{column} = h.{column}"
    return f"({equal} OR (m.{column} IS NULL AND h.{column} IS NULL))" if nullable else equal


def _links_record(cursor, field, history, stamp, scope: str, scope_params) -> None:
    """Copy the many-to-many rows of the history rows just written (those of `stamp`)."""
    through = field.remote_field.through
    kept = getattr(history, field.name).model
    quote = connection.ops.quote_name
    own, other = quote(field.m2m_column_name()), quote(field.m2m_reverse_name())
    cursor.execute(
        f"INSERT INTO {table_name(kept)} (history_id, {quote('id')}, {own}, {other}) "
        f"SELECT h.history_id, t.{quote('id')}, t.{own}, t.{other} "
        f"FROM {table_name(through)} t JOIN {table_name(history)} h ON h.id = t.{own} "
        f"WHERE h.history_date = %s AND h.id IN ({scope})",
        [stamp, *scope_params],
    )


def master_data_history_record(*, reason: str, by, cycle: Cycle | None = None) -> None:
    """Record every change a bulk path made to the master data since its history was last
    written: the categories, units and officials, and the cycle's tree, rater groups and
    responsibilities (see `history_record` without a type). Nine statements at most."""
    scopes: list[QuerySet] = [
        UnitCategory.objects.all(),
        Unit.objects.all(),
        Official.objects.all(),
    ]
    if cycle is not None:
        scopes += [
            Indicator.objects.filter(cycle=cycle),
            RaterGroup.objects.filter(cycle=cycle),
            Responsibility.objects.filter(indicator__cycle=cycle),
        ]
    for queryset in scopes:
        history_record(queryset=queryset, reason=reason, by=by)


def cycle_tree_delete(*, cycle: Cycle, reason: str, by) -> None:
    """Delete the cycle's indicator tree, responsibilities and rater groups, each with a
    history row saying so, in a fixed number of statements. The cycle's values and votes
    must be gone already (they protect their indicator)."""
    rows = [
        Responsibility.objects.filter(indicator__cycle=cycle),
        Indicator.objects.filter(cycle=cycle),
        RaterGroup.objects.filter(cycle=cycle),
    ]
    for queryset in rows:
        history_record(queryset=queryset, reason=reason, by=by, history_type="-")
    links = [
        *(
            through.objects.filter(indicator__cycle=cycle)
            for through in (Indicator.categories.through, Indicator.owners.through)
        ),
        *(
            through.objects.filter(ratergroup__cycle=cycle)
            for through in (RaterGroup.categories.through, RaterGroup.indicators.through)
        ),
    ]
    # Deleted row by row, as Django deletes rows that send signals, a province's
    # responsibilities would be read into memory first, and a history row written per row.
    for queryset in [*links, *rows]:
        queryset._raw_delete(queryset.db)
