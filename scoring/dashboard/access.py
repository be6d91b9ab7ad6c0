"""Who may read the dashboards.

Admins and leaders see every unit of every cycle; a liaison sees only their own unit(s), and
of a cycle only the periods published: a quarter once it is published on its own or with the
cycle, the year once the cycle is; scorers and everyone else see no dashboard.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpResponseNotAllowed

from cadre import roles
from scoring.models import QUARTER_STATE_FIELDS, Cycle, Period, QuarterState

READ_METHODS = ["GET", "HEAD"]


@dataclass(frozen=True)
class Audience:
    """What one user may see: everything, or their own units in the published periods."""

    sees_all: bool
    own_unit_ids: frozenset[int]

    def may_see_unit(self, *, unit_id: int, cycle: Cycle, period: str | None = None) -> bool:
        """Whether the audience may read the unit's results of the cycle in the period (None:
        in any of the cycle's periods)."""
        if self.sees_all:
            return True
        published = self.readable_periods(cycle=cycle)
        return unit_id in self.own_unit_ids and (period in published if period else bool(published))

    def readable_cycles(self, cycles: QuerySet) -> QuerySet:
        """Return the cycles whose results this audience may read: all, or those with a
        published period (the whole cycle, or one of its quarters)."""
        if self.sees_all:
            return cycles
        published = Q(state=Cycle.State.PUBLISHED)
        for field in QUARTER_STATE_FIELDS.values():
            published |= Q(**{field: QuarterState.PUBLISHED})
        return cycles.filter(published)

    def readable_periods(
        self, *, cycle: Cycle, periods: Iterable[str] = Period.values
    ) -> list[str]:
        """Return those of `periods` whose results this audience may read in the cycle: all,
        or the published ones."""
        if self.sees_all:
            return list(periods)
        published = cycle.published_periods
        return [period for period in periods if period in published]


def audience_for(user) -> Audience:
    """Return the audience of a logged-in user, in at most two queries."""
    names = roles.user_role_names(user)
    if names & {roles.ADMIN, roles.LEADER}:
        return Audience(sees_all=True, own_unit_ids=frozenset())
    if roles.LIAISON in names:
        return Audience(sees_all=False, own_unit_ids=roles.user_liaison_unit_ids(user))
    return Audience(sees_all=False, own_unit_ids=frozenset())


def dashboard_view(*, liaisons: bool = False):
    """Guard a view: login first; then leaders and admins, and liaisons where `liaisons` is set.

    Other methods than GET and HEAD get 405 once the user may see the page.
    The view receives the audience as `request.audience`; views open to liaisons must still
    check each unit with `Audience.may_see_unit`.
    """

    def decorate(view):
        @login_required
        @wraps(view)
        def guarded(request, *args, **kwargs):
            audience = audience_for(request.user)
            if not (audience.sees_all or (liaisons and audience.own_unit_ids)):
                raise PermissionDenied
            # Dashboards only read; what-if runs from a GET and never writes.
            if request.method not in READ_METHODS:
                return HttpResponseNotAllowed(READ_METHODS)
            request.audience = audience
            return view(request, *args, **kwargs)

        return guarded

    return decorate
