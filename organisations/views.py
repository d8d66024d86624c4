"""Public pages of organisations."""

from functools import wraps
from itertools import groupby

from django.db.models import Prefetch
from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from coopdir.throttling import filtered, rate_limited

from .charts import figure_charts
from .filters import OrganisationFilter
from .graph import organisation_graph, partner_countries
from .listing import Listing, sort_options
from .models import KeyFigure, Membership, OldSlug, Organisation, Status


@rate_limited(when=filtered)
def organisation_list(request):
    listing = Listing(
        request,
        OrganisationFilter,
        Organisation.objects.published().for_list(),
        ("country", "region", "sector", "kind"),
    )
    context = listing.context(
        request, sort_options(listing.params), reverse("api:organisation-list")
    )
    return render(request, "organisations/list.html", context)


def follows_old_slugs(records):
    """Decorate a detail view(request, slug) so that a slug a record had before it
    was renamed answers 301 to its current page, query kept; records(request): the
    records the view may show (a draft's old slug stays 404 for visitors)."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, slug, *args, **kwargs):
            try:
                return view(request, slug, *args, **kwargs)
            except Http404:
                record = OldSlug.find(records(request), slug)
                if record is None:
                    raise
            query = request.META.get("QUERY_STRING", "")
            url = record.get_absolute_url() + (f"?{query}" if query else "")
            return HttpResponsePermanentRedirect(url)

        return wrapper

    return decorate


def repeats(text, summary):
    """Whether text says nothing the summary above it has not said already."""

    def plain(value):
        return " ".join((value or "").casefold().rstrip(" .;").split())

    return bool(plain(text)) and plain(text) in plain(summary)


def record_downloads(api_name, record):
    """Return the downloads of an entity page: the record in the API, as JSON and
    as schema.org JSON-LD."""
    url = reverse(api_name, args=[record.slug])
    return [
        {
            "title": _("This record"),
            "links": [
                {"label": "JSON", "url": url, "type": "application/json"},
                {
                    "label": "JSON-LD",
                    "url": f"{url}?format=jsonld",
                    "type": "application/ld+json",
                },
            ],
        }
    ]


def visible(record, user):
    return record is not None and (
        record.status == Status.PUBLISHED or (user.is_active and user.is_staff)
    )


def figure_rows(figures):
    """Return [{period, scope, rows: [(figure, depth), …]}, …], parts under totals.

    A scope every figure of a period shares is given once, for the period.
    """
    figures = list(figures)
    by_parent = {}
    for figure in figures:
        by_parent.setdefault(figure.parent_id, []).append(figure)
    ids = {figure.pk for figure in figures}
    roots = [f for f in figures if f.parent_id is None or f.parent_id not in ids]

    def walk(figure, depth, seen):
        yield figure, depth
        for part in by_parent.get(figure.pk, []):
            if part.pk not in seen:
                yield from walk(part, depth + 1, seen | {part.pk})

    def period(figure):
        if figure.period == KeyFigure.Period.YEAR:
            return str(figure.year)
        if figure.as_of:
            return _("At present (as of %(date)s)") % {"date": figure.as_of}
        return _("At present")

    groups = []
    for label, group in groupby(roots, key=period):
        rows = [row for root in group for row in walk(root, 0, {root.pk})]
        scopes = {figure.scope for figure, _depth in rows}
        groups.append(
            {
                "period": label,
                "rows": rows,
                "scope": scopes.pop() if len(scopes) == 1 else "",
                "has_change": any(f.change_pct is not None for f, _depth in rows),
            }
        )
    return groups


def numbered_sources(sources, figures):
    """Return the record's sources and then its figures' others, numbering each
    figure's source (figure.source_number) for the table's references."""
    numbered = list(dict.fromkeys([*sources, *(f.source for f in figures)]))
    number = {source.pk: n for n, source in enumerate(numbered, start=1)}
    for figure in figures:
        figure.source_number = number[figure.source_id]
    return numbered


def mechanism_roles(organisation, user):
    """Return [(mechanism, [role description, …]), …] through reverse relations."""
    roles = {}
    for secretariat in organisation.secretariats.all():
        if visible(secretariat.mechanism, user):
            text = secretariat.get_role_display()
            if secretariat.side:
                text = _("%(role)s (%(side)s side)") % {
                    "role": text,
                    "side": secretariat.side.name,
                }
            roles.setdefault(secretariat.mechanism, []).append(text)
    for participation in organisation.participations.all():
        if visible(participation.mechanism, user):
            text = participation.get_role_display()
            if participation.person_name:
                text = f"{text}: {participation.person_name}"
                if participation.person_title:
                    text = f"{text}, {participation.person_title}"
            roles.setdefault(participation.mechanism, []).append(text)
    return sorted(roles.items(), key=lambda item: item[0].name.casefold())


def relation_graph(organisation, parent, children, user):
    """Return the organisation's RelationGraph from the rows the page prefetched:
    the mechanisms whose secretariat it hosts, those it otherwise takes part in,
    and their countries other than its own."""

    def by_name(mechanisms):
        shown = {m for m in mechanisms if visible(m, user)}
        return sorted(shown, key=lambda m: m.name.casefold())

    hosted = by_name(s.mechanism for s in organisation.secretariats.all())
    joined = by_name(
        p.mechanism
        for p in organisation.participations.all()
        if p.mechanism not in hosted
    )
    own = {row.country.code for row in organisation.countries.all()}
    if organisation.hq_country:
        own.add(organisation.hq_country.code)
    partners = partner_countries([*hosted, *joined], own)
    return organisation_graph(organisation, parent, children, hosted, joined, partners)


def json_ld_ref(request, record):
    """Return a schema.org Organization reference to a record with a public page."""
    return {
        "@type": "Organization",
        "name": record.name,
        "url": request.build_absolute_uri(record.get_absolute_url()),
    }


def json_ld_base(request, record):
    """Return the JSON-LD every entity page starts from: name, URL, other names."""
    data = {"@context": "https://schema.org", **json_ld_ref(request, record)}
    alternates = [record.acronym, record.native_name] + [
        name.name for name in record.other_names.all()
    ]
    if any(alternates):
        data["alternateName"] = [name for name in alternates if name]
    return data


def organisation_json_ld(request, organisation, children, members, memberships):
    def ref(other):
        return json_ld_ref(request, other)

    data = json_ld_base(request, organisation)
    if organisation.summary:
        data["description"] = organisation.summary
    if organisation.founded_display:
        data["foundingDate"] = organisation.founded_display
    if organisation.website:
        data["sameAs"] = organisation.website
    if organisation.hq_country:
        data["address"] = {
            "@type": "PostalAddress",
            "addressCountry": organisation.hq_country.code,
            **(
                {"addressLocality": organisation.hq_city}
                if organisation.hq_city
                else {}
            ),
        }
    if visible(organisation.parent, request.user):
        data["parentOrganization"] = ref(organisation.parent)
    if children:
        data["subOrganization"] = [ref(child) for child in children]
    if members:
        data["member"] = [ref(m.member) for m in members]
    if memberships:
        data["memberOf"] = [ref(m.organisation) for m in memberships]
    return data


@follows_old_slugs(lambda request: Organisation.objects.visible_to(request.user))
def organisation_detail(request, slug):
    user = request.user
    shown = Organisation.objects.visible_to(user)
    organisation = get_object_or_404(
        shown.select_related("parent").prefetch_related(
            "other_names",
            "countries",
            "regions_served",
            "sectors",
            "sources",
            "duties",
            Prefetch("children", queryset=shown.order_by("relation_to_parent", "name")),
            Prefetch(
                "members",
                queryset=Membership.objects.visible_to(user, "member").select_related(
                    "member"
                ),
            ),
            Prefetch(
                "memberships",
                queryset=Membership.objects.visible_to(
                    user, "organisation"
                ).select_related("organisation"),
            ),
            Prefetch(
                "key_figures",
                queryset=KeyFigure.objects.select_related("source", "sector"),
            ),
            "secretariats__mechanism__countries",
            "participations__mechanism__countries",
        ),
        slug=slug,
    )
    children = list(organisation.children.all())
    members = list(organisation.members.all())
    memberships = list(organisation.memberships.all())
    figures = list(organisation.key_figures.all())
    figure_groups = figure_rows(figures)
    parent = organisation.parent if visible(organisation.parent, user) else None
    context = {
        "organisation": organisation,
        "parent": parent,
        "children_by_relation": [
            (key, list(group))
            for key, group in groupby(
                children,
                key=lambda c: c.get_relation_to_parent_display() or _("Other"),
            )
        ],
        "members": members,
        "memberships": memberships,
        "figure_groups": figure_groups,
        "charts": figure_charts(figure_groups),
        "graph": relation_graph(organisation, parent, children, user),
        "sources": numbered_sources(organisation.sources.all(), figures),
        "mechanism_roles": mechanism_roles(organisation, user),
        "duties": [
            duty
            for duty in organisation.duties.all()
            if not repeats(duty.text, organisation.summary)
        ],
        "json_ld": organisation_json_ld(
            request, organisation, children, members, memberships
        ),
        "downloads": record_downloads("api:organisation-detail", organisation),
    }
    return render(request, "organisations/detail.html", context)
