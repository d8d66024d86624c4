"""A record's relations drawn as a tree of linked nodes, with the same relations
written as sentences (the accessible version, shown beside the drawing).

The geometry is worked out here, on the server, so the page needs no script: the
drawing is 360 units wide (a phone's column) and every label is wrapped or cut
to fit its box by an estimate of its width.
"""

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .charts import fill
from .templatetags.directory import chinese_page, name_html

WIDTH = 360
FONT = 13  # the labels' size in drawing units (charts.css sets the same)
LINE = 16
PAD = 8
GAP = 6
INDENT = 48  # where a group's nodes start, right of its connector
MAX_NODES = 12  # per group in the drawing; the sentences name every one


def text_width(text, bold=False):
    """Estimate text's width at FONT: CJK characters are square, Latin ones
    a little over half as wide (more in bold)."""
    latin = FONT * (0.6 if bold else 0.56)
    return sum(FONT if ord(ch) >= 0x2E80 else latin for ch in text)


def wrap(text, width, bold=False, lines=2):
    """Return text in at most lines lines that fit width, the last cut with "…"."""
    words = text.split(" ") if " " in text else list(text)
    joiner = " " if " " in text else ""
    out, current = [], ""
    for word in words:
        candidate = f"{current}{joiner}{word}" if current else word
        if text_width(candidate, bold) <= width or not current:
            current = candidate
        else:
            out.append(current)
            current = word
    out.append(current)
    if len(out) > lines:
        out = out[:lines]
        out[-1] += "…"
    while out and text_width(out[-1], bold) > width and len(out[-1]) > 2:
        out[-1] = out[-1][:-2] + "…"
    return out


@dataclass
class Node:
    label: str
    lang: str
    url: str = ""
    title: str = ""
    # Set by the layout:
    x: float = 0
    y: float = 0
    w: float = 0
    h: float = 0
    lines: list = field(default_factory=list)

    def place(self, x, y, w, bold=False):
        self.x, self.y, self.w = x, y, w
        self.lines = [
            (line, y + PAD + LINE * (i + 1) - 4)
            for i, line in enumerate(wrap(self.label, w - 2 * PAD, bold))
        ]
        self.h = LINE * len(self.lines) + 2 * PAD
        return self.y + self.h

    @property
    def text_x(self):
        return self.x + PAD

    @property
    def middle(self):
        return self.y + self.h // 2


@dataclass
class Group:
    key: str
    title: str
    nodes: list
    sentence: str
    more: Node = None
    y: float = 0


def record_node(record):
    """A node for an organisation or a mechanism: its Chinese name on Chinese
    pages where the data has it, else its English name (or acronym when long)."""
    if chinese_page() and record.chinese_name:
        label, lang = record.chinese_name, "zh-Hans"
    else:
        label, lang = record.name, "en"
    return Node(label, lang, record.get_absolute_url(), title=record.name)


def country_node(country):
    return Node(
        str(country.name),
        translation.get_language() or "en",
        reverse("countries:detail", args=[country.code]),
    )


def join_html(items):
    """Return items as one phrase in the page's language: "A, B and C", "A、B和C"."""
    items = list(items)
    if not items:
        return ""
    phrase = items[0]
    for item in items[1:-1]:
        phrase = fill(_("%(items)s, %(item)s"), items=phrase, item=item)
    if len(items) > 1:
        phrase = fill(_("%(items)s and %(last)s"), items=phrase, last=items[-1])
    return phrase


def linked(record):
    return format_html(
        '<a href="{}">{}</a>', record.get_absolute_url(), name_html(record)
    )


def linked_country(country):
    url = reverse("countries:detail", args=[country.code])
    return format_html('<a href="{}">{}</a>', url, country.name)


class RelationGraph:
    """The centre record, its parent above it and groups of related nodes below."""

    def __init__(self, centre, parent=None, parent_sentence=""):
        self.centre = centre
        self.parent = parent
        self.parent_sentence = parent_sentence
        self.groups = []
        self.height = 0

    @classmethod
    def around(cls, record, parent):
        """The graph of record's page, with its parent (if any) above it."""
        if not parent:
            return cls(record_node(record))
        sentence = fill(
            _("%(name)s is part of %(parent)s."),
            name=name_html(record),
            parent=linked(parent),
        )
        return cls(record_node(record), record_node(parent), sentence)

    def add(self, key, title, nodes, sentence):
        if nodes:
            self.groups.append(Group(key, title, nodes, sentence))

    def add_linked(
        self, key, title, items, sentence, name, node=record_node, link=linked
    ):
        """Add a group of items and the sentence naming them as links (sentence
        takes %(name)s and %(list)s)."""
        items = list(items)
        if items:
            listed = join_html(link(item) for item in items)
            self.add(
                key,
                title,
                [node(item) for item in items],
                fill(sentence, name=name, list=listed),
            )

    def __bool__(self):
        return bool(self.parent or self.groups)

    @property
    def sentences(self):
        return [s for s in [self.parent_sentence] if s] + [
            g.sentence for g in self.groups
        ]

    def layout(self):
        """Place every node; return self (the template reads the coordinates)."""
        self.width = WIDTH
        y = 0
        if self.parent:
            y = self.parent.place(WIDTH // 6, 0, WIDTH * 2 // 3) + 20
            self.parent_edge = (WIDTH // 2, y - 20, y)
        y = self.centre.place(0, y, WIDTH, bold=True)
        self.trunk_top = y
        for group in self.groups:
            group.y = y + 18
            y += 26
            shown = group.nodes[:MAX_NODES]
            if len(group.nodes) > MAX_NODES:
                count = len(group.nodes) - MAX_NODES
                group.more = Node(
                    ngettext("and %(n)s more", "and %(n)s more", count) % {"n": count},
                    translation.get_language() or "en",
                    "#relations-sentences",
                )
                shown = [*shown, group.more]
            for node in shown:
                y = node.place(INDENT, y + GAP, WIDTH - INDENT)
            group.shown = shown
            group.branch_bottom = shown[-1].middle
        self.trunk_bottom = self.groups[-1].y if self.groups else self.trunk_top
        self.height = y + 2
        return self


def organisation_graph(organisation, parent, children, hosted, joined, partners):
    """Return the RelationGraph of an organisation page (records already visible)."""
    name = name_html(organisation)
    graph = RelationGraph.around(organisation, parent)
    graph.add_linked(
        "children",
        _("Parent of"),
        children,
        _("%(name)s is the parent of %(list)s."),
        name,
    )
    graph.add_linked(
        "hosted",
        _("Hosts the secretariat of"),
        hosted,
        _("%(name)s hosts the secretariat of %(list)s."),
        name,
    )
    graph.add_linked(
        "joined",
        _("Takes part in"),
        joined,
        _("%(name)s takes part in %(list)s."),
        name,
    )
    graph.add_linked(
        "countries",
        _("Partner countries"),
        partners,
        _("Through these mechanisms %(name)s works with partners in %(list)s."),
        name,
        node=country_node,
        link=linked_country,
    )
    return graph.layout()


def partner_countries(mechanisms, own):
    """Return the countries of mechanisms other than own, by name in the page's
    language (each mechanism's countries prefetched)."""
    countries = {
        row.country.code: row.country
        for mechanism in mechanisms
        for row in mechanism.countries.all()
        if row.country.code not in own
    }
    return sorted(countries.values(), key=lambda c: str(c.name))
