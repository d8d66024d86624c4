"""Cross-app pages: home, unified search, countries, sectors, robots.txt."""

import logging

from django.conf import settings
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.db.models import Count, Q
from django.http import HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe
from django_countries import countries

from mechanisms.models import Mechanism, MechanismCountry
from organisations.listing import (
    FACET_LABELS,
    PAGE_SIZE,
    clean_params,
    facet_groups,
    label_language,
    listing_context,
    sort_options,
)
from organisations.models import Organisation, OrganisationCountry, Sector, Status
from organisations.regions import REGION_BY_COUNTRY, Region
from organisations.views import follows_old_slugs

from . import search, unified
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
    organisations, mechanisms = published["organisation"], published["mechanism"]
    kind_counts = {
        name: [
            {
                "label": model.Kind(row["kind"]).label,
                "count": row["n"],
                "url": f"{reverse(f'{name}s:list')}?kind={row['kind']}",
            }
            for row in published[name]
            .values("kind")
            .annotate(n=Count("pk"))
            .order_by("-n", "kind")
        ]
        for name, (model, _filter) in TYPES.items()
    }
    sectors = (
        Sector.objects.filter(parent=None)
        .annotate(
            n_org=Count(
                "organisations",
                filter=Q(organisations__status=Status.PUBLISHED),
                distinct=True,
            ),
            n_mech=Count(
                "mechanisms",
                filter=Q(mechanisms__status=Status.PUBLISHED),
                distinct=True,
            ),
        )
        .order_by("name")
    )
    org_facets = search.facet_counts(organisations, ["country", "region"])
    mech_regions = search.facet_counts(mechanisms, ["region"])["region"]
    recent = sorted(
        [
            *organisations.order_by("-updated_at")[:6],
            *mechanisms.order_by("-updated_at")[:6],
        ],
        key=lambda record: record.updated_at,
        reverse=True,
    )[:8]
    context = {
        "organisation_count": organisations.count(),
        "mechanism_count": mechanisms.count(),
        "kind_counts": kind_counts,
        "sectors": [s for s in sectors if s.n_org or s.n_mech],
        "regions": merge_rows([org_facets["region"], mech_regions]),
        "countries": org_facets["country"][:PREVIEW],
        "recent": recent,
    }
    return render(request, "coopdir/home.html", context)


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
    records = unified.Capped(
        unified.results(filtersets, ordering, founds, searched.get("q", ""))
    )
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    if records.cut and not page.has_next():
        messages.append(unified.cap_message(records.total))
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
    # Taking the words as typed holds for this search, not the next one typed.
    context["hidden_filters"] = [
        (key, value) for key, value in context["hidden_filters"] if key != "literal"
    ]
    return render(request, "coopdir/search.html", context)


def country_table():
    """Return every country with a published record and its counts, by region."""
    published = Q(organisation__status=Status.PUBLISHED)
    hq = dict(
        Organisation.objects.published()
        .exclude(hq_country="")
        .values_list("hq_country")
        .annotate(n=Count("pk"))
        .order_by()
    )
    active = dict(
        OrganisationCountry.objects.filter(published)
        .values_list("country")
        .annotate(n=Count("organisation", distinct=True))
        .order_by()
    )
    mechanisms = dict(
        MechanismCountry.objects.filter(mechanism__status=Status.PUBLISHED)
        .values_list("country")
        .annotate(n=Count("mechanism", distinct=True))
        .order_by()
    )
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


def country_list(request):
    return render(request, "coopdir/country_list.html", {"regions": country_table()})


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
    by_sector = search.facet_counts(located, ["sector"])
    list_url = reverse("organisations:list")
    context = {
        "narrow_title": _("Organisations in this country, by sector"),
        "narrow": [
            {
                **row,
                "url": f"{list_url}?country={code}&sector={row['value']}",
                "lang": label_language("sector", row["value"]),
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
                ),
                (
                    _("Mechanisms it takes part in"),
                    involved,
                    f"{reverse('mechanisms:list')}?country={code}",
                ),
            ]
        ),
        "all_organisations_url": f"{reverse('organisations:list')}?country={code}",
    }
    return render(request, "coopdir/country_detail.html", context)


def preview_sections(sections):
    """Return [{title, records, count, more_url}] with the first records of each,
    leaving out the empty ones (a heading over nothing tells a reader nothing)."""
    result = []
    for title, queryset, more_url in sections:
        records = list(queryset[: PREVIEW + 1])
        count = len(records) if len(records) <= PREVIEW else queryset.count()
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
    sectors = Sector.objects.select_related("parent").annotate(
        n_org=Count(
            "organisations",
            filter=Q(organisations__status=Status.PUBLISHED),
            distinct=True,
        ),
        n_mech=Count(
            "mechanisms", filter=Q(mechanisms__status=Status.PUBLISHED), distinct=True
        ),
    )
    by_parent = {}
    for sector in sectors:
        by_parent.setdefault(sector.parent_id, []).append(sector)
    tree = [(top, by_parent.get(top.pk, [])) for top in by_parent.get(None, [])]
    return render(request, "coopdir/sector_list.html", {"tree": tree})


@rate_limited()
@follows_old_slugs(lambda request: Sector.objects.all())
def sector_detail(request, slug):
    sector = get_object_or_404(
        Sector.objects.select_related("parent").prefetch_related("children"),
        slug=slug,
    )
    query = f"?sector={sector.slug}"
    organisations = Organisation.objects.published().for_list().in_sector(sector)
    by_country = search.facet_counts(organisations, ["country"])
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
