"""How mechanisms look in the API."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from coopdir.rest.serializers import (
    EntityDetailSerializer,
    EntityListSerializer,
    EntityWriteSerializer,
    FigureSerializer,
    MechanismLinkSerializer,
    OrganisationLinkSerializer,
    api_url,
    compact,
    entity_jsonld,
    ref,
)

from .models import Mechanism, MechanismCountry, MechanismName


class MechanismListSerializer(EntityListSerializer):
    view_name = "api:mechanism-detail"

    class Meta:
        model = Mechanism
        fields = [*EntityListSerializer.fields_list, "scope"]


class SubnationalSerializer(serializers.Serializer):
    name = serializers.CharField()
    native_name = serializers.CharField(allow_blank=True)
    kind = serializers.CharField()
    country = serializers.CharField()


class SecretariatSerializer(serializers.Serializer):
    organisation = OrganisationLinkSerializer()
    role = serializers.CharField()
    side = serializers.CharField(allow_blank=True)
    notes = serializers.CharField(allow_blank=True)


class ParticipantSerializer(serializers.Serializer):
    organisation = OrganisationLinkSerializer()
    role = serializers.CharField()
    side = serializers.CharField(allow_blank=True)
    person_name = serializers.CharField(allow_blank=True)
    person_title = serializers.CharField(allow_blank=True)
    since_year = serializers.IntegerField(allow_null=True)
    since_month = serializers.IntegerField(allow_null=True)
    notes = serializers.CharField(allow_blank=True)


class MechanismChildSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Mechanism
        fields = ["slug", "name", "url", "kind"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, record):
        return api_url(self.context.get("request"), "api:mechanism-detail", record.slug)


class MechanismDetailSerializer(EntityDetailSerializer):
    view_name = "api:mechanism-detail"
    parent_link = MechanismLinkSerializer
    children = MechanismChildSerializer(many=True, read_only=True)
    origin_date = serializers.CharField(source="origin_display", read_only=True)
    subnational_participants = SubnationalSerializer(many=True, read_only=True)
    secretariats = SecretariatSerializer(many=True, read_only=True)
    participants = ParticipantSerializer(many=True, read_only=True)
    figures = FigureSerializer(many=True, read_only=True)

    class Meta:
        model = Mechanism
        fields = [
            *EntityDetailSerializer.fields_detail,
            "scope",
            "origin",
            "origin_event",
            "origin_instrument",
            "origin_year",
            "origin_month",
            "origin_date",
            "purpose",
            "subnational_participants",
            "secretariats",
            "participants",
            "figures",
        ]

    @extend_schema_field(MechanismLinkSerializer(allow_null=True))
    def get_parent(self, record):
        return super().get_parent(record)


class MechanismWriteSerializer(EntityWriteSerializer):
    parent = serializers.SlugRelatedField(
        slug_field="slug",
        required=False,
        allow_null=True,
        queryset=Mechanism.objects.all(),
    )
    country_model = MechanismCountry
    name_model = MechanismName
    country_fk = "mechanism"

    class Meta:
        model = Mechanism
        fields = [
            "slug",
            "name",
            "acronym",
            "native_name",
            "native_language",
            "kind",
            "scope",
            "parent",
            "founded_year",
            "founded_month",
            "founded_day",
            "origin",
            "origin_event",
            "origin_instrument",
            "origin_year",
            "origin_month",
            "countries",
            "sectors",
            "purpose",
            "summary",
            "description",
            "website",
            "status",
            "sources",
            "other_names",
        ]


def mechanism_jsonld(data):
    """Return a mechanism as a schema.org Organization and a W3C ORG organisation."""
    hosts = [ref(s["organisation"]) for s in data["secretariats"]]
    document = {
        **entity_jsonld(data),
        "@type": ["Organization", "org:Organization"],
        "disambiguatingDescription": data["kind_label"],
        "parentOrganization": ref(data["parent"]),
        "org:subOrganizationOf": ref(data["parent"]),
        "subOrganization": [ref(child) for child in data["children"]],
        "org:purpose": data["purpose"],
        "member": [
            compact(
                {
                    "@type": "OrganizationRole",
                    "roleName": p["role"],
                    "member": ref(p["organisation"]),
                    "name": p["person_name"],
                }
            )
            for p in data["participants"]
        ],
        "org:hasSite": hosts,
    }
    return compact(document)
