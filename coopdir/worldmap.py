"""The world map: countries shaded by how many records involve them.

The shapes are built once from Natural Earth by bin/build_world_map.js into
static/map/world.svg (one element per country, ISO 3166-1 numeric ids) and
world.json (the box and each country's anchor point). A page draws the map as inline
SVG whose countries are <use href="world.svg#nNNN"> inside links: the shapes come
from one cached file, and the page carries only the countries it counts, their
links, titles and shades. The counts are whatever the page has counted already
(facet counts, totals): the map asks the database nothing.
"""

import json
import math
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.templatetags.static import static
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

# Shades of the sequential scale: few enough to tell apart at a glance.
LEVELS = 5
WORLD_JSON = settings.BASE_DIR / "static" / "map" / "world.json"
SELECTED = gettext_lazy("(selected; choose to remove)")


@dataclass(frozen=True)
class Drawn:
    shape_id: str  # the id in world.svg: "n" + ISO 3166-1 numeric
    anchor: tuple  # (x, y) in the map's box: the centre of the largest part
    dot: bool  # too small at this scale: drawn as a dot
    small: bool = False  # drawn, but small: marked with a dot as well


@cache
def world():
    """Return (width, height, {alpha-2 code: Drawn}) from world.json."""
    data = json.loads(WORLD_JSON.read_text())
    drawn = {}
    small = set(data["small"])
    for group, dot in (("shapes", False), ("dots", True)):
        for numeric, anchor in data[group].items():
            code = countries.alpha2(numeric)
            if code:
                drawn[code] = Drawn(f"n{numeric}", tuple(anchor), dot, numeric in small)
    return data["width"], data["height"], drawn


def level(count, top):
    """Return the shade (1 to LEVELS) of count where top is the largest count: on a
    log scale, so that one country with hundreds does not leave the rest blank."""
    if top <= 1 or count >= top:
        return LEVELS
    return 1 + int((LEVELS - 1) * math.log(max(count, 1)) / math.log(top))


def legend(counts, top):
    """Return [{"level", "label"}] for the shades in use: the counts each stands for."""
    spans = {}
    for count in counts:
        low, high = spans.get(level(count, top), (count, count))
        spans[level(count, top)] = (min(low, count), max(high, count))
    return [
        {"level": shade, "label": str(low) if low == high else f"{low}–{high}"}
        for shade, (low, high) in sorted(spans.items())
    ]


def arc(a, b):
    """Return SVG path data for a line from point a to b, bowed northward a little
    so that it reads as a link rather than a border."""
    (ax, ay), (bx, by) = a, b
    dx, dy = bx - ax, by - ay
    length = math.hypot(dx, dy) or 1
    nx, ny = dy / length, -dx / length
    if ny > 0:
        nx, ny = -nx, -ny
    bow = 0.15 * length
    cx, cy = (ax + bx) / 2 + nx * bow, (ay + by) / 2 + ny * bow
    return f"M{ax},{ay}Q{cx:.1f},{cy:.1f} {bx},{by}"


def world_map(
    rows,
    caption,
    *,
    current="",
    pairs=(),
    approximate=False,
    listed=True,
    compact=False,
):
    """Return the context of includes/world_map.html.

    rows: [{"value": alpha-2 code, "label", "count" (None: not counted), "url",
    "selected" (optional)}], in the order the list shows them; current: the code of
    the country the page is about; pairs: [(code, code)] to join with a line;
    listed: whether the countries are listed below the map too (for a page that
    does not list them already); compact: drawn smaller, above results that matter
    more.
    """
    width, height, drawn = world()
    # The page's own country is marked apart: its count would set the scale for
    # shades it never takes.
    counted = [r["count"] for r in rows if r.get("count") and r["value"] != current]
    top = max(counted, default=0)
    shown = []
    for row in rows:
        count = row.get("count")
        title = row["label"]
        if count is not None:
            title = _("%(country)s: %(count)s") % {"country": title, "count": count}
        if row.get("selected"):
            title = f"{title} {SELECTED}"
        shown.append(
            {
                **row,
                "title": title,
                "level": level(count, top) if count and top else 0,
                "current": row["value"] == current,
                "drawn": drawn.get(row["value"]),
            }
        )
    # Dots after shapes: SVG paints in document order, and Hong Kong's dot must
    # not disappear under China.
    on_map = sorted((c for c in shown if c["drawn"]), key=lambda c: c["drawn"].dot)
    sprite = static("map/world.svg")
    return {
        "caption": caption,
        "current": current,
        "countries": shown,
        "links": mark_safe("\n".join(country_link(c, sprite) for c in on_map)),
        "items": mark_safe("".join(list_item(c) for c in shown)),
        "lines": [
            arc(drawn[a].anchor, drawn[b].anchor)
            for a, b in pairs
            if a in drawn and b in drawn and a != b
        ],
        "legend": legend(counted, top),
        "approximate": approximate,
        "listed": listed,
        "compact": compact,
        "view_box": f"0 0 {width} {height}",
        "sprite": sprite,
    }


# A map of the whole world has two hundred countries: their markup is written here,
# at a tenth of what the template language takes to write it (docs/benchmarks.md).
def country_link(country, sprite):
    """Return a country's link on the map: its shade, name and count, its shape."""
    classes = ["map-country"]
    if country["level"]:
        classes.append(f"map-b{country['level']}")
    if country.get("count") is None:
        classes.append("is-involved")
    if country.get("selected"):
        classes.append("is-selected")
    if country["current"]:
        classes.append("is-current")
    drawn = country["drawn"]
    # Numbers written here, not by a template, which would write them in the
    # page's locale.
    x, y = drawn.anchor
    marker = (
        f'<circle class="map-marker" cx="{x}" cy="{y}" r="4"/>' if drawn.small else ""
    )
    return (
        f'<a href="{escape(country["url"])}" class="{" ".join(classes)}" '
        f'data-country="{escape(country["value"])}" data-anchor="{x} {y}"'
        f"{current_attribute(country)}><title>{escape(country['title'])}</title>"
        f'<use href="{sprite}#{drawn.shape_id}"/>{marker}</a>'
    )


def list_item(country):
    """Return a country's line in the list below the map."""
    count = country.get("count")
    return (
        f'<li><a href="{escape(country["url"])}"{current_attribute(country)}>'
        f"{escape(country['label'])}</a>"
        + (f' <span class="count">{count}</span>' if count is not None else "")
        + (
            f'<span class="visually-hidden"> {escape(SELECTED)}</span>'
            if country.get("selected")
            else ""
        )
        + "</li>"
    )


def current_attribute(country):
    return (
        ' aria-current="true"' if country.get("selected") or country["current"] else ""
    )
