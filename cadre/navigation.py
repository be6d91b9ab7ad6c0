"""The sections of the application a user may open, for the top bar and the home page.

Pages check access on the server whatever this says; the point here is that nobody is shown
a link that ends on "403 Forbidden".
"""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from cadre import roles
from scoring.models import Cycle
from scoring.services.setup import setup_steps


@dataclass(frozen=True)
class Section:
    url: str
    label: str
    description: str


def user_sections(user) -> list[Section]:
    """Return the sections the user's roles open, in the order of the top bar."""
    names = roles.user_role_names(user)
    sections = []
    reads_all = bool(names & {roles.ADMIN, roles.LEADER})
    if reads_all:
        description = _("排名、等次、趋势与每一分的来由。")
    elif roles.LIAISON in names and roles.user_liaison_unit_ids(user):
        description = _("本单位已发布的得分、名次和每一分的来由。")
    else:
        description = None
    if description:
        sections.append(Section(reverse("dashboard:ranking"), _("考核结果"), description))
    if names & {roles.ADMIN, roles.SCORER}:
        sections.append(
            Section(reverse("entry:grid"), _("数据填报"), _("按季度填报或导入指标数据。"))
        )
    if reads_all:
        sections.append(
            Section(
                reverse("talent:progress"),
                _("人才工作"),
                _("人才库、人才奖评选、人才补贴与星级管理。"),
            )
        )
    elif user.is_authenticated and user.award_categories.exists():
        sections.append(
            Section(reverse("talent:award_rounds"), _("人才奖评审"), _("为分配给您的奖项打分。"))
        )
    return sections


def navigation(request):
    """Context processor: `sections`, read only when a template uses it."""
    return {"sections": SimpleLazyObject(lambda: user_sections(request.user))}


def setup_steps_pending(user) -> list:
    """Return the district's set-up steps for the 考核办 while any is still to take and no
    cycle has been opened yet, else []: once a cycle takes input the district is set up, and
    what stays open (indicators the 考核办 enters itself, units without a liaison) may be
    its choice."""
    if roles.ADMIN not in roles.user_role_names(user):
        return []
    if Cycle.objects.exclude(state=Cycle.State.DRAFT).exists():
        return []
    steps = setup_steps()
    return [] if all(step.done for step in steps) else steps


@login_required
def home(request):
    """The sections a user may open; a user with only one (a scorer, a reviewer) goes there.
    The 考核办 of a district still setting up reads the set-up steps first."""
    user = request.user
    sections = user_sections(user)
    if len(sections) == 1:
        return redirect(sections[0].url)
    context = {
        "sections": sections,
        "setup_steps": setup_steps_pending(user),
        # A liaison no unit names yet holds a role, but no page: said so, not "no role".
        "liaison_without_unit": roles.LIAISON in roles.user_role_names(user)
        and not roles.user_liaison_unit_ids(user),
    }
    return render(request, "home.html", context)


def favicon(request):
    """Browsers ask for /favicon.ico on pages that name no icon (the admin's, a file download):
    the app's icon, not a 404 in the log for every page."""
    return redirect(static("favicon.svg"))
