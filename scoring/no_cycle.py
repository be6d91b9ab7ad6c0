"""Pages that show a cycle's data: the cycle a ?cycle= asks for (by its year, on every page), and
the answer when there is none the user may read: a page saying so and what to do next (for the
考核办, the set-up steps), not "page not found"."""

from collections.abc import Callable

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from cadre.form_fields import YEAR_FIRST, YEAR_LAST
from cadre.navigation import setup_steps_pending
from scoring.models import Cycle
from scoring.selectors import YEAR_DIGITS, cycle_picked

# What of a ?cycle= naming no cycle a message repeats: enough for a year or a mistyped one.
ASKED_SHOWN_MAX = 12


def cycle_from_query(
    request,
    *,
    cycles: list[Cycle],
    visible: QuerySet,
    default: Callable[..., Cycle | None],
) -> Cycle | None:
    """Return the cycle of `cycles` (those the page may show) that ?cycle= names, else
    `default(cycles=…)`; None when there is none. A ?cycle= naming none of them is never passed
    over in silence: a page says which year was asked for and which one it shows, and a form
    sent for it is refused (nothing it carries would belong to the cycle shown). `visible`
    are the cycles the user may see at all, to tell a year not published yet from none."""
    picked = request.GET.get("cycle") or request.POST.get("cycle") or ""
    cycle = cycle_picked(cycles=cycles, picked=picked)
    if cycle is not None or not picked or not cycles:
        return cycle or default(cycles=cycles)
    # Repeated as typed, but a NUL or another control character (unreadable, and refused by
    # PostgreSQL where a session keeps the message) as �.
    typed = "".join(c if c.isprintable() else "\ufffd" for c in picked)[:ASKED_SHOWN_MAX]
    if request.method == "POST":
        raise Http404(_("地址中的“%(asked)s”不是可选的年度，未作任何修改。") % {"asked": typed})
    shown = default(cycles=cycles)
    asked = visible.filter(year=int(picked)).first() if _is_year(picked) else None
    if asked is not None:
        text = _("%(cycle)s的考核结果尚未发布，下面是%(shown)s。")
    elif picked.isdecimal():
        text = _("没有%(year)s年度的考核周期，下面是%(shown)s。")
    else:
        text = _("“%(year)s”不是年度，下面是%(shown)s。")
    messages.info(request, text % {"cycle": asked, "year": typed, "shown": shown})
    return shown


def _is_year(text: str) -> bool:
    return text.isdecimal() and len(text) == YEAR_DIGITS and YEAR_FIRST <= int(text) <= YEAR_LAST


class CycleMissing(Http404):
    """No cycle the user may read on this page; the message says what the user waits for."""


class CycleMissingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, CycleMissing):
            return None
        context = {"message": str(exception), "setup_steps": setup_steps_pending(request.user)}
        return render(request, "no_cycle.html", context)
