"""Refuse a request body larger than any upload we accept before anything reads it.

Django writes a whole multipart upload to a temporary file when the form is first read (the
CSRF check reads it, even for an anonymous visitor), long before a view checks the file's
size. This middleware answers 413 from the declared Content-Length alone, so that the reverse
proxy's cap (`client_max_body_size` in README.md) is no longer all that keeps a stranger's
body off the disk.

A request without Content-Length (chunked) is let through: Django's WSGI request reads at
most Content-Length bytes of the body, none when there is none, so such a body is never read.
"""

from django.conf import settings
from django.shortcuts import render

# The upload form's other fields and the multipart boundaries, on top of the file.
FORM_MARGIN_BYTES = 1024 * 1024


def request_size_limit() -> int:
    """The largest body accepted: the largest upload (SCORING_UPLOAD_MAX_BYTES) and its form,
    and never below what Django accepts in a form without files (the entry grid's saves)."""
    largest = max(settings.SCORING_UPLOAD_MAX_BYTES, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    return largest + FORM_MARGIN_BYTES


class RequestSizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0  # as Django reads it: no body
        limit = request_size_limit()
        if declared > limit:
            context = {"limit": f"{settings.SCORING_UPLOAD_MAX_BYTES / 1024 / 1024:.1f}"}
            return render(request, "413.html", context, status=413)
        return self.get_response(request)
