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

from cadre.roles import user_role_names


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
