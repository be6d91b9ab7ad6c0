"""Pages that show a cycle's data, asked for before there is a cycle the user may read: a page
saying so and what to do next (for the 考核办, the set-up steps), not "page not found"."""

from django.http import Http404
from django.shortcuts import render

from cadre.navigation import setup_steps_pending


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
