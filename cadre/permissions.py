"""Guards for views: who may open a page, checked on the server for every request.

    @role_required(roles.ADMIN, roles.LEADER)
    def ranking(request): ...

    class RankingView(RoleRequiredMixin, TemplateView):
        roles = (roles.ADMIN, roles.LEADER)

Anonymous users are sent to the login page; a logged-in user without one of the roles gets 403.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from cadre.roles import ADMIN, user_role_names


def role_check(request, roles) -> None:
    """Raise PermissionDenied unless the logged-in user holds one of the roles."""
    if not user_role_names(request.user) & set(roles):
        raise PermissionDenied


def role_required(*roles):
    """Decorate a view so that only users holding one of the roles reach it."""

    def decorate(view):
        @wraps(view)
        def guarded(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            role_check(request, roles)
            return view(request, *args, **kwargs)

        return guarded

    return decorate


class RoleRequiredMixin:
    """Class-based view counterpart of role_required: set `roles` on the view."""

    roles: tuple[str, ...] = ()

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        role_check(request, self.roles)
        return super().dispatch(request, *args, **kwargs)


def admin_site_open_to(user) -> bool:
    """Whether the user may use the admin site: an active staff account that, holding any of
    the roles, holds the 考核办's. The admin site lists every row a model permission allows,
    whatever its unit or indicator, so a scorer, leader or liaison given the staff flag would
    read there what their pages refuse them: a liaison every unit's results, published or not,
    a scorer the values of indicators they do not own. A staff account with no role has only
    the permissions given to it one by one."""
    if not (user.is_active and user.is_staff):
        return False
    if user.is_superuser:  # the 考核办 whatever its groups (user_role_names): no query
        return True
    names = user_role_names(user)
    return not names or ADMIN in names
