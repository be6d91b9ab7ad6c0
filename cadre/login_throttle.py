"""Login throttling: after too many failed logins for one username, or from one address, within
a window, further attempts are refused without the password being checked.

Failures are kept in the database cache (settings.CACHES["logins"]), which every gunicorn worker
and server shares; no cache server is needed. A failure is a wrong username or password; a
right password the admin site turns away (no staff flag) is none.
"""

import hashlib
import logging
import time

from django.conf import settings
from django.core.cache import caches

USERNAME_FAILURES_MAX = 5
ADDRESS_FAILURES_MAX = 20
WINDOW_MINUTES = 15
CACHE = "logins"

logger = logging.getLogger(__name__)


def client_address(request) -> str:
    """Return the client's address: the one the outermost of our proxies put in
    X-Forwarded-For (settings.LOGIN_PROXY_COUNT proxies each add the address they saw), or the
    connection's own when no proxy forwarded the request."""
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    proxies = settings.LOGIN_PROXY_COUNT
    if proxies and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def login_attempt_refused(*, username: str, address: str) -> bool:
    """Return whether an attempt is to be refused unchecked: the username or the address has
    failed too often within the window. A refusal is logged with both."""
    failures = _failures(_keys(username=username, address=address))
    refused = len(failures[0]) >= USERNAME_FAILURES_MAX or (
        len(failures) > 1 and len(failures[1]) >= ADDRESS_FAILURES_MAX
    )
    if refused:
        logger.warning(
            "Login refused after too many failed attempts: username=%r address=%s",
            username,
            address or "-",
        )
    return refused


def login_failure_record(*, username: str, address: str) -> None:
    """Count a failed attempt against the username and the address."""
    keys = _keys(username=username, address=address)
    now = time.time()
    limits = [USERNAME_FAILURES_MAX, ADDRESS_FAILURES_MAX]
    caches[CACHE].set_many(
        {
            # Only the latest `limit` failures matter: the list stays short.
            key: [*failures[-(limit - 1) :], now]
            for key, failures, limit in zip(keys, _failures(keys), limits, strict=False)
        },
        timeout=WINDOW_MINUTES * 60,
    )


def login_failures_clear(*, username: str) -> None:
    """Forget the username's failures (after a successful login); the address keeps its own."""
    caches[CACHE].delete(_keys(username=username, address="")[0])


def _keys(*, username: str, address: str) -> list[str]:
    """Return the cache key of the username (case folded, so that SCORER counts for scorer
    where the database compares names without case) and, when known, of the address."""

    def key(kind: str, value: str) -> str:
        return f"login-failures:{kind}:{hashlib.sha256(value.encode()).hexdigest()}"

    keys = [key("username", username.casefold())]
    if address:
        keys.append(key("address", address))
    return keys


def _failures(keys: list[str]) -> list[list[float]]:
    """Return the times of each key's failures within the window (one query for all keys)."""
    stored = caches[CACHE].get_many(keys)
    since = time.time() - WINDOW_MINUTES * 60
    return [[moment for moment in stored.get(key, []) if moment > since] for key in keys]
