"""The four roles of the application, kept as Django groups with their model permissions."""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

ADMIN = "考核办"
SCORER = "评分员"
LEADER = "区委领导"
LIAISON = "单位联络员"

ROLE_LABELS = {
    ADMIN: _("考核办（管理员）"),
    SCORER: _("评分员（牵头部门）"),
    LEADER: _("区委领导（只读）"),
    LIAISON: _("单位联络员"),
}

APPS = ("cadre", "scoring", "talent")

# Model permissions of each role, as (app label, codename); a codename of None stands for
# every permission of the app. Pages check roles; these let the admin site and shell users
# see the same boundaries. A scorer may read values and votes there but not write them: the
# admin site cannot tell whose indicator a value is, the entry pages check it.
ROLE_PERMISSIONS = {
    ADMIN: [(app, None) for app in APPS],
    SCORER: [
        ("cadre", "view_unit"),
        ("cadre", "view_unitcategory"),
        ("scoring", "view_cycle"),
        ("scoring", "view_indicator"),
        ("scoring", "view_ratergroup"),
        ("scoring", "view_indicatorvalue"),
        ("scoring", "view_vote"),
    ],
    LEADER: [
        ("cadre", "view_unit"),
        ("cadre", "view_unitcategory"),
        ("cadre", "view_official"),
        ("scoring", "view_cycle"),
        ("scoring", "view_indicator"),
        ("scoring", "view_unitresult"),
        ("scoring", "view_officialscore"),
        ("scoring", "view_resultsnapshot"),
    ],
    LIAISON: [("cadre", "view_unit"), ("scoring", "view_unitresult")],
}


def role_permissions_filter(role: str) -> Q:
    """Return the filter on Permission that selects the role's model permissions."""
    condition = Q(pk__in=[])
    for app_label, codename in ROLE_PERMISSIONS[role]:
        part = Q(content_type__app_label=app_label)
        if codename is not None:
            part &= Q(codename=codename)
        condition |= part
    return condition


def role_groups_grant(*, group_model, permission_model) -> dict:
    """Create the missing role groups and give each its permissions; return them by name.

    Takes the models as arguments so that a data migration can pass its historical ones.
    """
    groups = {}
    for name in ROLE_LABELS:
        group, _created = group_model.objects.get_or_create(name=name)
        group.permissions.add(*permission_model.objects.filter(role_permissions_filter(name)))
        groups[name] = group
    return groups


def role_groups_ensure() -> dict[str, Group]:
    """Create the role groups that do not exist yet, with their permissions; return all four."""
    return role_groups_grant(group_model=Group, permission_model=Permission)


def user_role_names(user) -> frozenset[str]:
    """Return the names of the user's roles, read once per request and kept on the user.

    A superuser always holds the admin role.
    """
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_role_names", None)
    if cached is None:
        names = set(user.groups.filter(name__in=ROLE_LABELS).values_list("name", flat=True))
        if user.is_superuser:
            names.add(ADMIN)
        cached = user._role_names = frozenset(names)
    return cached


def user_liaison_unit_ids(user) -> frozenset[int]:
    """Return the ids of the units the user is a liaison of, read once per request and kept
    on the user: the top bar and the page's own access check both ask."""
    cached = getattr(user, "_liaison_unit_ids", None)
    if cached is None:
        cached = user._liaison_unit_ids = frozenset(user.liaison_units.values_list("pk", flat=True))
    return cached


def user_has_role(user, role: str) -> bool:
    return role in user_role_names(user)
