from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from . import views
from .sitemaps import SITEMAPS

sector_patterns = (
    [
        path("", views.sector_list, name="list"),
        path("<slug:slug>/", views.sector_detail, name="detail"),
    ],
    "sectors",
)
country_patterns = (
    [
        path("", views.country_list, name="list"),
        path("<str:code>/", views.country_detail, name="detail"),
    ],
    "countries",
)

urlpatterns = [
    path("", views.home, name="home"),
    path("organisations/", include("organisations.urls")),
    path("mechanisms/", include("mechanisms.urls")),
    path("search/", views.search_page, name="search"),
    path("sectors/", include(sector_patterns)),
    path("countries/", include(country_patterns)),
    path(
        "sitemap.xml",
        sitemap,
        {"sitemaps": SITEMAPS},
        name="sitemap",
    ),
    path("robots.txt", views.robots_txt, name="robots"),
    path("healthz", views.healthz, name="healthz"),
    # set_language: the header's language switcher posts here.
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("coopdir.api")),
    path("admin/", admin.site.urls),
]
