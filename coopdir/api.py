"""The API's URLs: /api/v1/ (router), /api/schema/ and /api/docs/, and the cross-app
endpoints (sectors with counts, countries with counts, search over both kinds)."""

from csp.decorators import csp_update
from django.db.models import Count, Q
from django.http import JsonResponse
from django.urls import include, path, re_path, reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from django.views.generic import RedirectView
from django_countries import countries
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import exceptions, serializers, viewsets
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from coopdir import search, unified
from coopdir.search import depth
from coopdir.search.facets import totals as facet_totals
from mechanisms.api import MechanismViewSet
from mechanisms.models import Mechanism
from mechanisms.serializers import MechanismListSerializer
from organisations.api import OrganisationViewSet
from organisations.filters import split_commas
from organisations.models import (
    REGION_BY_COUNTRY,
    Organisation,
    Sector,
    SectorTree,
)
from organisations.serializers import OrganisationListSerializer, SectorSerializer

from .rest import (
    APISchema,
    ContentETagMixin,
    FollowsOldSlugsMixin,
    JSONErrorsMixin,
    Pagination,
    SlugLookupMixin,
)
from .throttling import ThrottleFirstMixin

app_name = "api"


class ReadOnlyMixin(ThrottleFirstMixin, ContentETagMixin, JSONErrorsMixin):
    renderer_classes = [JSONRenderer]
    pagination_class = Pagination
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
class SectorViewSet(
    FollowsOldSlugsMixin,
    SlugLookupMixin,
    ReadOnlyMixin,
    viewsets.ReadOnlyModelViewSet,
):
    queryset = Sector.objects.select_related("parent")
    serializer_class = SectorSerializer

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
    kind = serializers.MultipleChoiceField(
        choices=sorted(unified.all_kinds()),
        required=False,
        help_text="The records' own kinds (either type's; repeatable). A type none "
        "of them belongs to drops out.",
    )
    literal = serializers.BooleanField(
        required=False,
        help_text="Take q as typed: no typo correction, no plurals, no country, "
        "region or sector words read as filters, no relaxing when nothing matches.",
    )
    ordering = serializers.ChoiceField(
        choices=unified.ORDERINGS,
        required=False,
        help_text="name, founded or updated; a leading - reverses. Default: relevance.",
    )


def search_parameters():
    """Return the schema's parameters: the query's, then the apps' filters."""
    names = {"q", "kind", "ordering", "literal"}
    parameters, seen = [SearchQuerySerializer], set()
    for _model, filterset_class in unified.TYPES.values():
        for name, field in filterset_class.base_filters.items():
            if name in names or name in seen:
                continue
            seen.add(name)
            description = str(field.label)
            if field.extra.get("help_text"):
                description += f": {field.extra['help_text']}"
            if name in ("scope", "organisation"):
                description += " (mechanisms only)"
            parameters.append(OpenApiParameter(name, str, description=description))
    return parameters


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


def string_list(description):
    return {"type": "array", "items": {"type": "string"}, "description": description}


INTERPRETED_SCHEMA = {
    "type": "object",
    "description": "What the search made of q (nothing with literal=1).",
    "properties": {
        "q": {"type": "string", "description": "The query as typed."},
        "searched": {
            "type": "string",
            "description": "The words searched: plurals stemmed, typos corrected, "
            "the words read as filters taken out.",
        },
        "country": string_list("Countries (ISO codes) q named, added as filters."),
        "country_words": string_list("The words read as those countries."),
        "region": string_list("Regions q named, added as filters."),
        "sector": string_list("Sectors (slugs) q named, added as filters."),
        "corrected": {
            "type": "string",
            "description": "q with its typos corrected; empty when none was.",
        },
        "relaxed": {
            "type": "string",
            "nullable": True,
            "description": "When all the words together found nothing, the words "
            "the results were found by (empty: by the filters alone); else null.",
        },
    },
    "required": [
        "q",
        "searched",
        "country",
        "country_words",
        "region",
        "sector",
        "corrected",
        "relaxed",
    ],
}


class SearchPagination(Pagination):
    """The lists' paging, with what the search understood beside the results."""

    def get_paginated_response_schema(self, schema):
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"]["interpreted"] = INTERPRETED_SCHEMA
        paginated["properties"]["notices"] = string_list(
            "What the search did to q and why, in words to show a reader (a "
            "filter read from a word, a correction, a relaxing, the paging cap)."
        )
        paginated["required"] = [
            *paginated.get("required", []),
            "interpreted",
            "notices",
        ]
        return paginated


@extend_schema_view(
    list=extend_schema(
        summary="Search organisations and mechanisms together",
        description="Ranked best first (name matches above text matches), "
        "case-insensitive; each result says its type. Takes the lists' filters "
        "(country, region, sector, kind, scope, founded_after, founded_before, "
        "ordering), meaning what they mean there; a filter only mechanisms have "
        f"(scope, organisation) leaves organisations out. Only the first "
        f"{depth.MAX_RESULTS:,} results are paged through.",
        parameters=search_parameters(),
    )
)
class SearchViewSet(ReadOnlyMixin, viewsets.GenericViewSet):
    serializer_class = SearchResultSerializer
    pagination_class = SearchPagination

    def list(self, request, *args, **kwargs):
        params = split_commas(request.query_params, ["type", "kind"])
        query = SearchQuerySerializer(data=params)
        query.is_valid(raise_exception=True)
        user = request.user
        querysets = {
            name: model.objects.visible_to(user)
            for name, (model, _f) in unified.TYPES.items()
        }
        filtersets, errors = unified.type_filtersets(params, querysets=querysets)
        if errors:
            raise exceptions.ValidationError(errors)
        literal = query.validated_data.get("literal", False)
        reading = unified.understand(params, literal=literal)
        filtersets, _errors = unified.type_filtersets(params, querysets=querysets)
        founds = {name: fs.found() for name, fs in filtersets.items()}
        empty = not sum(found.count() for found in founds.values())
        relaxed = not literal and empty and unified.relax(params, reading, querysets)
        if relaxed:
            params = relaxed
            filtersets, _errors = unified.type_filtersets(params, querysets=querysets)
            founds = {name: fs.found() for name, fs in filtersets.items()}
        ordering = query.validated_data.get("ordering", "")
        results = depth.Capped(
            unified.results(
                filtersets, ordering, founds, params.get("q", ""), reading.facet_names
            )
        )
        self.paginator.refuse_past_cap(request, results)
        page = self.paginate_queryset(results)
        hits = [(record, getattr(record, "search_rank", 0)) for record in page]
        response = self.get_paginated_response(
            self.get_serializer(hits, many=True).data
        )
        notices = [notice["text"] for notice in reading.notices]
        if results.cut:
            notices.append(depth.cap_message(results.total))
        response.data["interpreted"] = reading.as_json()
        response.data["notices"] = notices
        return response


# URLs --------------------------------------------------------------------------------


def not_found(request, *args, **kwargs):
    """Answer an unknown API address in JSON, as every other API error is."""
    return JsonResponse({"detail": str(_("Not found."))}, status=404)


def json_in_the_api(default, status, message):
    """Return an error view (handler400, …) answering JSON under /api/ and the
    site's own page elsewhere: errors raised before or outside DRF (a crash, a
    request Django refuses to read) are JSON too."""

    def view(request, *args, **kwargs):
        if request.path.startswith(reverse("api:index")):
            return JsonResponse({"detail": str(message)}, status=status)
        return default(request, *args, **kwargs)

    return view


bad_request = json_in_the_api(defaults.bad_request, 400, _("Bad request."))
permission_denied = json_in_the_api(
    defaults.permission_denied, 403, _("You do not have permission to do this.")
)
page_not_found = json_in_the_api(defaults.page_not_found, 404, _("Not found."))
server_error = json_in_the_api(
    defaults.server_error,
    500,
    _("Server error: it has been logged; please try again later."),
)


DESCRIPTION = """Directory of cooperative and trade organisations and the
international working mechanisms they run.

- **Reading** needs no credentials and sees published records. Every client is
  throttled (429 with `Retry-After`): anonymous ones per address, signed-in ones per
  user, and writes, allowed or refused, by a lower rate of their own.
- **Lists** are paged (`page`, `page_size` up to 100) with `count`, `next` and
  `previous`, through their first 10,000 results (the search: 1,000; a page past
  that is a 400 naming `page`: filter to go further); `facets=1` adds facet
  counts; `format=csv` gives one row per record
  (pages of up to 10,000 rows, with `Link` and `X-Total-Count`).
- **Filters** mean what they mean on the pages. Repeat a parameter or separate values
  by commas for any of several: `country=IT&country=FI` or `country=IT,FI`. A bad
  value is a 400 naming the parameter.
- **Details** are complete; `format=jsonld` (or `Accept: application/ld+json`) gives
  schema.org / W3C ORG JSON-LD. Key figures' values are exact decimal strings.
- **Caching**: every response has an `ETag` (lists and details also `Last-Modified`);
  send `If-None-Match` / `If-Modified-Since` for a 304.
- **Writes** need `Authorization: Token <key>` of a staff user with the model
  permission (tokens expire; an expired or revoked one answers 401); publishing
  needs the publish permission. Send `If-Match: <ETag>` to have a stale write
  refused (412).
"""


class SwaggerView(SpectacularSwaggerSplitView):
    """Swagger UI with its start-up script served from its own URL and no inline
    style, so that the page runs under the site's Content-Security-Policy."""

    template_name = "coopdir/swagger_ui.html"


# Swagger UI draws its icons from data: URLs in its stylesheet.
api_docs = csp_update({"img-src": ["'self'", "data:"]})(
    SwaggerView.as_view(url_name="api:schema")
)

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
    path("docs/", api_docs, name="docs"),
    re_path(r"^.*$", not_found),
]
