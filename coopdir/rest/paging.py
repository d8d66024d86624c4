"""Page-number paging with a capped page size, and the facets switch."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination

from coopdir import search
from coopdir.search.depth import cap_message
from coopdir.search.found import EXACT_LIMIT

TRUE_VALUES = {"1", "true", "yes", "on"}
FALSE_VALUES = {"", "0", "false", "no", "off"}


class Pagination(PageNumberPagination):
    """Page-number paging; page_size is capped, a CSV download takes big pages."""

    django_paginator_class = search.CachedCountPaginator
    page_size_query_param = "page_size"
    max_page_size = 100
    csv_page_size = 10_000
    page_query_description = _("Page number, from 1.")
    page_size_query_description = _("Results per page (at most 100; CSV: 10,000).")

    def get_page_size(self, request):
        if getattr(request, "accepted_renderer", None) and (
            request.accepted_renderer.format == "csv"
        ):
            requested = _positive_int(request.query_params.get("page_size"))
            return min(requested or self.csv_page_size, self.csv_page_size)
        return super().get_page_size(request)

    def paginate_queryset(self, queryset, request, view=None):
        page = request.query_params.get(self.page_query_param)
        if page not in (None, "", "last") and _positive_int(page) is None:
            raise exceptions.ValidationError(
                {"page": [_("A page number is a whole number from 1.")]}
            )
        return super().paginate_queryset(queryset, request, view)

    def refuse_past_cap(self, request, results):
        """Refuse a page past the cap of results (a coopdir.search.depth.Capped),
        naming `page`, rather than a bare 404 or a read that deep."""
        number = str(request.query_params.get(self.page_query_param, "1")).strip()
        size = self.get_page_size(request)
        if number.isdigit() and int(number) > 1 and size:
            if (int(number) - 1) * size >= results.limit and results.cut:
                raise exceptions.ValidationError(
                    {"page": [cap_message(results.total, results.limit)]}
                )

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        results = self.page.paginator.object_list
        # Past EXACT_LIMIT matches a search's count is estimated (coopdir.search.found).
        estimate = bool(getattr(results, "approximate", False))
        # A capped list pages through its first results but counts them all.
        total = getattr(results, "total", None)
        if self.request.accepted_renderer.format != "csv":
            if total is not None:
                response.data["count"] = total
            response.data["count_is_estimate"] = estimate
        else:
            response["X-Total-Count-Is-Estimate"] = "true" if estimate else "false"
            links = [
                f'<{url}>; rel="{rel}"'
                for rel, url in (
                    ("next", self.get_next_link()),
                    ("prev", self.get_previous_link()),
                )
                if url
            ]
            if links:
                response["Link"] = ", ".join(links)
            response["X-Total-Count"] = str(
                self.page.paginator.count if total is None else total
            )
        return response

    def get_paginated_response_schema(self, schema):
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"]["facets"] = FACETS_SCHEMA
        paginated["properties"]["count_is_estimate"] = {
            "type": "boolean",
            "description": f"Whether count is an estimate: past {EXACT_LIMIT:,} "
            "matches of a search it is estimated from a sample (facet counts too).",
        }
        return paginated


def _positive_int(value):
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


FACETS_SCHEMA = {
    "type": "object",
    "description": "Only with facets=1: for each facet, the values in the whole "
    "result set with the number of records carrying each, largest first.",
    "additionalProperties": {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "value": {"type": "string"},
                "label": {"type": "string"},
                "count": {"type": "integer"},
            },
            "required": ["value", "label", "count"],
        },
    },
}


def wants_facets(request):
    value = request.query_params.get("facets", "").strip().lower()
    if value in TRUE_VALUES:
        return True
    if value in FALSE_VALUES:
        return False
    raise exceptions.ValidationError({"facets": [_("Use facets=1 or facets=0.")]})
