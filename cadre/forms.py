"""The login forms of the site and of the admin, and the password change's check of the current
password, all throttled (cadre.login_throttle)."""

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cadre.login_throttle import (
    WINDOW_MINUTES,
    client_address,
    login_attempt_refused,
    login_failure_record,
    login_failures_clear,
)
from cadre.permissions import admin_site_open_to

TOO_MANY_FAILURES = _("登录失败次数过多，请 %(minutes)s 分钟后再试")


class ThrottledLoginMixin:
    """Refuse an attempt, without checking the password, for a username or from an address
    with too many recent failures; count a wrong password; clear the username's count on a
    successful login. `throttled` tells the template which message to show."""

    throttled = False

    def clean(self):
        username = self.cleaned_data.get("username")
        if not username or not self.cleaned_data.get("password"):
            return super().clean()
        address = client_address(self.request) if self.request else ""
        if login_attempt_refused(username=username, address=address):
            self.throttled = True
            raise ValidationError(
                TOO_MANY_FAILURES, code="throttled", params={"minutes": WINDOW_MINUTES}
            )
        try:
            cleaned = super().clean()
        except ValidationError:
            if self.get_user() is None:  # no account with that password (not one turned away)
                login_failure_record(username=username, address=address)
            raise
        login_failures_clear(username=username)
        return cleaned


class LoginForm(ThrottledLoginMixin, AuthenticationForm):
    """The site's login (/accounts/login/)."""


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """The admin's login (/admin/login/), for the accounts the admin site is open to
    (cadre.permissions.admin_site_open_to): others are told, as Django tells an account without
    the staff flag, that this login is for staff accounts."""

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not admin_site_open_to(user):
            raise ValidationError(
                self.error_messages["invalid_login"],
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )


class ThrottledPasswordChangeForm(PasswordChangeForm):
    """The password change (/accounts/password_change/), whose current password counts as a
    login's does, against the same failures of the username: a session left open on a shared
    PC would otherwise try passwords there without limit and, the password found, log in again
    at any time. The user is known, so the address is not counted."""

    def clean_old_password(self):
        username = self.user.get_username()
        if login_attempt_refused(username=username, address=""):
            raise ValidationError(
                TOO_MANY_FAILURES, code="throttled", params={"minutes": WINDOW_MINUTES}
            )
        try:
            old_password = super().clean_old_password()
        except ValidationError:
            login_failure_record(username=username, address="")
            raise
        login_failures_clear(username=username)
        return old_password
