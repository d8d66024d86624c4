"""Public pages served as a shared cache may keep them."""

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.middleware import locale
from django.utils.cache import cc_delim_re, patch_cache_control

PRIVATE_PATHS = ("/admin/", "/api/")


class PublicPagesMiddleware:
    """A request without a session cookie comes from an anonymous visitor: its
    user is known without reading the session, so the page does not vary on
    Cookie, and a shared cache may keep it for PUBLIC_PAGE_MAX_AGE seconds (the
    address alone decides its language, see coopdir/urls.py)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        anonymous = settings.SESSION_COOKIE_NAME not in request.COOKIES
        if anonymous:
            request.user = AnonymousUser()
        response = self.get_response(request)
        if (
            anonymous
            and request.method in ("GET", "HEAD")
            and response.status_code == 200
            and not response.cookies
            and not response.has_header("Cache-Control")
            and response.get("Content-Type", "").startswith("text/html")
            and not request.path_info.startswith(PRIVATE_PATHS)
        ):
            patch_cache_control(
                response, public=True, max_age=settings.PUBLIC_PAGE_MAX_AGE
            )
        return response


class LocaleMiddleware(locale.LocaleMiddleware):
    """Django's, without the Vary: Accept-Language it adds to unprefixed pages: with
    English unprefixed, the address alone decides the language (pages, API and
    admin alike), so a cache needs not keep a copy per browser language."""

    def process_response(self, request, response):
        response = super().process_response(request, response)
        if response.has_header("Vary"):
            kept = [
                field
                for field in cc_delim_re.split(response["Vary"])
                if field.lower() != "accept-language"
            ]
            if kept:
                response["Vary"] = ", ".join(kept)
            else:
                del response["Vary"]
        return response
