"""Limits on how often one client may ask: the API's throttles and the pages' rate
limit, both keyed by coopdir.clientip.client_ip and counted in the default cache
(shared between workers only when that cache is Redis).

settings.RATELIMIT_ENABLE off lifts both (a load test driving the server from one
address needs that); the login lockout is django-axes' and stays.
"""

import functools

from django.conf import settings
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django_ratelimit.core import get_usage
from rest_framework.permissions import SAFE_METHODS
from rest_framework.settings import api_settings
from rest_framework.throttling import (
    AnonRateThrottle,
    SimpleRateThrottle,
    UserRateThrottle,
)

from .clientip import client_ip


class ClientThrottleMixin:
    """Key anonymous clients by client_ip and read the rate on each request, so
    settings changes take effect (DRF reads the rates once, at import)."""

    def get_ident(self, request):
        return client_ip(request)

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        if not getattr(settings, "RATELIMIT_ENABLE", True):
            return True
        return super().allow_request(request, view)


class AnonThrottle(ClientThrottleMixin, AnonRateThrottle):
    """Anonymous requests per client address (rate "anon")."""


class UserThrottle(ClientThrottleMixin, UserRateThrottle):
    """Authenticated requests per user (rate "user"); anonymous ones have "anon"."""

    def get_cache_key(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return None
        return super().get_cache_key(request, view)


class WriteThrottle(ClientThrottleMixin, SimpleRateThrottle):
    """Writes per user, or per client address when anonymous (rate "writes"), on
    top of the read rates: a refused write costs the server as much as an allowed
    one."""

    scope = "writes"

    def get_cache_key(self, request, view):
        if request.method in SAFE_METHODS:
            return None
        if request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"ip-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


THROTTLES = [AnonThrottle, UserThrottle, WriteThrottle]


class ThrottleFirstMixin:
    """Count a request before deciding whether it may proceed, so refused requests
    (an anonymous write, a write without the permission) use up the allowance too;
    DRF itself checks permissions first and lets those through unthrottled."""

    throttle_classes = THROTTLES

    def check_permissions(self, request):
        super().check_throttles(request)
        super().check_permissions(request)

    def check_throttles(self, request):
        """Done already, in check_permissions."""


# Pages -------------------------------------------------------------------------------


def page_rate(group, request):
    """Return settings.PAGE_RATE ("60/m": 60 a minute), read on each request."""
    return settings.PAGE_RATE or None


def page_client(group, request):
    return client_ip(request)


def filtered(request):
    """Return whether a list page is asked for more than a page of everything (a
    search, filters, another order), which the database works for."""
    return any(key != "page" for key in request.GET)


def rate_limited(when=None):
    """Answer 429 once a client has asked for more expensive pages than PAGE_RATE
    allows, counting the pages decorated (all of them together) for which
    when(request), if given, is true."""

    def decorator(view):
        @functools.wraps(view)
        def limited(request, *args, **kwargs):
            if when is None or when(request):
                usage = get_usage(
                    request, "pages", key=page_client, rate=page_rate, increment=True
                )
                if usage is not None and usage["should_limit"]:
                    return too_many_requests(request, usage["time_left"])
            return view(request, *args, **kwargs)

        return limited

    return decorator


def too_many_requests(request, retry_after):
    retry_after = max(1, retry_after)
    response = render(request, "429.html", {"retry_after": retry_after}, status=429)
    response["Retry-After"] = str(retry_after)
    add_never_cache_headers(response)
    return response
