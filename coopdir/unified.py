"""The search over both kinds of record, as /search/ and /api/v1/search/ both run
it: the apps' own FilterSets, the same checks, the same orders and the same cap."""

import heapq

from django.db.models import F
from django.utils.translation import gettext as _

from mechanisms.filters import MechanismFilter
from mechanisms.models import Mechanism
from organisations.filters import OrganisationFilter
from organisations.models import Organisation

from .search.found import Merged

TYPES = {"organisation": (Organisation, OrganisationFilter)}
TYPES["mechanism"] = (Mechanism, MechanismFilter)
FILTER_NAMES = {name for _m, f in TYPES.values() for name in f.base_filters}
# The orders besides relevance, each read from a database index by a LIMIT query.
ORDERINGS = ("name", "-name", "founded", "-founded", "updated", "-updated")
# Every order costs its offset (relevance too): past this many results a search is
# asked to be narrowed rather than paged further, as GitHub and Google do.
MAX_RESULTS = 1000


def published():
    return {name: model.objects.published() for name, (model, _f) in TYPES.items()}


def all_kinds():
    return {kind for model, _f in TYPES.values() for kind in model.Kind.values}


def type_filtersets(params, with_query=True, querysets=None):
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
        if not with_query:
            scoped.pop("q", None)
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


def results(filtersets, ordering="", founds=None):
    """Return the results of the filtersets as one sliceable list: best first, or
    in ordering (one of ORDERINGS), each type read only as deep as a page needs.

    founds: {type: filterset.found()}, when the caller has them.
    """
    if founds is None:
        founds = {name: fs.found() for name, fs in filtersets.items()}
    if not ordering:
        return Merged(founds.values())
    return Ordered(filtersets, ordering, founds)


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


class Capped:
    """A list of results cut at MAX_RESULTS, knowing whether it was cut."""

    def __init__(self, results, limit=None):
        self.results = results
        self.limit = MAX_RESULTS if limit is None else limit
        self.terms = getattr(results, "terms", None)
        self.total = None

    @property
    def approximate(self):
        return getattr(self.results, "approximate", False)

    def count(self):
        if self.total is None:
            self.total = self.results.count()
        return min(self.total, self.limit)

    def __len__(self):
        return self.count()

    @property
    def cut(self):
        self.count()
        return self.total > self.limit

    def __getitem__(self, key):
        if isinstance(key, slice):
            stop = self.limit if key.stop is None else min(key.stop, self.limit)
            return self.results[slice(key.start, stop, key.step)]
        return self.results[key]


def cap_message(total):
    return _(
        "Only the first %(limit)s of %(total)s results can be paged through: "
        "add words or filters to narrow the search."
    ) % {"limit": f"{MAX_RESULTS:,}", "total": f"{total:,}"}
