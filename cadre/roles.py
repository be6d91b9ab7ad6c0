"""The four roles of the application, kept as Django groups."""

from django.contrib.auth.models import Group
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


def role_groups_ensure() -> dict[str, Group]:
    """Create the role groups that do not exist yet; return all four by name."""
    return {name: Group.objects.get_or_create(name=name)[0] for name in ROLE_LABELS}


def user_has_role(user, role: str) -> bool:
    if not user.is_authenticated:
        return False
    if role == ADMIN and user.is_superuser:
        return True
    return user.groups.filter(name=role).exists()
