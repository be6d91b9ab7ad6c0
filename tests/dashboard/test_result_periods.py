"""The periods with stored results, read on every dashboard page."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from scoring.dashboard.selectors import result_periods


def test_the_periods_are_read_without_joining_or_sorting_the_results(stored_year):
    with CaptureQueriesContext(connection) as queries:
        periods = result_periods(cycle=stored_year)
    assert periods and periods == sorted(set(periods), key=periods.index)
    (query,) = queries.captured_queries
    # UnitResult's default ordering would join the cycle, category and unit into the DISTINCT
    # and sort every result row of the cycle.
    assert "JOIN" not in query["sql"] and "ORDER BY" not in query["sql"]
