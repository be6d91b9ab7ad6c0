"""A session ends SESSION_COOKIE_AGE (ten hours) after the login at the latest.

Django counts a session's age from its last write, not from the login: a message too long for
its cookie, a note kept beside a subsidy or a password change gives it the whole age again, so
a session kept busy, or a cookie taken from a shared office PC and kept busy, never ran out.
The login's time is kept in the session and every request of a logged-in user checks it.
"""

from django.conf import settings
from django.contrib.auth import logout
from django.utils import timezone

LOGGED_IN_AT = "kaohe_logged_in_at"


def session_login_stamp(sender, request, user, **kwargs) -> None:
    """Note in the session when its user logged in (a `user_logged_in` receiver)."""
    request.session[LOGGED_IN_AT] = timezone.now().timestamp()


class SessionLifetimeMiddleware:
    """Log out a user whose login is older than SESSION_COOKIE_AGE, before any view runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = timezone.now().timestamp()
            # A session from before the login was noted starts its count now.
            logged_in_at = request.session.setdefault(LOGGED_IN_AT, now)
            if now - logged_in_at > settings.SESSION_COOKIE_AGE:
                logout(request)
        return self.get_response(request)
