"""The API's URLs: /api/v1/ (router), /api/schema/ and /api/docs/, and the cross-app
endpoints (sectors with counts, countries with counts, search over both kinds)."""

from django.db.models import Count, Q
from django.http import JsonResponse
from django.urls import include, path, re_path, reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from django_countries import countries
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerView,
)
from rest_framework import exceptions, serializers, viewsets
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from coopdir import search
from coopdir.search.facets import totals as facet_totals
from mechanisms.api import MechanismViewSet
from mechanisms.models import Mechanism
from mechanisms.serializers import MechanismListSerializer
from organisations.api import OrganisationViewSet
from organisations.models import (
    REGION_BY_COUNTRY,
    Organisation,
    Sector,
    SectorTree,
)
from organisations.serializers import OrganisationListSerializer, SectorSerializer

from .rest import AnonThrottle, APISchema, ContentETagMixin, JSONErrorsMixin, Pagination

app_name = "api"


class ReadOnlyMixin(ContentETagMixin, JSONErrorsMixin):
    renderer_classes = [JSONRenderer]
    pagination_class = Pagination
    throttle_classes = [AnonThrottle]
    permission_classes = []
    filter_backends = []
    schema = APISchema()


# Sectors -----------------------------------------------------------------------------


def count_in_sectors(queryset, sectors, tree):
    """Return {sector pk: records of queryset in it or a sub-sector}, in one query
    (tree: the SectorTree)."""
    if not sectors:
        return {}
    counts = queryset.order_by().aggregate(
        **{
            f"s{sector.pk}": Count(
                "pk", filter=Q(sectors__in=tree.descendants(sector.pk)), distinct=True
            )
            for sector in sectors
        }
    )
    return {sector.pk: counts[f"s{sector.pk}"] for sector in sectors}


@extend_schema_view(
    list=extend_schema(
        summary="List sectors",
        description="Every sector with the number of published organisations and "
        "mechanisms in it or one of its sub-sectors (what ?sector= finds).",
    ),
    retrieve=extend_schema(summary="One sector, with its counts"),
)
class SectorViewSet(ReadOnlyMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Sector.objects.select_related("parent")
    serializer_class = SectorSerializer
    lookup_field = "slug"
    lookup_value_regex = r"[^/]+"

    def with_counts(self, sectors):
        # Built here, not SectorTree.current(): one query, where the kept tree
        # costs a read of the index's version besides when it is not yet kept.
        tree = SectorTree(Sector.objects.only("pk", "parent", "slug"))
        organisations = count_in_sectors(
            Organisation.objects.published(), sectors, tree
        )
        mechanisms = count_in_sectors(Mechanism.objects.published(), sectors, tree)
        for sector in sectors:
            sector.organisation_count = organisations[sector.pk]
            sector.mechanism_count = mechanisms[sector.pk]
        return sectors

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        data = self.get_serializer(self.with_counts(page), many=True).data
        return self.get_paginated_response(data)

    def retrieve(self, request, *args, **kwargs):
        sector = self.with_counts([self.get_object()])[0]
        return Response(self.get_serializer(sector).data)


# Countries ---------------------------------------------------------------------------


class CountryCountSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="ISO 3166-1 alpha-2")
    name = serializers.CharField()
    name_zh = serializers.CharField()
    region = serializers.CharField(allow_null=True)
    organisation_count = serializers.IntegerField()
    mechanism_count = serializers.IntegerField()
    organisations = serializers.URLField(help_text="Its organisations in the API.")
    mechanisms = serializers.URLField(help_text="Its mechanisms in the API.")


def country_counts(code=None):
    """Return {code: [organisations, mechanisms]} of published records by country,
    from the totals the search index keeps on write (no record is read)."""
    result = {}
    for position, model in enumerate((Organisation, Mechanism)):
        for row in facet_totals(model, ["country"])["country"]:
            if code is None or row["value"] == code:
                result.setdefault(row["value"], [0, 0])[position] = row["count"]
    return result


def country_row(request, code, counts):
    with translation.override("zh-hans"):
        name_zh = str(countries.name(code))
    organisations = request.build_absolute_uri(reverse("api:organisation-list"))
    mechanisms = request.build_absolute_uri(reverse("api:mechanism-list"))
    return {
        "code": code,
        "name": str(countries.name(code)),
        "name_zh": name_zh,
        "region": REGION_BY_COUNTRY.get(code),
        "organisation_count": counts[0],
        "mechanism_count": counts[1],
        "organisations": f"{organisations}?country={code}",
        "mechanisms": f"{mechanisms}?country={code}",
    }


@extend_schema_view(
    list=extend_schema(
        summary="List countries",
        description="Every country with at least one published organisation or "
        "mechanism, with how many of each, by English name.",
    ),
    retrieve=extend_schema(
        summary="One country, with its counts",
        parameters=[
            OpenApiParameter(
                "code",
                str,
                OpenApiParameter.PATH,
                description="ISO 3166-1 alpha-2 code, e.g. CN.",
            )
        ],
    ),
)
class CountryViewSet(ReadOnlyMixin, viewsets.GenericViewSet):
    serializer_class = CountryCountSerializer
    lookup_field = "code"
    lookup_value_regex = r"[^/]+"

    def list(self, request, *args, **kwargs):
        counts = country_counts()
        rows = sorted(
            (country_row(request, code, n) for code, n in counts.items()),
            key=lambda row: row["name"],
        )
        return self.get_paginated_response(self.paginate_queryset(rows, request, self))

    def paginate_queryset(self, queryset, request=None, view=None):
        return self.paginator.paginate_queryset(queryset, self.request, view=self)

    def retrieve(self, request, code=None, *args, **kwargs):
        code = str(code).upper()
        if code not in countries:
            raise exceptions.NotFound(
                _("Unknown country code: use ISO 3166-1 alpha-2.")
            )
        counts = country_counts(code).get(code, [0, 0])
        return Response(country_row(request, code, counts))


# Search ------------------------------------------------------------------------------


class SearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(
        max_length=search.MAX_QUERY_LENGTH,
        help_text="Words to find in names (every language), acronyms and texts.",
    )
    type = serializers.MultipleChoiceField(
        choices=["organisation", "mechanism"],
        required=False,
        help_text="Only these kinds of record (repeatable); default both.",
    )


class SearchResultSerializer(serializers.Serializer):
    type = serializers.ChoiceField(
        choices=["organisation", "mechanism"],
        help_text="Which kind of record this is.",
    )
    rank = serializers.IntegerField(help_text="Higher is a better match.")
    slug = serializers.SlugField()
    url = serializers.URLField()
    web_url = serializers.URLField()
    name = serializers.CharField()
    acronym = serializers.CharField()
    kind = serializers.CharField(help_text="The record's own kind, e.g. federation.")
    countries = serializers.ListField(child=serializers.CharField())
    sectors = serializers.ListField(child=serializers.CharField())
    founded = serializers.CharField()
    summary = serializers.CharField()

    def to_representation(self, hit):
        record, rank = hit
        if isinstance(record, Organisation):
            kind, serializer = "organisation", OrganisationListSerializer
        else:
            kind, serializer = "mechanism", MechanismListSerializer
        data = serializer(record, context=self.context).data
        data.pop("scope", None)
        return {"type": kind, "rank": rank, **data}


@extend_schema_view(
    list=extend_schema(
        summary="Search organisations and mechanisms together",
        description="Ranked best first (name matches above text matches), "
        "case-insensitive; each result says its type.",
        parameters=[SearchQuerySerializer],
    )
)
class SearchViewSet(ReadOnlyMixin, viewsets.GenericViewSet):
    serializer_class = SearchResultSerializer

    def list(self, request, *args, **kwargs):
        query = SearchQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        user = request.user
        kinds = query.validated_data.get("type") or {"organisation", "mechanism"}
        querysets = [
            model.objects.visible_to(user).for_list()
            for name, model in (
                ("organisation", Organisation),
                ("mechanism", Mechanism),
            )
            if name in kinds
        ]
        page = self.paginate_queryset(
            search.RankedHits(query.validated_data["q"], querysets)
        )
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


# URLs --------------------------------------------------------------------------------


def not_found(request, *args, **kwargs):
    """Answer an unknown API address in JSON, as every other API error is."""
    return JsonResponse({"detail": str(_("Not found."))}, status=404)


DESCRIPTION = """Directory of cooperative and trade organisations and the
international working mechanisms they run.

- **Reading** needs no credentials and sees published records; anonymous clients
  are throttled (429 with `Retry-After`).
- **Lists** are paged (`page`, `page_size` up to 100) with `count`, `next` and
  `previous`; `facets=1` adds facet counts; `format=csv` gives one row per record
  (pages of up to 10,000 rows, with `Link` and `X-Total-Count`).
- **Filters** mean what they mean on the pages. Repeat a parameter or separate values
  by commas for any of several: `country=IT&country=FI` or `country=IT,FI`. A bad
  value is a 400 naming the parameter.
- **Details** are complete; `format=jsonld` (or `Accept: application/ld+json`) gives
  schema.org / W3C ORG JSON-LD. Key figures' values are exact decimal strings.
- **Caching**: every response has an `ETag` (lists and details also `Last-Modified`);
  send `If-None-Match` / `If-Modified-Since` for a 304.
- **Writes** need `Authorization: Token <key>` of a staff user with the model
  permission; publishing needs the publish permission. Send `If-Match: <ETag>` to
  have a stale write refused (412).
"""

router = DefaultRouter()
router.include_format_suffixes = False
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("mechanisms", MechanismViewSet, basename="mechanism")
router.register("sectors", SectorViewSet, basename="sector")
router.register("countries", CountryViewSet, basename="country")
router.register("search", SearchViewSet, basename="search")

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="api:docs"), name="index"),
    path("v1/", include(router.urls)),
    path(
        "schema/",
        SpectacularAPIView.as_view(custom_settings={"DESCRIPTION": DESCRIPTION}),
        name="schema",
    ),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    re_path(r"^.*$", not_found),
]
