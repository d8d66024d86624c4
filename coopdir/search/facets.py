"""Facet counts for a result set, computed in the database.

The search index keeps each record's facet values (country, region, sector, kind,
scope) in one narrow table, so the counts of a result set are one grouped query over
that table, whatever the filters were. Counts are cached under the index version,
which every write raises: a cached count is never older than the data. Only numbers
are cached; labels are added per request, in the visitor's language.
"""

import hashlib

from django.core.cache import cache
from django.db import connection
from django.utils import translation
from django_countries import countries

from organisations.regions import Region

from . import engine

FACETS = ("country", "sector", "kind", "region")
CACHE_SECONDS = 600
# Past this many records, counts are estimated from a sample (DESIGN.md: "past
# ~10,000 matches a count may be an estimate if the page says so").
EXACT_LIMIT = 10000


class FacetCounts(dict):
    """{facet: [{"value", "label", "count"}, …]}; approximate when estimated."""

    approximate = False


_COUNTRY_NAMES = {}


def _country_names():
    """Return {code: name} in the active language (looked up once per language)."""
    language = translation.get_language() or ""
    names = _COUNTRY_NAMES.get(language)
    if names is None:
        names = _COUNTRY_NAMES[language] = {code: str(n) for code, n in countries}
    return names


def _labels(model, facet, values):
    if facet == "country":
        names = _country_names()
        return {v: names.get(v, v) for v in values}
    if facet == "region":
        return {v: str(Region(v).label) for v in values if v in Region.values}
    if facet == "sector":
        from organisations.models import SectorTree

        by_pk = SectorTree.current().by_pk
        sectors = [by_pk.get(int(v)) for v in values if str(v).isdigit()]
        return {str(s.pk): (s.slug, s.label) for s in sectors if s is not None}
    labels = dict(model._meta.get_field(facet).choices)
    return {v: str(labels.get(v, v)) for v in values}


def _count(queryset, facets):
    model = queryset.model
    # Every record has an ("all", "") row: its count is the size of what was counted,
    # so one query both counts and tells whether the limit was reached.
    pks = queryset.order_by().values("pk")[: EXACT_LIMIT + 1]
    sql, params = pks.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT facet, value, COUNT(*) FROM {engine.FACET_TABLE} "
            f"WHERE kind = %s AND record_id IN ({sql}) GROUP BY facet, value",
            [engine.kind(model), *params],
        )
        rows = cursor.fetchall()
    counted = sum(count for facet, value, count in rows if facet == "all")
    scale = None
    if counted > EXACT_LIMIT:
        # Records come in index order (arbitrary as to facets): a fair sample.
        scale = queryset.count() / counted
    if scale is not None:
        rows = [(f, v, max(1, round(n * scale))) for f, v, n in rows]
    return rows, scale is not None


def label_rows(model, rows, facets):
    """Return FacetCounts from [(facet, value, count)]: labelled, largest first."""
    rows = [row for row in rows if row[0] in facets]
    result = FacetCounts({facet: [] for facet in facets})
    by_facet = {}
    for facet, value, count in rows:
        by_facet.setdefault(facet, []).append((value, count))
    for facet, pairs in by_facet.items():
        labels = _labels(model, facet, [v for v, _ in pairs])
        for value, count in pairs:
            if value not in labels:
                continue  # a sector deleted since, a region no longer known
            if facet == "sector":
                slug, label = labels[value]
                result[facet].append({"value": slug, "label": label, "count": count})
            else:
                result[facet].append(
                    {"value": value, "label": labels[value], "count": count}
                )
    for values in result.values():
        values.sort(key=lambda item: (-item["count"], item["label"]))
    return result


def facet_counts(queryset, facets=FACETS):
    """Return {facet: [{"value", "label", "count"}, …]} for the records in queryset.

    Each count is the number of distinct records in queryset carrying that value,
    largest first, ties by label. Past EXACT_LIMIT records the counts are estimated
    from a sample and the result's ``approximate`` attribute is True.
    """
    facets = [f for f in dict.fromkeys(facets)]
    if queryset.query.is_empty():
        return FacetCounts({facet: [] for facet in facets})
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    digest = hashlib.sha256(
        repr((engine.kind(queryset.model), facets, sql, params)).encode()
    ).hexdigest()
    key = f"coopdir:facet-rows:{engine.version()}:{digest}"
    counted = cache.get(key)
    if counted is None:
        counted = _count(queryset, facets)
        cache.set(key, counted, CACHE_SECONDS)
    rows, approximate = counted
    # Labelled here, not before caching: one language's names must not be served
    # to the other.
    result = label_rows(queryset.model, rows, facets)
    result.approximate = approximate
    return result


def cached_count(queryset):
    """Return queryset.count(), cached under the index version like facet counts.

    For the landing view of a large directory: counting a million published rows
    costs more than everything else on the page; an edit raises the version, so the
    cached number is never older than the data.
    """
    if queryset.query.is_empty():
        return 0
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    digest = hashlib.sha256(
        repr((engine.kind(queryset.model), sql, params)).encode()
    ).hexdigest()
    key = f"coopdir:count:{engine.version()}:{digest}"
    count = cache.get(key)
    if count is None:
        count = queryset.count()
        cache.set(key, count, CACHE_SECONDS)
    return count


def totals(model, facets, status="published"):
    """Return FacetCounts of facets over every record of model with status, read
    from the totals the index keeps on write (no record is read), with the number
    of those records as its ``total`` attribute."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT facet, value, n FROM {engine.TOTAL_TABLE}"
            " WHERE kind = %s AND status = %s AND n > 0",
            [engine.kind(model), status],
        )
        rows = cursor.fetchall()
    result = label_rows(model, rows, facets)
    result.total = sum(n for facet, _value, n in rows if facet == "all")
    return result
