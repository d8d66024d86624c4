"""How organisations, sectors and sources look in the API."""

import copy

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from coopdir.rest import full_clean_or_400

from .models import (
    REGION_BY_COUNTRY,
    Duty,
    Membership,
    NameKind,
    Organisation,
    OrganisationCountry,
    OrganisationName,
    Sector,
    Source,
    Status,
)


def is_visible(request, record):
    user = getattr(request, "user", None)
    staff = bool(user and user.is_active and user.is_staff)
    return staff or record.status == Status.PUBLISHED


def api_url(request, name, slug):
    # Django's reverse, not DRF's: a link must not carry this response's ?format=.
    url = reverse(name, args=[slug])
    return request.build_absolute_uri(url) if request else url


def page_url(request, record):
    url = record.get_absolute_url()
    return request.build_absolute_uri(url) if request else url


class ExactDecimalField(serializers.DecimalField):
    """A decimal as an exact string at full magnitude, without trailing zeros."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 28)
        kwargs.setdefault("decimal_places", 4)
        super().__init__(**kwargs)

    def to_representation(self, value):
        if value is None:
            return None
        text = format(value.normalize(), "f")
        return text


class CountrySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    region = serializers.CharField(allow_null=True)

    def to_representation(self, instance):
        # A country row, a django-countries Country, or a plain code.
        code = getattr(instance, "country", instance)
        code = str(getattr(code, "code", code))
        return {
            "code": code,
            "name": str(countries.name(code)),
            "region": REGION_BY_COUNTRY.get(code),
        }


class LinkSerializer(serializers.Serializer):
    """A short reference to another record: enough to show and follow it."""

    slug = serializers.SlugField()
    name = serializers.CharField()
    url = serializers.URLField()

    view_name = None

    def __init__(self, *args, view_name=None, **kwargs):
        self.view_name = view_name or self.view_name
        super().__init__(*args, **kwargs)

    def to_representation(self, instance):
        return {
            "slug": instance.slug,
            "name": instance.name,
            "url": api_url(self.context.get("request"), self.view_name, instance.slug),
        }


class OrganisationLinkSerializer(LinkSerializer):
    view_name = "api:organisation-detail"


class MechanismLinkSerializer(LinkSerializer):
    view_name = "api:mechanism-detail"


class SectorLinkSerializer(LinkSerializer):
    view_name = "api:sector-detail"


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


class SourceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Source
        fields = ["id", "title", "publisher", "url", "accessed_on", "excerpt"]


class EntityListSerializer(serializers.ModelSerializer):
    """The compact list item both kinds share."""

    url = serializers.SerializerMethodField()
    web_url = serializers.SerializerMethodField()
    countries = serializers.SerializerMethodField()
    sectors = serializers.SerializerMethodField()
    founded = serializers.CharField(source="founded_display", read_only=True)

    fields_list = [
        "slug",
        "url",
        "web_url",
        "name",
        "acronym",
        "kind",
        "countries",
        "sectors",
        "founded",
        "summary",
    ]
    view_name = None

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, record):
        return api_url(self.context.get("request"), self.view_name, record.slug)

    @extend_schema_field(OpenApiTypes.URI)
    def get_web_url(self, record):
        return page_url(self.context.get("request"), record)

    @extend_schema_field(
        {"type": "array", "items": {"type": "string"}, "description": "ISO codes"}
    )
    def get_countries(self, record):
        return sorted(str(row.country) for row in record.countries.all())

    @extend_schema_field(
        {"type": "array", "items": {"type": "string"}, "description": "Sector slugs"}
    )
    def get_sectors(self, record):
        return sorted(sector.slug for sector in record.sectors.all())


class OrganisationListSerializer(EntityListSerializer):
    view_name = "api:organisation-detail"

    class Meta:
        model = Organisation
        fields = EntityListSerializer.fields_list


class OtherNameSerializer(serializers.Serializer):
    name = serializers.CharField()
    language = serializers.CharField()
    kind = serializers.CharField()


class FigureSerializer(serializers.Serializer):
    """A key figure: the value is an exact decimal string at full magnitude."""

    id = serializers.IntegerField()
    label = serializers.CharField()
    metric = serializers.CharField()
    period = serializers.CharField()
    year = serializers.IntegerField(allow_null=True)
    as_of = serializers.DateField(allow_null=True)
    scope = serializers.CharField()
    segment = serializers.CharField()
    sector = serializers.CharField(source="sector.slug", allow_null=True)
    parent = serializers.IntegerField(source="parent_id", allow_null=True)
    value = ExactDecimalField()
    qualifier = serializers.CharField()
    unit = serializers.CharField()
    change_pct = ExactDecimalField(allow_null=True)
    source = serializers.IntegerField(source="source_id")
    value_display = serializers.CharField()


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


class EntityDetailSerializer(EntityListSerializer):
    """What both kinds' details share beyond the list item."""

    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    countries = CountrySerializer(many=True, read_only=True)
    sectors = SectorLinkSerializer(many=True, read_only=True)
    other_names = OtherNameSerializer(many=True, read_only=True)
    sources = SourceSerializer(many=True, read_only=True)
    parent = serializers.SerializerMethodField()

    fields_detail = [
        *EntityListSerializer.fields_list,
        "kind_label",
        "native_name",
        "native_language",
        "other_names",
        "parent",
        "children",
        "founded_year",
        "founded_month",
        "founded_day",
        "website",
        "description",
        "sources",
        "status",
        "version",
        "created_at",
        "updated_at",
    ]
    parent_link = OrganisationLinkSerializer

    @extend_schema_field(OrganisationLinkSerializer(allow_null=True))
    def get_parent(self, record):
        parent = record.parent
        if parent is None or not is_visible(self.context.get("request"), parent):
            return None
        return self.parent_link(parent, context=self.context).data


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


class CountryCodesField(serializers.ListField):
    child = serializers.ChoiceField(choices=list(countries))


class OtherNameWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=300)
    language = serializers.CharField(max_length=15, required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=NameKind.choices)


class EntityWriteSerializer(serializers.ModelSerializer):
    """Create and update a record's own fields, sectors, sources, countries and names.

    Validated as the admin validates: the model's full_clean, constraints included.
    A list given (countries, other_names, …) replaces the stored one.
    """

    other_names = OtherNameWriteSerializer(many=True, required=False)

    sectors = serializers.SlugRelatedField(
        slug_field="slug", many=True, required=False, queryset=Sector.objects.all()
    )
    sources = serializers.PrimaryKeyRelatedField(
        many=True, required=False, queryset=Source.objects.all()
    )
    countries = CountryCodesField(required=False, help_text="ISO 3166-1 alpha-2 codes.")

    relations = ("sectors", "sources", "countries", "other_names")
    country_model = None
    name_model = None

    def validate_other_names(self, names):
        seen = [name["name"] for name in names]
        if len(seen) != len(set(seen)):
            raise serializers.ValidationError(_("A name is given twice."))
        return names

    def validate(self, attrs):
        own = {key: value for key, value in attrs.items() if key not in self.relations}
        # A copy: a refused change must leave the instance as it was read.
        record = copy.copy(self.instance) if self.instance else self.Meta.model()
        for key, value in own.items():
            setattr(record, key, value)
        full_clean_or_400(record, exclude=self.relations)
        return attrs

    def save_relations(self, record, relations):
        for name in ("sectors", "sources"):
            if name in relations:
                getattr(record, name).set(relations[name])
        if "countries" in relations:
            codes = set(relations["countries"])
            record.countries.exclude(country__in=codes).delete()
            have = {str(row.country) for row in record.countries.all()}
            self.country_model.objects.bulk_create(
                self.country_model(**{self.country_fk: record, "country": code})
                for code in sorted(codes - have)
            )
        if "other_names" in relations:
            record.other_names.all().delete()
            self.name_model.objects.bulk_create(
                self.name_model(**{self.country_fk: record, **name})
                for name in relations["other_names"]
            )

    def create(self, validated_data):
        relations = {
            k: validated_data.pop(k) for k in self.relations if k in validated_data
        }
        record = self.Meta.model(**validated_data)
        record.save()
        self.save_relations(record, relations)
        return record

    def update(self, record, validated_data):
        relations = {
            k: validated_data.pop(k) for k in self.relations if k in validated_data
        }
        for key, value in validated_data.items():
            setattr(record, key, value)
        record.save()
        self.save_relations(record, relations)
        return record


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


JSONLD_CONTEXT = {
    "@vocab": "https://schema.org/",
    "org": "http://www.w3.org/ns/org#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
}


def _ref(link):
    return {"@id": link["url"], "name": link["name"]} if link else None


def _compact(document):
    return {
        key: value for key, value in document.items() if value not in (None, "", [])
    }


def entity_jsonld(data):
    """Return the JSON-LD both kinds share, from their detail representation."""
    other = [data["acronym"], data["native_name"]]
    other += [name["name"] for name in data["other_names"]]
    return {
        "@context": JSONLD_CONTEXT,
        "@id": data["url"],
        "url": data["web_url"],
        "identifier": data["slug"],
        "name": data["name"],
        "alternateName": [name for name in other if name],
        "description": data["summary"],
        "foundingDate": data["founded"],
        "sameAs": data["website"],
        "areaServed": [
            {"@type": "Country", "identifier": c["code"], "name": c["name"]}
            for c in data["countries"]
        ],
        "knowsAbout": [sector["name"] for sector in data["sectors"]],
        "citation": [
            _compact({"@type": "CreativeWork", "name": s["title"], "url": s["url"]})
            for s in data["sources"]
        ],
        "dateModified": data["updated_at"],
    }


def organisation_jsonld(data):
    """Return an organisation as schema.org Organization and W3C ORG."""
    hq = data["hq_country"]
    document = {
        **entity_jsonld(data),
        "@type": ["Organization", "org:FormalOrganization"],
        "address": _compact(
            {
                "@type": "PostalAddress",
                "addressCountry": hq["code"] if hq else None,
                "addressLocality": data["hq_city"],
            }
        )
        if hq or data["hq_city"]
        else None,
        "parentOrganization": _ref(data["parent"]),
        "org:subOrganizationOf": _ref(data["parent"]),
        "subOrganization": [_ref(child) for child in data["children"]],
        "org:hasSubOrganization": [_ref(child) for child in data["children"]],
        "memberOf": [_ref(m["organisation"]) for m in data["memberships"]],
        "member": [_ref(m["member"]) for m in data["members"]],
        "org:purpose": data["duties"],
    }
    return _compact(document)
