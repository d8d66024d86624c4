"""Staff sign-in: a second factor for the admin, and how long a session lasts.

A session ends SESSION_COOKIE_AGE after signing in however busy its user is (a working
day), and sooner after SESSION_IDLE_TIMEOUT without a request (an idle hour): a laptop
left open in a meeting room is signed out before the afternoon.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.admin import AdminSite
from django.contrib.auth import SESSION_KEY, logout
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite

SIGNED_IN_AT = "signed_in_at"
SEEN_AT = "seen_at"
# Recording the last request at most once a minute spares a session write per request.
SEEN_RESOLUTION = 60


def stamp_sign_in(sender, request, user, **kwargs):
    """Record when a user signed in (connected to user_logged_in)."""
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[SIGNED_IN_AT] = now
        request.session[SEEN_AT] = now


class SessionTimeoutMiddleware:
    """Sign out a session past its day or its idle hour, before the view runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Without a session cookie there is nothing to end, and touching the
        # session would mark an anonymous page as varying by cookie.
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            self.check(request)
        return self.get_response(request)

    def check(self, request):
        session = request.session
        if SESSION_KEY not in session:
            return
        now = int(time.time())
        signed_in_at = session.setdefault(SIGNED_IN_AT, now)
        seen_at = session.get(SEEN_AT, now)
        if now - signed_in_at > settings.SESSION_COOKIE_AGE:
            self.sign_out(request, _("You were signed out at the end of the day."))
        elif now - seen_at > settings.SESSION_IDLE_TIMEOUT:
            self.sign_out(
                request, _("You were signed out after a while without activity.")
            )
        elif now - seen_at >= SEEN_RESOLUTION or SEEN_AT not in session:
            session[SEEN_AT] = now

    def sign_out(self, request, message):
        logout(request)
        messages.info(request, message, fail_silently=True)


# A second factor (TOTP) for the admin ------------------------------------------------


class StaffLoginForm(OTPAdminAuthenticationForm):
    """The admin's sign-in: password and the code of an authenticator app."""

    def _chosen_device(self, user):
        # Most staff have one device: use it rather than asking which, in a
        # second round trip. Only devices of the user who gave the password count.
        device = super()._chosen_device(user)
        if device is None:
            devices = list(devices_for_user(user))
            if len(devices) == 1:
                device = devices[0]
        return device


class StaffAdminSite(AdminSite):
    """The admin, which with settings.STAFF_OTP on (the default when DEBUG is off)
    lets in only staff who gave a code of their TOTP device when signing in."""

    # The admin speaks English, as its staff do (README), so these are not translated.
    site_header = "coopdir"
    site_title = "coopdir admin"
    index_title = "Directory administration"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if settings.STAFF_OTP:
            self.login_form = StaffLoginForm
            self.login_template = OTPAdminSite.login_template

    def has_permission(self, request):
        return super().has_permission(request) and (
            not settings.STAFF_OTP or request.user.is_verified()
        )
