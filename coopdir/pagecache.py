"""Whole responses kept for anonymous visitors: a repeated public page costs a cache
read instead of its ~50 ms of queries and template rendering.

A page is kept under its absolute address (scheme, host, path and query string,
hashed so that a huge query string makes a key of the same size), its language, the
API's Accept header, and the search index version, which every write to a public
row raises (`connect` below adds the rows the search does not index: figures,
memberships, sources, …), so an edit is on the next page served. Only what anyone
would get is kept or served: GETs without a session cookie, an Authorization header
or a conditional header (If-None-Match and the like go to the view, which answers
304); only 200s without cookies, without Vary (but Accept on the API), and not
marked private or no-store. Staff, who carry a session cookie, never get a kept
page nor leave one, so a preview of a draft stays theirs.

Django's cache middleware (UpdateCacheMiddleware / FetchFromCacheMiddleware) keys by
a fixed prefix, where this key needs the index version of each request; it keeps
pages of signed-in users (keyed by their cookie), and rewrites Cache-Control and
Expires, which coopdir.middleware.PublicPagesMiddleware decides. Hence this small one.

A page served from here is not counted by the page rate limit
(coopdir.throttling.rate_limited wraps the view, which does not run): the limit is
there to keep one client from tying up the workers, and a kept page costs about as
much as a static file.
"""

import hashlib

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import DisallowedHost
from django.db import DatabaseError
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.utils.cache import cc_delim_re, get_max_age
from django.utils.translation import get_language_from_path

from .rest import review
from .search import engine, signals

API = "/api/"
# Headers a request may carry only if its answer can depend on them.
CONDITIONAL = (
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_MATCH",
    "HTTP_IF_UNMODIFIED_SINCE",
    "HTTP_RANGE",
)


def anonymous_get(request):
    """Return whether request is a GET whose answer is everyone's."""
    return (
        request.method == "GET"
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "HTTP_AUTHORIZATION" not in request.META
        and not any(header in request.META for header in CONDITIONAL)
        and not request.path_info.startswith(settings.PAGE_CACHE_SKIP)
    )


def cache_key(request, version):
    """Return the key of request's answer at index version."""
    api = request.path_info.startswith(API)
    address = request.build_absolute_uri()
    accept = request.META.get("HTTP_ACCEPT", "") if api else ""
    digest = hashlib.sha256(f"{address}\n{accept}".encode()).hexdigest()
    language = get_language_from_path(request.path_info) or settings.LANGUAGE_CODE
    return f"coopdir:page:{version}:{language}:{digest}"


def keepable(request, response):
    """Return whether response may be kept and served to every anonymous GET."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if len(response.content) > settings.PAGE_CACHE_MAX_BYTES:
        return False
    varies = {v.lower() for v in cc_delim_re.split(response.get("Vary", "")) if v}
    allowed = {"accept"} if request.path_info.startswith(API) else set()
    if not varies <= allowed:
        return False
    control = response.get("Cache-Control", "").lower()
    if any(word in control for word in ("private", "no-store", "no-cache")):
        return False
    return get_max_age(response) != 0


class PageCacheMiddleware:
    """Serve an anonymous GET from the page cache, or keep its answer there.

    It stands right after SecurityMiddleware (https redirect, headers) and WhiteNoise
    (static files): a kept page skips the session, locale, CSRF, authentication and
    view work, so a hit costs one query (the index version) and a cache read. The
    answer it keeps has been through every later middleware (Cache-Control, CSP,
    Permissions-Policy), so a hit carries the same headers.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.cache = caches[settings.PAGE_CACHE_ALIAS]

    def __call__(self, request):
        if not settings.PAGE_CACHE_SECONDS or not anonymous_get(request):
            return self.get_response(request)
        try:
            key = cache_key(request, engine.version())
        except (DisallowedHost, DatabaseError):
            # Answered as without the cache: a 400 for a bad Host, and whatever
            # the page does without its database (the health check's 503).
            return self.get_response(request)
        kept = self.cache.get(key)
        if kept is not None:
            status, headers, content = kept
            response = HttpResponse(content, status=status)
            for name, value in headers:
                response[name] = value
            return response
        response = self.get_response(request)
        if keepable(request, response):
            self.cache.set(
                key,
                (response.status_code, list(response.items()), response.content),
                settings.PAGE_CACHE_SECONDS,
            )
        return response


def _bump(sender, **kwargs):
    if signals.active():
        engine.bump_version()


def _m2m_bump(sender, action, **kwargs):
    if action in ("post_add", "post_remove", "post_clear"):
        _bump(sender)


def connect(models):
    """Raise the index version on every write to the public models among models,
    not only those the search indexes: a figure or a source changes a kept page."""
    for model in models:
        if review.kind(model) not in ("record", "part", "shared"):
            continue
        uid = f"pagecache-{model._meta.label}"
        post_save.connect(_bump, sender=model, dispatch_uid=uid)
        post_delete.connect(_bump, sender=model, dispatch_uid=uid)
        for field in model._meta.many_to_many:
            m2m_changed.connect(
                _m2m_bump, sender=field.remote_field.through, dispatch_uid=uid
            )
