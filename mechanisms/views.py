"""Public pages of mechanisms."""

from itertools import groupby

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from coopdir.throttling import filtered, rate_limited
from organisations.charts import figure_charts
from organisations.graph import (
    RelationGraph,
    country_node,
    linked_country,
)
from organisations.listing import Listing, sort_options
from organisations.templatetags.directory import name_html
from organisations.views import (
    figure_rows,
    follows_old_slugs,
    json_ld_base,
    json_ld_ref,
    numbered_sources,
    record_downloads,
    repeats,
    visible,
)

from .filters import MechanismFilter
from .models import Mechanism, MechanismFigure, Participant, Secretariat

FACETS = ("country", "region", "sector", "kind", "scope")


@rate_limited(when=filtered)
def mechanism_list(request):
    listing = Listing(
        request, MechanismFilter, Mechanism.objects.published().for_list(), FACETS
    )
    context = listing.context(
        request, sort_options(listing.params), reverse("api:mechanism-list")
    )
    return render(request, "mechanisms/list.html", context)


def mechanism_json_ld(request, mechanism, children, participants):
    def ref(record):
        return json_ld_ref(request, record)

    data = json_ld_base(request, mechanism)
    if mechanism.summary or mechanism.purpose:
        data["description"] = mechanism.summary or mechanism.purpose
    if mechanism.founded_display:
        data["foundingDate"] = mechanism.founded_display
    if mechanism.website:
        data["sameAs"] = mechanism.website
    if visible(mechanism.parent, request.user):
        data["parentOrganization"] = ref(mechanism.parent)
    if children:
        data["subOrganization"] = [ref(child) for child in children]
    members = {p.organisation.pk: p.organisation for p in participants}
    if members:
        data["member"] = [ref(org) for org in members.values()]
    countries = [row.country.code for row in mechanism.countries.all()]
    if countries:
        data["areaServed"] = countries
    return data


def relation_graph(mechanism, parent, children, secretariats, participants):
    """Return the mechanism's RelationGraph: its parent and working groups, the
    hosts of its secretariats, those taking part and its countries."""
    name = name_html(mechanism)
    hosts = list(dict.fromkeys(s.organisation for s in secretariats))
    members = [
        org
        for org in dict.fromkeys(p.organisation for p in participants)
        if org not in hosts
    ]
    countries = [row.country for row in mechanism.countries.all()]
    graph = RelationGraph.around(mechanism, parent)
    graph.add_linked(
        "children",
        _("Working groups"),
        children,
        _("%(name)s has set up %(list)s."),
        name,
    )
    graph.add_linked(
        "hosted",
        _("Secretariats hosted by"),
        hosts,
        _("The secretariats of %(name)s are hosted by %(list)s."),
        name,
    )
    graph.add_linked(
        "joined",
        _("Taking part"),
        members,
        _("Taking part in %(name)s: %(list)s."),
        name,
    )
    graph.add_linked(
        "countries",
        _("Partner countries"),
        countries,
        _("%(name)s brings together partners from %(list)s."),
        name,
        node=country_node,
        link=linked_country,
    )
    return graph.layout()


@follows_old_slugs(lambda request: Mechanism.objects.visible_to(request.user))
def mechanism_detail(request, slug):
    user = request.user
    shown = Mechanism.objects.visible_to(user)
    mechanism = get_object_or_404(
        shown.select_related("parent").prefetch_related(
            "other_names",
            "countries",
            "subnational_participants",
            "sectors",
            "sources",
            Prefetch("children", queryset=shown.order_by("name")),
            Prefetch(
                "secretariats",
                queryset=Secretariat.objects.select_related("organisation"),
            ),
            Prefetch(
                "participants",
                queryset=Participant.objects.select_related("organisation"),
            ),
            Prefetch(
                "figures",
                queryset=MechanismFigure.objects.select_related("source", "sector"),
            ),
        ),
        slug=slug,
    )
    children = list(mechanism.children.all())
    secretariats = [
        s for s in mechanism.secretariats.all() if visible(s.organisation, user)
    ]
    figures = list(mechanism.figures.all())
    order = list(Participant.Role.values)
    participants = sorted(
        (p for p in mechanism.participants.all() if visible(p.organisation, user)),
        key=lambda p: (order.index(p.role), p.organisation.name),
    )
    parent = mechanism.parent if visible(mechanism.parent, user) else None
    figure_groups = figure_rows(figures)
    context = {
        "mechanism": mechanism,
        "parent": parent,
        "children": children,
        "secretariats_by_side": [
            (side, list(group))
            for side, group in groupby(
                secretariats, key=lambda s: s.side.name if s.side else _("Shared")
            )
        ],
        "participants": participants,
        "subnational_by_country": [
            (country, list(group))
            for country, group in groupby(
                mechanism.subnational_participants.all(),
                key=lambda p: p.country.name,
            )
        ],
        "figure_groups": figure_groups,
        "charts": figure_charts(figure_groups),
        "graph": relation_graph(
            mechanism, parent, children, secretariats, participants
        ),
        "origin": ""
        if repeats(mechanism.origin, mechanism.summary)
        else mechanism.origin,
        "sources": numbered_sources(mechanism.sources.all(), figures),
        "json_ld": mechanism_json_ld(request, mechanism, children, participants),
        "downloads": record_downloads("api:mechanism-detail", mechanism),
    }
    return render(request, "mechanisms/detail.html", context)
