from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from . import api, feeds, views
from .sitemaps import SITEMAPS
from .throttling import rate_limited

sector_patterns = (
    [
        path("", views.sector_list, name="list"),
        path("<slug:slug>/", views.sector_detail, name="detail"),
        path("<slug:slug>/feed/", feeds.sector_feed, name="feed"),
    ],
    "sectors",
)
country_patterns = (
    [
        path("", views.country_list, name="list"),
        path("<str:code>/", views.country_detail, name="detail"),
        path("<str:code>/feed/", feeds.country_feed, name="feed"),
    ],
    "countries",
)

urlpatterns = [
    path(
        "sitemap.xml",
        sitemap,
        {"sitemaps": SITEMAPS},
        name="sitemap",
    ),
    path("robots.txt", views.robots_txt, name="robots"),
    # Browsers ask for /favicon.ico whatever the page says.
    path("favicon.ico", views.favicon, name="favicon"),
    path("healthz", views.healthz, name="healthz"),
    path("api/", include("coopdir.api")),
    path("admin/", admin.site.urls),
]
if settings.PASSWORD_RESET_BY_EMAIL:
    # Django's password reset by e-mail, which the admin's sign-in page links to
    # once "admin_password_reset" exists; limited like the expensive pages, so the
    # form cannot be used to flood anyone's mailbox.
    urlpatterns[-1:-1] = [
        path(
            "admin/password_reset/",
            rate_limited()(auth_views.PasswordResetView.as_view()),
            name="admin_password_reset",
        ),
        path(
            "admin/password_reset/done/",
            auth_views.PasswordResetDoneView.as_view(),
            name="password_reset_done",
        ),
        path(
            "admin/reset/<uidb64>/<token>/",
            auth_views.PasswordResetConfirmView.as_view(),
            name="password_reset_confirm",
        ),
        path(
            "admin/reset/done/",
            auth_views.PasswordResetCompleteView.as_view(),
            name="password_reset_complete",
        ),
    ]
# The public pages: English at /, Chinese at /zh-hans/. The address alone decides
# the language, so a page can be cached and shared as it is.
urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path("organisations/", include("organisations.urls")),
    path("mechanisms/", include("mechanisms.urls")),
    path("search/", views.search_page, name="search"),
    path("feed/", feeds.directory_feed, name="feed"),
    path("sectors/", include(sector_patterns)),
    path("countries/", include(country_patterns)),
    prefix_default_language=False,
)

# Errors under /api/ answer JSON, whatever raised them.
handler400 = api.bad_request
handler403 = api.permission_denied
handler404 = api.page_not_found
handler500 = api.server_error
