from django.contrib import admin
from django.urls import include, path

from organisations.urls import sector_patterns

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("organisations/", include("organisations.urls")),
    path("mechanisms/", include("mechanisms.urls")),
    path("sectors/", include(sector_patterns)),
    path("api/", include("coopdir.api")),
    path("admin/", admin.site.urls),
]
