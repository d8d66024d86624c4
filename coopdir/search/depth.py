"""How deep a list of results may be paged.

Every order costs its offset (relevance too): past MAX_RESULTS results a search or
a list is asked to be narrowed rather than paged further, as GitHub and Google do.
"""

from django.utils.translation import gettext as _

MAX_RESULTS = 1000


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


def cap_message(total, limit=None):
    limit = MAX_RESULTS if limit is None else limit
    return _(
        "Only the first %(limit)s of %(total)s results can be paged through: "
        "add words or filters to narrow the search."
    ) % {"limit": f"{limit:,}", "total": f"{total:,}"}
