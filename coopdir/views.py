"""Cross-app pages: home, unified search, countries, sectors, robots.txt."""

import logging

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.db.models import Count
from django.http import (
    HttpResponse,
    HttpResponsePermanentRedirect,
    JsonResponse,
    QueryDict,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe
from django_countries import countries

from mechanisms.models import Mechanism
from organisations.filters import OrganisationFilter
from organisations.listing import (
    FACET_LABELS,
    PAGE_SIZE,
    clean_params,
    data_links,
    facet_groups,
    label_language,
    listing_context,
    sort_options,
)
from organisations.models import Organisation, Sector, SectorTree
from organisations.regions import REGION_BY_COUNTRY, Region
from organisations.views import follows_old_slugs

from . import search, unified
from .search import depth
from .search.facets import totals as facet_totals
from .throttling import rate_limited
from .unified import TYPES, type_filtersets

UNIFIED_FACETS = ("type", "country", "region", "sector", "kind")
PREVIEW = 12


def _published():
    return {
        "organisation": Organisation.objects.published(),
        "mechanism": Mechanism.objects.published(),
    }


def home(request):
    published = _published()
    # Every count comes from the totals the search index keeps on write: the page
    # reads a few hundred rows however large the directory is.
    totals = {
        name: facet_totals(model, ["country", "region", "sector", "kind"])
        for name, (model, _filter) in TYPES.items()
    }
    kind_counts = {
        name: [
            {**row, "url": f"{reverse(f'{name}s:list')}?kind={row['value']}"}
            for row in totals[name]["kind"]
        ]
        for name in TYPES
    }
    sectors = annotated_sectors(totals, Sector.objects.filter(parent=None))
    # Organisations and mechanisms together, as the search filtered by the country
    # counts them (any of a record's countries): the map's link lands there.
    search_url = reverse("search")
    by_country = [
        {**row, "url": f"{search_url}?country={row['value']}"}
        for row in merge_rows(
            [totals["organisation"]["country"], totals["mechanism"]["country"]]
        )
    ]
    recent = sorted(
        [
            *published["organisation"].order_by("-updated_at")[:6],
            *published["mechanism"].order_by("-updated_at")[:6],
        ],
        key=lambda record: record.updated_at,
        reverse=True,
    )[:8]
    context = {
        "organisation_count": totals["organisation"].total,
        "mechanism_count": totals["mechanism"].total,
        "kind_counts": kind_counts,
        "sectors": [s for s in sectors if s.n_org or s.n_mech],
        "regions": merge_rows(
            [totals["organisation"]["region"], totals["mechanism"]["region"]]
        ),
        "countries": by_country[:PREVIEW],
        "by_country": by_country,
        "recent": recent,
    }
    return render(request, "coopdir/home.html", context)


def annotated_sectors(totals, sectors):
    """Return sectors, each with n_org and n_mech: the published records filed
    directly under it, from totals ({type: facet_totals with "sector"})."""
    counts = {
        name: {row["value"]: row["count"] for row in totals[name]["sector"]}
        for name in TYPES
    }
    sectors = list(sectors)
    for sector in sectors:
        sector.n_org = counts["organisation"].get(sector.slug, 0)
        sector.n_mech = counts["mechanism"].get(sector.slug, 0)
    return sectors


def merge_rows(row_lists):
    """Return facet rows from several record types, counts summed per value."""
    merged = {}
    for rows in row_lists:
        for row in rows:
            if row["value"] in merged:
                merged[row["value"]]["count"] += row["count"]
            else:
                merged[row["value"]] = dict(row)
    return sorted(merged.values(), key=lambda r: (-r["count"], r["label"]))


def type_founds(params):
    """Return {type: its results as the index answers them} for the allowed types."""
    filtersets, _errors = type_filtersets(params)
    return {name: fs.found() for name, fs in filtersets.items()}


def validate_unified(params):
    """Drop unknown types and kinds and invalid filters, returning messages."""
    messages = []
    for key, unknown in unified.unknown_choices(params).items():
        messages.append(
            _("%(facet)s: unknown value %(values)s.")
            % {"facet": FACET_LABELS[key], "values": ", ".join(unknown)}
        )
        params.setlist(key, [v for v in params.getlist(key) if v not in unknown])
        if not params.getlist(key):
            params.pop(key)
    _filtersets, errors = type_filtersets(params)
    for field, field_errors in errors.items():
        label = FACET_LABELS.get(field, field)
        messages += [f"{label}: {error}" for error in field_errors]
        params.pop(field, None)
    return messages


def merged_counts(founds, facets):
    """Return facet counts over several record types, summed per value."""
    per_type = [
        found.facet_counts(facets, leave_own_out=False) for found in founds.values()
    ]
    return {
        facet: merge_rows([counts.get(facet, []) for counts in per_type])
        for facet in facets
    }, any(counts.approximate for counts in per_type)


def unified_counts(params, founds=None):
    """Return (facet counts, whether any are estimates) for the unified search.

    founds: the results of params (type_founds), when the caller has them.
    """
    selected = [f for f in UNIFIED_FACETS if params.getlist(f)]
    unselected = [f for f in UNIFIED_FACETS if f not in selected and f != "type"]
    founds = type_founds(params) if founds is None else founds
    counts, approximate = (
        merged_counts(founds, unselected) if unselected else ({}, False)
    )
    for facet in selected:
        without = params.copy()
        without.pop(facet)
        others = type_founds(without)
        if facet == "type":
            founds = others
        else:
            found, estimated = merged_counts(others, [facet])
            counts.update(found)
            approximate = approximate or estimated
    counts["type"] = []
    for name, found in founds.items():
        if count := found.count():
            counts["type"].append(
                {
                    "value": name,
                    "label": str(TYPES[name][0]._meta.verbose_name_plural).capitalize(),
                    "count": count,
                }
            )
            approximate = approximate or found.approximate
    return counts, approximate


@rate_limited()
def search_page(request):
    params, messages = clean_params(request.GET)
    messages += validate_unified(params)
    literal = bool(params.get("literal"))
    reading = unified.understand(params, literal=literal)
    ordering = params.get("ordering", "")
    if ordering not in dict(sort_options(params)):
        messages.append(_("Unknown sort order: %(o)s.") % {"o": ordering})
        params.pop("ordering")
        ordering = ""
    searched = params
    filtersets, _errors = type_filtersets(searched)
    founds = {name: fs.found() for name, fs in filtersets.items()}
    empty = not sum(found.count() for found in founds.values())
    relaxed = empty and not literal and unified.relax(params, reading)
    if relaxed:
        searched = relaxed
        filtersets, _errors = type_filtersets(searched)
        founds = {name: fs.found() for name, fs in filtersets.items()}
    records = depth.Capped(
        unified.results(
            filtersets, ordering, founds, searched.get("q", ""), reading.facet_names
        )
    )
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    if records.cut and not page.has_next():
        messages.append(depth.cap_message(records.total))
    labels = {
        ("kind", value): str(label)
        for model, _f in TYPES.values()
        for value, label in model.Kind.choices
    }
    labels.update(
        {
            ("type", name): str(model._meta.verbose_name_plural).capitalize()
            for name, (model, _f) in TYPES.items()
        }
    )
    counts, approximate = unified_counts(searched, founds)
    groups = facet_groups(params, counts, UNIFIED_FACETS, labels)
    context = listing_context(params, page, groups, messages, sort_options(params))
    context["approximate"] = approximate
    context["notices"] = reading.notices
    # The heading names the words the results were found by, not those that found
    # nothing (the box keeps them as typed).
    context["relaxed"] = bool(relaxed)
    # The API search reads the same parameters the same way (understanding, relaxing).
    keys = ["q", "type", "kind", "literal", "ordering", *sorted(unified.FILTER_NAMES)]
    context["downloads"] = [
        {
            "title": _("These results"),
            "links": data_links(reverse("api:search-list"), params, keys, csv=False),
        }
    ]
    context["relaxed_query"] = searched.get("q", "")
    # Taking the words as typed holds for this search, not the next one typed.
    context["hidden_filters"] = [
        (key, value) for key, value in context["hidden_filters"] if key != "literal"
    ]
    return render(request, "coopdir/search.html", context)


def country_table():
    """Return every country with a published record and its counts, by region."""
    active, mechanisms = (
        {
            row["value"]: row["count"]
            for row in facet_totals(model, ["country"])["country"]
        }
        for model in (Organisation, Mechanism)
    )
    hq = headquarters_counts()
    codes = set(hq) | set(active) | set(mechanisms)
    rows = sorted(
        (
            {
                "code": code,
                "name": countries.name(code),
                "region": REGION_BY_COUNTRY.get(code),
                "hq": hq.get(code, 0),
                "active": active.get(code, 0),
                "mechanisms": mechanisms.get(code, 0),
            }
            for code in codes
        ),
        key=lambda row: row["name"],
    )
    return [
        (region.label, [row for row in rows if row["region"] == region])
        for region in Region
        if any(row["region"] == region for row in rows)
    ]


def headquarters_counts():
    """Return {country code: published organisations headquartered there}.

    Headquarters are not among the index's totals: one grouped query over the
    column's index, kept until the next write raises the index version (numbers
    only, so one copy serves every language)."""
    key = f"coopdir:hq-counts:{search.engine.version()}"
    counts = cache.get(key)
    if counts is None:
        counts = dict(
            Organisation.objects.published()
            .exclude(hq_country="")
            .values_list("hq_country")
            .annotate(n=Count("pk"))
            .order_by()
        )
        cache.set(key, counts, 600)
    return counts


def facet_downloads(api_url, facet, value):
    """Return the downloads of a country's or a sector's page: its counts, and its
    organisations and mechanisms as the lists filtered by it give them."""
    params = QueryDict(mutable=True)
    params[facet] = value
    return [
        {"title": _("Its counts"), "links": data_links(api_url, csv=False)},
        {
            "title": _("Its organisations"),
            "links": data_links(reverse("api:organisation-list"), params, [facet]),
        },
        {
            "title": _("Its mechanisms"),
            "links": data_links(reverse("api:mechanism-list"), params, [facet]),
        },
    ]


def every_row(api_name):
    return [
        {"title": _("This list"), "links": data_links(reverse(api_name), csv=False)}
    ]


def country_list(request):
    regions = country_table()
    # The map counts what the home's does: organisations and mechanisms.
    by_country = sorted(
        (
            {
                "value": row["code"],
                "label": str(row["name"]),
                "count": row["active"] + row["mechanisms"],
                "url": reverse("countries:detail", args=[row["code"]]),
            }
            for _region, rows in regions
            for row in rows
        ),
        key=lambda row: (-row["count"], row["label"]),
    )
    context = {
        "regions": regions,
        "by_country": by_country,
        "downloads": every_row("api:country-list"),
    }
    return render(request, "coopdir/country_list.html", context)


@rate_limited()
def country_detail(request, code):
    clean = code.replace("\x00", "").upper()
    if clean not in countries:
        return render(
            request,
            "404.html",
            {
                "message": _("There is no country with the code “%(code)s”.")
                % {"code": code}
            },
            status=404,
        )
    if clean != code:
        return redirect("countries:detail", code=clean, permanent=True)
    organisations = Organisation.objects.published().for_list()
    mechanisms = Mechanism.objects.published().for_list()
    # "In a country" means as the country filter has it: any of a record's
    # countries, its headquarters among them; the countries table counts the same.
    located = organisations.in_country(code)
    involved = mechanisms.in_country(code)
    # One grouped query counts every facet: the countries come with the sectors.
    by_sector = search.facet_counts(located, ["sector", "country"])
    # Section counts from the totals kept on write, not a count of the country's rows.
    in_country = {
        model: {
            row["value"]: row["count"]
            for row in facet_totals(model, ["country"])["country"]
        }
        for model in (Organisation, Mechanism)
    }
    list_url = reverse("organisations:list")
    tree = SectorTree.current()
    context = {
        "narrow_title": _("Organisations in this country, by sector"),
        "narrow": [
            {
                **row,
                "url": f"{list_url}?country={code}&sector={row['value']}",
                "lang": label_language("sector", row["value"], tree),
            }
            for row in by_sector["sector"]
        ],
        "code": code,
        "name": countries.name(code),
        "region": REGION_BY_COUNTRY.get(code),
        "sections": preview_sections(
            [
                (
                    _("Organisations in this country"),
                    located,
                    f"{reverse('organisations:list')}?country={code}",
                    in_country[Organisation].get(code, 0),
                ),
                (
                    _("Mechanisms it takes part in"),
                    involved,
                    f"{reverse('mechanisms:list')}?country={code}",
                    in_country[Mechanism].get(code, 0),
                ),
            ]
        ),
        "all_organisations_url": f"{reverse('organisations:list')}?country={code}",
        "partners": partner_rows(code, by_sector, involved),
        "downloads": facet_downloads(
            reverse("api:country-detail", args=[code]), "country", code
        ),
    }
    return render(request, "coopdir/country_detail.html", context)


def partner_rows(code, organisation_counts, mechanisms):
    """Return map rows for a country's page: each country sharing a published
    organisation or mechanism with it, by how many, linking to its own page; the
    country itself with all of its records, linking to the search filtered by it.

    organisation_counts: facet counts (with "country") of the organisations in
    code; mechanisms: the mechanisms involving it (one grouped query)."""
    rows = merge_rows(
        [
            organisation_counts["country"],
            search.facet_counts(mechanisms, ["country"])["country"],
        ]
    )
    search_url = reverse("search")
    return [
        {
            **row,
            "url": f"{search_url}?country={code}"
            if row["value"] == code
            else reverse("countries:detail", args=[row["value"]]),
        }
        for row in rows
    ]


def preview_sections(sections):
    """Return [{title, records, count, more_url}] with the first records of each,
    leaving out the empty ones (a heading over nothing tells a reader nothing).

    sections: (title, queryset or search results, more_url[, count]): a count
    known already (from totals) spares counting the section's rows.
    """
    result = []
    for title, records_of, more_url, *known in sections:
        records = list(records_of[: PREVIEW + 1])
        if len(records) <= PREVIEW:
            count = len(records)
        else:
            count = known[0] if known else records_of.count()
        if not count:
            continue
        result.append(
            {
                "title": title,
                "records": records[:PREVIEW],
                "count": count,
                "more_url": more_url if count > PREVIEW else None,
            }
        )
    return result


def sector_list(request):
    totals = {
        name: facet_totals(model, ["sector"]) for name, (model, _f) in TYPES.items()
    }
    sectors = annotated_sectors(totals, Sector.objects.all())
    by_parent = {}
    for sector in sectors:
        by_parent.setdefault(sector.parent_id, []).append(sector)
    tree = [(top, by_parent.get(top.pk, [])) for top in by_parent.get(None, [])]
    context = {"tree": tree, "downloads": every_row("api:sector-list")}
    return render(request, "coopdir/sector_list.html", context)


@rate_limited()
@follows_old_slugs(lambda request: Sector.objects.all())
def sector_detail(request, slug):
    sector = get_object_or_404(
        Sector.objects.select_related("parent").prefetch_related("children"),
        slug=slug,
    )
    query = f"?sector={sector.slug}"
    # Read through the search index, as the list filtered by this sector is: a
    # page of records and a count bounded by the page (estimated past a limit).
    organisations = OrganisationFilter(
        QueryDict(f"sector={sector.slug}"),
        queryset=Organisation.objects.published().for_list(),
    ).found()
    by_country = organisations.facet_counts(["country"], leave_own_out=False)
    list_url = reverse("organisations:list")
    context = {
        "sector": sector,
        "narrow_title": _("Organisations in this sector, by country"),
        "narrow": [
            {**row, "url": f"{list_url}{query}&country={row['value']}"}
            for row in by_country["country"]
        ],
        "sections": preview_sections(
            [
                (_("Organisations"), organisations, list_url + query),
                (
                    _("Mechanisms"),
                    Mechanism.objects.published().for_list().in_sector(sector),
                    reverse("mechanisms:list") + query,
                ),
            ]
        ),
        "downloads": facet_downloads(
            reverse("api:sector-detail", args=[sector.slug]), "sector", sector.slug
        ),
    }
    return render(request, "coopdir/sector_detail.html", context)


@require_GET
def favicon(request):
    # Looked up per request: the static files' manifest may not exist at import.
    return HttpResponsePermanentRedirect(static("favicon.svg"))


@require_GET
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /api/",
        "Disallow: /search/",
        *(
            f"Disallow: /{code}/search/"
            for code, _name in settings.LANGUAGES
            if code != settings.LANGUAGE_CODE
        ),
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


@never_cache
@require_safe
def healthz(request):
    """Answer 200 while the database answers, 503 when it does not, so that a load
    balancer stops sending requests to an app server that cannot serve them."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        logging.getLogger(__name__).exception("healthz: the database is unreachable")
        return JsonResponse({"database": "unreachable"}, status=503)
    return JsonResponse({"database": "ok"})
