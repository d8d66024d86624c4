"""What both kinds of record share in the API: links, list items, details, writes.

organisations/serializers.py and mechanisms/serializers.py build on these.
"""

import copy

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from organisations.models import (
    REGION_BY_COUNTRY,
    NameKind,
    Sector,
    Source,
    Status,
)

from .access import full_clean_or_400


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
        return sorted(str(row.country) for row in record.listed_countries())

    @extend_schema_field(
        {"type": "array", "items": {"type": "string"}, "description": "Sector slugs"}
    )
    def get_sectors(self, record):
        return sorted(sector.slug for sector in record.listed_sectors())


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
        reindex(record)
        return record

    def update(self, record, validated_data):
        relations = {
            k: validated_data.pop(k) for k in self.relations if k in validated_data
        }
        for key, value in validated_data.items():
            setattr(record, key, value)
        record.save()
        self.save_relations(record, relations)
        reindex(record)
        return record


def reindex(record):
    """Index the record again: its country and name rows were bulk-created, which
    sends no signals, and the search index must hold them (filters, facets)."""
    from coopdir.search import engine

    engine.index_records(type(record), [record.pk])


JSONLD_CONTEXT = {
    "@vocab": "https://schema.org/",
    "org": "http://www.w3.org/ns/org#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
}


def ref(link):
    return {"@id": link["url"], "name": link["name"]} if link else None


def compact(document):
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
            compact({"@type": "CreativeWork", "name": s["title"], "url": s["url"]})
            for s in data["sources"]
        ],
        "dateModified": data["updated_at"],
    }
