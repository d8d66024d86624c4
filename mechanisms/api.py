"""The mechanisms endpoint of the API."""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from coopdir.rest import APISchema, EntityViewSetMixin
from coopdir.search import FACETS
from organisations.api import FACETS_PARAMETER, is_staff
from organisations.models import Status

from .filters import MechanismFilter
from .models import Mechanism, MechanismFigure, Participant, Secretariat
from .serializers import (
    MechanismDetailSerializer,
    MechanismListSerializer,
    MechanismWriteSerializer,
    mechanism_jsonld,
)


@extend_schema_view(
    list=extend_schema(
        summary="List mechanisms",
        description="Published mechanisms (staff also see drafts), filtered as on the "
        "pages. Repeat a parameter or separate values by commas for any of several "
        "(country=IT&country=FI or country=IT,FI). organisation= finds those a body "
        "hosts a secretariat of or takes part in. format=csv gives one row per "
        "mechanism. ETag / Last-Modified allow If-None-Match / If-Modified-Since.",
        parameters=[FACETS_PARAMETER],
    ),
    retrieve=extend_schema(
        summary="One mechanism, complete",
        description="format=jsonld (or Accept: application/ld+json) gives schema.org "
        "and W3C ORG JSON-LD. The ETag also serves If-Match on writes.",
        responses={
            (200, "application/json"): MechanismDetailSerializer,
            (200, "application/ld+json"): {"type": "object"},
        },
    ),
    create=extend_schema(
        summary="Create a mechanism (token, staff, add permission)",
        responses={201: MechanismDetailSerializer},
    ),
    update=extend_schema(
        summary="Replace a mechanism's own fields (token, change permission)",
        responses={200: MechanismDetailSerializer},
    ),
    partial_update=extend_schema(
        summary="Change some fields of a mechanism (token, change permission)",
        responses={200: MechanismDetailSerializer},
    ),
    destroy=extend_schema(
        summary="Delete a mechanism (token, staff, delete permission)",
    ),
)
class MechanismViewSet(EntityViewSetMixin, viewsets.ModelViewSet):
    queryset = Mechanism.objects.all()
    filterset_class = MechanismFilter
    list_serializer_class = MechanismListSerializer
    detail_serializer_class = MechanismDetailSerializer
    write_serializer_class = MechanismWriteSerializer
    facets = (*FACETS, "scope")
    schema = APISchema()

    def with_details(self, queryset):
        user = self.request.user
        secretariats = Secretariat.objects.select_related("organisation")
        participants = Participant.objects.select_related("organisation")
        if not is_staff(user):
            secretariats = secretariats.filter(organisation__status=Status.PUBLISHED)
            participants = participants.filter(organisation__status=Status.PUBLISHED)
        return queryset.select_related("parent").prefetch_related(
            "other_names",
            "countries",
            "sectors",
            "sources",
            "subnational_participants",
            Prefetch(
                "children",
                Mechanism.objects.visible_to(user).order_by("name"),
            ),
            Prefetch("secretariats", secretariats),
            Prefetch("participants", participants),
            Prefetch("figures", MechanismFigure.objects.select_related("sector")),
        )

    def jsonld(self, record, data):
        return mechanism_jsonld(data)
