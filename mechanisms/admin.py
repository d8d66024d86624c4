"""The mechanisms admin: every mechanism with its names, countries and people."""

from django.contrib import admin
from django.utils.translation import gettext_lazy

from coopdir.rest.review import ReviewedInline
from organisations import history
from organisations.admin import (
    CountryListFilter,
    EntityAdmin,
    FigureInline,
    HistoryAdmin,
    SelectedOnceInline,
)

from .models import (
    Mechanism,
    MechanismCountry,
    MechanismFigure,
    MechanismName,
    Participant,
    Secretariat,
    SubnationalParticipant,
)
from .resources import MechanismResource

history.register_record(
    Mechanism,
    follow=(
        "other_names",
        "countries",
        "subnational_participants",
        "secretariats",
        "participants",
        "figures",
    ),
)


class MechanismNameInline(ReviewedInline, admin.TabularInline):
    model = MechanismName
    extra = 0
    fields = ["name", "language", "kind"]


class MechanismCountryInline(ReviewedInline, admin.TabularInline):
    model = MechanismCountry
    extra = 0


class SubnationalParticipantInline(ReviewedInline, admin.TabularInline):
    model = SubnationalParticipant
    extra = 0
    fields = ["name", "native_name", "kind", "country"]


class SecretariatInline(SelectedOnceInline, ReviewedInline, admin.TabularInline):
    model = Secretariat
    extra = 0
    autocomplete_fields = ["organisation"]
    fields = ["organisation", "side", "role", "notes"]


class ParticipantInline(SelectedOnceInline, ReviewedInline, admin.TabularInline):
    model = Participant
    extra = 0
    autocomplete_fields = ["organisation"]
    fields = [
        "organisation",
        "role",
        "side",
        "person_name",
        "person_title",
        "since_year",
        "since_month",
        "notes",
    ]


class MechanismFigureInline(FigureInline):
    model = MechanismFigure


@admin.register(Mechanism)
class MechanismAdmin(EntityAdmin):
    country_model = MechanismCountry
    resource_classes = [MechanismResource]
    list_display = [
        "name",
        "acronym",
        "kind",
        "scope",
        "parent",
        "founded_year",
        "status_badge",
        "updated_at",
    ]
    list_filter = [
        CountryListFilter,
        ("sectors", admin.RelatedOnlyFieldListFilter),
        "kind",
        "scope",
        "status",
    ]
    search_fields = ["name", "acronym", "native_name", "slug", "other_names__name"]
    autocomplete_fields = ["parent", "sectors", "sources"]
    inlines = [
        MechanismNameInline,
        MechanismCountryInline,
        SubnationalParticipantInline,
        SecretariatInline,
        ParticipantInline,
        MechanismFigureInline,
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("name", "acronym"),
                    "slug",
                    ("native_name", "native_language"),
                    ("kind", "scope"),
                    "parent",
                    "status",
                    "loaded_version",
                ]
            },
        ),
        (
            gettext_lazy("Origin"),
            {
                "fields": [
                    ("founded_year", "founded_month", "founded_day"),
                    "origin",
                    ("origin_event", "origin_instrument"),
                    ("origin_year", "origin_month"),
                ]
            },
        ),
        (
            gettext_lazy("About"),
            {
                "fields": [
                    "sectors",
                    "website",
                    "purpose",
                    "summary",
                    "description",
                    "sources",
                    "editor_notes",
                ]
            },
        ),
        (
            gettext_lazy("Record"),
            {"fields": [("version", "created_at", "updated_at")]},
        ),
    ]


@admin.register(MechanismFigure)
class MechanismFigureAdmin(HistoryAdmin):
    list_display = ["label", "mechanism", "year", "value", "unit"]
    list_filter = ["metric", "unit"]
    search_fields = ["label", "mechanism__name"]
    autocomplete_fields = ["mechanism", "sector", "source", "parent"]
    list_select_related = ["mechanism"]


@admin.register(Secretariat)
class SecretariatAdmin(HistoryAdmin):
    list_display = ["mechanism", "organisation", "side", "role"]
    list_filter = ["role"]
    search_fields = ["mechanism__name", "organisation__name"]
    autocomplete_fields = ["mechanism", "organisation"]
    list_select_related = ["mechanism", "organisation"]


@admin.register(Participant)
class ParticipantAdmin(HistoryAdmin):
    list_display = ["mechanism", "organisation", "role", "person_name"]
    list_filter = ["role"]
    search_fields = ["mechanism__name", "organisation__name", "person_name"]
    autocomplete_fields = ["mechanism", "organisation"]
    list_select_related = ["mechanism", "organisation"]
