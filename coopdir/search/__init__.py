"""The one search interface of the pages and the API, over both kinds of record.

    search(queryset, query)  -> the queryset narrowed to matches, annotated with
                                ``search_rank`` (higher is better), best first,
                                ties broken by name
    normalise_query(query)   -> the query as the engine sees it (trimmed, NUL-free)

This first backend is a portable one (case-insensitive substring match over names,
acronyms, other names, summaries and descriptions); the FTS5 / PostgreSQL engines of
issue #5 replace it behind the same functions. The module imports no app models at
import time, so the apps' filters may use it without an import cycle.
"""

from django.db.models import Case, IntegerField, Q, Value, When

MAX_QUERY_LENGTH = 500


def normalise_query(query):
    """Return the query trimmed, with NUL bytes and runs of white space removed."""
    return " ".join(str(query or "").replace("\x00", " ").split())[:MAX_QUERY_LENGTH]


def search(queryset, query):
    """Return the matches of query in queryset, best first, with search_rank."""
    query = normalise_query(query)
    if not query:
        return queryset.annotate(search_rank=Value(0, output_field=IntegerField()))
    words = query.split()
    name_fields = ["name", "acronym", "native_name", "other_names__name"]
    text_fields = ["summary", "description"]
    match = Q()
    for word in words:
        any_field = Q()
        for field in name_fields + text_fields:
            any_field |= Q(**{f"{field}__icontains": word})
        match &= any_field
    model = queryset.model
    pks = model.objects.filter(match).values("pk")
    exact = Q(name__iexact=query) | Q(acronym__iexact=query)
    in_name = Q()
    for word in words:
        in_name &= (
            Q(name__icontains=word)
            | Q(acronym__icontains=word)
            | Q(native_name__icontains=word)
        )
    return (
        queryset.filter(pk__in=pks)
        .annotate(
            search_rank=Case(
                When(exact, then=Value(3)),
                When(in_name, then=Value(2)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("-search_rank", "name")
    )


def search_all(query, querysets):
    """Return [(record, rank)] over several querysets, best first, ties by name.

    querysets are already narrowed to what the caller may see (e.g. published()).
    """
    hits = []
    for queryset in querysets:
        hits.extend((record, record.search_rank) for record in search(queryset, query))
    hits.sort(key=lambda hit: (-hit[1], hit[0].name.casefold()))
    return hits


from .facets import FACETS, facet_counts  # noqa: E402

__all__ = [
    "FACETS",
    "MAX_QUERY_LENGTH",
    "facet_counts",
    "normalise_query",
    "search",
    "search_all",
]
