"""The organisations and sectors endpoints of the API."""

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets

from coopdir.rest import APISchema, EntityViewSetMixin
from coopdir.search import FACETS

from .filters import OrganisationFilter
from .models import Membership, Organisation, Status
from .serializers import (
    OrganisationDetailSerializer,
    OrganisationListSerializer,
    OrganisationWriteSerializer,
    organisation_jsonld,
)

FACETS_PARAMETER = OpenApiParameter(
    "facets",
    bool,
    description="1 adds facet counts (country, sector, kind, region…) for the "
    "whole result set.",
)


def is_staff(user):
    return bool(user and user.is_active and user.is_staff)


def reverse_related(model, name):
    """Return the model behind a reverse relation, without importing its app."""
    return model._meta.get_field(name).related_model


def mechanism_links(user, name):
    """Prefetch an organisation's secretariats or participations, visible ones only."""
    queryset = reverse_related(Organisation, name).objects.select_related("mechanism")
    if not is_staff(user):
        queryset = queryset.filter(mechanism__status=Status.PUBLISHED)
    return Prefetch(name, queryset=queryset)


@extend_schema_view(
    list=extend_schema(
        summary="List organisations",
        description="Published organisations (staff also see drafts), filtered as on "
        "the pages. Repeat a parameter or separate values by commas for any of "
        "several. With q and no ordering, the best matches come first. "
        "format=csv gives one row per organisation. ETag / Last-Modified allow "
        "If-None-Match / If-Modified-Since (304).",
        parameters=[FACETS_PARAMETER],
    ),
    retrieve=extend_schema(
        summary="One organisation, complete",
        description="format=jsonld (or Accept: application/ld+json) gives schema.org "
        "and W3C ORG JSON-LD. The ETag also serves If-Match on writes.",
        responses={
            (200, "application/json"): OrganisationDetailSerializer,
            (200, "application/ld+json"): {"type": "object"},
        },
    ),
    create=extend_schema(
        summary="Create an organisation (token, staff, add permission)",
        responses={201: OrganisationDetailSerializer},
    ),
    update=extend_schema(
        summary="Replace an organisation's own fields (token, change permission)",
        responses={200: OrganisationDetailSerializer},
    ),
    partial_update=extend_schema(
        summary="Change some fields of an organisation (token, change permission)",
        responses={200: OrganisationDetailSerializer},
    ),
    destroy=extend_schema(
        summary="Delete an organisation (token, staff, delete permission)",
    ),
)
class OrganisationViewSet(EntityViewSetMixin, viewsets.ModelViewSet):
    queryset = Organisation.objects.all()
    filterset_class = OrganisationFilter
    list_serializer_class = OrganisationListSerializer
    detail_serializer_class = OrganisationDetailSerializer
    write_serializer_class = OrganisationWriteSerializer
    facets = FACETS
    schema = APISchema()

    def with_details(self, queryset):
        user = self.request.user
        visible = Organisation.objects.visible_to(user)
        memberships = Membership.objects.select_related("organisation", "member")
        return queryset.select_related("parent").prefetch_related(
            "other_names",
            "countries",
            "regions_served",
            "sectors",
            "sources",
            "duties",
            Prefetch("children", queryset=visible.order_by("name")),
            Prefetch("memberships", memberships.visible_to(user, "organisation")),
            Prefetch("members", memberships.visible_to(user, "member")),
            Prefetch(
                "key_figures",
                reverse_related(Organisation, "key_figures").objects.select_related(
                    "sector"
                ),
            ),
            mechanism_links(user, "secretariats"),
            mechanism_links(user, "participations"),
        )

    def jsonld(self, record, data):
        return organisation_jsonld(data)
