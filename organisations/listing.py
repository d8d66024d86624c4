"""The faceted listing the list pages of both apps and the unified search share.

GET parameters are cleaned, run through the app's FilterSet (the one the API uses
too), and turned into facets with counts, removable chips, sort choices and
pagination links that keep the filters.
"""

from django.core.paginator import Paginator
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

from coopdir import search
from coopdir.search.depth import Capped, cap_message

from .models import SectorTree
from .regions import Region

PAGE_SIZE = 20
FACET_LABELS = {
    "type": gettext_lazy("Type"),
    "country": gettext_lazy("Country"),
    "region": gettext_lazy("Region"),
    "sector": gettext_lazy("Sector"),
    "kind": gettext_lazy("Kind"),
    "scope": gettext_lazy("Scope"),
}
# Parameters that choose how to show results rather than which: never chips.
VIEW_PARAMS = ("q", "ordering", "page")


def clean_params(query_dict):
    """Return GET parameters as the filters should see them, and notes for the user.

    NUL bytes go (no database stores them), empty values go (an empty form field
    means "any"), and an over-long query is shortened rather than ignored.
    """
    params, notes = QueryDict(mutable=True), []
    for key, values in query_dict.lists():
        kept = [v.replace("\x00", "") for v in values]
        if key in FACET_LABELS:
            # The FilterSets also read country=IT,FI as two values; so do the facets.
            kept = [part for v in kept for part in v.split(",")]
        kept = list(dict.fromkeys(v.strip() for v in kept if v.strip()))
        if kept:
            params.setlist(key.replace("\x00", ""), kept)
    query = params.get("q", "")
    if len(query) > search.MAX_QUERY_LENGTH:
        params["q"] = query[: search.MAX_QUERY_LENGTH]
        notes.append(
            _("Your search was shortened to its first %(n)s characters.")
            % {"n": search.MAX_QUERY_LENGTH}
        )
    return params, notes


def url_with(params, **changes):
    """Return "?…" for params with changes applied (None removes a key)."""
    new = params.copy()
    for key, value in changes.items():
        if value is None:
            new.pop(key, None)
        elif isinstance(value, list):
            new.setlist(key, value)
        else:
            new[key] = value
    if "page" not in changes:
        new.pop("page", None)
    encoded = new.urlencode()
    return f"?{encoded}" if encoded else "?"


def toggle_urls(params, key, values):
    """Return {value: the URL that selects value of facet key, or unselects it}.

    The URLs are url_with's, but the other parameters are encoded once, not once
    per value: a list page shows ~50 values, and copying and encoding the whole
    query for each took ~9% of the page's time."""
    selected = params.getlist(key)
    before, after = QueryDict(mutable=True), QueryDict(mutable=True)
    side = before
    for name, given in params.lists():
        if name == key:
            side = after
        elif name != "page":
            side.setlist(name, given)
    before, after = before.urlencode(), after.urlencode()
    urls = {}
    for value in values:
        if value in selected:
            new = [v for v in selected if v != value]
        else:
            new = [*selected, value]
        own = QueryDict(mutable=True)
        own.setlist(key, new)
        encoded = "&".join(part for part in (before, own.urlencode(), after) if part)
        urls[value] = f"?{encoded}"
    return urls


def valid_params(filterset, params, facets):
    """Drop the parameters the filterset refused, returning messages naming them."""
    messages = []
    if filterset.is_valid():
        return messages
    for name, errors in filterset.errors.items():
        label = FACET_LABELS.get(name) or filterset.filters[name].label or name
        for error in errors:
            messages.append(f"{label}: {error}")
        params.pop(name, None)
    return messages


def value_label(facet, value):
    """Return the label of a selected value that has no count in the result set."""
    if facet == "country":
        return countries.name(value) or value
    if facet == "region":
        return str(Region(value).label) if value in Region.values else value
    if facet == "sector":
        sector = SectorTree.current().by_slug.get(value)
        return sector.label if sector else value
    return value


def label_language(facet, value, tree=None):
    """Return the language of a facet value's label when it may not be the page's:
    a sector with no Chinese name shows its English one (tree: the SectorTree, when
    the caller labels many values and has it already)."""
    if facet != "sector":
        return ""
    sector = (tree or SectorTree.current()).by_slug.get(value)
    return sector.label_language if sector else ""


def facet_groups(params, counts, facets, labels=None):
    """Return the facets to show: each value with its count, state and toggle URL."""
    labels = labels or {}
    groups = []
    for facet in facets:
        rows = list(counts.get(facet, []))
        selected = params.getlist(facet)
        present = {row["value"] for row in rows}
        for value in selected:
            if value not in present:
                label = labels.get((facet, value)) or value_label(facet, value)
                rows.append({"value": value, "label": label, "count": 0})
        # Read once for the group: each read asks the index's version.
        tree = SectorTree.current() if facet == "sector" and rows else None
        urls = toggle_urls(params, facet, [row["value"] for row in rows])
        values = [
            {
                **row,
                "selected": row["value"] in selected,
                "url": urls[row["value"]],
                "lang": label_language(facet, row["value"], tree),
            }
            for row in rows
        ]
        if values:
            groups.append(
                {"name": facet, "label": FACET_LABELS[facet], "values": values}
            )
    return groups


def chips(params, groups):
    """Return the selected filters, each with the URL that removes it."""
    found = []
    for group in groups:
        for value in group["values"]:
            if value["selected"]:
                found.append(
                    {
                        "facet": group["label"],
                        "label": value["label"],
                        "lang": value["lang"],
                        "url": value["url"],
                    }
                )
    return found


def choice_labels(filterset):
    """Return {(facet, value): label} for the facets whose values are choices."""
    labels = {}
    for facet in ("kind", "scope"):
        if facet in filterset.filters:
            for value, label in filterset.filters[facet].extra["choices"]:
                labels[(facet, value)] = str(label)
    return labels


class Listing:
    """One FilterSet over cleaned GET parameters, with facet counts for its results.

    A facet's own values are counted with that facet's filter removed, so that its
    other values stay selectable (values OR within a facet, AND across facets).
    """

    def __init__(self, request, filterset_class, queryset, facets):
        self.filterset_class, self.queryset, self.facets = (
            filterset_class,
            queryset,
            facets,
        )
        self.params, self.messages = clean_params(request.GET)
        self.filterset = filterset_class(self.params, queryset=queryset)
        self.messages += valid_params(self.filterset, self.params, facets)
        self.results = self.filterset.found()
        self.labels = choice_labels(self.filterset)

    def facet_counts(self):
        counts = self.results.facet_counts(self.facets)
        self.approximate = counts.approximate or self.results.approximate
        return counts

    def context(self, request, sorts, api_url=None):
        """Return the page's context; api_url: the API list the page's records are
        downloaded from, with the same filters."""
        records = Capped(self.results)
        # Past the cap the last page it allows, saying why: no read deeper than it.
        page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
        if records.cut and not page.has_next():
            self.messages.append(cap_message(records.total))
        groups = facet_groups(
            self.params, self.facet_counts(), self.facets, self.labels
        )
        context = listing_context(self.params, page, groups, self.messages, sorts)
        context["result_count"] = records.total
        context["approximate"] = self.approximate
        if api_url:
            links = data_links(api_url, self.params, self.filterset.filters)
            context["downloads"] = [{"title": _("These results"), "links": links}]
        return context


def sort_options(params):
    """Return the sort choices: relevance only means something for a query."""
    options = [
        ("", _("Relevance") if params.get("q") else _("Name (A–Z)")),
    ]
    if params.get("q"):
        options.append(("name", _("Name (A–Z)")))
    options += [
        ("-name", _("Name (Z–A)")),
        ("founded", _("Founding year (oldest first)")),
        ("-founded", _("Founding year (newest first)")),
    ]
    return options


def suggestion(params, result_count):
    """Return ("did you mean" query, its URL) when a query found nothing."""
    query = params.get("q", "")
    if result_count or not query:
        return "", ""
    better = search.suggest(query)
    return (better, url_with(params, q=better)) if better else ("", "")


def mark_matches(records, query, terms=None):
    """Give each record on the page its name and text with the query's words marked.

    The query is planned once for the page (or comes planned with the results), so
    marking costs no query per record.
    """
    terms = search.plan(query) if terms is None else terms
    for record in records:
        record.marked_name = search.highlight(record.name, query, terms=terms)
        record.marked_acronym = search.highlight(record.acronym, query, terms=terms)
        record.marked_native_name = search.highlight(
            record.native_name, query, terms=terms
        )
        record.snippet = search.snippet(record, query, terms=terms)


def listing_context(params, page, groups, messages, sorts):
    if params.get("q"):
        terms = getattr(page.paginator.object_list, "terms", None)
        mark_matches(page.object_list, params["q"], terms or None)
    hidden = [
        (key, value)
        for key, values in params.lists()
        if key not in VIEW_PARAMS
        for value in values
    ]
    return {
        "page_obj": page,
        "results": page.object_list,
        "result_count": page.paginator.count,
        "facet_groups": groups,
        "suggestion": suggestion(params, page.paginator.count),
        "chips": chips(params, groups),
        "filter_summary": ", ".join(
            str(chip["label"]) for chip in chips(params, groups)
        ),
        "clear_url": url_with(params, **{g["name"]: None for g in groups}),
        "messages_list": messages,
        "query": params.get("q", ""),
        "ordering": params.get("ordering", ""),
        "sort_options": sorts,
        # Links, not a form: one click sorts, with the filters kept (issue #21 found
        # the sort form's extra button click; links need no script either).
        "sort_links": [
            (label, url_with(params, ordering=value or None), value == current)
            for current in [params.get("ordering", "")]
            for value, label in sorts
        ],
        "hidden_filters": hidden,
        "hidden_with_query": hidden + [("q", params["q"])]
        if params.get("q")
        else hidden,
        "prev_url": url_with(params, page=str(page.previous_page_number()))
        if page.has_previous()
        else "",
        "next_url": url_with(params, page=str(page.next_page_number()))
        if page.has_next()
        else "",
        "canonical_query": canonical_query(params),
    }


def canonical_query(params):
    """Return the filters that define a result set, without view choices."""
    query = url_with(params, ordering=None, page=None)
    return "" if query == "?" else query


def data_links(api_url, params=None, keys=(), csv=True):
    """Return [{label, url, type}]: the API's answer to the page, as JSON (and CSV).

    Only the parameters in keys are carried (the page's own, such as `page`, mean
    nothing there), each with every value the page has, so the download holds the
    records the page lists.
    """
    kept = QueryDict(mutable=True)
    for key in keys:
        if params is not None and params.getlist(key):
            kept.setlist(key, params.getlist(key))
    query = kept.urlencode()
    joined = f"{api_url}?{query}&" if query else f"{api_url}?"
    links = [
        {
            "label": "JSON",
            "url": f"{api_url}?{query}" if query else api_url,
            "type": "application/json",
        }
    ]
    if csv:
        links.append({"label": "CSV", "url": f"{joined}format=csv", "type": "text/csv"})
    return links
