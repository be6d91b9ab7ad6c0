"""Filters of the application's log (settings.LOGGING)."""

import logging


class RefusalWithoutTraceback(logging.Filter):
    """Keep a refused request (403, 400) to its one line: Django logs a permission refusal with
    the traceback of PermissionDenied, a dozen lines in the journal for a scorer following a
    link they may not open, where nothing is broken. Server errors keep theirs.

    A request refused as suspicious (django.security.*: a Host not in DJANGO_ALLOWED_HOSTS, a
    form past the upload limits) is logged as an ERROR with its traceback, though the client
    did it and nothing is broken: every scanner that knocks at the server's address would
    read as a crash. It becomes a warning, whose one line still says what to add where."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("django.security."):
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        if record.levelno < logging.ERROR:
            record.exc_info = None
            record.exc_text = None
        return True
