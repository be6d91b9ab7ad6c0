"""Who may see and change talent work: admins write, leaders read, reviewers score."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from cadre import roles


def talent_roles(user) -> tuple[bool, bool]:
    """Return (may read, may write) for the talent pages, in one query."""
    if user.is_superuser:
        return True, True
    names = set(
        user.groups.filter(name__in=[roles.ADMIN, roles.LEADER]).values_list("name", flat=True)
    )
    return bool(names), roles.ADMIN in names


def talent_view(*, write: bool = False, reviewers: bool = False):
    """Guard a view: anonymous users go to login, others without the role get 403.

    Readers (admins and leaders) may GET; only admins may POST, or any request when `write`.
    With `reviewers`, users assigned to review an award category may come in as well; the view
    narrows what they see. The view gets `request.talent_admin` and `request.talent_reader`.
    """

    def decorator(view):
        @login_required
        @wraps(view)
        def guarded(request, *args, **kwargs):
            reader, admin = talent_roles(request.user)
            request.talent_reader, request.talent_admin = reader, admin
            if (write or request.method == "POST") and not admin and not reviewers:
                raise PermissionDenied(_("只有考核办管理员可以修改人才工作数据。"))
            if not reader and not (reviewers and request.user.award_categories.exists()):
                raise PermissionDenied(_("您没有查看人才工作的权限。"))
            return view(request, *args, **kwargs)

        return guarded

    return decorator
