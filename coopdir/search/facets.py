"""Facet counts for a result set, computed in the database."""

from django.db.models import Case, CharField, Count, Value, When
from django_countries import countries

from organisations.regions import Region, countries_in

FACETS = ("country", "sector", "kind", "region")


def _country_rows(queryset):
    """Return the through rows (record, country) of the records in queryset."""
    relation = queryset.model._meta.get_field("countries")
    through = relation.related_model
    fk = relation.field.name
    return through.objects.filter(**{f"{fk}__in": queryset.values("pk")}), fk


def _region_case():
    return Case(
        *[
            When(country__in=countries_in(region), then=Value(region))
            for region in Region
        ],
        default=Value(""),
        output_field=CharField(),
    )


def facet_counts(queryset, facets=FACETS):
    """Return {facet: [{"value", "label", "count"}, …]} for the records in queryset.

    Each count is the number of distinct records in queryset carrying that value,
    largest first, ties by label.
    """
    model = queryset.model
    result = {}
    base = queryset.order_by()
    if "country" in facets or "region" in facets:
        rows, fk = _country_rows(base)
    if "country" in facets:
        counted = rows.values("country").annotate(n=Count(fk, distinct=True))
        result["country"] = [
            {
                "value": row["country"],
                "label": countries.name(row["country"]),
                "count": row["n"],
            }
            for row in counted
        ]
    if "region" in facets:
        counted = (
            rows.annotate(region=_region_case())
            .exclude(region="")
            .values("region")
            .annotate(n=Count(fk, distinct=True))
        )
        result["region"] = [
            {
                "value": row["region"],
                "label": str(Region(row["region"]).label),
                "count": row["n"],
            }
            for row in counted
        ]
    if "sector" in facets:
        through = model._meta.get_field("sectors").remote_field.through
        fk = f"{model._meta.model_name}_id"
        counted = (
            through.objects.filter(**{f"{fk}__in": base.values("pk")})
            .values("sector__slug", "sector__name")
            .annotate(n=Count(fk, distinct=True))
        )
        result["sector"] = [
            {
                "value": row["sector__slug"],
                "label": row["sector__name"],
                "count": row["n"],
            }
            for row in counted
        ]
    for field in ("kind", "scope"):
        if field in facets:
            labels = dict(model._meta.get_field(field).choices)
            counted = base.values(field).annotate(n=Count("pk"))
            result[field] = [
                {
                    "value": row[field],
                    "label": str(labels.get(row[field], row[field])),
                    "count": row["n"],
                }
                for row in counted
            ]
    for values in result.values():
        values.sort(key=lambda item: (-item["count"], item["label"]))
    return result
