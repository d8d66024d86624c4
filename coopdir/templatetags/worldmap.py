"""Template tags that draw the world map (coopdir/worldmap.py) on a page."""

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from coopdir.worldmap import world_map as map_context

register = template.Library()
TEMPLATE = "includes/world_map.html"


@register.inclusion_tag(TEMPLATE)
def world_map(rows, caption, current="", listed=True):
    """Draw rows ([{"value", "label", "count", "url"}]) shaded by their counts;
    listed=False where the page lists them already."""
    return map_context(rows, caption, current=current, listed=listed)


@register.inclusion_tag(TEMPLATE)
def facet_map(facet_groups, approximate=False):
    """Draw a list page's country facet: the same counts, and each country's link
    toggles the country filter as the facet's does, the other filters kept."""
    rows = next((g["values"] for g in facet_groups if g["name"] == "country"), [])
    return map_context(
        rows, _("Results by country"), approximate=approximate, compact=True
    )


@register.inclusion_tag(TEMPLATE)
def mechanism_map(mechanism):
    """Draw a mechanism's countries, each linking to its page, and for a bilateral
    mechanism the line between its two countries (countries prefetched)."""
    rows = [
        {
            "value": row.country.code,
            "label": str(row.country.name),
            "count": None,
            "url": reverse("countries:detail", args=[row.country.code]),
        }
        for row in mechanism.countries.all()
    ]
    codes = [row["value"] for row in rows]
    bilateral = mechanism.scope == mechanism.Scope.BILATERAL and len(codes) == 2
    return map_context(
        rows,
        _("Countries taking part"),
        pairs=[tuple(codes)] if bilateral else (),
        listed=False,  # the page lists them under "Countries"
    )
