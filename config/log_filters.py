"""Filters of the application's log (settings.LOGGING)."""

import logging


class RefusalWithoutTraceback(logging.Filter):
    """Keep a refused request (403, 400) to its one line: Django logs a permission refusal with
    the traceback of PermissionDenied, a dozen lines in the journal for a scorer following a
    link they may not open, where nothing is broken. Server errors keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.ERROR:
            record.exc_info = None
            record.exc_text = None
        return True
