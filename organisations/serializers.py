"""How organisations and sectors look in the API."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from coopdir.rest.serializers import (
    CountrySerializer,
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

from .models import (
    Duty,
    Membership,
    Organisation,
    OrganisationCountry,
    OrganisationName,
    Sector,
)


class SectorSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    parent = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    organisation_count = serializers.IntegerField(
        read_only=True,
        help_text="Published organisations in this sector or a sub-sector.",
    )
    mechanism_count = serializers.IntegerField(
        read_only=True,
        help_text="Published mechanisms in this sector or a sub-sector.",
    )

    class Meta:
        model = Sector
        fields = [
            "slug",
            "url",
            "name",
            "name_zh",
            "parent",
            "description",
            "organisation_count",
            "mechanism_count",
        ]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, sector):
        return api_url(self.context.get("request"), "api:sector-detail", sector.slug)


class OrganisationListSerializer(EntityListSerializer):
    view_name = "api:organisation-detail"

    class Meta:
        model = Organisation
        fields = EntityListSerializer.fields_list


class MembershipSerializer(serializers.ModelSerializer):
    organisation = OrganisationLinkSerializer(help_text="The body one is member of.")

    class Meta:
        model = Membership
        fields = ["organisation", "kind", "since_year", "source"]


class MemberSerializer(serializers.ModelSerializer):
    member = OrganisationLinkSerializer()

    class Meta:
        model = Membership
        fields = ["member", "kind", "since_year", "source"]


class ChildSerializer(serializers.ModelSerializer):
    slug = serializers.SlugField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Organisation
        fields = ["slug", "name", "url", "relation_to_parent"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, record):
        return api_url(
            self.context.get("request"), "api:organisation-detail", record.slug
        )


class HostedSecretariatSerializer(serializers.Serializer):
    """A secretariat this organisation hosts (read through the reverse relation)."""

    mechanism = MechanismLinkSerializer()
    role = serializers.CharField()
    side = serializers.CharField(allow_blank=True)
    notes = serializers.CharField(allow_blank=True)


class ParticipationSerializer(serializers.Serializer):
    mechanism = MechanismLinkSerializer()
    role = serializers.CharField()
    side = serializers.CharField(allow_blank=True)
    person_name = serializers.CharField(allow_blank=True)
    person_title = serializers.CharField(allow_blank=True)
    since_year = serializers.IntegerField(allow_null=True)
    since_month = serializers.IntegerField(allow_null=True)
    notes = serializers.CharField(allow_blank=True)


class OrganisationDetailSerializer(EntityDetailSerializer):
    view_name = "api:organisation-detail"
    hq_country = serializers.SerializerMethodField()
    regions_served = serializers.SerializerMethodField()
    children = ChildSerializer(many=True, read_only=True)
    duties = serializers.SerializerMethodField()
    memberships = MembershipSerializer(many=True, read_only=True)
    members = MemberSerializer(many=True, read_only=True)
    key_figures = FigureSerializer(many=True, read_only=True)
    secretariats = HostedSecretariatSerializer(many=True, read_only=True)
    participations = ParticipationSerializer(many=True, read_only=True)

    class Meta:
        model = Organisation
        fields = [
            *EntityDetailSerializer.fields_detail,
            "relation_to_parent",
            "governance",
            "hq_country",
            "hq_city",
            "regions_served",
            "duties",
            "memberships",
            "members",
            "key_figures",
            "secretariats",
            "participations",
        ]

    @extend_schema_field(CountrySerializer(allow_null=True))
    def get_hq_country(self, record):
        if not record.hq_country:
            return None
        return CountrySerializer(record.hq_country.code).data

    @extend_schema_field({"type": "array", "items": {"type": "string"}})
    def get_regions_served(self, record):
        return [row.region for row in record.regions_served.all()]

    @extend_schema_field({"type": "array", "items": {"type": "string"}})
    def get_duties(self, record):
        return [duty.text for duty in record.duties.all()]


class OrganisationWriteSerializer(EntityWriteSerializer):
    parent = serializers.SlugRelatedField(
        slug_field="slug",
        required=False,
        allow_null=True,
        queryset=Organisation.objects.all(),
    )
    duties = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="Duties and roles in their order; replaces the stored list.",
    )
    relations = (*EntityWriteSerializer.relations, "duties")
    country_model = OrganisationCountry
    name_model = OrganisationName
    country_fk = "organisation"

    class Meta:
        model = Organisation
        fields = [
            "slug",
            "name",
            "acronym",
            "native_name",
            "native_language",
            "kind",
            "parent",
            "relation_to_parent",
            "founded_year",
            "founded_month",
            "founded_day",
            "hq_country",
            "hq_city",
            "countries",
            "sectors",
            "website",
            "summary",
            "description",
            "status",
            "sources",
            "other_names",
            "duties",
        ]

    def save_relations(self, record, relations):
        if "duties" in relations:
            record.duties.all().delete()
            Duty.objects.bulk_create(
                Duty(organisation=record, position=position, text=text)
                for position, text in enumerate(relations["duties"])
            )
        if "countries" in relations and record.hq_country:
            # The headquarters country is always among the rows (Organisation.save).
            relations["countries"] = [*relations["countries"], record.hq_country.code]
        super().save_relations(record, relations)


def organisation_jsonld(data):
    """Return an organisation as schema.org Organization and W3C ORG."""
    hq = data["hq_country"]
    document = {
        **entity_jsonld(data),
        "@type": ["Organization", "org:FormalOrganization"],
        "address": compact(
            {
                "@type": "PostalAddress",
                "addressCountry": hq["code"] if hq else None,
                "addressLocality": data["hq_city"],
            }
        )
        if hq or data["hq_city"]
        else None,
        "parentOrganization": ref(data["parent"]),
        "org:subOrganizationOf": ref(data["parent"]),
        "subOrganization": [ref(child) for child in data["children"]],
        "org:hasSubOrganization": [ref(child) for child in data["children"]],
        "memberOf": [ref(m["organisation"]) for m in data["memberships"]],
        "member": [ref(m["member"]) for m in data["members"]],
        "org:purpose": data["duties"],
    }
    return compact(document)
