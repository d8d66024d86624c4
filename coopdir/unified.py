"""The search over both kinds of record, as /search/ and /api/v1/search/ both run
it: the apps' own FilterSets, the same checks, the same orders and the same cap."""

import heapq
from dataclasses import dataclass, field
from itertools import combinations

from django.db.models import F
from django.utils import translation
from django.utils.translation import gettext as _
from django_countries import countries

from mechanisms.filters import MechanismFilter
from mechanisms.models import Mechanism
from organisations.filters import OrganisationFilter
from organisations.listing import FACET_LABELS, url_with
from organisations.models import Organisation, SectorTree
from organisations.regions import Region

from .search import text, understanding
from .search.found import Merged, memo

TYPES = {"organisation": (Organisation, OrganisationFilter)}
TYPES["mechanism"] = (Mechanism, MechanismFilter)
FILTER_NAMES = {name for _m, f in TYPES.values() for name in f.base_filters}
# The orders besides relevance, each read from a database index by a LIMIT query.
ORDERINGS = ("name", "-name", "founded", "-founded", "updated", "-updated")
# Relevance re-ranks its first results by how well the names hold the words: a
# page or so, so that the work stays bounded by the page.
RERANK = 30


def published():
    return {name: model.objects.published() for name, (model, _f) in TYPES.items()}


def all_kinds():
    return {kind for model, _f in TYPES.values() for kind in model.Kind.values}


def type_filtersets(params, querysets=None):
    """Return ({type: FilterSet}, {field: [error, …]}) for the allowed types.

    Kinds differ per type: each type gets the kinds that are its own, and a type
    none of the chosen kinds belong to drops out. querysets: {type: what may be
    shown} (default: the published records).
    """
    kinds, types = params.getlist("kind"), params.getlist("type")
    querysets = querysets or published()
    filtersets, errors = {}, {}
    for name, (model, filterset_class) in TYPES.items():
        own = [kind for kind in kinds if kind in model.Kind.values]
        # A filter only the other type has (scope) leaves this type out.
        foreign = [
            key
            for key in params
            if key in FILTER_NAMES and key not in filterset_class.base_filters
        ]
        if (types and name not in types) or (kinds and not own) or foreign:
            continue
        scoped = params.copy()
        for key in ("ordering", "page", "page_size", "type", "kind"):
            scoped.pop(key, None)
        if own:
            scoped.setlist("kind", own)
        filterset = filterset_class(scoped, queryset=querysets[name].for_list())
        if not filterset.is_valid():
            for field, messages in filterset.errors.items():
                known = errors.setdefault(field, [])
                known += [str(m) for m in messages if str(m) not in known]
        filtersets[name] = filterset
    return filtersets, errors


def unknown_choices(params):
    """Return {"type"|"kind": [value, …]} of the values no type knows."""
    unknown = {}
    for key, known in (("type", set(TYPES)), ("kind", all_kinds())):
        values = [value for value in params.getlist(key) if value not in known]
        if values:
            unknown[key] = values
    return unknown


def results(filtersets, ordering="", founds=None, query="", named=()):
    """Return the results of the filtersets as one sliceable list: best first, or
    in ordering (one of ORDERINGS), each type read only as deep as a page needs.

    founds: {type: filterset.found()}, when the caller has them; query: the
    words searched, which relevance re-ranks its first results by; named: the
    names of the filters read from the query (Reading.facet_names), which rank
    the names holding them first.
    """
    if founds is None:
        founds = {name: fs.found() for name, fs in filtersets.items()}
    if not ordering:
        merged = Merged(founds.values())
        return Reranked(merged, query, named) if query else merged
    return Ordered(filtersets, ordering, founds)


class Reranked:
    """Relevance order with its first RERANK results re-ranked among themselves:
    within a rank tier, names holding the query's words whole first ("cooperative"
    before "cooperatives"), then records in a country the query names ("Italy":
    the Italian bodies before those that mention Italy), then by name. Before
    all, names holding a sector or region the query named ("housing
    cooperatives": the housing organisation before the ICA, whose name holds
    "cooperative" and which is in every sector)."""

    def __init__(self, merged, query, named=()):
        self.merged, self.query = merged, query
        self.terms = merged.terms
        self.words = set(text.tokens(query))
        self.named = [set(text.tokens(name)) for name in named]
        self.countries = set(understanding.find_countries(query.split())[0])

    @property
    def approximate(self):
        return self.merged.approximate

    def count(self):
        return self.merged.count()

    def __len__(self):
        return self.count()

    def _key(self, position, record):
        names = set(text.tokens(f"{record.name} {record.acronym}"))
        codes = {row.country.code for row in getattr(record, "page_countries", [])}
        codes.add(getattr(getattr(record, "hq_country", None), "code", None))
        return (
            -sum(bool(words) and words <= names for words in self.named),
            -getattr(record, "search_rank", 0),
            -len(self.words & names),
            not (self.countries & codes),
            position,
        )

    def __getitem__(self, key):
        if not isinstance(key, slice):
            return self[key : key + 1][0]
        if (key.start or 0) >= RERANK:
            return self.merged[key]
        head = self.merged[0 : max(RERANK, key.stop or 0)]
        window = sorted(enumerate(head[:RERANK]), key=lambda hit: self._key(*hit))
        return ([record for _p, record in window] + head[RERANK:])[key]


class Ordered:
    """The results of several types in one order besides relevance.

    Each type's page is a query in the order a database index holds, with a LIMIT
    (its offset plus the page); the types' pages are merged. Counts come from the
    search index, bounded as relevance's are.
    """

    def __init__(self, filtersets, ordering, founds):
        self.filtersets, self.ordering = filtersets, ordering
        self.founds = Merged(founds.values())
        self.terms = self.founds.terms
        self.approximate = False
        field = {"name": "name", "founded": "founded_year", "updated": "updated_at"}
        self.field = field[ordering.lstrip("-")]
        self.descending = ordering.startswith("-")

    def count(self):
        total = self.founds.count()
        self.approximate = self.founds.approximate
        return total

    def __len__(self):
        return self.count()

    def _ordered(self, queryset):
        # The column itself, not CodePointOrder: an index serves only its own
        # collation (code point order on SQLite and a C.UTF-8 PostgreSQL alike).
        value = F(self.field)
        if self.descending:
            return queryset.order_by(value.desc(nulls_last=True), "-pk")
        return queryset.order_by(value.asc(nulls_last=True), "pk")

    def _key(self, record):
        value = getattr(record, self.field)
        # Missing values (no founding year) last in both directions.
        missing = value is None if not self.descending else value is not None
        return (missing, value if value is not None else 0, record.pk)

    def __getitem__(self, key):
        if not isinstance(key, slice):
            return self[key : key + 1][0]
        pages = [
            list(self._ordered(fs.qs)[: key.stop]) for fs in self.filtersets.values()
        ]
        merged = heapq.merge(*pages, key=self._key, reverse=self.descending)
        return list(merged)[key]


# Understanding and relaxing a query --------------------------------------------------

# Relaxing tries the parts of a query's words, largest first: a few words at most.
RELAX_WORDS = 5
FACETS = ("country", "region", "sector", "kind", "scope", "type")


@dataclass
class Reading:
    """What the unified search made of a query: what it searched, and why."""

    typed: str = ""
    searched: str = ""
    countries: list = field(default_factory=list)
    country_words: list = field(default_factory=list)
    regions: list = field(default_factory=list)
    sectors: list = field(default_factory=list)
    # The names of the regions and sectors read from the query (they rank names).
    facet_names: list = field(default_factory=list)
    corrected: str = ""
    relaxed: str | None = None  # the words searched when all together found nothing
    dropped_filters: bool = False
    notices: list = field(default_factory=list)  # [{"text", "link_text", "url"}]

    def as_json(self):
        return {
            "q": self.typed,
            "searched": self.searched,
            "country": self.countries,
            "country_words": self.country_words,
            "region": self.regions,
            "sector": self.sectors,
            "corrected": self.corrected,
            "relaxed": self.relaxed,
        }


def understand(params, literal=False):
    """Read params' query (understanding.understand), changing params to what is
    to be searched: its words, and the countries it named added as filters."""
    query, before = params.get("q", ""), params.copy()
    understood = understanding.understand(
        query, [model for model, _f in TYPES.values()], literal=literal
    )
    reading = Reading(typed=understood.typed, searched=understood.query)
    if not understood.typed:
        return reading
    if understood.corrections:
        reading.corrected = understood.corrected
        reading.notices.append(
            {
                "text": _("Showing results for “%(q)s”.") % {"q": reading.corrected},
                "link_text": _("Search instead for “%(q)s”") % {"q": understood.typed},
                "url": url_with(before, literal="1"),
            }
        )
    if understood.countries:
        reading.countries = understood.countries
        reading.country_words = understood.country_words
        names = ", ".join(str(countries.name(code)) for code in understood.countries)
        reading.notices.append(
            {
                "text": _("“%(words)s” is read as the country filter: %(names)s.")
                % {"words": " ".join(understood.country_words), "names": names},
                "link_text": _("Search the words instead"),
                "url": url_with(before, literal="1"),
            }
        )
        known = params.getlist("country")
        params.setlist("country", list(dict.fromkeys(known + understood.countries)))
    params["q"] = understood.query
    if not literal and len(understood.query.split()) > 1:
        read_facet_words(params, reading, before)
    return reading


def facet_keys():
    """Return {text.key(name): (facet, value)} of the regions and sectors, English
    and Chinese names, kept for this version of the index (it holds the sectors)."""
    return memo(("facet-keys",), _facet_keys)


def _facet_keys():
    keys = {}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            for value, label in Region.choices:
                keys.setdefault(text.key(str(label)), ("region", value))
    for sector in SectorTree.current().sectors:
        for name in sector_forms(sector.name) + [sector.name_zh]:
            if name:
                keys.setdefault(text.key(name), ("sector", sector.slug))
    return keys


def sector_forms(name):
    """Return the forms a sector's name is typed in: as is, as the query's words
    reach read_facet_words (plurals by their stem: "fisheries"), and a one-word
    name's adjective ("agricultural", "technological")."""
    words = name.split()
    forms = [name, " ".join(understanding.stem(word) for word in words)]
    if len(words) == 1:
        folded = text.fold(name)
        if folded.endswith(("e", "ion")):
            forms.append(folded.removesuffix("e") + "al")
        elif folded.endswith("y"):
            forms.append(folded[:-1] + "ical")
    return forms


FACET_NAMES = {
    "region": lambda value: str(Region(value).label),
    "sector": lambda value: str(SectorTree.current().by_slug[value].label),
}


def facet_names(facet, value):
    """Return a region's or sector's names in English and Chinese; a sector's
    sub-sectors' too, as its filter finds them ("financial services": banking)."""
    if facet == "region":
        values = [value]
    else:
        tree = SectorTree.current()
        below = tree.descendants(tree.by_slug[value].pk)
        values = [value, *sorted(tree.by_pk[pk].slug for pk in below)]
    names = []
    for language in ("en", "zh-hans"):
        with translation.override(language):
            names += [FACET_NAMES[facet](each) for each in values]
    return list(dict.fromkeys(names))


def read_facet_words(params, reading, before):
    """Make the region and sector words of params' query filters, as countries
    are, when other words remain, no record's names hold them all, and no run of
    them is a record's exact name."""
    words = params["q"].split()
    found, named, rest = understanding.find_phrases(words, facet_keys())
    models = [model for model, _f in TYPES.values()]
    if (
        not found
        or not rest
        or understanding.names_hold(words, models)
        or understanding.names_a_record(words, named, models)
    ):
        return
    for facet, value in found:
        params.setlist(facet, list(dict.fromkeys([*params.getlist(facet), value])))
        getattr(reading, f"{facet}s").append(value)
    for phrase, (facet, value) in zip(named, found, strict=False):
        reading.facet_names += facet_names(facet, value)
        reading.notices.append(
            {
                "text": _("“%(words)s” is read as the %(facet)s filter: %(name)s.")
                % {
                    "words": phrase,
                    "facet": str(FACET_LABELS[facet]).lower(),
                    "name": FACET_NAMES[facet](value),
                },
                "link_text": _("Search the words instead"),
                "url": url_with(before, literal="1"),
            }
        )
    params["q"] = " ".join(rest)
    reading.searched = params["q"]


def count_of(params, querysets=None):
    filtersets, errors = type_filtersets(params, querysets=querysets)
    if errors:
        return 0
    return sum(fs.found().count() for fs in filtersets.values())


def relax(params, reading, querysets=None):
    """Return params, which find nothing, with the largest part of their words that
    finds something (keeping the filters), saying so in reading; None when no part
    does. params themselves keep the words (the search box, chips and links)."""
    words = params.get("q", "").split()
    if not words:
        return None
    relaxed = None
    filtered = any(params.getlist(facet) for facet in FACETS)
    if len(words) <= RELAX_WORDS:
        for size in range(len(words) - 1, -1 if filtered else 0, -1):
            best = None
            for kept in combinations(words, size):
                trial = params.copy()
                if kept:
                    trial["q"] = " ".join(kept)
                else:
                    trial.pop("q", None)
                found = count_of(trial, querysets)
                if found and (best is None or found > best[0]):
                    best = (found, kept)
            if best:
                reading.relaxed = " ".join(best[1])
                relaxed = params.copy()
                relaxed.setlist("q", [reading.relaxed] if best[1] else [])
                if best[1]:
                    text = _(
                        "No record matches all of “%(q)s”; showing those that "
                        "match “%(kept)s”."
                    ) % {"q": " ".join(words), "kept": reading.relaxed}
                else:
                    text = _(
                        "No record matches “%(q)s”; showing every record the "
                        "filters select."
                    ) % {"q": " ".join(words)}
                reading.notices.append({"text": text})
                break
    if filtered:
        unfiltered = params.copy()
        unfiltered.setlist("q", words)
        for facet in FACETS:
            unfiltered.pop(facet, None)
        found = count_of(unfiltered, querysets)
        if found:
            reading.notices.append(
                {
                    "text": _("Without the filters, “%(q)s” finds %(n)s.")
                    % {"q": " ".join(words), "n": found},
                    "link_text": _("Remove the filters"),
                    "url": url_with(unfiltered, literal="1"),
                }
            )
    return relaxed
